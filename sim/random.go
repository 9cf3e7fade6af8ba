package sim

// RandomWalk picks uniformly among the enabled threads at every step.
type RandomWalk struct{ Seeds }

func (r *RandomWalk) Name() string { return "random" }

func (r *RandomWalk) Pick(step int64, enabled []*Thread) int {
	return int(r.Sched().Uint64n(uint64(len(enabled))))
}
