package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMatchTrace: a failing run with a bug switch, rendered as a kernel
// trace with its ids renumbered, is found again by explore --match-trace;
// the execution it writes replays and fails the same way. A trace no run
// can contain (an impossible ref count) is not found: exit 1.
func TestMatchTrace(t *testing.T) {
	dir := t.TempDir()
	code, text, errs := runCLI("render", "--format", "trace-cmd", failingTrace(t))
	if code != exitPass {
		t.Fatalf("render: %d %s", code, errs)
	}
	renumbered := strings.NewReplacer("c=00000002", "c=00000a17", "V=00000001", "V=00000033").Replace(text)
	p := writeFile(t, dir, "bug.trace", renumbered)
	out := filepath.Join(dir, "found")
	code, stdout, errs := runCLI("explore", "--match-trace", p, "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch",
		"--strategy", "random", "--seed", "6", "--executions", "4", "--out", out)
	if code != exitPass || !strings.Contains(stdout, "FOUND") || !strings.Contains(stdout, "c=00000a17->c=00000002") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, errs)
	}
	m := regexp.MustCompile(`(?m)^  trace: (.*)$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no trace path in:\n%s", stdout)
	}
	code, rep, _ := runCLI("replay", m[1])
	if code != exitFailure || !strings.Contains(rep, "identical") || !strings.Contains(rep, "FAIL") {
		t.Fatalf("the found execution does not replay its failure: exit %d\n%s", code, rep)
	}
	// An impossible count: no execution prints it.
	bad := regexp.MustCompile(`PUT relnq r=\d+`).ReplaceAllString(renumbered, "PUT relnq r=77")
	code, stdout, _ = runCLI("explore", "--match-trace", writeFile(t, dir, "bad.trace", bad), "--scenario", "lru-vs-relinquish",
		"--bugs", "lru-discard-no-redispatch", "--executions", "3", "--out", out)
	if code != exitFailure || !strings.Contains(stdout, "NOT FOUND") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	if code, _, errs := runCLI("explore", "--match-trace", writeFile(t, dir, "empty.trace", "")); code != exitUsage || strings.Count(errs, "\n") != 1 {
		t.Fatalf("empty trace: exit %d %q", code, errs)
	}
}
