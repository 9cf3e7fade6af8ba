package sim_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestWaitKillable: a killable wait returns true when the completion
// comes and false when a fatal signal comes first (pending before the
// wait or sent while it sleeps); over a sweep of seeds both outcomes
// happen, the completion wins over a signal pending when both are there,
// and a plain Wait is not interrupted by the signal (the run deadlocks
// without a completion).
func TestWaitKillable(t *testing.T) {
	outcomes := map[string]int{}
	for seed := uint64(0); seed < 200; seed++ {
		k := sim.New(sim.Options{Seed: seed, Strategy: &sched.RandomWalk{}})
		c := &sim.Completion{Name: "req.done"}
		var got, pending bool
		victim := k.Spawn("reader", func(t *sim.Thread) {
			got = c.WaitKillable(t)
			pending = t.FatalSignalPending()
		})
		k.Spawn("killer", func(t *sim.Thread) { sim.SendSigkill(t, victim) })
		k.Spawn("daemon", func(t *sim.Thread) { c.Complete(t) })
		res := k.Run()
		k.Close()
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d: %v %v", seed, res.Outcome, res.Failure)
		}
		if !got && !pending {
			t.Fatalf("seed %d: the wait was interrupted with no signal pending", seed)
		}
		if got {
			outcomes["completed"]++
		} else {
			outcomes["interrupted"]++
		}
	}
	if outcomes["completed"] == 0 || outcomes["interrupted"] == 0 {
		t.Fatalf("outcomes %v: want both", outcomes)
	}

	// Done and pending at once: the completion wins.
	k := sim.New(sim.Options{Seed: 1})
	c := &sim.Completion{}
	var got bool
	var victim *sim.Thread
	victim = k.Spawn("reader", func(t *sim.Thread) {
		c.Complete(t)
		sim.SendSigkill(t, victim)
		got = c.WaitKillable(t)
	})
	if res := k.Run(); res.Outcome != sim.OutcomePass || !got {
		t.Fatalf("completed and killed: %v, got %v; want the completion", res.Outcome, got)
	}
	k.Close()

	// An uninterruptible wait sleeps on through the signal.
	k = sim.New(sim.Options{Seed: 1})
	c = &sim.Completion{Name: "uninterruptible"}
	victim = k.Spawn("reader", func(t *sim.Thread) { c.Wait(t) })
	k.Spawn("killer", func(t *sim.Thread) { sim.SendSigkill(t, victim) })
	if res := k.Run(); res.Outcome == sim.OutcomePass {
		t.Fatal("a plain Wait returned on a fatal signal")
	}
	k.Close()
}
