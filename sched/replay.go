package sched

import "github.com/fscachesim/fscachesim/sim"

import "fmt"

// Replay follows a recorded decision log. In strict mode a decision that
// does not fit (a thread that is not enabled, a value of another range, a
// log that runs out) ends the run as diverged with a message naming the
// step. In lenient mode (used by shrinking) a misfit falls back to the
// simplest choice: the lowest enabled thread, value 0, no fault.
type Replay struct {
	Log    sim.Log
	Strict bool
	pos    int
	err    error
}

func (r *Replay) Name() string { return "replay" }

func (r *Replay) Start(seed uint64) { r.pos, r.err = 0, nil }

// Err is the first misfit in strict mode; at the end of a run it also
// reports decisions the run did not use.
func (r *Replay) Err() error {
	if r.err == nil && r.Strict && r.pos < len(r.Log) {
		return fmt.Errorf("decision %d: not used, the log is too long (the run used %d of %d decisions)", r.pos, r.pos, len(r.Log))
	}
	return r.err
}

// Used is how many decisions of the log were consumed.
func (r *Replay) Used() int { return r.pos }

func (r *Replay) take(kind sim.DecisionKind) (sim.Decision, bool) {
	if r.pos >= len(r.Log) {
		if r.Strict && r.err == nil {
			r.err = fmt.Errorf("decision %d: missing, the log is too short (it has %d decisions)", r.pos, len(r.Log))
		}
		return sim.Decision{}, false
	}
	d := r.Log[r.pos]
	if d.Kind != kind {
		if r.Strict {
			if r.err == nil {
				r.err = fmt.Errorf("decision %d: the log has a %s choice where the run asks for a %s choice", r.pos, kindName(d.Kind), kindName(kind))
			}
			return sim.Decision{}, false
		}
		return sim.Decision{}, false
	}
	r.pos++
	return d, true
}

func kindName(k sim.DecisionKind) string {
	switch k {
	case sim.DecThread:
		return "thread"
	case sim.DecValue:
		return "value"
	default:
		return "fault"
	}
}

func (r *Replay) Pick(step int64, enabled []*sim.Thread) int {
	if r.err != nil {
		return -1
	}
	d, ok := r.take(sim.DecThread)
	if ok {
		for i, t := range enabled {
			if uint32(t.ID()) == d.V {
				return i
			}
		}
		if r.Strict {
			r.err = fmt.Errorf("decision %d at step %d: thread %d is not enabled", r.pos-1, step, d.V)
			return -1
		}
	}
	if r.Strict {
		return -1
	}
	return 0
}

func (r *Replay) Value(c sim.Component, n uint64) uint64 {
	d, ok := r.take(sim.DecValue)
	if !ok {
		return 0
	}
	if d.N != 0 && uint64(d.N) != n {
		if r.Strict && r.err == nil {
			r.err = fmt.Errorf("decision %d: the log draws from [0,%d) where the run asks for [0,%d)", r.pos-1, d.N, n)
		}
		if uint64(d.V) >= n {
			return 0
		}
	}
	return uint64(d.V)
}

func (r *Replay) Chance(c sim.Component, p sim.Ratio) bool {
	d, ok := r.take(sim.DecFault)
	return ok && d.V != 0
}
