package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"list"}, exitPass, "lru-vs-relinquish"},
		{[]string{"alloc-sites"}, exitPass, "cachefiles_alloc_object"},
		{[]string{"bugs"}, exitPass, "lru-discard-no-redispatch"},
		{[]string{"version"}, exitPass, "fscachesim "},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"explore", "--scenario", "nosuch"}, exitUsage, "unknown scenario"},
		{[]string{"explore", "--bugs", "nosuch"}, exitUsage, "unknown bug switch"},
		{[]string{"explore", "--strategy", "pct:9"}, exitUsage, "bad strategy"},
		{[]string{"explore", "--executions", "50"}, exitPass, ": no failure"},
		{[]string{"explore", "--budget", "soon"}, exitUsage, "bad --budget"},
		{[]string{"explore", "--shard", "3/3"}, exitUsage, "bad --shard"},
		{[]string{"explore", "--workers", "-1"}, exitUsage, "--workers"},
		{[]string{"explore", "--strategy", "pos", "--executions", "30", "--scenario", "lru-vs-use"}, exitPass, "with pos: no failure"},
		{[]string{"merge"}, exitUsage, "merge: name the summaries"},
		{[]string{"explore", "--exhaustive"}, exitUsage, "--exhaustive searches one scenario"},
		{[]string{"explore", "--exhaustive", "--scenario", "lru-vs-use", "--budget", "5s"}, exitUsage, "do not apply"},
		{[]string{"explore", "--exhaustive", "--scenario", "lru-vs-relinquish", "--bound", "1"}, exitPass, "exhaustive:1+por on lru-vs-relinquish: 1047 executions"},
		{[]string{"explore", "--exhaustive", "--scenario", "lru-vs-relinquish", "--bound", "0", "--bugs", "lru-discard-no-redispatch", "--out", "TMP"}, exitFailure, "replay: go run ./cmd/fscachesim replay TMP/lru-vs-relinquish-seed0-exhaustive0+por.trace.jsonl"},
		{[]string{"merge", "TMP/nosuch.json"}, exitUsage, "nosuch.json"},
		{[]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--strategy", "random", "--out", "TMP"}, exitFailure, "replay: go run ./cmd/fscachesim replay TMP/"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			tmp := t.TempDir()
			for i, a := range tc.args {
				tc.args[i] = strings.ReplaceAll(a, "TMP", tmp)
			}
			tc.out = strings.ReplaceAll(tc.out, "TMP", tmp)
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("output lacks %q:\n%s%s", tc.out, out.String(), errb.String())
			}
		})
	}
}

// TestReplayCommand: the printed replay command reproduces the failure.
func TestReplayCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--strategy", "pct:2", "--out", t.TempDir()}, &out, &errb); code != exitFailure {
		t.Fatalf("explore exit %d:\n%s", code, out.String())
	}
	i := strings.Index(out.String(), "replay: go run ./cmd/fscachesim ")
	if i < 0 {
		t.Fatalf("no replay line:\n%s", out.String())
	}
	line := strings.TrimSpace(strings.SplitN(out.String()[i+len("replay: go run ./cmd/fscachesim "):], "\n", 2)[0])
	var out2 bytes.Buffer
	if code := run(strings.Fields(line), &out2, &errb); code != exitFailure {
		t.Fatalf("replay %q exit %d:\n%s", line, code, out2.String())
	}
	if n := strings.Count(out.String(), "replay: "); n != 1 {
		t.Fatalf("%d replay commands, want exactly one:\n%s", n, out.String())
	}
	failure := failureLine(t, out.String())
	if !strings.Contains(out2.String(), "FAIL "+failure) || !strings.Contains(out2.String(), "identical: ") {
		t.Fatalf("replay did not reproduce %q identically:\n%s", failure, out2.String())
	}
}

// failureLine is the line after "FAIL ..." in a failure report: the
// failure itself.
func failureLine(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "FAIL ") && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	t.Fatalf("no FAIL block:\n%s", out)
	return ""
}

// TestShardAndMerge: two shards of an exploration, merged, report the same
// totals as the unsharded run, and the JSON summary parses.
func TestShardAndMerge(t *testing.T) {
	tmp := t.TempDir()
	common := []string{"explore", "--scenario", "lru-vs-use,use-unuse-storm", "--executions", "240", "--json", "--out", tmp}
	summary := func(extra ...string) explorer.Summary {
		var out, errb bytes.Buffer
		if code := run(append(append([]string{}, common...), extra...), &out, &errb); code != exitPass {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var s explorer.Summary
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatalf("--json output does not parse: %v\n%s", err, out.String())
		}
		return s
	}
	whole := summary()
	var paths []string
	for i := range 2 {
		s := summary("--shard", fmt.Sprintf("%d/2", i))
		data, _ := json.Marshal(s)
		p := filepath.Join(tmp, fmt.Sprintf("s%d.json", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var out, errb bytes.Buffer
	if code := run(append([]string{"merge", "--json"}, paths...), &out, &errb); code != exitPass {
		t.Fatalf("merge: exit %d: %s", code, errb.String())
	}
	var merged explorer.Summary
	if err := json.Unmarshal(out.Bytes(), &merged); err != nil {
		t.Fatal(err)
	}
	whole.Perf, merged.Perf = explorer.Perf{}, explorer.Perf{}
	if d := cmp.Diff(whole, merged); d != "" {
		t.Fatalf("merged shards differ from the whole run (-whole +merged):\n%s", d)
	}
	if whole.Executions != 240 || whole.Coverage == nil || len(whole.Coverage.Rows) == 0 {
		t.Fatalf("want 240 executions with coverage: %s", whole.Line())
	}
	if code := run([]string{"merge", paths[0]}, &out, &errb); code != exitUsage {
		t.Fatalf("merging one of two shards: exit %d, want %d", code, exitUsage)
	}
}

// TestLinearizabilityFailureVisualised: a run whose recorded history is not
// linearizable fails with class linearizability, and the report writes
// porcupine's visualisation beside the trace and links it from the trace.
func TestLinearizabilityFailureVisualised(t *testing.T) {
	scenarios.Register(scenarios.Scenario{
		Name: "test-illegal-history",
		Desc: "test only: a client reads back data nobody wrote",
		Setup: func(k *sim.Kernel, w *scenarios.World) {
			k.Spawn("client", func(th *sim.Thread) {
				if w.History == nil {
					return
				}
				key := "test,vol/ino-1"
				id := w.History.Call(int(th.ID()), checker.Op{Kind: checker.OpAcquire, Key: key, Aux: "v1"})
				w.History.Return(id, checker.OpResult{})
				id = w.History.Call(int(th.ID()), checker.Op{Kind: checker.OpWrite, Key: key, Data: "hello", Aux: "v1"})
				th.Yield()
				w.History.Return(id, checker.OpResult{})
				id = w.History.Call(int(th.ID()), checker.Op{Kind: checker.OpRead, Key: key, Len: 5})
				th.Yield()
				w.History.Return(id, checker.OpResult{Data: "jello"})
			})
		},
	})
	tmp := t.TempDir()
	trace := filepath.Join(tmp, "x.trace.jsonl")
	var out, errb bytes.Buffer
	code := run([]string{"run", "--scenario", "test-illegal-history", "--trace", trace}, &out, &errb)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailure, out.String(), errb.String())
	}
	html := filepath.Join(tmp, "x.porcupine.html")
	if !strings.Contains(out.String(), "not linearizable") {
		t.Fatalf("no linearizability failure reported:\n%s", out.String())
	}
	if !strings.Contains(out.String(), html) {
		t.Fatalf("report does not name the visualisation %s:\n%s", html, out.String())
	}
	data, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(data, []byte("<html")) {
		t.Fatalf("visualisation: %v (%d bytes)", err, len(data))
	}
	tr, err := os.ReadFile(trace)
	if err != nil || !bytes.Contains(tr, []byte(`"visualization":"x.porcupine.html"`)) {
		t.Fatalf("the trace does not link the visualisation: %v\n%s", err, tr)
	}
}

// TestTuneGC: without GOGC in the environment the command runs the
// collector at explorer.GCPercent; with it, the user's setting stands.
func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	if !tuneGC(func(string) (string, bool) { return "", false }) {
		t.Fatal("GOGC unset: tuneGC left the collector alone")
	}
	if got := debug.SetGCPercent(100); got != explorer.GCPercent {
		t.Fatalf("GOGC unset: collector at %d%%, want %d%%", got, explorer.GCPercent)
	}
	if tuneGC(func(k string) (string, bool) { return "50", k == "GOGC" }) {
		t.Fatal("GOGC=50 set: tuneGC overrode it")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set: collector changed to %d%%", got)
	}
}
