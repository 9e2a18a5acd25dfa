// Package tomlfile decodes a TOML file and reports errors as "file:line: message", the form
// editors and Bazel's output jump to.
//
// It uses github.com/pelletier/go-toml/v2, which decodes straight into the typed structs of
// the callers; that is several times faster than a generic parse followed by a decode, and a
// 300-package uv.lock is mostly TOML parsing.
package tomlfile

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Decode decodes data, read from file, into v.
func Decode(file string, data []byte, v any) error {
	return wrap(file, toml.Unmarshal(data, v))
}

// wrap turns a toml error into "file:line: invalid TOML: message (key k)".
func wrap(file string, err error) error {
	if err == nil {
		return nil
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		// go-toml names the Go struct type, which means nothing to whoever edits the file.
		if m := mismatchRE.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("incompatible types: TOML value has type %s; destination has type %s", m[1], m[2])
		}
		if k := strings.Join(de.Key(), "."); k != "" && !strings.Contains(msg, "key "+k+" ") {
			msg = fmt.Sprintf("%s (key %s)", msg, k)
		}
		return fmt.Errorf("%s:%d: invalid TOML: %s", file, line, msg)
	}
	return fmt.Errorf("%s: invalid TOML: %s", file, strings.TrimPrefix(err.Error(), "toml: "))
}

var mismatchRE = regexp.MustCompile(`^cannot decode TOML (.+) into (?:struct field .* of type )?(.+)$`)
