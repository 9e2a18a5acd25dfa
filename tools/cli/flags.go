// Package cli holds what nixpy's commands share: the subcommand type and dispatcher, and flag types.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ListFlag is a repeatable flag: each use adds one value.
type ListFlag []string

func (l *ListFlag) String() string { return strings.Join(*l, " ") }
func (l *ListFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// ArgvFlag is a command line (--entrypoint, --cmd): each use adds one argument, or a JSON array
// sets them all at once. It stays nil when unused, so an unset flag keeps a base image's value.
type ArgvFlag struct {
	argv []string
	set  bool
}

func (a *ArgvFlag) String() string {
	if a == nil {
		return ""
	}
	return strings.Join(a.argv, " ")
}

func (a *ArgvFlag) Set(v string) error {
	a.set = true
	if strings.HasPrefix(strings.TrimSpace(v), "[") {
		var argv []string
		if err := json.Unmarshal([]byte(v), &argv); err != nil {
			return fmt.Errorf("not a JSON array of strings: %w", err)
		}
		a.argv = append(a.argv, argv...)
		return nil
	}
	a.argv = append(a.argv, v)
	return nil
}

func (a *ArgvFlag) Value() []string {
	if !a.set {
		return nil
	}
	return append([]string{}, a.argv...)
}

// MapFlag is a repeatable KEY=VALUE flag.
type MapFlag map[string]string

func (m MapFlag) String() string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k+"="+m[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

func (m MapFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	m[k] = val
	return nil
}

// NewFlagSet makes a flag set that reports to stderr and prints usage then the flags for -h.
func NewFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("nixpy "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: nixpy %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// ParseFlags parses args, allowing flags after positional arguments (nixpy closure PATH -o FILE),
// and returns the positional arguments. -h is not an error: usage was printed, errHelp says stop.
func ParseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, ErrUsage
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// errHelp ends a subcommand that printed its usage for -h: not a failure.
var errHelp = errors.New("help requested")

// UsageError prints a usage problem the flag package cannot see, like a missing required flag.
func UsageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "nixpy %s: %s\n", strings.TrimPrefix(fs.Name(), "nixpy "), fmt.Sprintf(format, args...))
	fs.Usage()
	return ErrUsage
}

// Parse parses the flags of a subcommand that takes no positional argument and needs each flag named in
// required set (to a non-empty value). done says the subcommand is to return err now: nil after -h, a usage
// error for anything else.
func Parse(fs *flag.FlagSet, args []string, required ...string) (done bool, err error) {
	rest, err := ParseFlags(fs, args)
	if err != nil {
		return true, HelpIsSuccess(err)
	}
	if len(rest) > 0 {
		return true, UsageError(fs, "unexpected arguments %q", rest)
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			return true, UsageError(fs, "%s", requiredMessage(required))
		}
	}
	return false, nil
}

// requiredMessage says which flags are required: "--a is required", "--a, --b and --c are required".
func requiredMessage(names []string) string {
	flags := make([]string, len(names))
	for i, n := range names {
		flags[i] = "--" + n
	}
	if len(flags) == 1 {
		return flags[0] + " is required"
	}
	return strings.Join(flags[:len(flags)-1], ", ") + " and " + flags[len(flags)-1] + " are required"
}

// HelpIsSuccess turns the -h case into success and passes other parse errors on.
func HelpIsSuccess(err error) error {
	if err == errHelp {
		return nil
	}
	return err
}
