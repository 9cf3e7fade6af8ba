package explorer

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// The planted bugs: a scenario and the switch whose race it hunts.
var (
	relinquishBug = model.Bugs{LRUDiscardNoRedispatch: true}
	useBug        = model.Bugs{UseNoClearLRUDiscard: true}
)

func scenario(t testing.TB, name string) []scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return []scenarios.Scenario{s}
}

// synthetic is a test scenario whose one thread fails (a t.Bug with check
// "planted") when fails says so of its seed.
func synthetic(name string, fails func(seed uint64) bool) scenarios.Scenario {
	return scenarios.Scenario{Name: name, Setup: func(k *sim.Kernel, w *scenarios.World) {
		seed := k.Seed()
		k.Spawn("t", func(t *sim.Thread) {
			t.Yield()
			if fails(seed) {
				t.Bug("planted", "planted failure at seed %d (0x%x)", seed, seed)
			}
		})
	}}
}

// withoutPerf is s with its wall-time fields cleared: what must not depend
// on the worker count.
func withoutPerf(s Summary) Summary {
	s.Perf = Perf{}
	return s
}

// sameSummary fails unless a and b agree on everything but Perf, as values
// and as JSON.
func sameSummary(t *testing.T, what string, a, b Summary) {
	t.Helper()
	a, b = withoutPerf(a), withoutPerf(b)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("%s: summaries differ (-want +got):\n%s", what, d)
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: json: %v %v", what, err1, err2)
	}
	if string(ja) != string(jb) {
		t.Fatalf("%s: JSON differs:\n%s\n%s", what, ja, jb)
	}
}

// withGOMAXPROCS runs fn with GOMAXPROCS set to n.
func withGOMAXPROCS(n int, fn func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	fn()
}
