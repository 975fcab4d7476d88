package config

import (
	"bytes"
	"strings"

	"github.com/BurntSushi/toml"
)

// Unmarshal strictly decodes TOML data named name into v: a syntax error
// names the line, a key that v has no field for is an error, and no
// message quotes the input. It is how the store's own TOML files (team
// manifest, environment.toml, project.toml) are read, so that packages
// above config never import a TOML library.
func Unmarshal(name string, data []byte, v any) error {
	return decodeStrict(name, data, v)
}

// Marshal encodes v as TOML.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimLeft(buf.String(), "\n")), nil
}
