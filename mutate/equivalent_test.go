package mutate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEquivalentListCurrent: the repository's reviewed list parses, and
// every entry names exactly one mutant of today's model (no stale,
// ambiguous or doubled entry), with a known code and an argument. When
// this fails after an edit of the model, read the entry's argument again
// against the new code: fix its key (diff, func, nth) or remove it.
func TestEquivalentListCurrent(t *testing.T) {
	l, err := DefaultEquivalent(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) == 0 {
		t.Fatalf("%s has no entry", EquivalentFile)
	}
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	argued, problems := l.Match(all)
	for _, p := range problems {
		t.Error(p)
	}
	if len(argued) != len(l.Entries) {
		t.Errorf("%d entries name %d mutants", len(l.Entries), len(argued))
	}
	byID := map[string]Mutant{}
	for _, m := range all {
		byID[m.ID] = m
	}
	for id, a := range argued {
		m := byID[id]
		if m.File != a.File || m.Operator != a.Operator || m.Func != a.Func {
			t.Errorf("entry at line %d matched %s (%s in %s)", a.Line, id, m.Operator, m.Func)
		}
	}
}

const eqSrc = `package fscache

func f(t *sim.Thread, c *Cookie) {
	if c.n == 0 {
		c.mark(t)
	}
	c.lock.Lock(t)
	c.flags.Set(t, 1)
	c.lock.Unlock(t)
}

func (c *Cookie) g(t *sim.Thread) {
	c.flags.Set(t, 1)
	c.flags.Set(t, 1)
	c.flags.Set(t, 1)
}
`

const eqList = `# a comment
file: model/fscache/x.go
func: f
operator: drop-lock-pair
diff: c.lock.Lock(t) ... c.lock.Unlock(t) (line 99)  ->  both removed
code: EQ
why: nothing else runs

file: model/fscache/x.go
func: (*Cookie).g
operator: swap-shared
diff: c.flags.Set(t, 1) <-> c.flags.Set(t, 1)
nth: 2
code: EQ
why: the same store twice
`

// TestEquivalentKeyStable: an entry keeps naming its mutant when the file
// is edited elsewhere (lines added above it, another function changed),
// whatever the line numbers in its diff; a changed statement makes it
// stale, reported; a key several mutants share needs nth.
func TestEquivalentKeyStable(t *testing.T) {
	l, err := ParseEquivalent("list", []byte(eqList))
	if err != nil {
		t.Fatal(err)
	}
	match := func(src string) (map[string]Argued, []string) {
		ms, err := EnumerateFile("model/fscache/x.go", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return l.Match(ms)
	}
	a, p := match(eqSrc)
	if len(p) != 0 || len(a) != 2 {
		t.Fatalf("original: matched %v, problems %v", a, p)
	}
	want := []string{"model/fscache/x.go:7:2:drop-lock-pair", "model/fscache/x.go:14:2:swap-shared"}
	for _, id := range want {
		if _, ok := a[id]; !ok {
			t.Fatalf("original: %s not matched (matched %v)", id, a)
		}
	}
	// Unrelated edits: lines above, another function's body.
	moved := strings.Replace(eqSrc, "package fscache\n", "package fscache\n\n// A new comment.\n\nfunc h(t *sim.Thread) { t.Yield() }\n", 1)
	moved = strings.Replace(moved, "c.mark(t)", "c.mark(t)\n\t\tc.mark(t)", 1)
	a, p = match(moved)
	if len(p) != 0 || len(a) != 2 {
		t.Fatalf("after unrelated edits: matched %v, problems %v", a, p)
	}
	for id := range a {
		if id == want[0] || id == want[1] {
			t.Fatalf("the test's edit did not move %s", id)
		}
	}
	// The locked statement changed: the entry is stale.
	_, p = match(strings.Replace(eqSrc, "c.lock.Lock(t)", "c.lock.Lock(t)\n\tc.n++", 1))
	if len(p) != 0 {
		t.Fatalf("an edit inside the locked section but not of the lock calls: problems %v (the key is the lock pair's diff)", p)
	}
	_, p = match(strings.Replace(eqSrc, "c.lock.Unlock(t)", "c.mu.Unlock(t)", 1))
	if len(p) != 1 || !strings.Contains(p[0], "stale entry list:2") {
		t.Fatalf("the lock pair gone: problems %v, want the entry at line 2 stale", p)
	}
	// nth beyond the matches, and a shared key without nth.
	_, p = match(strings.Replace(eqSrc, "\tc.flags.Set(t, 1)\n\tc.flags.Set(t, 1)\n}", "\tc.flags.Set(t, 2)\n\tc.flags.Set(t, 1)\n}", 1))
	if len(p) != 1 || !strings.Contains(p[0], "nth 2 but only 0") && !strings.Contains(p[0], "stale") {
		t.Fatalf("swap gone: problems %v", p)
	}
	l2, err := ParseEquivalent("list", []byte(strings.Replace(eqList, "nth: 2\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := EnumerateFile("model/fscache/x.go", []byte(eqSrc))
	if _, p := l2.Match(ms); len(p) != 1 || !strings.Contains(p[0], "ambiguous") {
		t.Fatalf("shared key without nth: problems %v", p)
	}
}

// TestEquivalentParse: malformed lists are refused with the line.
func TestEquivalentParse(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"no why", "file: a\nfunc: f\noperator: if-negate\ndiff: d\ncode: EQ\n", "list:1: the entry has no why"},
		{"bad code", "file: a\nfunc: f\noperator: if-negate\ndiff: d\ncode: MAYBE\nwhy: w\n", "unknown code"},
		{"bad operator", "file: a\nfunc: f\noperator: nope\ndiff: d\ncode: EQ\nwhy: w\n", "unknown operator"},
		{"bad field", "file: a\ncolour: red\n", "list:2: unknown field"},
		{"no colon", "file: a\njust text\n", "list:2: want"},
		{"twice", "file: a\nfile: b\n", "given twice"},
		{"bad nth", "file: a\nnth: 0\n", "bad or repeated nth"},
		{"same mutant", "file: a\nfunc: f\noperator: if-negate\ndiff: d\ncode: EQ\nwhy: w\n\nfile: a\nfunc: f\noperator: if-negate\ndiff: d\ncode: EQ\nwhy: w2\n", "listed twice"},
	} {
		_, err := ParseEquivalent("list", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
	l, err := ParseEquivalent("list", []byte(eqList))
	if err != nil || len(l.Entries) != 2 || l.Entries[1].Nth != 2 || l.Entries[0].Line != 2 || l.Entries[1].Why != "the same store twice" {
		t.Fatalf("good list: %+v, %v", l, err)
	}
	missing, err := LoadEquivalent(filepath.Join(t.TempDir(), "none.txt"))
	if err != nil || len(missing.Entries) != 0 {
		t.Fatalf("a missing list: %+v, %v; want an empty list", missing, err)
	}
}

// TestRunArgued: a survivor on the list is classified equivalent-argued
// (its check the entry's code) and left out of the score; a listed mutant
// that a check kills stays killed and is reported as a wrong argument; a
// listed mutant whose digest is the original's stays equivalent.
func TestRunArgued(t *testing.T) {
	all, err := Enumerate(root)
	if err != nil {
		t.Fatal(err)
	}
	l, err := DefaultEquivalent(root)
	if err != nil {
		t.Fatal(err)
	}
	argued, _ := l.Match(all)
	var picks []Selected
	var survivor, killed string
	for i, m := range all {
		// A survivor from the list: the lookup's LOOKING_UP store and
		// IS_CACHING set in the other order, both under cookie->lock
		// (every lookup runs it, so the digest changes).
		if m.File == "model/fscache/cookie.go" && m.Func == "beginLookup" && m.Operator == "swap-shared" && strings.HasPrefix(m.Diff, "c.setState(t, CookieLookingUp") {
			if _, ok := argued[m.ID]; !ok {
				t.Fatalf("%s is not on the list", m.ID)
			}
			survivor = m.ID
			picks = append(picks, Selected{i, m})
		}
		if m.File == "model/fscache/cookie.go" && m.Operator == "drop-ref" && strings.Contains(m.Diff, "PutCookie(t, c, TraceCookiePutWork)") {
			killed = m.ID
			picks = append(picks, Selected{i, m})
			argued[m.ID] = Argued{Code: "EQ", Why: "a wrong argument"}
		}
	}
	if survivor == "" || killed == "" {
		t.Fatalf("picked %d mutants, want 2", len(picks))
	}
	src, err := os.ReadFile(filepath.Join(root, "model/fscache/cookie.go"))
	if err != nil {
		t.Fatal(err)
	}
	end := len(src)
	picks = append(picks, Selected{-1, Mutant{ID: "noop", File: "model/fscache/cookie.go", Operator: "test", Diff: "a comment", edits: []edit{{end, end, "\n// no change\n"}}}})
	argued["noop"] = Argued{Code: "EQ", Why: "a comment"}
	rep, err := Run(context.Background(), Config{Root: root, Executions: 60, Seed: 1, NoCoverage: true, Argued: argued}, picks, len(all), Selection{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Result{}
	for _, r := range rep.Results {
		got[r.ID] = r
	}
	if r := got[survivor]; r.Outcome != ArguedEquivalent || r.Check != "EQ" || r.Detail == "" {
		t.Errorf("listed survivor: %+v, want equivalent-argued with check EQ", r)
	}
	if r := got[killed]; r.Outcome != Killed || !strings.Contains(r.Detail, "argument is wrong") {
		t.Errorf("listed but killed: %+v, want killed, flagged", r)
	}
	if len(rep.ArguedKilled) != 1 || rep.ArguedKilled[0] != killed {
		t.Errorf("ArguedKilled %v, want [%s]", rep.ArguedKilled, killed)
	}
	if r := got["noop"]; r.Outcome != Equivalent {
		t.Errorf("listed, same digest: %+v, want equivalent", r)
	}
	if rep.Counts[ArguedEquivalent] != 1 || rep.Score != 1 {
		t.Errorf("counts %v score %v, want 1 argued and score 1/1", rep.Counts, rep.Score)
	}
	var b strings.Builder
	rep.WriteTable(&b)
	if !strings.Contains(b.String(), "equivalent-argued") || !strings.Contains(b.String(), "WARNING: 1 mutant(s) argued equivalent") {
		t.Errorf("table lacks the argued column or the warning:\n%s", b.String())
	}
}
