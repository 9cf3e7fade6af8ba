package traces

import (
	"fmt"
	"slices"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// DefaultShrinkAttempts bounds Shrink when ShrinkOptions.MaxAttempts is 0.
const DefaultShrinkAttempts = 500

// ShrinkOptions configure Shrink.
type ShrinkOptions struct {
	// MaxAttempts bounds the re-runs Shrink makes (default 500). Shrinking
	// is bounded by attempts, never by wall time, so it gives the same
	// result on every machine.
	MaxAttempts int
	// Ops, if set, removes operations from the scenario (see OpsShrinker).
	Ops OpsShrinker
}

// OpsShrinker proposes smaller variants of a run's scenario: fewer
// operations in its threads' scripts. The scenarios do not expose their
// operation lists yet, so the tool passes none and Shrink minimises the
// schedule only. When a scenario exposes them (say, as an "ops" option in
// the header naming the operations kept), an OpsShrinker returns the
// variants to try, smallest first; Shrink keeps the first whose run still
// fails the same check and starts over from it.
type OpsShrinker interface {
	Smaller(h Header) []Header
}

// ShrinkStats says how much smaller a shrunk trace is.
type ShrinkStats struct {
	DecisionsBefore, DecisionsAfter     int
	PreemptionsBefore, PreemptionsAfter int
	StepsBefore, StepsAfter             int64
	EventsBefore, EventsAfter           int
	Attempts, MaxAttempts               int
	OpsRemoved                          int // operation-list variants kept (0 until scenarios expose operations)
	// Bounded: the shrink stopped because it used every attempt, not
	// because a whole pass found nothing smaller: a further shrink (more
	// attempts, or of the result) could go smaller.
	Bounded bool
}

func (s ShrinkStats) String() string {
	return fmt.Sprintf("decisions %d -> %d, preemptions %d -> %d, steps %d -> %d, events %d -> %d (%d of %d attempts)",
		s.DecisionsBefore, s.DecisionsAfter, s.PreemptionsBefore, s.PreemptionsAfter, s.StepsBefore, s.StepsAfter,
		s.EventsBefore, s.EventsAfter, s.Attempts, s.MaxAttempts)
}

// ErrNotFailing is returned by Shrink for a trace whose run does not fail.
var ErrNotFailing = fmt.Errorf("the trace does not fail a check: nothing to shrink")

// Shrink minimises a failing trace while the same check (the same failure
// class and check name) still fails:
//
//  1. fewer preemptions: the shortest prefix of the log that still fails
//     (bisection), then, for each run of one thread's choices from the
//     last, move it into that thread's next run or its previous one,
//     delete it, or give it to the thread that ran before;
//  2. fewer decisions: delta debugging (ddmin) over the whole log, removing
//     chunks and halving the chunk size when none can go;
//  3. simpler values: each random value to 0, each injected fault to "no";
//  4. fewer operations, when opts.Ops proposes any;
//
// and again from 1 while a pass makes progress, within opts.MaxAttempts
// re-runs.
//
// Each candidate log runs with a lenient replay (see lenientReplay): a
// decision that does not fit the run, or a log that runs out, falls back to
// the enabled thread picked most recently, else the lowest-numbered one
// (value 0, no fault), so a shortened log means a less preemptive schedule.
// A candidate is kept when its run fails the same check, is no larger than
// the input in decisions, steps and events (so the result never is), and
// its actual decision log is smaller: fewer preemptions, then fewer decisions, then
// fewer non-zero values (so the decision count may grow when preemptions
// go). The result is re-run with a strict replay of its log to make the
// new trace, which must fail the same check.
func Shrink(t *Trace, run Runner, opts ShrinkOptions) (*Trace, ShrinkStats, error) {
	s := &shrinker{run: run, h: t.Header, max: opts.MaxAttempts,
		maxDecisions: len(t.Log), maxSteps: t.Verdict.Steps, maxEvents: int64(len(t.Events))}
	if s.max <= 0 {
		s.max = DefaultShrinkAttempts
	}
	st := ShrinkStats{DecisionsBefore: len(t.Log), PreemptionsBefore: t.Verdict.Preemptions,
		StepsBefore: t.Verdict.Steps, EventsBefore: len(t.Events), MaxAttempts: s.max}
	if !t.Failed() {
		return nil, st, ErrNotFailing
	}
	s.class, s.check = t.Verdict.Class, t.Verdict.Check
	// The trace's own log must still fail the same way.
	got, ok, err := s.run1(s.h, t.Log)
	if err != nil {
		return nil, st, err
	}
	s.best = got
	if st.PreemptionsBefore < 0 {
		st.PreemptionsBefore = s.lastPreemptions // a version 1 trace
	}
	if !ok {
		return nil, st, fmt.Errorf("the trace's decision log no longer fails %s [%s] (the code changed since it was written?): replay it to see how it differs", s.class, s.check)
	}
	for pass := 0; ; pass++ {
		if !s.left() {
			st.Bounded = true
			break
		}
		before := s.key(s.best)
		if opts.Ops != nil {
			st.OpsRemoved += s.ops(opts.Ops)
		}
		s.preemptions()
		s.ddmin()
		s.values()
		// Every attempt spent, even by a pass that found nothing smaller
		// with its last one, is the bound: a further shrink could go on.
		if s.exhausted || !s.left() {
			st.Bounded = true
			break
		}
		if !less(s.key(s.best), before) {
			break
		}
	}
	res, k, err := run(s.h, &sched.Replay{Log: s.best, Strict: true})
	if err != nil {
		return nil, st, err
	}
	if res.Failure == nil || res.Failure.Class.String() != s.class || res.Failure.Check != s.check {
		return nil, st, fmt.Errorf("the shrunk decision log does not fail %s [%s] under a strict replay (%s): the run is not deterministic", s.class, s.check, VerdictLine(VerdictOf(res)))
	}
	h := s.h
	h.Shrunk = &ShrinkInfo{DecisionsBefore: st.DecisionsBefore, PreemptionsBefore: st.PreemptionsBefore, Attempts: s.attempts}
	if t.Header.Shrunk != nil {
		h.Shrunk.DecisionsBefore, h.Shrunk.PreemptionsBefore = t.Header.Shrunk.DecisionsBefore, t.Header.Shrunk.PreemptionsBefore
		h.Shrunk.Attempts += t.Header.Shrunk.Attempts
	}
	out, err := FromRun(h, res, k)
	if err != nil {
		return nil, st, err
	}
	st.DecisionsAfter, st.PreemptionsAfter = len(out.Log), out.Verdict.Preemptions
	st.StepsAfter, st.EventsAfter = out.Verdict.Steps, len(out.Events)
	st.Attempts = s.attempts
	return out, st, nil
}

type shrinker struct {
	run          Runner
	h            Header
	class, check string
	max          int
	attempts     int
	best         sim.Log
	// The input's size: no candidate may be larger.
	maxDecisions        int
	maxSteps, maxEvents int64
	// exhausted: a candidate was not tried for want of attempts.
	exhausted bool
	// lastPreemptions is the CHESS preemption count of the last run.
	lastPreemptions int
}

func (s *shrinker) left() bool { return s.attempts < s.max }

// shrinkKey orders logs: fewer thread choices that switch thread (the
// log's own count: it tracks the preemptions, which a log alone does not
// tell), then fewer decisions, then fewer non-zero values and faults.
type shrinkKey [3]int

func (s *shrinker) key(l sim.Log) shrinkKey {
	nz := 0
	for _, d := range l {
		if d.Kind != sim.DecThread && d.V != 0 {
			nz++
		}
	}
	return shrinkKey{l.Preemptions(), len(l), nz}
}

func less(a, b shrinkKey) bool { return slices.Compare(a[:], b[:]) < 0 }

// run1 runs cand leniently under header h (one attempt). It returns the
// run's actual decision log and whether the run failed the same check.
func (s *shrinker) run1(h Header, cand sim.Log) (sim.Log, bool, error) {
	s.attempts++
	res, k, err := s.run(h, &lenientReplay{log: cand})
	if err != nil {
		return nil, false, err
	}
	s.lastPreemptions = res.Preemptions
	if res.Outcome != sim.OutcomeFail || res.Failure == nil || res.Failure.Class.String() != s.class || res.Failure.Check != s.check {
		return nil, false, nil
	}
	if res.Steps > s.maxSteps || res.Events > s.maxEvents || res.Decisions > s.maxDecisions {
		return nil, false, nil
	}
	return slices.Clone(k.Log()), true, nil
}

// attempt runs cand and keeps its actual log as the best when the run
// fails the same check and the log is smaller. A Runner error counts as
// "does not fail": the first run already succeeded with this header.
func (s *shrinker) attempt(cand sim.Log) bool {
	if !s.left() {
		s.exhausted = true
		return false
	}
	got, ok, err := s.run1(s.h, cand)
	if err != nil || !ok || !less(s.key(got), s.key(s.best)) {
		return false
	}
	s.best = got
	return true
}

// block is a run of thread choices of one thread in a log: [start, end).
type block struct {
	start, end int
	thread     uint32
}

// blocks splits l at its context switches (the value and fault decisions
// in between go with the block they are in).
func blocks(l sim.Log) []block {
	var out []block
	for i, d := range l {
		if d.Kind != sim.DecThread {
			continue
		}
		if len(out) > 0 && out[len(out)-1].thread == d.V {
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].end = i
		}
		out = append(out, block{start: i, thread: d.V})
	}
	if len(out) > 0 {
		out[len(out)-1].end = len(l)
		out[0].start = 0
	}
	return out
}

// preemptions removes context switches.
func (s *shrinker) preemptions() {
	// First the cheapest big win: the shortest prefix of the log that
	// still fails, the rest left to the non-preemptive default, found by
	// bisection (failing is not monotone in the prefix length, so this is
	// a heuristic; the passes below do the rest).
	base := s.best
	lo, hi := 0, len(base)
	for lo < hi && s.left() {
		mid := (lo + hi) / 2
		got, ok, err := s.run1(s.h, slices.Clone(base[:mid]))
		if err == nil && ok {
			hi = mid
			if less(s.key(got), s.key(s.best)) {
				s.best = got
			}
		} else {
			lo = mid + 1
		}
	}
	// Then each block of one thread's choices, last first: postpone it
	// into the thread's next block, prepone it into its previous one, or
	// delete it. Moving a block keeps both threads' progress at every
	// other switch, so most of the interleaving, and usually the race,
	// survives, while the switches around the block go.
	bs := blocks(s.best)
	for j := len(bs) - 1; j >= 0 && s.left(); j-- {
		if s.moveBlock(bs, j) {
			bs = blocks(s.best)
			j = min(j, len(bs))
		}
	}
}

// moveBlock tries to remove block j of bs (blocks of s.best).
func (s *shrinker) moveBlock(bs []block, j int) bool {
	l, b := s.best, bs[j]
	for m := j + 1; m < len(bs); m++ {
		if bs[m].thread == b.thread {
			c := slices.Concat(l[:b.start], l[b.end:bs[m].start], l[b.start:b.end], l[bs[m].start:])
			if s.attempt(c) {
				return true
			}
			break
		}
	}
	for p := j - 1; p >= 0; p-- {
		if bs[p].thread == b.thread {
			c := slices.Concat(l[:bs[p].end], l[b.start:b.end], l[bs[p].end:b.start], l[b.end:])
			if s.attempt(c) {
				return true
			}
			break
		}
	}
	if s.attempt(slices.Concat(l[:b.start], l[b.end:])) {
		return true
	}
	if j == 0 {
		return false
	}
	give := slices.Clone(l)
	for i := b.start; i < b.end; i++ {
		if give[i].Kind == sim.DecThread {
			give[i].V = bs[j-1].thread
		}
	}
	return s.attempt(give)
}

// ddmin removes chunks of decisions (Zeller's delta debugging, complement
// only), from the end of the log.
func (s *shrinker) ddmin() {
	n := 2
	for len(s.best) >= 2 && s.left() {
		l := s.best
		size := (len(l) + n - 1) / n
		removed := false
		for start := len(l) - size; start > -size && s.left(); start -= size {
			lo := max(start, 0)
			if s.attempt(append(slices.Clone(l[:lo]), l[start+size:]...)) {
				removed = true
				break
			}
		}
		switch {
		case removed:
			n = max(n-1, 2)
		case size <= 1:
			return
		default:
			n = min(2*n, len(l))
		}
	}
}

// values sets random values to 0 and faults to "no", one at a time.
func (s *shrinker) values() {
	for i := len(s.best) - 1; i >= 0 && s.left(); i-- {
		if i >= len(s.best) || s.best[i].Kind == sim.DecThread || s.best[i].V == 0 {
			continue
		}
		cand := slices.Clone(s.best)
		cand[i].V = 0
		s.attempt(cand)
	}
}

// ops tries the operation-list variants o proposes; it returns how many
// it kept.
func (s *shrinker) ops(o OpsShrinker) int {
	kept := 0
	for progress := true; progress && s.left(); {
		progress = false
		for _, h := range o.Smaller(s.h) {
			if !s.left() {
				break
			}
			got, ok, err := s.run1(h, s.best)
			if err == nil && ok {
				s.h, s.best = h, got
				kept++
				progress = true
				break
			}
		}
	}
	return kept
}

// lenientReplay follows a decision log as far as it fits. Thread choices,
// values and faults are three separate streams, so removing decisions of
// one kind never shifts the others. A thread choice that names a thread
// that cannot run, or that is past the end of the log, falls back to the
// enabled thread picked most recently (the one picked last if it can still
// run), else the lowest-numbered one: the default schedule switches only
// when it must, and then back to where it came from. A value past the end
// is 0, a fault past the end is "no".
type lenientReplay struct {
	log                 sim.Log
	threads, vals, flts []sim.Decision
	thr, val, flt       int
	picks               int
	lastPick            []int // by thread id: when it was last picked (1..), 0 never
}

func (r *lenientReplay) Name() string { return "shrink-replay" }

func (r *lenientReplay) Start(seed uint64) {
	r.thr, r.val, r.flt, r.picks = 0, 0, 0, 0
	r.threads, r.vals, r.flts, r.lastPick = r.threads[:0], r.vals[:0], r.flts[:0], r.lastPick[:0]
	for _, d := range r.log {
		switch d.Kind {
		case sim.DecThread:
			r.threads = append(r.threads, d)
		case sim.DecValue:
			r.vals = append(r.vals, d)
		default:
			r.flts = append(r.flts, d)
		}
	}
}

func (r *lenientReplay) Pick(step int64, enabled []*sim.Thread) int {
	pick := -1
	if r.thr < len(r.threads) {
		want := int32(r.threads[r.thr].V)
		r.thr++
		for i, t := range enabled {
			if t.ID() == want {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		pick = 0
		best := 0
		for i, t := range enabled {
			if id := int(t.ID()); id < len(r.lastPick) && r.lastPick[id] > best {
				pick, best = i, r.lastPick[id]
			}
		}
	}
	id := int(enabled[pick].ID())
	for len(r.lastPick) <= id {
		r.lastPick = append(r.lastPick, 0)
	}
	r.picks++
	r.lastPick[id] = r.picks
	return pick
}

func (r *lenientReplay) Value(c sim.Component, n uint64) uint64 {
	if r.val >= len(r.vals) {
		return 0
	}
	v := uint64(r.vals[r.val].V)
	r.val++
	if v >= n {
		return 0
	}
	return v
}

func (r *lenientReplay) Chance(c sim.Component, p sim.Ratio) bool {
	if r.flt >= len(r.flts) {
		return false
	}
	yes := r.flts[r.flt].V != 0
	r.flt++
	return yes
}
