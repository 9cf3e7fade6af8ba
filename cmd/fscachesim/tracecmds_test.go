package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/traces"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// failingTrace writes the trace of a failing lru-vs-relinquish execution
// with the LRU-discard bug on (seed 9, random walk: the first that fails) and returns its path.
func failingTrace(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fail.trace.jsonl")
	code, out, errs := runCLI("run", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--seed", "9", "--strategy", "random", "--trace", path)
	if code != exitFailure {
		t.Fatalf("run exit %d, want %d:\n%s%s", code, exitFailure, out, errs)
	}
	if !strings.Contains(out, "  trace: "+path+"\n") || !strings.Contains(out, "replay "+path+"\n") {
		t.Fatalf("run did not report the trace and its replay command:\n%s", out)
	}
	return path
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTraceCommandsBadInput: a missing or garbled trace, or a bad flag, is
// exit 2 with one line on stderr, nothing on stdout and no output file.
func TestTraceCommandsBadInput(t *testing.T) {
	good, err := os.ReadFile(failingTrace(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	garbled := writeFile(t, dir, "garbled.trace.jsonl", "{\"format\":\"fscachesim-trace\",\"version\":1,\n")
	truncated := writeFile(t, dir, "truncated.trace.jsonl", string(good[:len(good)*2/3]))
	other := writeFile(t, dir, "other.trace.jsonl", strings.Replace(string(good), `"scenario":"lru-vs-relinquish"`, `"scenario":"no-such-scenario"`, 1))
	v2 := writeFile(t, dir, "v2.trace.jsonl", strings.Replace(string(good), `"version":2`, `"version":7`, 1))
	badlog := writeFile(t, dir, "badlog.trace.jsonl", garbleFirstDecision(t, string(good)))
	empty := writeFile(t, dir, "empty.trace.jsonl", "")
	passPath := filepath.Join(dir, "pass.trace.jsonl")
	if code, out, errs := runCLI("run", "--scenario", "lru-vs-relinquish", "--trace", passPath); code != exitPass {
		t.Fatalf("run exit %d:\n%s%s", code, out, errs)
	}
	htmlOut := filepath.Join(dir, "out.html")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"replay", filepath.Join(dir, "nope.trace.jsonl")}, "no such file or directory"},
		{[]string{"replay", garbled}, "garbled.trace.jsonl: line 1: malformed JSON in the header"},
		{[]string{"replay", truncated}, "truncated.trace.jsonl: line "},
		{[]string{"replay", other}, `line 1: unknown scenario "no-such-scenario"`},
		{[]string{"replay", v2}, "line 1: trace format version 7 is not supported"},
		{[]string{"replay", badlog}, `line 2: the decision log does not parse: decision "zero`},
		{[]string{"replay", empty}, "empty file: not a fscachesim trace"},
		{[]string{"replay"}, "missing trace path"},
		{[]string{"replay", garbled, truncated}, "one trace path, got 2"},
		{[]string{"replay", "--bogus", garbled}, "flag provided but not defined"},
		{[]string{"shrink", garbled}, "line 1: malformed JSON"},
		{[]string{"shrink", passPath}, "the trace does not fail a check: nothing to shrink (verdict pass)"},
		{[]string{"shrink", "--attempts", "0", passPath}, "--attempts must be at least 1"},
		{[]string{"render", truncated}, "truncated.trace.jsonl: line "},
		{[]string{"render", "--format", "json", passPath}, `unknown text format "json"`},
		{[]string{"render", "--html", htmlOut, garbled}, "line 1: malformed JSON"},
		{[]string{"run"}, "--scenario is required"},
		{[]string{"run", "--scenario", "lru-vs-use", "--strategy", "portfolio"}, "run takes one strategy"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitUsage, out, errs)
			}
			if strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, "\n") {
				t.Errorf("stderr is not one line: %q", errs)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q\nwant it to contain %q", errs, tc.want)
			}
			if tc.args[0] != "run" && out != "" {
				t.Errorf("stdout: %q", out)
			}
		})
	}
	// No output file, no temporary file: the directory holds what the
	// test put there.
	var names []string
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		names = append(names, e.Name())
	}
	if want := "badlog.trace.jsonl empty.trace.jsonl garbled.trace.jsonl other.trace.jsonl pass.trace.jsonl truncated.trace.jsonl v2.trace.jsonl"; strings.Join(names, " ") != want {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

// TestReplayFreshFailingTrace: replaying a trace just written of a failing
// run exits 1 with the same failure, identically.
func TestReplayFreshFailingTrace(t *testing.T) {
	path := failingTrace(t)
	tr, err := readTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("replay", path)
	if code != exitFailure {
		t.Fatalf("replay exit %d, want %d:\n%s%s", code, exitFailure, out, errs)
	}
	for _, want := range []string{"identical: ", "FAIL " + traces.VerdictLine(tr.Verdict), "invariant [I-2]", "last events:"} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %q:\n%s", want, out)
		}
	}
}

// TestRunAndReplayPass: a passing run's trace replays identically, exit 0.
func TestRunAndReplayPass(t *testing.T) {
	for _, name := range []string{"lru-vs-relinquish", "lru-vs-use"} {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "x.trace.jsonl")
			code, out, errs := runCLI("run", "--scenario", s.Name, "--seed", "3", "--strategy", "pct:2", "--trace", path)
			if code != exitPass {
				t.Fatalf("run exit %d:\n%s%s", code, out, errs)
			}
			if !strings.HasPrefix(out, "run "+s.Name+" seed=3 strategy=pct:2") {
				t.Errorf("run does not print the seed first:\n%s", out)
			}
			code, out, errs = runCLI("replay", path)
			if code != exitPass || !strings.Contains(out, "identical: ") || !strings.Contains(out, "PASS pass after") {
				t.Fatalf("replay exit %d:\n%s%s", code, out, errs)
			}
		})
	}
}

// TestReplayTampered: an event changed in the file (as if the code had
// changed) is reported as the first difference, exit 4.
func TestReplayTampered(t *testing.T) {
	path := failingTrace(t)
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	// Line 10 is the 8th event (index 7).
	lines[9] = regexp.MustCompile(`"text":"[^"]*"`).ReplaceAllString(lines[9], `"text":"c=00000002 PUT lru   r=99"`)
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	code, out, _ := runCLI("replay", path)
	if code != exitReplayDiffers {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"the replay differs from the trace", "first difference at event 7 (step ", "expected: ", "r=99", "got:      "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestShrinkRealScenario shrinks the LRU-discard-vs-relinquish race found
// with the bug switched back on: the same check still fails, with fewer
// preemptions (random walk; a PCT failure no more) and no more decisions,
// and the result replays.
func TestShrinkRealScenario(t *testing.T) {
	b := model.Bugs{LRUDiscardNoRedispatch: true}
	for _, tc := range []struct {
		seed  uint64
		strat string
	}{{2, "random"}, {1, "pct:2"}, {4, "random"}} {
		var tr *traces.Trace
		for seed := tc.seed; seed < tc.seed+50 && tr == nil; seed++ {
			st, _ := newStrategy(tc.strat)
			h := traces.NewHeader(Version, "lru-vs-relinquish", seed, tc.strat, b.Names(), sim.DefaultMaxSteps)
			res, k, err := runHeader(h, st, true)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome == sim.OutcomeFail {
				if tr, err = traces.FromRun(h, res, k); err != nil {
					t.Fatal(err)
				}
			}
		}
		if tr == nil {
			t.Fatalf("%s: no failing seed", tc.strat)
		}
		small, st, err := traces.Shrink(tr, runner, traces.ShrinkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s seed %d: %s", tc.strat, tr.Header.Seed, st)
		if small.Verdict.Class != "invariant" || small.Verdict.Check != tr.Verdict.Check {
			t.Fatalf("shrunk verdict %s, want %s", traces.VerdictLine(small.Verdict), traces.VerdictLine(tr.Verdict))
		}
		// A random walk's failure has dozens of preemptions to remove; a
		// PCT (depth 2) failure has the few the race needs (with the
		// I/O completions on their own kworkers, 3 at seed 17): it must
		// not grow.
		if st.DecisionsAfter > st.DecisionsBefore || st.PreemptionsAfter > st.PreemptionsBefore ||
			(tc.strat == "random" && st.PreemptionsAfter >= st.PreemptionsBefore) {
			t.Fatalf("not smaller: %s", st)
		}
		if rep, err := traces.Replay(small, runner); err != nil || !rep.Identical {
			t.Fatalf("the shrunk trace does not replay: %v", err)
		}
	}
}

// TestShrinkCmd: shrink writes a smaller trace that replays to the same
// failure, and says how much smaller.
func TestShrinkCmd(t *testing.T) {
	path := failingTrace(t)
	out := filepath.Join(t.TempDir(), "small.trace.jsonl")
	code, stdout, errs := runCLI("shrink", "--attempts", "300", "--out", out, path)
	if code != exitPass {
		t.Fatalf("shrink exit %d:\n%s%s", code, stdout, errs)
	}
	if !regexp.MustCompile(`shrunk: decisions \d+ -> \d+, preemptions \d+ -> \d+, steps \d+ -> \d+, events \d+ -> \d+ \(\d+ of 300 attempts\)`).MatchString(stdout) {
		t.Fatalf("no stats line:\n%s", stdout)
	}
	if !strings.Contains(stdout, "replay "+out+"\n") {
		t.Fatalf("no replay command for %s:\n%s", out, stdout)
	}
	code, rout, _ := runCLI("replay", out)
	if code != exitFailure || !strings.Contains(rout, "identical: ") || !strings.Contains(rout, "invariant [I-2]") {
		t.Fatalf("replay of the shrunk trace: exit %d:\n%s", code, rout)
	}
	// The default output path.
	code, stdout, _ = runCLI("shrink", "--attempts", "20", path)
	want := strings.TrimSuffix(path, ".trace.jsonl") + ".shrunk.trace.jsonl"
	if _, err := os.Stat(want); code != exitPass || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
}

func TestRenderCmd(t *testing.T) {
	path := failingTrace(t)
	tr, _ := readTrace(path)
	code, out, _ := runCLI("render", path)
	if code != exitPass || !strings.HasPrefix(out, "# tracer: nop\n") || !strings.Contains(out, "# ---- FAIL invariant [I-2]") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !regexp.MustCompile(`(?m)^ +kworker/u4:\d-\d +\[00\d\] \.\.\.\.\. +10\.000000: fscache_cookie: c=00000002 `).MatchString(out) {
		t.Errorf("no kworker fscache_cookie line in ftrace form:\n%s", out)
	}
	code, out, _ = runCLI("render", "--format", "steps", path)
	if code != exitPass || !regexp.MustCompile(`(?m)^ +\d+ 10\.000000 kworker/u4:\d +fscache_cookie: c=00000002 `).MatchString(out) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	html := filepath.Join(t.TempDir(), "x.html")
	code, out, _ = runCLI("render", "--html", html, path)
	if code != exitPass || out != "wrote "+html+"\n" {
		t.Fatalf("exit %d: %q", code, out)
	}
	page, _ := os.ReadFile(html)
	// Seven threads (seed 9: the write's completion runs on a kworker of
	// its own), four lanes: threads whose events do not overlap share one
	// (pids 1, 2 and 5; pids 3 and 6), the netfs (pid 0) and the timer
	// callback (pid 4) have their own.
	lanes := regexp.MustCompile(`<g class="lane" data-thread="([0-9 ]+)">`).FindAllStringSubmatch(string(page), -1)
	var got []string
	for _, l := range lanes {
		got = append(got, l[1])
	}
	if len(tr.Verdict.Threads) != 7 || strings.Join(got, ",") != "0,1 2 5,3 6,4" {
		t.Errorf("lanes %q of %d threads, want 0,1 2 5,3 6,4 (the kworkers that never overlap share a lane)", got, len(tr.Verdict.Threads))
	}
	// The state diagram: the failing cookie ended in QUIESCENT with
	// DO_RELINQUISH set; T13 (QUIESCENT -> RELINQUISHING) should have
	// followed.
	for _, want := range []string{`class="st taken final" data-state="QUIESCENT"`, `<g class="edge expected">`, "expected T13", "c=00000002 ended in <b>QUIESCENT</b>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if !strings.Contains(string(page), `id="failure"`) {
		t.Error("no failure marker")
	}
	if regexp.MustCompile(`(src|href)="[a-z]+://`).Match(page) {
		t.Error("the page fetches something")
	}
}

// TestHelp: every subcommand's help explains each flag with an example.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"explore", "run", "replay", "shrink", "render"} {
		code, out, errs := runCLI(cmd, "-h")
		text := out + errs
		if code != exitPass || !strings.Contains(text, "Examples:") {
			t.Fatalf("%s -h: exit %d:\n%s", cmd, code, text)
		}
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "  -") {
				flagName := strings.Fields(l)[0]
				i := strings.Index(text, l)
				rest := text[i+len(l):]
				doc := strings.SplitN(rest, "\n  -", 2)[0]
				if !strings.Contains(doc, "e.g. ") {
					t.Errorf("%s %s: no example in %q", cmd, flagName, doc)
				}
			}
		}
	}
}

// TestExploreTraceDeterministic: the same exploration writes the same
// trace, byte for byte.
func TestExploreTraceDeterministic(t *testing.T) {
	var files [2][]byte
	for i := range files {
		dir := t.TempDir()
		code, out, _ := runCLI("explore", "--scenario", "lru-vs-use", "--bugs", "use-no-clear-lru-discard", "--out", dir)
		if code != exitFailure {
			t.Fatalf("explore exit %d:\n%s", code, out)
		}
		m, _ := filepath.Glob(filepath.Join(dir, "*.trace.jsonl"))
		if len(m) != 1 {
			t.Fatalf("traces %q", m)
		}
		files[i], _ = os.ReadFile(m[0])
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two explorations wrote different traces")
	}
}

// garbleFirstDecision replaces the first decision of a trace's log line
// with a word ("zero", keeping its repeat count), so the count still
// matches and the log itself does not parse.
func garbleFirstDecision(t *testing.T, trace string) string {
	const key = `"decisions":"`
	i := strings.Index(trace, key)
	if i < 0 {
		t.Fatal("the trace has no decision log")
	}
	i += len(key)
	j := i + strings.IndexAny(trace[i:], " \"")
	tok := trace[i:j]
	repl := "zero"
	if k := strings.IndexByte(tok, '*'); k >= 0 {
		repl += tok[k:]
	}
	return trace[:i] + repl + trace[j:]
}
