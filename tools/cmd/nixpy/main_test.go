package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"version", []string{"version"}, 0, "nixpy dev\n", ""},
		{"version takes no arguments", []string{"version", "x"}, 2, "", "usage: nixpy version"},
		{"help lists subcommands", []string{"help"}, 0, "  version    print the nixpy version", ""},
		{"help of one subcommand", []string{"help", "version"}, 0, "nixpy version: print the nixpy version", ""},
		{"help of an unknown subcommand", []string{"help", "nope"}, 1, "", `unknown subcommand "nope"`},
		{"no subcommand", nil, 2, "", "usage: nixpy SUBCOMMAND"},
		{"unknown subcommand", []string{"frobnicate"}, 2, "", `unknown subcommand "frobnicate"`},
		{"ci needs --head", []string{"ci", "--base", "abc"}, 2, "", "nixpy ci: --head is required"},
		{"ci outside a Git repository", []string{"ci", "--head", "HEAD", "--workspace", "/"}, 1, "", "nixpy ci: --head HEAD: not a commit of the repository at /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
