package explorer

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// porSmall are the named scenarios whose exhaustive searches at bound 1
// (bound 0 for the larger ones) complete within a few seconds both ways:
// the ones `make test` self-checks. TestSoakPOROutcomes checks them all.
var porSmall = []struct {
	name  string
	bound int
}{
	{"lru-vs-relinquish", 1},
	{"lru-vs-use", 1},
	{"quirk-q1-stale-withdraw", 1},
	{"quirk-q2-inval-access-held", 0},
	{"quirk-q2b-rearmed-gate", 0},
	{"lru-discard-vs-io", 0},
	{"volume-collision", 0},
	{"crash-and-rebind", 0},
}

// The POR self-check: on every small named scenario, exhaustive search
// with partial-order reduction reaches exactly the outcomes (end state of
// the model, netfs-visible history, verdict: DefaultOutcome) the search
// without it reaches, and both searches complete.
func TestPOROutcomes(t *testing.T) {
	for _, c := range porSmall {
		s, err := scenarios.Get(c.name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := PORCheck{Scenario: s, Bound: c.bound}.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s bound %d: %s", c.name, c.bound, r.Line())
		if !r.Equal() {
			t.Errorf("%s bound %d: POR missed %q, reached only with POR %q", c.name, c.bound, r.Missing, r.Extra)
		}
		if len(r.Off.Outcomes) == 0 {
			t.Errorf("%s: no outcome recorded", c.name)
		}
	}
}

// TestSoakPOROutcomes is the self-check on every named scenario at
// bound 0 and 1, each search capped at FSCACHESIM_POR_CAP executions
// (default 2,000,000); a capped search fails the test (it proves nothing).
//
//	FSCACHESIM_SOAK=1 go test -run TestSoakPOROutcomes -v -timeout 2h ./explorer/
func TestSoakPOROutcomes(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("soak test: set FSCACHESIM_SOAK=1")
	}
	limit := int64(2_000_000)
	if v := os.Getenv("FSCACHESIM_POR_CAP"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		limit = n
	}
	for _, s := range scenarios.All() {
		for _, bound := range []int{0, 1} {
			r, err := PORCheck{Scenario: s, Bound: bound, MaxExecutions: limit}.Run()
			t.Logf("%s bound %d: %s", s.Name, bound, r.Line())
			if err != nil {
				t.Error(err)
				continue
			}
			if !r.Equal() {
				t.Errorf("%s bound %d: POR missed %q, reached only with POR %q", s.Name, bound, r.Missing, r.Extra)
			}
		}
	}
}

// undeclared is a broken model for the self-check: a flag written inside a
// locked region without a declared access (sim.Var.Set, as setState once
// wrote cookie->state), and read without the lock by another thread (as
// fscache_wait_for_operation reads the state). With declared set to true it
// is written with Store and the model is sound.
func undeclared(declared bool) (scenarios.Scenario, func(k *sim.Kernel, w *scenarios.World, res sim.Result) string) {
	type world struct {
		lock sim.Mutex
		flag sim.Var[int]
		seen int
	}
	s := scenarios.Scenario{Name: "por-undeclared-write", Setup: func(k *sim.Kernel, w *scenarios.World) {
		x := &world{lock: sim.Mutex{Name: "lock"}}
		k.Private = x
		k.Spawn("writer", func(t *sim.Thread) {
			x.lock.Lock(t)
			if declared {
				x.flag.Store(t, 1)
			} else {
				x.flag.Set(1)
			}
			x.lock.Unlock(t)
		})
		k.Spawn("reader", func(t *sim.Thread) {
			x.seen = x.flag.Load(t)
		})
	}}
	outcome := func(k *sim.Kernel, w *scenarios.World, res sim.Result) string {
		return fmt.Sprintf("%s reader saw %d", DefaultOutcome(k, w, res), k.Private.(*world).seen)
	}
	return s, outcome
}

// The self-check catches a write left undeclared: on the broken model POR
// misses the outcome in which the reader runs after the writer (or before:
// one of the two), so the sets differ; declared, they are equal. Both
// searches reach two outcomes without POR.
func TestPOROutcomesCatchUndeclaredWrite(t *testing.T) {
	for _, declared := range []bool{true, false} {
		s, outcome := undeclared(declared)
		r, err := PORCheck{Scenario: s, Bound: 1, Outcome: outcome}.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("declared=%v: %s; missing %q", declared, r.Line(), r.Missing)
		if len(r.Off.Outcomes) != 2 {
			t.Fatalf("declared=%v: without POR %d outcomes, want 2:\n%s", declared, len(r.Off.Outcomes), strings.Join(r.Off.Outcomes, "\n"))
		}
		if r.Equal() != declared {
			t.Fatalf("declared=%v: outcome sets equal=%v (missing %q, extra %q)", declared, r.Equal(), r.Missing, r.Extra)
		}
	}
}
