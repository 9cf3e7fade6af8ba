package explorer

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// PORCheck is the self-check of partial-order reduction on a real
// scenario: a bounded exhaustive search of the scenario with POR must reach
// exactly the outcomes the same search reaches without it. POR prunes an
// interleaving only when it believes another one it runs is equivalent;
// that belief rests on every shared field being touched through a declared
// access (sim.Access). A field written or read without one makes two steps
// look independent when they are not, and the search with POR then misses
// an outcome that the plain search reaches: the sets differ.
type PORCheck struct {
	Scenario scenarios.Scenario
	Bugs     model.Bugs
	// Bound is the preemption bound of both searches.
	Bound int
	// MaxExecutions caps each search (0: none). A capped search makes the
	// comparison meaningless: Compare reports it as an error.
	MaxExecutions int64
	// MaxSteps bounds each execution (0: DefaultMaxSteps).
	MaxSteps int64
	// Prepare, if set, runs on each execution's kernel and world before
	// it runs (a test plants a bug in the model with it).
	Prepare func(k *sim.Kernel, w *scenarios.World)
	// Outcome, if set, replaces DefaultOutcome (tests of the check).
	Outcome func(k *sim.Kernel, w *scenarios.World, res sim.Result) string
}

// PORSide is one of the two searches of a PORCheck.
type PORSide struct {
	Search   sched.SearchStats
	Outcomes []string // the distinct outcomes reached, sorted
	Seconds  float64
}

// PORResult is what a PORCheck found.
type PORResult struct {
	Off, On PORSide
	// Missing are the outcomes reached without POR and not with it (POR
	// pruned a real outcome); Extra the reverse (which should be
	// impossible: it means the executions are not deterministic).
	Missing, Extra []string
}

// Equal reports whether both searches reached the same outcomes.
func (r PORResult) Equal() bool { return len(r.Missing) == 0 && len(r.Extra) == 0 }

// Line is a one-line summary.
func (r PORResult) Line() string {
	return fmt.Sprintf("without POR %d executions, %d outcomes, %.1fs; with POR %d executions, %d outcomes, %.1fs; missing %d, extra %d",
		r.Off.Search.Explored, len(r.Off.Outcomes), r.Off.Seconds, r.On.Search.Explored, len(r.On.Outcomes), r.On.Seconds, len(r.Missing), len(r.Extra))
}

// Run runs both searches and compares the outcome sets. It returns an error
// when a search did not complete (capped, or an execution hit the step
// bound): an incomplete search proves nothing either way.
func (c PORCheck) Run() (PORResult, error) {
	var r PORResult
	var err error
	for _, por := range []bool{false, true} {
		side := &r.Off
		if por {
			side = &r.On
		}
		*side, err = c.search(por)
		if err != nil {
			return r, err
		}
	}
	r.Missing = minus(r.Off.Outcomes, r.On.Outcomes)
	r.Extra = minus(r.On.Outcomes, r.Off.Outcomes)
	return r, nil
}

func (c PORCheck) search(por bool) (PORSide, error) {
	maxSteps := c.MaxSteps
	if maxSteps <= 0 {
		maxSteps = sim.DefaultMaxSteps
	}
	outcome := c.Outcome
	if outcome == nil {
		outcome = DefaultOutcome
	}
	seen := map[string]bool{}
	start := time.Now()
	x := &sched.Exhaustive{Bound: c.Bound, POR: por, MaxExecutions: c.MaxExecutions}
	st := x.Run(func(r *sched.ExhaustiveRun) (sim.Result, bool) {
		k, w := scenarios.PrepareChecked(c.Scenario, c.Bugs, sim.Options{Strategy: r, MaxSteps: maxSteps})
		if c.Prepare != nil {
			c.Prepare(k, w)
		}
		res := w.Finish(k, k.Run())
		if !r.Pruned() {
			seen[outcome(k, w, res)] = true
		}
		return res, false
	})
	side := PORSide{Search: st, Seconds: time.Since(start).Seconds()}
	for o := range seen {
		side.Outcomes = append(side.Outcomes, o)
	}
	sort.Strings(side.Outcomes)
	if !st.Complete {
		return side, fmt.Errorf("%s bound %d por=%v: the search did not complete (%v)", c.Scenario.Name, c.Bound, por, st)
	}
	return side, nil
}

// DefaultOutcome is what an execution of a scenario ends in, as far as a
// kernel developer can tell: its verdict (outcome and the check that
// failed, without the message, which names steps), the final state of the
// model (every cache, volume and cookie with its counts, state, flags, LRU
// membership and unused_at; the LRU list; the backend's committed objects),
// and the netfs-visible history (each client's operations in its order,
// with their results). Step counts, thread ids and the order of events are
// left out: equivalent interleavings differ in those.
func DefaultOutcome(k *sim.Kernel, w *scenarios.World, res sim.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %v", res.Outcome)
	if f := res.Failure; f != nil {
		fmt.Fprintf(&b, " %v %s", f.Class, f.Check)
	}
	b.WriteByte('\n')
	f := w.F
	for _, c := range f.Caches() {
		fmt.Fprintf(&b, "cache %q %v ref=%d acc=%d obj=%d vol=%d\n", c.Name, c.State(), c.Ref(), c.NAccesses(), c.ObjectCount(), c.NVolumes())
	}
	for _, v := range f.Volumes() {
		fmt.Fprintf(&b, "volume %q ref=%d cookies=%d acc=%d flags=%x\n", v.Key, v.Ref(), v.NCookies(), v.NAccesses(), v.Flags())
	}
	for _, c := range f.Cookies() {
		fmt.Fprintf(&b, "cookie %s/%x %v ref=%d act=%d acc=%d flags=%x lru=%v hashed=%v unused_at=%d inval=%d\n",
			c.Volume.Key, c.Key, c.State(), c.Ref(), c.NActive(), c.NAccesses(), c.FlagBits(), c.OnLRU(), c.OnHashChain(), c.UnusedAt(), c.InvalCounter)
	}
	for _, c := range f.LRU() {
		fmt.Fprintf(&b, "lru %s/%x\n", c.Volume.Key, c.Key)
	}
	if w.Mem != nil {
		b.WriteString(w.Mem.Snapshot())
	}
	if w.History != nil {
		hist := w.History.History()
		byClient := map[int][]string{}
		var clients []int
		for _, op := range hist {
			if _, ok := byClient[op.ClientId]; !ok {
				clients = append(clients, op.ClientId)
			}
			byClient[op.ClientId] = append(byClient[op.ClientId], fmt.Sprintf("%+v -> %+v", op.Input, op.Output))
		}
		sort.Ints(clients)
		for _, cl := range clients {
			fmt.Fprintf(&b, "client %d: %s\n", cl, strings.Join(byClient[cl], "; "))
		}
	}
	return b.String()
}

// minus is the sorted a without the sorted b.
func minus(a, b []string) []string {
	var out []string
	j := 0
	for _, s := range a {
		for j < len(b) && b[j] < s {
			j++
		}
		if j >= len(b) || b[j] != s {
			out = append(out, s)
		}
	}
	return out
}
