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
