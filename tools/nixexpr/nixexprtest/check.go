package nixexprtest

import "fmt"

// Check is a small structural check of Nix source written by this module's users, for tests
// and fuzzing where nix-instantiate is not at hand: brackets balance outside strings and
// comments, every double-quoted string ends on its line, no interpolation ("${") appears
// anywhere, and no indented string (” ... ”) is used. Output that passes holds no construct
// through which input could run code.
func Check(src []byte) error {
	var stack []byte
	line := 1
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			line++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			return fmt.Errorf("line %d: block comment", line)
		case c == '\'' && i+1 < len(src) && src[i+1] == '\'':
			return fmt.Errorf("line %d: indented string", line)
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			return fmt.Errorf("line %d: interpolation outside a string", line)
		case c == '"':
			end, err := stringEnd(src, i+1)
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			i = end
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return fmt.Errorf("line %d: unbalanced %q", line, c)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		return fmt.Errorf("unclosed %q at end of input", stack[len(stack)-1])
	}
	return nil
}

// stringEnd returns the index of the quote closing the string that starts at i.
func stringEnd(src []byte, i int) (int, error) {
	for ; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i, nil
		case '\n', 0:
			return 0, fmt.Errorf("string literal spans lines or holds NUL")
		case '$':
			if i+1 < len(src) && src[i+1] == '{' {
				return 0, fmt.Errorf("interpolation in a string literal")
			}
		}
	}
	return 0, fmt.Errorf("unterminated string literal")
}
