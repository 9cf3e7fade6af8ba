package scenarios

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// runMutated runs s once with every check on and the test-only breakage
// set switched on.
func runMutated(s Scenario, seed uint64, set func(*fscache.Mutants), skip ...string) sim.Result {
	var st sim.Strategy = &sched.RandomWalk{}
	if seed%2 == 1 {
		st = &sched.POS{}
	}
	k, w := PrepareChecked(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: st})
	set(&w.F.Mutants)
	w.Checker.SkipChecks(skip...)
	return w.Finish(k, k.Run())
}

func livenessScenario(t *testing.T, name string) Scenario {
	t.Helper()
	for _, s := range Liveness() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no liveness scenario %s", name)
	return Scenario{}
}

// TestLivenessScriptsCatch: each script of liveness_more.go catches, by its
// own check, a model broken the way it is about (fscache.ReqMutants);
// unbroken, every script passes (TestLivenessPasses).
func TestLivenessScriptsCatch(t *testing.T) {
	for _, tc := range []struct {
		scenario, check string
		set             func(*fscache.Mutants)
	}{
		{"liveness-reread-mem", "cache-liveness", func(m *fscache.Mutants) { m.NotePageReleaseNoop = true }},
		{"liveness-reread-cachefiles", "cache-liveness", func(m *fscache.Mutants) { m.NotePageReleaseNoop = true }},
		{"liveness-volume-coherency-cachefiles", "volume-coherency", func(m *fscache.Mutants) { m.CachefilesVolumeNoCheck = true }},
		{"liveness-retire-cachefiles", "retired-deleted", func(m *fscache.Mutants) { m.CachefilesRetireKeepsFile = true }},
		{"liveness-requests-mem", "requested-update", func(m *fscache.Mutants) { m.UpdateKeepsAux = true }},
		{"liveness-key-limits", "key-limits", func(m *fscache.Mutants) { m.CookieKeyMaxShort = true }},
	} {
		s := livenessScenario(t, tc.scenario)
		for seed := uint64(0); seed < 5; seed++ {
			res := runMutated(s, seed, tc.set)
			if res.Failure == nil || res.Failure.Check != tc.check {
				t.Fatalf("%s seed %d, broken: %v %+v, want a failure of check %s", tc.scenario, seed, res.Outcome, res.Failure, tc.check)
			}
		}
	}
}

// firstFailure explores s with the breakage set over seeds 0..n-1 and
// returns the first failure and its seed.
func firstFailure(t *testing.T, s Scenario, n uint64, set func(*fscache.Mutants), skip ...string) (*sim.Failure, uint64) {
	t.Helper()
	for seed := uint64(0); seed < n; seed++ {
		if res := runMutated(s, seed, set, skip...); res.Outcome != sim.OutcomePass {
			return res.Failure, seed
		}
	}
	return nil, n
}

// TestRequestChecksCatch: the request and timing checks of
// checker/requested.go, each on the race scenario that reaches its rule,
// with the model broken that way: the first failure found is that check's.
// Unbroken, the scenarios pass (the default exploration).
func TestRequestChecksCatch(t *testing.T) {
	for _, tc := range []struct {
		scenario, check string
		set             func(*fscache.Mutants)
		skip            []string // checks the breakage also trips, reported first
	}{
		{"lru-vs-use", "R-use", func(m *fscache.Mutants) { m.UseNoRecheck = true }, nil},
		// A late LRU worker also stops with an expired cookie at the head
		// of its list, which C-lru (cookierules.go) reports first.
		{"liveness-lru-reopen-cachefiles", "lru-timing", func(m *fscache.Mutants) { m.LRULate = true }, []string{"C-lru"}},
		{"cookie-collision", "collision-notice", func(m *fscache.Mutants) { m.CollisionNoticeAlways = true }, nil},
	} {
		s, err := Get(tc.scenario)
		if err != nil {
			s = livenessScenario(t, tc.scenario)
		}
		f, seed := firstFailure(t, s, 3000, tc.set, tc.skip...)
		if f == nil || f.Check != tc.check {
			t.Fatalf("%s broken for %s: first failure %+v (seed %d), want check %s", tc.scenario, tc.check, f, seed, tc.check)
		}
		t.Logf("%s: %s at seed %d: %s", tc.scenario, f.Check, seed, f.Msg)
	}
}

// TestLegalKeyCookieCaught: the random world's key user, with fscache
// refusing 255-byte cookie keys, is caught by legal-key-cookie.
func TestLegalKeyCookieCaught(t *testing.T) {
	s := Scenario{Name: "keys", Setup: func(k *sim.Kernel, w *World) {
		WorldSetup(k, w, worldFeatures{files: 1, users: 1, maxOpsPerUser: 1, limitKeys: true})
	}}
	for _, broken := range []bool{false, true} {
		f, seed := firstFailure(t, s, 400, func(m *fscache.Mutants) { m.CookieKeyMaxShort = broken })
		switch {
		case !broken && f != nil:
			t.Fatalf("unbroken: %+v at seed %d", f, seed)
		case broken && (f == nil || f.Check != "legal-key-cookie"):
			t.Fatalf("broken: first failure %+v (seed %d), want legal-key-cookie", f, seed)
		}
	}
}

// TestLivenessScriptsPassUnderEveryStrategy: the liveness scripts pass on
// the model under random walk, PCT (depths 1-4) and POS, a fifth of the
// seeds in the weak-memory mode: a script's verdict does not depend on the
// schedule the mutation probe happens to draw (no false alarm there).
func TestLivenessScriptsPassUnderEveryStrategy(t *testing.T) {
	for _, s := range Liveness() {
		for seed := uint64(0); seed < 100; seed++ {
			var st sim.Strategy = &sched.RandomWalk{}
			switch seed % 3 {
			case 1:
				st = &sched.PCT{Depth: 1 + int(seed%4), Steps: 400}
			case 2:
				st = &sched.POS{}
			}
			mem := sim.MemSC
			if seed%5 == 4 {
				mem = sim.MemWeak
			}
			if res, _, _ := Execute(s, model.Bugs{}, sim.Options{Seed: seed, Strategy: st, Memory: mem}); res.Outcome != sim.OutcomePass {
				t.Fatalf("%s seed %d %s: %v %+v", s.Name, seed, st.Name(), res.Outcome, res.Failure)
			}
		}
	}
}
