package checker_test

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestDaemonRulesCaught: a cachefiles whose culling flag changes without
// telling the daemon, that leaves culling off below a cull threshold,
// whose status read of a bound cache is empty, whose inuse answers "not in
// use" without looking, that kills itself on a healthy disk, or whose I/O
// error does not stop the fscache cache is caught by the daemon check of
// that rule (checker/daemon.go), at the step the rule is broken.
func TestDaemonRulesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"cull-silent", func(m *fscache.Mutants) { m.CachefilesCullSilent = true }, "enospc-during-write",
			"daemon-cull-flag", "without announcing", 200},
		{"cull-never-begins", func(m *fscache.Mutants) { m.CachefilesCullNeverBegins = true }, "enospc-during-write",
			"daemon-cull-space", "culling is off", 200},
		{"status-empty", func(m *fscache.Mutants) { m.CachefilesStatusEmpty = true }, "enospc-during-write",
			"daemon-status", "reports limits", 200},
		{"syncfs-eio", func(m *fscache.Mutants) { m.CachefilesSyncfsEIO = true }, "netfs-over-cachefiles",
			"io-error-cause", "has failed no operation", 50},
		{"sync-error-ignored", func(m *fscache.Mutants) { m.CachefilesSyncErrorIgnored = true }, "random",
			"io-error-missed", "syncfs failed", 400},
		{"io-error-keeps-fscache", func(m *fscache.Mutants) { m.CachefilesIOErrorKeepsFscache = true }, "crash-and-rebind",
			"io-error-stops-cache", "still ACTIVE", 200},
	})
}

// TestDaemonInuseAnswerCaught: an inuse that answers "not in use" without
// looking is caught by daemon-answer when the object's file is marked in
// use from the command's start to its answer (cull-vs-use under PCT: a
// random walk rarely sends the command while the netfs holds the file).
func TestDaemonInuseAnswerCaught(t *testing.T) {
	for seed := 0; seed < 400; seed++ {
		res := runMutant(t, "cull-vs-use", func(m *fscache.Mutants) { m.CachefilesInuseNoLook = true },
			sim.Options{Seed: uint64(seed), Strategy: &sched.PCT{Depth: 1 + seed%3, Steps: 400}})
		if res.Outcome != sim.OutcomeFail {
			continue
		}
		if res.Failure.Check != "daemon-answer" || !strings.Contains(res.Failure.Msg, "marked in use") {
			t.Fatalf("seed %d: %v, want [daemon-answer] saying the object was marked in use", seed, res.Failure)
		}
		t.Logf("caught at seed %d: %v", seed, res.Failure)
		return
	}
	t.Fatal("mutant not caught within 400 seeds")
}
