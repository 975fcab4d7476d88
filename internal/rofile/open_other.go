//go:build !linux

package rofile

import "os"

// Open is os.Open: elsewhere the runtime does not poll regular files.
func Open(name string) (*os.File, error) { return os.Open(name) }
