package sim_test

import (
	"iter"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// Run these with
//
//	go test -run '^$' -bench . -benchmem -count 5 ./sim/
//	go test -run '^$' -bench Execution -cpu 1 -count 5 ./sim/
//
// Targets: a scheduling decision costs at most 3x the bare coroutine round
// trip (BenchmarkCoroutineFloor) with no allocation in steady state, and one
// small execution (4 threads x 50 yields) runs at 20,000 exec/s or more on
// one core.

// BenchmarkCoroutineFloor is a bare iter.Pull resume/yield round trip: the
// least a scheduling decision can cost with coroutine threads.
func BenchmarkCoroutineFloor(b *testing.B) {
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
		}
	})
	defer stop()
	b.ReportAllocs()
	for b.Loop() {
		next()
	}
}

// yielders spawns n threads that do nothing but Yield, each at most per
// times (per < 0: forever).
func yielders(k *sim.Kernel, n, per int) {
	for i := 0; i < n; i++ {
		k.Spawn("yield", func(t *sim.Thread) {
			for j := 0; j != per; j++ {
				t.Yield()
			}
		})
	}
}

// BenchmarkSchedulerDecision is the cost of one scheduling decision among 4
// threads that only Yield, under the random strategy: one op is one step
// with four threads enabled. The kernels are long (decisionsPerKernel
// steps) so that setting them up is amortised away.
func BenchmarkSchedulerDecision(b *testing.B) {
	const decisionsPerKernel = 1 << 16
	b.ReportAllocs()
	left := b.N
	for seed := uint64(0); left > 0; seed++ {
		steps := min(left, decisionsPerKernel)
		// 4 start steps, then every step is a decision among 4 threads.
		k := sim.New(sim.Options{Seed: seed, MaxSteps: int64(steps)})
		yielders(k, 4, -1)
		if res := k.Run(); res.Outcome != sim.OutcomeBound || res.Steps != int64(steps) {
			b.Fatalf("outcome %v after %d steps, want step-bound after %d", res.Outcome, res.Steps, steps)
		}
		left -= steps
	}
}

// BenchmarkExecution4x50 starts, runs and tears down one execution of 4
// threads doing 50 Yields each.
func BenchmarkExecution4x50(b *testing.B) {
	b.ReportAllocs()
	var seed uint64
	for b.Loop() {
		seed++
		k := sim.New(sim.Options{Seed: seed})
		yielders(k, 4, 50)
		if res := k.Run(); res.Outcome != sim.OutcomePass {
			b.Fatalf("outcome %v", res.Outcome)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
}
