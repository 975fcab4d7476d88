//go:build !linux

package config

import "time"

// processStart is unknown here: a lock is then judged by its pid alone.
func processStart(pid int) (string, bool) { return "", false }

func startTime(start string) (time.Time, bool) { return time.Time{}, false }
