package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// listFlag is a repeatable flag: each use adds one value.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// argvFlag is a command line (--entrypoint, --cmd): each use adds one argument, or a JSON array
// sets them all at once. It stays nil when unused, so an unset flag keeps a base image's value.
type argvFlag struct {
	argv []string
	set  bool
}

func (a *argvFlag) String() string {
	if a == nil {
		return ""
	}
	return strings.Join(a.argv, " ")
}

func (a *argvFlag) Set(v string) error {
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

func (a *argvFlag) value() []string {
	if !a.set {
		return nil
	}
	return append([]string{}, a.argv...)
}

// mapFlag is a repeatable KEY=VALUE flag.
type mapFlag map[string]string

func (m mapFlag) String() string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k+"="+m[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

func (m mapFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	m[k] = val
	return nil
}

// newFlagSet makes a flag set that reports to stderr and prints usage then the flags for -h.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("nixpy "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: nixpy %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments (nixpy closure PATH -o FILE),
// and returns the positional arguments. -h is not an error: usage was printed, errHelp says stop.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, errUsage
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

// usageError prints a usage problem the flag package cannot see, like a missing required flag.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "nixpy %s: %s\n", strings.TrimPrefix(fs.Name(), "nixpy "), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}
