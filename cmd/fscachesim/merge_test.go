package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/explorer"
)

// TestMergeRefusesContradictions: summaries that contradict themselves or
// cannot come from one exploration are refused with one line, exit 2, and
// never a panic.
func TestMergeRefusesContradictions(t *testing.T) {
	tmp := t.TempDir()
	shard := func(i int, extra ...string) explorer.Summary {
		args := append([]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--keep-going", "--executions", "60", "--json", "--out", tmp, "--shard", fmt.Sprintf("%d/2", i)}, extra...)
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitFailure {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var s explorer.Summary
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s0, s1 := shard(0), shard(1)
	s1Exec := shard(1, "--executions", "80")
	s1Seed := shard(1, "--seed", "9")
	if len(s0.Failures) == 0 {
		t.Fatalf("want failures in shard 0: %s", s0.Line())
	}
	write := func(name string, s explorer.Summary) string {
		data, _ := json.Marshal(s)
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good0, good1 := write("s0.json", s0), write("s1.json", s1)
	if code, out, errs := runCLI("merge", good0, good1); code != exitFailure {
		t.Fatalf("the good shards: exit %d:\n%s%s", code, out, errs)
	}
	edit := func(f func(s *explorer.Summary)) explorer.Summary {
		var c explorer.Summary
		data, _ := json.Marshal(s0)
		json.Unmarshal(data, &c)
		f(&c)
		return c
	}
	firstFailure := edit(func(s *explorer.Summary) { s.KeepGoing = false; s.Failures = nil })
	cases := []struct {
		name  string
		other explorer.Summary
		bad   explorer.Summary
		want  string
	}{
		{"failed count above the list", s1, edit(func(s *explorer.Summary) { s.KeepGoing = false; s.Failures = s.Failures[:0] }), "failure"},
		{"first-failure without its failure", s1, firstFailure, "failure"},
		{"negative executions", s1, edit(func(s *explorer.Summary) { s.Executions = -5 }), "negative"},
		{"negative failed", s1, edit(func(s *explorer.Summary) { s.Failed = -1 }), "negative"},
		{"counts disagree", s1, edit(func(s *explorer.Summary) { s.Executions += 7 }), "executions"},
		{"failure counts disagree", s1, edit(func(s *explorer.Summary) { s.Failures[0].Count += 3 }), "fail"},
		{"other --executions", s1Exec, s0, "executions"},
		{"other seed", s1Seed, s0, "seed"},
		{"other version", s1, edit(func(s *explorer.Summary) { s.Tool = "0.0.1" }), "version"},
		{"other budget", s1, edit(func(s *explorer.Summary) { s.Budget = "5s" }), "budget"},
		{"shard out of range", s1, edit(func(s *explorer.Summary) { s.Shard.I = 5 }), "shard"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := write("bad.json", tc.bad), write("other.json", tc.other)
			code, out, errs := runCLI("merge", a, b)
			if code != exitUsage || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) || out != "" {
				t.Fatalf("exit %d, want %d and one line with %q:\nstdout: %s\nstderr: %s", code, exitUsage, tc.want, out, errs)
			}
		})
	}
}
