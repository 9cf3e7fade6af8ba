package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

// TestPreemptionsOneMeaning: run, replay, shrink, the HTML page and the
// trace file all give the same preemption count (the CHESS count) and the
// same switch count, and a run's preemptions never exceed its switches.
func TestPreemptionsOneMeaning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.trace.jsonl")
	code, out, _ := runCLI("run", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--seed", "9", "--trace", path)
	if code != exitFailure {
		t.Fatalf("run: exit %d:\n%s", code, out)
	}
	m := regexp.MustCompile(`schedule: \d+ decisions, (\d+) preemptions, (\d+) switches`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("run does not print the counts:\n%s", out)
	}
	counts := m[1] + " preemptions, " + m[2] + " switches"
	var pre, sw int
	fmt.Sscan(m[1], &pre)
	fmt.Sscan(m[2], &sw)
	if pre > sw || pre == 0 {
		t.Fatalf("%s: preemptions must be at least 1 here and at most the switches", counts)
	}
	_, rout, _ := runCLI("replay", path)
	_, sout, _ := runCLI("shrink", "--attempts", "2", "--out", filepath.Join(t.TempDir(), "s.trace.jsonl"), path)
	html := filepath.Join(t.TempDir(), "f.html")
	runCLI("render", "--html", html, path)
	page, _ := os.ReadFile(html)
	file, _ := os.ReadFile(path)
	for what, text := range map[string]string{"replay": rout, "shrink": sout} {
		if !strings.Contains(text, counts) {
			t.Errorf("%s does not say %q:\n%s", what, counts, text)
		}
	}
	if !strings.Contains(string(page), m[1]+" preemptions · "+m[2]+" switches") {
		t.Errorf("the HTML page does not say %q", counts)
	}
	if !strings.Contains(string(file), fmt.Sprintf(`"preemptions":%d,"switches":%d`, pre, sw)) || strings.Contains(strings.SplitN(string(file), "\n", 3)[1], "preemptions") {
		t.Errorf("the trace file's verdict does not hold the counts, or its log line still says preemptions")
	}
	// The kernel's counts, over many runs: preemptions <= switches.
	b := model.Bugs{LRUDiscardNoRedispatch: true}
	for _, strat := range []string{"random", "pct:3", "pos"} {
		for seed := uint64(1); seed <= 30; seed++ {
			st, _ := newStrategy(strat)
			res, _, err := runHeader(traces.NewHeader(Version, "lru-vs-use", seed, strat, b.Names(), sim.DefaultMaxSteps), st, false)
			if err != nil {
				t.Fatal(err)
			}
			if res.Preemptions > res.Switches {
				t.Fatalf("%s seed %d: %d preemptions > %d switches", strat, seed, res.Preemptions, res.Switches)
			}
		}
	}
}
