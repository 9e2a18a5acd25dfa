// Package tomlfile decodes a TOML file and reports errors as "file:line: message", the form
// editors and Bazel's output jump to.
package tomlfile

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Decode decodes data, read from file, into v.
func Decode(file string, data []byte, v any) error {
	_, err := toml.Decode(string(data), v)
	return wrap(file, err)
}

// Doc is a parsed TOML file that can be decoded into several shapes without parsing it again,
// which matters for large lock files: first a probe of a few keys, then the full structure.
type Doc struct {
	file string
	md   toml.MetaData
	root toml.Primitive
}

// Parse parses data, read from file.
func Parse(file string, data []byte) (*Doc, error) {
	d := &Doc{file: file}
	md, err := toml.Decode(string(data), &d.root)
	if err != nil {
		return nil, wrap(file, err)
	}
	d.md = md
	return d, nil
}

// Decode decodes the whole document into v.
func (d *Doc) Decode(v any) error {
	return wrap(d.file, d.md.PrimitiveDecode(d.root, v))
}

// wrap turns a toml error into "file:line: invalid TOML: message".
func wrap(file string, err error) error {
	if err == nil {
		return nil
	}
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.Position.Line > 0 {
		msg, line := pe.Message, pe.Position.Line
		// The parser counts the newline it stopped at as the start of the next line.
		if strings.Contains(msg, `got '\n'`) && line > 1 {
			line--
		}
		if pe.LastKey != "" {
			msg = fmt.Sprintf("%s (key %s)", msg, pe.LastKey)
		}
		return fmt.Errorf("%s:%d: invalid TOML: %s", file, line, msg)
	}
	// A value of the wrong type is reported as a plain error that names the line in its text.
	if m := typeErrRE.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s:%s: invalid TOML: %s (key %s)", file, m[1], m[3], m[2])
	}
	return fmt.Errorf("%s: invalid TOML: %s", file, strings.TrimPrefix(err.Error(), "toml: "))
}

var typeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)
