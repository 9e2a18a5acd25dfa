// Package nixexpr writes Nix source text. Every string that comes from user input reaches the
// output through String, the one escaping function, so input can never end a string literal
// or start an interpolation.
package nixexpr

import (
	"fmt"
	"regexp"
	"strings"
)

// String returns s as a double-quoted Nix string literal. It escapes '\', '"' and "${"
// (which would start an interpolation), and writes newline, return and tab as escapes so a
// literal never spans lines. Other bytes are kept: Nix strings are byte strings.
func String(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			b.WriteString(`\$`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == 0:
			// Nix reads its source as a C string, so a NUL byte would end the file early;
			// U+FFFD takes its place.
			b.WriteString("\uFFFD")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var identRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_'-]*$`)

// keywords cannot be bare attribute names.
var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "assert": true, "with": true, "let": true,
	"in": true, "rec": true, "inherit": true, "or": true,
}

// AttrName returns s as an attribute name: bare when it is a plain identifier, quoted otherwise.
func AttrName(s string) string {
	if identRE.MatchString(s) && !keywords[s] {
		return s
	}
	return String(s)
}

// AttrPath returns base.name with name quoted when it must be, e.g. python.pkgs."zope.interface".
func AttrPath(base, name string) string { return base + "." + AttrName(name) }

// Writer accumulates indented lines of Nix.
type Writer struct {
	b      strings.Builder
	indent int
}

// Line writes one line at the current indentation; format is Go fmt syntax and must not
// carry user input except through String or AttrName.
func (w *Writer) Line(format string, args ...any) {
	if format == "" {
		w.b.WriteByte('\n')
		return
	}
	w.b.WriteString(strings.Repeat("  ", w.indent))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

// Open writes a line and indents the following ones.
func (w *Writer) Open(format string, args ...any) {
	w.Line(format, args...)
	w.indent++
}

// Close unindents and writes a line.
func (w *Writer) Close(format string, args ...any) {
	w.indent--
	w.Line(format, args...)
}

// Dedent unindents without writing, to end an Open whose last line carries the terminator.
func (w *Writer) Dedent() { w.indent-- }

// Raw writes text as is, for fixed Nix source that is part of this program.
func (w *Writer) Raw(text string) { w.b.WriteString(text) }

// List writes "prefix [ a b c ]suffix" on one line when short, else one item a line.
func (w *Writer) List(prefix string, items []string, suffix string) {
	if len(items) == 0 {
		w.Line("%s[ ]%s", prefix, suffix)
		return
	}
	one := prefix + "[ " + strings.Join(items, " ") + " ]" + suffix
	if len(one)+2*w.indent <= 100 {
		w.Line("%s", one)
		return
	}
	w.Open("%s[", prefix)
	for _, it := range items {
		w.Line("%s", it)
	}
	w.Close("]%s", suffix)
}

// Bytes returns what was written.
func (w *Writer) Bytes() []byte { return []byte(w.b.String()) }
