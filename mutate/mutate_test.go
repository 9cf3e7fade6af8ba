package mutate

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const root = ".."

// TestEnumerateDeterministic: two enumerations give the same mutants in the
// same order, ids are unique, every mutant changes its file and still
// parses, and every operator finds something to mutate in the model (so an
// operator whose spelling drifted from the model's is noticed).
func TestEnumerateDeterministic(t *testing.T) {
	a, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids(a), ids(b)); diff != "" {
		t.Fatalf("two enumerations differ (-first +second):\n%s", diff)
	}
	seen := map[string]bool{}
	perOp := map[string]int{}
	srcs := map[string][]byte{}
	for _, m := range a {
		if seen[m.ID] {
			t.Errorf("duplicate id %s", m.ID)
		}
		seen[m.ID] = true
		perOp[m.Operator]++
		src, ok := srcs[m.File]
		if !ok {
			src, err = os.ReadFile(filepath.Join(root, m.File))
			if err != nil {
				t.Fatal(err)
			}
			srcs[m.File] = src
		}
		out := m.Apply(src)
		if string(out) == string(src) {
			t.Errorf("%s changes nothing", m.ID)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), m.File, out, 0); err != nil {
			t.Errorf("%s (%s) does not parse: %v", m.ID, m.Diff, err)
		}
		if m.Diff == "" || strings.Contains(m.Diff, "\n") {
			t.Errorf("%s: diff %q is not one line", m.ID, m.Diff)
		}
	}
	for _, o := range Operators {
		if perOp[o.Name] == 0 {
			t.Errorf("operator %s finds nothing to mutate in the model", o.Name)
		}
	}
	t.Logf("%d mutants: %v", len(a), perOp)
}

func ids(ms []Mutant) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID+" "+m.Diff)
	}
	return out
}

// TestSelect: a sample is reproducible and of the asked size; the shards of
// a selection partition it; filters and unknown names behave.
func TestSelect(t *testing.T) {
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := Select(all, Selection{Sample: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := Select(all, Selection{Sample: 20, Seed: 3})
	s3, _ := Select(all, Selection{Sample: 20, Seed: 4})
	if len(s1) != 20 || !slices.Equal(indices(s1), indices(s2)) {
		t.Fatalf("sample not reproducible: %v vs %v", indices(s1), indices(s2))
	}
	if slices.Equal(indices(s1), indices(s3)) {
		t.Fatalf("seeds 3 and 4 picked the same sample")
	}
	var union []int
	for i := range 3 {
		p, err := Select(all, Selection{Sample: 20, Seed: 3, Shard: Shard{i, 3}})
		if err != nil {
			t.Fatal(err)
		}
		union = append(union, indices(p)...)
	}
	slices.Sort(union)
	if !slices.Equal(union, indices(s1)) {
		t.Fatalf("the 3 shards do not partition the sample")
	}
	w, _ := Select(all, Selection{Files: []string{"cookie.go"}, Operators: []string{"drop-wake"}})
	for _, p := range w {
		if p.Operator != "drop-wake" || !strings.HasSuffix(p.File, "cookie.go") {
			t.Fatalf("filter let %s through", p.ID)
		}
	}
	if len(w) == 0 {
		t.Fatal("no drop-wake in cookie.go")
	}
	if _, err := Select(all, Selection{Operators: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "unknown operator") {
		t.Fatalf("unknown operator: err %v", err)
	}
	if _, err := Select(all, Selection{IDs: []string{"nope"}}); err == nil {
		t.Fatal("unknown id accepted")
	}
}

func indices(s []Selected) []int {
	var out []int
	for _, p := range s {
		out = append(out, p.Index)
	}
	return out
}

// TestProbeDeterministic: the probe's digest is a function of its budget
// and seed.
func TestProbeDeterministic(t *testing.T) {
	a := Probe(ProbeConfig{Executions: 40, Seed: 1})
	b := Probe(ProbeConfig{Executions: 40, Seed: 1})
	c := Probe(ProbeConfig{Executions: 40, Seed: 2})
	if a != b {
		t.Fatalf("two probes differ: %+v %+v", a, b)
	}
	if a.Failed || a.Executions != 40+int64(len(scenarios.Liveness())) {
		t.Fatalf("the original fails its probe or ran short: %+v", a)
	}
	if a.Digest == c.Digest {
		t.Fatalf("seeds 1 and 2 give the same digest %s", a.Digest)
	}
}

// TestRunClassifies builds the original and three mutants and checks the
// verdicts: dropping the cookie worker's put (the ref its queueing took
// stays) is killed within the budget (today by I-20 on the first
// execution); a mutant that changes only a comment (outside every block of
// code, so it is built and probed) is equivalent (same digest as the
// coverage-instrumented original's); a mutant that does not compile is
// reported as such by the type check, without a build, and the run goes
// on.
func TestRunClassifies(t *testing.T) {
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	var picks []Selected
	for i, m := range all {
		if m.File == "model/fscache/cookie.go" && m.Operator == "drop-ref" && strings.Contains(m.Diff, "PutCookie(t, c, TraceCookiePutWork)") {
			picks = append(picks, Selected{i, m})
		}
	}
	if len(picks) != 1 {
		t.Fatalf("want one drop-ref of the worker's PutCookie, found %d", len(picks))
	}
	src, err := os.ReadFile(filepath.Join(root, "model/fscache/cookie.go"))
	if err != nil {
		t.Fatal(err)
	}
	end := len(src)
	picks = append(picks,
		Selected{-1, Mutant{ID: "noop", File: "model/fscache/cookie.go", Operator: "test", Diff: "a comment", edits: []edit{{end, end, "\n// no change\n"}}}},
		Selected{-2, Mutant{ID: "broken", File: "model/fscache/cookie.go", Operator: "test", Diff: "a type error", edits: []edit{{end, end, "\nvar _ int = \"not an int\"\n"}}}})
	rep, err := Run(context.Background(), Config{Root: root, Executions: 60, Seed: 1, Jobs: 2}, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Result{}
	for _, r := range rep.Results {
		got[r.ID] = r
	}
	k := got[picks[0].ID]
	if k.Outcome != Killed || k.Check == "" || k.Executions < 1 || k.Executions > 60 {
		t.Errorf("worker put dropped: %+v, want killed by a check within 60 executions", k)
	}
	if e := got["noop"]; e.Outcome != Equivalent || e.Digest != rep.Baseline || e.Executions != 60+int64(len(scenarios.Liveness())) {
		t.Errorf("comment-only mutant: %+v, want equivalent with digest %s", e, rep.Baseline)
	}
	if b := got["broken"]; b.Outcome != NoCompile || b.Class != "types" || !strings.Contains(b.Detail, "cookie.go") {
		t.Errorf("type error: %+v, want does-not-compile by the type check (no build), naming the file", b)
	}
	if rep.Counts[Killed] != 1 || rep.Score != 1 {
		t.Errorf("counts %v score %v, want 1 killed and score 1 (the others do not count)", rep.Counts, rep.Score)
	}
}

// TestMerge: the shards of a report merge back into it; a missing or
// repeated shard is refused.
func TestMerge(t *testing.T) {
	var whole Report
	whole.Executions, whole.Seed, whole.Total, whole.Baseline, whole.Shard = 10, 1, 5, "ab", Shard{0, 1}
	outs := []string{Killed, Survived, Equivalent, NoCompile, Killed}
	for i, o := range outs {
		whole.Results = append(whole.Results, Result{Mutant: Mutant{ID: string(rune('a' + i))}, Index: i, Outcome: o})
	}
	whole.tally()
	parts := make([]Report, 2)
	for s := range parts {
		parts[s] = whole
		parts[s].Shard = Shard{s, 2}
		parts[s].Results = nil
		for i, r := range whole.Results {
			if i%2 == s {
				parts[s].Results = append(parts[s].Results, r)
			}
		}
	}
	m, err := Merge([]Report{parts[1], parts[0]})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&whole, m, cmpopts.IgnoreUnexported(Mutant{})); diff != "" {
		t.Fatalf("merged differs (-whole +merged):\n%s", diff)
	}
	if whole.Score != 2.0/3 {
		t.Fatalf("score %v, want 2/3", whole.Score)
	}
	if _, err := Merge([]Report{parts[0]}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing shard: %v", err)
	}
	if _, err := Merge([]Report{parts[0], parts[0]}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("repeated shard: %v", err)
	}
}

// TestRunNotReached: a mutant in code no execution of the budget runs (the
// message of a cachefilesd.conf error: no scenario has a bad conf) is
// classified equivalent from the
// original's coverage, without a build; built and probed anyway
// (NoCoverage), it is equivalent by its digest too, which is what makes the
// shortcut sound. A mutant the executions do run is not skipped.
func TestRunNotReached(t *testing.T) {
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	var picks []Selected
	for i, m := range all {
		if m.File == "model/cachefilesd/conf.go" && m.Operator == "if-negate" && m.Diff == "if e.Line == 0  ->  if !(...)" {
			picks = append(picks, Selected{i, m})
		}
		if m.File == "model/fscache/cookie.go" && m.Operator == "drop-ref" && strings.Contains(m.Diff, "PutCookie(t, c, TraceCookiePutWork)") {
			picks = append(picks, Selected{i, m})
		}
	}
	if len(picks) != 2 {
		t.Fatalf("want the if-negate of ConfError.Error and the worker's put, found %d", len(picks))
	}
	rep, err := Run(context.Background(), Config{Root: root, Executions: 60, Seed: 1}, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || !rep.Coverage {
		t.Fatalf("report %+v", rep)
	}
	if rep.Results[0].File != "model/cachefilesd/conf.go" {
		rep.Results[0], rep.Results[1] = rep.Results[1], rep.Results[0]
	}
	if r := rep.Results[0]; r.Outcome != Equivalent || r.Check != NotReached || r.Digest != rep.Baseline {
		t.Fatalf("%s (%s): %+v, want equivalent, not reached", r.ID, r.Diff, r)
	}
	if r := rep.Results[1]; r.Outcome != Killed {
		t.Fatalf("%s: %+v, want killed (its code runs: it must not be skipped)", r.ID, r)
	}
	conf := slices.IndexFunc(picks, func(p Selected) bool { return p.File == "model/cachefilesd/conf.go" })
	full, err := Run(context.Background(), Config{Root: root, Executions: 60, Seed: 1, NoCoverage: true}, picks[conf:conf+1], len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if r := full.Results[0]; r.Outcome != Equivalent || r.Check == NotReached || r.Digest != full.Baseline || full.Baseline != rep.Baseline {
		t.Fatalf("built and probed, %s: %+v (baseline %s, with coverage %s), want equivalent by digest", r.ID, r, full.Baseline, rep.Baseline)
	}
}

// TestRunInterrupted: a run cancelled after its first verdict returns the
// report of what finished, marked interrupted, and leaves no temporary
// directory behind (the builds' own temporary files included).
func TestRunInterrupted(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	var picks []Selected
	for i, m := range all {
		if m.File == "model/fscache/cookie.go" && m.Operator == "if-negate" && len(picks) < 3 {
			picks = append(picks, Selected{i, m})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := cancelOn{"[1/3]", cancel}
	rep, err := Run(ctx, Config{Root: root, Executions: 60, Seed: 1, Log: &log, NoCoverage: true}, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || len(rep.Results) != 1 || rep.Results[0].Outcome == "" {
		t.Fatalf("want an interrupted report with the one finished verdict, got interrupted=%v, %d results", rep.Interrupted, len(rep.Results))
	}
	if !strings.Contains(rep.Line(), "INTERRUPTED") {
		t.Errorf("summary line does not say it was interrupted: %s", rep.Line())
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "*"))
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if _, err := Merge([]Report{*rep}); err == nil {
		t.Fatalf("an interrupted report merged")
	}
}

// cancelOn cancels when a log line starts with prefix.
type cancelOn struct {
	prefix string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), c.prefix) {
		c.cancel()
	}
	return len(p), nil
}

// TestEnumerateEveryFile: every non-test .go file of the model packages is
// in reach, whatever its name (the on-demand files, model/cachefiles/
// ondemand*.go, among them), except events.go and views.go.
func TestEnumerateEveryFile(t *testing.T) {
	dir := t.TempDir()
	body := "package p\n\nfunc f(n int) int {\n\tif n > 1 {\n\t\treturn 2\n\t}\n\treturn 0\n}\n"
	files := []string{"model/fscache/cookie.go", "model/cachefiles/ondemand.go", "model/cachefiles/ondemand_open.go",
		"model/cachefiles/events.go", "model/cachefiles/ondemand_test.go", "model/cachefilesd/daemon.go"}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := Enumerate(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range ms {
		got[m.File] = true
	}
	want := map[string]bool{"model/fscache/cookie.go": true, "model/cachefiles/ondemand.go": true, "model/cachefiles/ondemand_open.go": true, "model/cachefilesd/daemon.go": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("files mutated (-want +got):\n%s", diff)
	}
}

// TestRunSchemaMatches: mutants probed in one schema binary get the same
// verdicts (outcome, check, executions-to-first-failure, digest) as the
// same mutants built alone, and the schema holds them.
func TestRunSchemaMatches(t *testing.T) {
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	var picks []Selected
	perOp := map[string]int{}
	for i, m := range all {
		if m.File != "model/fscache/cookie.go" || perOp[m.Operator] >= 1 {
			continue
		}
		if m.Operator == "drop-ref" && !strings.Contains(m.Diff, "PutCookie(t, c, TraceCookiePutWork)") {
			continue
		}
		if slices.Contains([]string{"drop-ref", "if-negate", "swap-shared", "drop-wake", "off-by-one"}, m.Operator) {
			perOp[m.Operator]++
			picks = append(picks, Selected{i, m})
		}
	}
	if len(picks) != 5 {
		t.Fatalf("picked %d mutants, want 5", len(picks))
	}
	cfg := Config{Root: root, Executions: 60, Seed: 1, NoCoverage: true}
	schema, err := Run(context.Background(), cfg, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.NoSchema = true
	alone, err := Run(context.Background(), cfg, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if schema.SchemaMutants != len(picks) || alone.SchemaMutants != 0 {
		t.Fatalf("schema held %d of %d mutants (alone: %d)", schema.SchemaMutants, len(picks), alone.SchemaMutants)
	}
	verdict := func(r Result) string {
		return fmt.Sprintf("%s %s %s %d %s", r.ID, r.Outcome, r.Check, r.Executions, r.Digest)
	}
	kinds := map[string]bool{}
	for i := range picks {
		a, b := verdict(schema.Results[i]), verdict(alone.Results[i])
		if a != b {
			t.Errorf("schema: %s\nalone:  %s", a, b)
		}
		kinds[alone.Results[i].Outcome] = true
	}
	if !kinds[Killed] || len(kinds) < 2 {
		t.Errorf("outcomes %v: want a killed one and another outcome, so the comparison means something", kinds)
	}
}

// TestLivenessKills: a mutant that turns caching off without breaking any
// invariant — fscache_note_page_release never clears NO_DATA_TO_READ, so
// the data copied to a new object is never read back until the next
// lookup — passes the default mix's executions (it survived 10,000 of them,
// docs/mutation.md) and is killed by the liveness scenarios' cache-liveness
// check (liveness-reread-*). (The mutant this test used before, a volume
// access that always fails, is now killed in the mix by R-use.)
func TestLivenessKills(t *testing.T) {
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	var picks []Selected
	for i, m := range all {
		if m.File == "model/fscache/cookie.go" && m.Operator == "if-negate" && strings.HasPrefix(m.Diff, "if c != nil && c.flags.Test(t, FlagHaveData) && c.flags.Test(t, FlagNo") {
			picks = append(picks, Selected{i, m})
			break
		}
	}
	if len(picks) != 1 {
		t.Fatal("no if-negate of fscache_note_page_release's test in cookie.go")
	}
	rep, err := Run(context.Background(), Config{Root: root, Executions: 20, Seed: 1, NoCoverage: true}, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Results[0]; r.Outcome != Killed || r.Check != "cache-liveness" || r.Executions <= 20 {
		t.Fatalf("%s: %+v, want killed by cache-liveness in a liveness execution (after the 20 of the mix)", r.ID, r)
	}
}

// TestObservationNotMoved: swap-shared and shrink-critical-section leave a
// tracepoint or a log line where it is (moving one changes the trace, not
// the kernel's behaviour), and still move the statements around it that
// touch shared state.
func TestObservationNotMoved(t *testing.T) {
	src := []byte(`package fscache

func f(t *sim.Thread, c *Cookie) {
	c.lock.Lock(t)
	c.flags.Set(t, 1)
	c.nActive.Inc(t)
	c.see(t, "x")
	c.state.Set(t, 2)
	notice(t, 1, "y")
	c.emitState(t, "z")
	c.lock.Unlock(t)
}

func g(t *sim.Thread, c *Cookie) {
	c.lock.Lock(t)
	c.state.Set(t, 2)
	c.lock.Unlock(t)
}

func h(t *sim.Thread, c *Cookie, n int) {
	c.lock.Lock(t)
	c.state.Set(t, 3)
	if n > 1 {
		c.emitState(t, "only observed")
	}
	c.lock.Unlock(t)
	c.lock.Lock(t)
	c.state.Set(t, 4)
	if c.flags.Test(t, 1) {
		c.emitState(t, "reads shared state")
	}
	c.lock.Unlock(t)
	c.lock.Lock(t)
	c.state.Set(t, 5)
	if c.id == 0 {
		t.Bug("WARN", "reads a field")
	}
	c.lock.Unlock(t)
}
`)
	ms, err := EnumerateFile("model/fscache/x.go", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		if m.Operator == "swap-shared" || m.Operator == "shrink-critical-section" {
			got = append(got, m.Operator+": "+m.Diff)
		}
	}
	want := []string{
		"swap-shared: c.flags.Set(t, 1) <-> c.nActive.Inc(t)",
		"shrink-critical-section: c.lock.Unlock(t) moved above c.state.Set(t, 2)",
		"shrink-critical-section: c.lock.Unlock(t) moved above if c.flags.Test(t, 1) { c.emitState(t, \"reads shared state\") }",
		"shrink-critical-section: c.lock.Unlock(t) moved above if c.id == 0 { t.Bug(\"WARN\", \"reads a field\") }",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("moves (-want +got):\n%s", diff)
	}
}
