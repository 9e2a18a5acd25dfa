// Package tomlfile decodes a TOML file and reports errors as "file:line: message", the form
// editors and Bazel's output jump to.
package tomlfile

import (
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
)

// Decode decodes data, read from file, into v.
func Decode(file string, data []byte, v any) error {
	_, err := toml.Decode(string(data), v)
	if err == nil {
		return nil
	}
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.Position.Line > 0 {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = fmt.Sprintf("%s (key %s)", msg, pe.LastKey)
		}
		return fmt.Errorf("%s:%d: invalid TOML: %s", file, pe.Position.Line, msg)
	}
	return fmt.Errorf("%s: invalid TOML: %w", file, err)
}
