package sched

import "github.com/fscachesim/fscachesim/sim"

// RandomWalk picks uniformly among the enabled threads at every step.
type RandomWalk struct{ sim.Seeds }

func (r *RandomWalk) Name() string { return "random" }

func (r *RandomWalk) Pick(step int64, enabled []*sim.Thread) int {
	return int(r.Sched().Uint64n(uint64(len(enabled))))
}
