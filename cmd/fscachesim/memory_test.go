package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWeakMemoryTrace: 'run --strategy pos+weak' records the memory model
// in the trace header, and 'replay' of that trace runs it the same way
// (identical). A header naming an unknown model is a usage error.
func TestWeakMemoryTrace(t *testing.T) {
	tmp := t.TempDir()
	trace := filepath.Join(tmp, "w.trace.jsonl")
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--scenario", "lru-vs-use", "--seed", "3", "--strategy", "pos+weak", "--trace", trace}, &out, &errb); code != exitPass {
		t.Fatalf("run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	data, err := os.ReadFile(trace)
	if err != nil || !bytes.Contains(data, []byte(`"options":{"memory":"weak"}`)) {
		t.Fatalf("the header does not record the memory model: %v\n%.300s", err, data)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"replay", trace}, &out, &errb); code != exitPass || !strings.Contains(out.String(), "identical") {
		t.Fatalf("replay: exit %d\n%s%s", code, out.String(), errb.String())
	}
	bad := filepath.Join(tmp, "bad.trace.jsonl")
	if err := os.WriteFile(bad, bytes.Replace(data, []byte(`"memory":"weak"`), []byte(`"memory":"alpha"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"replay", bad}, &out, &errb); code == exitPass || !strings.Contains(errb.String()+out.String(), "alpha") {
		t.Fatalf("replay of an unknown memory model: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

// TestExhaustiveRefusesWeakMemory: the exhaustive search has no weak-memory
// mode (POR does not see store-buffer flushes as accesses), so
// '--exhaustive --strategy NAME+weak' (or +tso) is refused with one line
// and the usage exit code, naming the reason; the same command without
// the memory model gets the generic refusal of --strategy.
func TestExhaustiveRefusesWeakMemory(t *testing.T) {
	for _, st := range []string{"pos+weak", "random+tso"} {
		var out, errb bytes.Buffer
		code := run([]string{"explore", "--exhaustive", "--scenario", "lru-vs-use", "--bound", "0", "--strategy", st}, &out, &errb)
		msg := errb.String()
		if code != exitUsage || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "no weak-memory mode") {
			t.Fatalf("%s: exit %d, stderr %q, want exit %d and one line about the weak-memory mode", st, code, msg, exitUsage)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"explore", "--exhaustive", "--scenario", "lru-vs-use", "--bound", "0", "--strategy", "pos"}, &out, &errb); code != exitUsage || strings.Contains(errb.String(), "weak") {
		t.Fatalf("pos: exit %d, stderr %q", code, errb.String())
	}
}
