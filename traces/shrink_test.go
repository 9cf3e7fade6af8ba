package traces

import (
	"errors"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// TestShrinkSynthetic shrinks lost-update traces with many noise steps:
// the shrunk trace must be strictly smaller, still fail the same check, and
// replay identically.
func TestShrinkSynthetic(t *testing.T) {
	for _, noise := range []int{8, 20} {
		tr := failingTrace(t, noise)
		small, st, err := Shrink(tr, lostUpdate, ShrinkOptions{MaxAttempts: 300})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("noise %d seed %d: %s", noise, tr.Header.Seed, st)
		if !small.Failed() || small.Verdict.Class != tr.Verdict.Class || small.Verdict.Check != tr.Verdict.Check {
			t.Fatalf("shrunk verdict %s, want %s [%s]", VerdictLine(small.Verdict), tr.Verdict.Class, tr.Verdict.Check)
		}
		if st.DecisionsAfter >= st.DecisionsBefore || st.PreemptionsAfter > st.PreemptionsBefore {
			t.Fatalf("not smaller: %s", st)
		}
		if st.DecisionsAfter != len(small.Log) || st.PreemptionsAfter != small.Verdict.Preemptions {
			t.Fatalf("stats %s do not match the shrunk log (%d decisions)", st, len(small.Log))
		}
		if st.Attempts < 1 || st.Attempts > 300 {
			t.Fatalf("attempts %d, want 1..300", st.Attempts)
		}
		// A lost update needs one thread to be preempted between its load
		// and its store, and another to run; with the noise gone from the
		// schedule a handful of switches remain.
		if st.PreemptionsAfter > 4 {
			t.Errorf("%d preemptions left, want at most 4: %s", st.PreemptionsAfter, small.Log)
		}
		if h := small.Header.Shrunk; h == nil || h.DecisionsBefore != st.DecisionsBefore || h.Attempts != st.Attempts {
			t.Fatalf("header shrunk info %+v", h)
		}
		rep, err := Replay(small, lostUpdate)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Identical {
			t.Fatalf("the shrunk trace does not replay:\n%s", rep.Explain())
		}
	}
}

// TestShrinkDeterministic: the same trace shrinks to the same trace.
func TestShrinkDeterministic(t *testing.T) {
	tr := failingTrace(t, 10)
	a, sa, err := Shrink(tr, lostUpdate, ShrinkOptions{MaxAttempts: 120})
	if err != nil {
		t.Fatal(err)
	}
	b, sb, err := Shrink(tr, lostUpdate, ShrinkOptions{MaxAttempts: 120})
	if err != nil {
		t.Fatal(err)
	}
	if sa != sb || a.Log.String() != b.Log.String() || a.Verdict.Hash != b.Verdict.Hash {
		t.Fatalf("two shrinks differ: %s / %s", sa, sb)
	}
}

func TestShrinkBoundedByAttempts(t *testing.T) {
	tr := failingTrace(t, 20)
	_, st, err := Shrink(tr, lostUpdate, ShrinkOptions{MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	if st.Attempts != 5 {
		t.Fatalf("attempts %d, want 5", st.Attempts)
	}
}

func TestShrinkRefusesPassingTrace(t *testing.T) {
	for seed := uint64(1); seed < 100; seed++ {
		if tr := runTrace(t, seed, 2); !tr.Failed() {
			if _, _, err := Shrink(tr, lostUpdate, ShrinkOptions{}); !errors.Is(err, ErrNotFailing) {
				t.Fatalf("err %v, want ErrNotFailing", err)
			}
			return
		}
	}
	t.Fatal("no passing seed")
}

// TestShrinkCodeChanged: a trace whose failure no longer happens (here: a
// verdict naming another check) is refused with an error, not shrunk.
func TestShrinkCodeChanged(t *testing.T) {
	tr := failingTrace(t, 3)
	tr.Verdict.Check = "other-check"
	if _, _, err := Shrink(tr, lostUpdate, ShrinkOptions{}); err == nil {
		t.Fatal("no error")
	}
}

// opsByNoise is an OpsShrinker for the synthetic program: fewer noise
// steps stand for fewer operations.
type opsByNoise struct{}

func (opsByNoise) Smaller(h Header) []Header {
	var out []Header
	for _, n := range []string{"0", "1", "2"} {
		if h.Options["noise"] == n {
			break
		}
		c := h
		c.Options = map[string]string{"noise": n}
		out = append(out, c)
	}
	return out
}

func TestShrinkOps(t *testing.T) {
	tr := failingTrace(t, 12)
	small, st, err := Shrink(tr, lostUpdate, ShrinkOptions{MaxAttempts: 200, Ops: opsByNoise{}})
	if err != nil {
		t.Fatal(err)
	}
	if st.OpsRemoved == 0 || small.Header.Options["noise"] == "12" {
		t.Fatalf("no operations removed: %s, noise %s", st, small.Header.Options["noise"])
	}
	t.Logf("%s; noise %s", st, small.Header.Options["noise"])
}

// TestLenientReplay pins the fallbacks the shrinker relies on.
func TestLenientReplay(t *testing.T) {
	h := lostUpdateHeader(1, 2)
	// An empty log: the first enabled thread runs to completion, then the
	// next: no switch away from a thread that can still run.
	res, k, err := lostUpdate(h, &lenientReplay{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != sim.OutcomePass {
		t.Fatalf("the non-preemptive schedule %s: %s", k.Log(), res.Outcome)
	}
	if got := k.Log().String(); got != "0*5 1*5" {
		t.Fatalf("log %q, want 0*5 1*5", got)
	}
}
