package ruledoc

import (
	"fmt"
	"strings"
)

// docstring is a function's docstring split into its Google-style sections.
type docstring struct {
	text       string // the description: everything outside the sections below
	args       []argDoc
	returns    string
	deprecated string
}

type argDoc struct {
	name string // as written, e.g. **kwargs
	doc  string
}

// parseDocstring splits a dedented docstring. Sections start at a line "Args:", "Returns:" or
// "Deprecated:" at the left margin and run to the next line back at the margin.
func parseDocstring(s string) (docstring, error) {
	var d docstring
	var text []string
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); {
		header := strings.TrimRight(lines[i], " \t")
		if header != "Args:" && header != "Returns:" && header != "Deprecated:" {
			text = append(text, lines[i])
			i++
			continue
		}
		// The section's blank lines are its own: keep the text around it apart.
		if len(text) > 0 && text[len(text)-1] != "" {
			text = append(text, "")
		}
		var body []string
		for i++; i < len(lines) && (lines[i] == "" || indent(lines[i]) > 0); i++ {
			body = append(body, lines[i])
		}
		switch header {
		case "Args:":
			args, err := parseArgs(body)
			if err != nil {
				return d, err
			}
			d.args = append(d.args, args...)
		case "Returns:":
			d.returns = block(body)
		case "Deprecated:":
			d.deprecated = block(body)
		}
	}
	d.text = strings.TrimSpace(strings.Join(text, "\n"))
	return d, nil
}

// parseArgs reads "NAME: DESCRIPTION" entries; more indented lines continue the description.
func parseArgs(body []string) ([]argDoc, error) {
	var args []argDoc
	var cont []string // continuation lines of the last entry
	flush := func() {
		if len(args) > 0 {
			last := &args[len(args)-1]
			last.doc = strings.TrimSpace(last.doc + "\n" + strings.Join(unindent(cont), "\n"))
		}
		cont = nil
	}
	for _, line := range unindent(body) {
		if line == "" || indent(line) > 0 {
			if line != "" && len(args) == 0 {
				return nil, fmt.Errorf("Args: %q continues no NAME: DESCRIPTION", strings.TrimSpace(line))
			}
			cont = append(cont, line)
			continue
		}
		name, doc, ok := strings.Cut(line, ":")
		if !ok || !isParamName(name) {
			return nil, fmt.Errorf("Args: %q is not NAME: DESCRIPTION", line)
		}
		flush()
		args = append(args, argDoc{name: name, doc: strings.TrimSpace(doc)})
	}
	flush()
	return args, nil
}

// isParamName accepts an identifier with the * or ** of a varargs parameter.
func isParamName(s string) bool {
	s = strings.TrimLeft(s, "*")
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// block removes the common indentation of lines and the blank lines around them.
func block(lines []string) string {
	return strings.TrimSpace(strings.Join(unindent(lines), "\n"))
}

// unindent removes the common indentation of lines; blank lines are "" after dedent.
func unindent(lines []string) []string {
	margin := -1
	for _, line := range lines {
		if line != "" && (margin < 0 || indent(line) < margin) {
			margin = indent(line)
		}
	}
	out := make([]string, len(lines))
	for i, line := range lines {
		if line != "" {
			out[i] = line[margin:]
		}
	}
	return out
}
