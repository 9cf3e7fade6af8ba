package scenarios

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// daemonCommands counts the daemon's cull and inuse commands in a run's
// events by their answer: "cull ok", "cull EBUSY", "inuse EBUSY", ...
func daemonCommands(k *sim.Kernel) map[string]int {
	n := map[string]int{}
	for _, e := range k.Events() {
		if e.Str[0] != "write" {
			continue
		}
		cmd, _, _ := strings.Cut(e.Str[1], " ")
		if cmd != "cull" && cmd != "inuse" {
			continue
		}
		switch e.Args[0] {
		case -16:
			n[cmd+" EBUSY"]++
		case -2:
			n[cmd+" ENOENT"]++
		case -116:
			n[cmd+" ESTALE"]++
		default:
			if e.Args[0] >= 0 {
				n[cmd+" ok"]++
			} else {
				n[cmd+" other"]++
			}
		}
	}
	return n
}

// TestDaemonCullUnderUse runs daemon-cull-under-use with every check on
// under the three strategies: every execution passes (the daemon never
// dies, the netfs users see only their own data, the cache is withdrawn
// cleanly at the daemon's exit), the daemon culls in most of them, and
// its commands meet the users' objects in use: some cull or inuse is
// answered EBUSY. A replay of a seed gives the same hash.
func TestDaemonCullUnderUse(t *testing.T) {
	s, err := Get("daemon-cull-under-use")
	if err != nil {
		t.Fatal(err)
	}
	runs, culled := 0, 0
	total := map[string]int{}
	for seed := 0; seed < 40; seed++ {
		for _, strat := range []sim.Strategy{&sched.RandomWalk{}, &sched.PCT{Depth: 1 + seed%3, Steps: 20000}, &sched.POS{}} {
			res, k, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: strat, Record: true})
			if res.Outcome != sim.OutcomePass {
				t.Fatalf("seed %d %s: %v %v", seed, strat.Name(), res.Outcome, res.Failure)
			}
			n := daemonCommands(k)
			for key, v := range n {
				total[key] += v
			}
			if n["cull ok"] > 0 {
				culled++
			}
			runs++
		}
	}
	t.Logf("%d runs, %d with a cull; commands %v", runs, culled, total)
	if culled < runs*2/3 {
		t.Fatalf("only %d of %d runs culled", culled, runs)
	}
	if total["cull EBUSY"]+total["inuse EBUSY"] == 0 {
		t.Fatalf("no command met an object in use: %v", total)
	}
	// Weak memory (store buffers), as TestWeakMemoryNoFalseAlarms runs
	// the scenarios that are not Long.
	for seed := 0; seed < 20; seed++ {
		var st sim.Strategy = &sched.RandomWalk{}
		if seed%2 == 1 {
			st = &sched.POS{}
		}
		res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: uint64(seed), Strategy: st, Memory: sim.MemWeak})
		if res.Outcome != sim.OutcomePass {
			t.Fatalf("seed %d (%s, weak memory): %v %v", seed, st.Name(), res.Outcome, res.Failure)
		}
	}
	a, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: 7, Strategy: &sched.POS{}})
	b, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: 7, Strategy: &sched.POS{}})
	if a.Hash != b.Hash {
		t.Fatalf("seed 7 does not replay: %x vs %x", a.Hash, b.Hash)
	}
}
