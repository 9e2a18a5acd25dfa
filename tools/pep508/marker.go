package pep508

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nixpy/rules_nixpy/tools/pep440"
)

// Env is the target a marker is evaluated for.
type Env struct {
	// Vars holds the string-valued marker variables (python_version, sys_platform, ...).
	Vars map[string]string
	// Extras and Groups hold normalised names: "extra == 'x'" holds when x is in Extras, and
	// PEP 751's "'x' in extras" and "'g' in dependency_groups" test these sets too.
	Extras []string
	Groups []string
}

// platform describes one Nix system string in the terms markers use.
type platform struct{ sysPlatform, platformSystem, machine string }

var platforms = map[string]platform{
	"x86_64-linux":   {"linux", "Linux", "x86_64"},
	"aarch64-linux":  {"linux", "Linux", "aarch64"},
	"x86_64-darwin":  {"darwin", "Darwin", "x86_64"},
	"aarch64-darwin": {"darwin", "Darwin", "arm64"},
}

// NewEnv returns the environment of CPython python (e.g. "3.11" or "3.11.9") on a Nix system
// (e.g. "x86_64-linux"). A python given as X.Y is taken as X.Y.0 for python_full_version.
func NewEnv(python, system string) (Env, error) {
	v, err := pep440.Parse(python)
	if err != nil || len(v.Release) < 2 || len(v.Release) > 3 || v.IsPrerelease() || v.IsPostrelease() || len(v.Local) > 0 || v.Epoch != 0 {
		return Env{}, fmt.Errorf("python version %q: want X.Y or X.Y.Z", python)
	}
	p, ok := platforms[system]
	if !ok {
		return Env{}, fmt.Errorf("system %q: want one of x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin", system)
	}
	full := v.Release
	if len(full) == 2 {
		full = append(full, 0)
	}
	fullStr := fmt.Sprintf("%d.%d.%d", full[0], full[1], full[2])
	return Env{Vars: map[string]string{
		"python_version":                 fmt.Sprintf("%d.%d", full[0], full[1]),
		"python_full_version":            fullStr,
		"implementation_version":         fullStr,
		"implementation_name":            "cpython",
		"platform_python_implementation": "CPython",
		"os_name":                        "posix",
		"sys_platform":                   p.sysPlatform,
		"platform_system":                p.platformSystem,
		"platform_machine":               p.machine,
		"platform_release":               "",
		"platform_version":               "",
	}}, nil
}

// WithExtras returns a copy of e whose extras are the given normalised names.
func (e Env) WithExtras(extras ...string) Env {
	e.Extras = extras
	return e
}

// Marker is a parsed environment marker. The nil Marker always holds.
type Marker interface {
	Eval(env Env) (bool, error)
	String() string
}

type orMarker struct{ l, r Marker }
type andMarker struct{ l, r Marker }

// cmpMarker compares two operands, each a variable name or a quoted literal.
type cmpMarker struct {
	lhs, op, rhs       string
	lhsIsVar, rhsIsVar bool
}

func (m orMarker) Eval(env Env) (bool, error) {
	l, err := m.l.Eval(env)
	if err != nil || l {
		return l, err
	}
	return m.r.Eval(env)
}

func (m orMarker) String() string { return "(" + m.l.String() + " or " + m.r.String() + ")" }

func (m andMarker) Eval(env Env) (bool, error) {
	l, err := m.l.Eval(env)
	if err != nil || !l {
		return l, err
	}
	return m.r.Eval(env)
}

func (m andMarker) String() string { return "(" + m.l.String() + " and " + m.r.String() + ")" }

func (m cmpMarker) String() string {
	q := func(s string, isVar bool) string {
		if isVar {
			return s
		}
		return `"` + s + `"`
	}
	return q(m.lhs, m.lhsIsVar) + " " + m.op + " " + q(m.rhs, m.rhsIsVar)
}

// versionVars are compared as PEP 440 versions when both sides parse as such.
var versionVars = map[string]bool{"python_version": true, "python_full_version": true, "implementation_version": true}

// setVars are PEP 751's set-valued variables, only usable with "in" and "not in".
var setVars = map[string]bool{"extras": true, "dependency_groups": true}

var knownVars = map[string]bool{
	"python_version": true, "python_full_version": true, "implementation_version": true,
	"implementation_name": true, "platform_python_implementation": true, "os_name": true,
	"sys_platform": true, "platform_system": true, "platform_machine": true,
	"platform_release": true, "platform_version": true, "extra": true,
	"extras": true, "dependency_groups": true,
}

func (m cmpMarker) Eval(env Env) (bool, error) {
	if m.lhs == "extra" && m.lhsIsVar || m.rhs == "extra" && m.rhsIsVar {
		return m.evalExtra(env)
	}
	if m.rhsIsVar && setVars[m.rhs] {
		set := env.Extras
		if m.rhs == "dependency_groups" {
			set = env.Groups
		}
		in := slices.Contains(set, Normalize(m.lhs))
		switch m.op {
		case "in":
			return in, nil
		case "not in":
			return !in, nil
		}
		return false, fmt.Errorf("marker %s: %s takes only 'in' and 'not in'", m, m.rhs)
	}
	lhs, rhs := m.value(env, m.lhs, m.lhsIsVar), m.value(env, m.rhs, m.rhsIsVar)
	versionish := m.lhsIsVar && versionVars[m.lhs] || m.rhsIsVar && versionVars[m.rhs]
	switch m.op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	}
	if versionish {
		if ok, handled := compareVersions(lhs, m.op, rhs); handled {
			return ok, nil
		}
	}
	switch m.op {
	case "==":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "===":
		return lhs == rhs, nil
	}
	return false, fmt.Errorf("marker %s: operator %s needs version operands", m, m.op)
}

// compareVersions applies a PEP 440 operator with lhs as the candidate and rhs as the
// specifier version; handled is false when either side is not a version.
func compareVersions(lhs, op, rhs string) (ok, handled bool) {
	v, err := pep440.Parse(lhs)
	if err != nil {
		return false, false
	}
	spec, err := pep440.ParseSpecifier(op + rhs)
	if err != nil {
		return false, false
	}
	return spec.Match(v, true), true
}

func (m cmpMarker) evalExtra(env Env) (bool, error) {
	other, otherIsVar := m.rhs, m.rhsIsVar
	if m.rhs == "extra" && m.rhsIsVar {
		other, otherIsVar = m.lhs, m.lhsIsVar
	}
	if otherIsVar {
		return false, fmt.Errorf("marker %s: extra must be compared with a literal", m)
	}
	in := slices.Contains(env.Extras, Normalize(other))
	switch m.op {
	case "==":
		return in, nil
	case "!=":
		return !in, nil
	}
	return false, fmt.Errorf("marker %s: extra takes only == and !=", m)
}

func (m cmpMarker) value(env Env, s string, isVar bool) string {
	if isVar {
		return env.Vars[s]
	}
	return s
}

// ParseMarker parses a marker expression such as `python_version < "3.11" and sys_platform != 'win32'`.
// An empty string gives the nil Marker.
func ParseMarker(s string) (Marker, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, fmt.Errorf("marker %q: %w", s, err)
	}
	p := &parser{toks: toks}
	m, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("marker %q: %w", s, err)
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("marker %q: unexpected %q", s, p.toks[p.pos].text)
	}
	return m, nil
}

// EvalMarker evaluates m, taking the nil Marker as true.
func EvalMarker(m Marker, env Env) (bool, error) {
	if m == nil {
		return true, nil
	}
	return m.Eval(env)
}

type tokKind int

const (
	tokVar tokKind = iota
	tokStr
	tokOp
	tokLParen
	tokRParen
	tokAnd
	tokOr
)

type token struct {
	kind tokKind
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")"})
			i++
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			toks = append(toks, token{tokStr, s[i+1 : i+1+end]})
			i += end + 2
		case strings.ContainsRune("<>=!~", rune(c)):
			j := i
			for j < len(s) && strings.ContainsRune("<>=!~", rune(s[j])) {
				j++
			}
			op := s[i:j]
			switch op {
			case "<", "<=", "==", "!=", ">=", ">", "~=", "===":
			default:
				return nil, fmt.Errorf("unknown operator %q", op)
			}
			toks = append(toks, token{tokOp, op})
			i = j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] == '_' || s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			word := s[i:j]
			switch word {
			case "and":
				toks = append(toks, token{tokAnd, word})
			case "or":
				toks = append(toks, token{tokOr, word})
			case "in":
				toks = append(toks, token{tokOp, "in"})
			case "not":
				rest := strings.TrimLeft(s[j:], " \t")
				if !strings.HasPrefix(rest, "in") {
					return nil, fmt.Errorf("'not' must be followed by 'in'")
				}
				toks = append(toks, token{tokOp, "not in"})
				j = len(s) - len(rest) + 2
			default:
				// Legacy dotted names (os.name, sys.platform) are what setuptools once wrote.
				word = strings.ReplaceAll(word, ".", "_")
				if !knownVars[word] {
					return nil, fmt.Errorf("unknown marker variable %q", s[i:j])
				}
				toks = append(toks, token{tokVar, word})
			}
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) or() (Marker, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokOr {
			return l, nil
		}
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orMarker{l, r}
	}
}

func (p *parser) and() (Marker, error) {
	l, err := p.atom()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokAnd {
			return l, nil
		}
		p.pos++
		r, err := p.atom()
		if err != nil {
			return nil, err
		}
		l = andMarker{l, r}
	}
}

func (p *parser) atom() (Marker, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("unexpected end")
	}
	if t.kind == tokLParen {
		p.pos++
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.kind != tokRParen {
			return nil, fmt.Errorf("missing ')'")
		}
		p.pos++
		return m, nil
	}
	lhs, err := p.operand()
	if err != nil {
		return nil, err
	}
	op, ok := p.peek()
	if !ok || op.kind != tokOp {
		return nil, fmt.Errorf("expected a comparison operator after %q", lhs.text)
	}
	p.pos++
	rhs, err := p.operand()
	if err != nil {
		return nil, err
	}
	return cmpMarker{lhs: lhs.text, op: op.text, rhs: rhs.text, lhsIsVar: lhs.kind == tokVar, rhsIsVar: rhs.kind == tokVar}, nil
}

func (p *parser) operand() (token, error) {
	t, ok := p.peek()
	if !ok {
		return token{}, fmt.Errorf("unexpected end")
	}
	if t.kind != tokVar && t.kind != tokStr {
		return token{}, fmt.Errorf("expected a variable or a string, got %q", t.text)
	}
	p.pos++
	return t, nil
}
