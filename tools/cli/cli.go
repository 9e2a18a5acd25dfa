package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
)

// Command is one subcommand: Run gets the arguments after the subcommand's name.
type Command struct {
	Summary string
	Run     func(args []string, stdout, stderr io.Writer) error
}

// ErrUsage marks an error whose message already told the user how to call the command.
var ErrUsage = errors.New("usage error")

// Tool is a command made of subcommands, with `version` and `help` besides them.
type Tool struct {
	// Name is the command's name in messages: nixpy, whichever binary holds the subcommands.
	Name     string
	Version  string
	Commands map[string]Command
}

// Run executes one invocation and returns the process exit code: 0 on success, 2 on a usage error,
// 1 on any other failure.
func (t Tool) Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		t.printUsage(stderr)
		return 2
	}
	cmd, ok := t.commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown subcommand %q\n\n", t.Name, args[0])
		t.printUsage(stderr)
		return 2
	}
	if err := cmd.Run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, ErrUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "%s %s: %v\n", t.Name, args[0], err)
		return 1
	}
	return 0
}

func (t Tool) commands() map[string]Command {
	cmds := maps.Clone(t.Commands)
	cmds["version"] = Command{"print the " + t.Name + " version", t.runVersion}
	cmds["help"] = Command{"list the subcommands, or show one's flags: " + t.Name + " help SUBCOMMAND", t.runHelp}
	return cmds
}

func (t Tool) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s SUBCOMMAND [flags]\n\nsubcommands:\n", t.Name)
	cmds := t.commands()
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		fmt.Fprintf(w, "  %-10s %s\n", name, cmds[name].Summary)
	}
}

func (t Tool) runVersion(args []string, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		fmt.Fprintf(stderr, "usage: %s version\n", t.Name)
		return ErrUsage
	}
	fmt.Fprintf(stdout, "%s %s\n", t.Name, t.Version)
	return nil
}

func (t Tool) runHelp(args []string, stdout, stderr io.Writer) error {
	switch len(args) {
	case 0:
		t.printUsage(stdout)
		return nil
	case 1:
		cmd, ok := t.commands()[args[0]]
		if !ok {
			return fmt.Errorf("unknown subcommand %q", args[0])
		}
		if args[0] == "help" || args[0] == "version" {
			fmt.Fprintf(stdout, "%s %s: %s\n", t.Name, args[0], cmd.Summary)
			return nil
		}
		// Every other subcommand prints its flags for -h through the flag package.
		return cmd.Run([]string{"-h"}, stdout, stdout)
	default:
		fmt.Fprintf(stderr, "usage: %s help [SUBCOMMAND]\n", t.Name)
		return ErrUsage
	}
}
