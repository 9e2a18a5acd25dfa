package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nixpy/rules_nixpy/testing/workflow"
)

// TestRunJSON: the JSON the end-to-end tests read is RunSteps' result, field for field.
func TestRunJSON(t *testing.T) {
	fixture := filepath.Join("..", "..", "testdata", "steps.yml")
	expr := map[string]string{
		"github.sha":   "abc123",
		"github.actor": "octocat",
		"github.event_name == 'workflow_dispatch'": "false",
		"github.event_name == 'push'":              "true",
		"runner.temp":                              "/tmp/runner",
		"'a}}b'":                                   "a}}b",
		"false":                                    "false",
	}
	in, err := json.Marshal(expr)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(fixture, "build", strings.NewReader(string(in)), &out); err != nil {
		t.Fatal(err)
	}
	var got []workflow.Step
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
		t.Fatalf("output is not a JSON array of steps: %v\n%s", err, out.String())
	}
	want, err := workflow.RunSteps(fixture, "build", expr)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("got %d steps, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("step %d: got %s, want %s", i, g, w)
		}
	}

	// A missing expression is RunSteps' error, not an empty list.
	err = run(fixture, "build", strings.NewReader(`{}`), &out)
	if err == nil || !strings.Contains(err.Error(), "no value for") {
		t.Errorf("without expressions: err = %v, want RunSteps' missing-expression error", err)
	}
	if err := run(fixture, "build", strings.NewReader(`["not", "an", "object"]`), &out); err == nil {
		t.Error("a JSON array on stdin was accepted")
	}
}
