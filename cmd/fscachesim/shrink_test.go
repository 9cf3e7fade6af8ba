package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestShrinkNeverLarger: shrink never writes a trace with more decisions,
// steps or events than its input (fewer preemptions used to cost an event
// or three), and says when it stopped at its attempt bound, so a further
// shrink could go smaller.
func TestShrinkNeverLarger(t *testing.T) {
	dir := t.TempDir()
	// The first three seeds whose run fails (random walk).
	var failing []string
	for n := 1; n <= 300 && len(failing) < 3; n++ {
		seed := strconv.Itoa(n)
		in := filepath.Join(dir, "in"+seed+".trace.jsonl")
		code, out, errs := runCLI("run", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--seed", seed, "--trace", in)
		switch code {
		case exitFailure:
			failing = append(failing, seed)
		case exitPass:
		default:
			t.Fatalf("run seed %s: exit %d:\n%s%s", seed, code, out, errs)
		}
	}
	if len(failing) < 3 {
		t.Fatalf("only %d failing seeds of 300", len(failing))
	}
	for _, seed := range failing {
		in := filepath.Join(dir, "in"+seed+".trace.jsonl")
		small := filepath.Join(dir, "small"+seed+".trace.jsonl")
		code, out, errs := runCLI("shrink", "--attempts", "300", "--out", small, in)
		if code != exitPass {
			t.Fatalf("shrink: exit %d:\n%s%s", code, out, errs)
		}
		a, err := readTrace(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := readTrace(small)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Log) > len(a.Log) || b.Verdict.Steps > a.Verdict.Steps || len(b.Events) > len(a.Events) {
			t.Errorf("seed %s: the shrunk trace is larger: decisions %d -> %d, steps %d -> %d, events %d -> %d",
				seed, len(a.Log), len(b.Log), a.Verdict.Steps, b.Verdict.Steps, len(a.Events), len(b.Events))
		}
	}
	in := filepath.Join(dir, "in"+failing[0]+".trace.jsonl")
	code, out, errs := runCLI("shrink", "--attempts", "3", "--out", filepath.Join(dir, "x.trace.jsonl"), in)
	if code != exitPass || !strings.Contains(out, "stopped at its attempt bound (3 re-runs): a further shrink could go smaller") {
		t.Errorf("shrink --attempts 3: exit %d, no word of the bound:\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI("shrink", "--attempts", "5000", "--out", filepath.Join(dir, "y.trace.jsonl"), in)
	if code != exitPass || strings.Contains(out, "attempt bound") {
		t.Errorf("shrink --attempts 5000: exit %d, speaks of a bound it did not hit:\n%s", code, out)
	}
}
