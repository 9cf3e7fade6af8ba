package scenarios

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/model/netfs"
	"github.com/fscachesim/fscachesim/sim"
)

// The API violator: an opt-in actor of the random world
// ("random-api-violations") that breaks one rule of the API contract
// (scenarios/doc.go) at a random moment while the users run. What the
// checks find then is about the caller, not about fscache: each violation
// is announced in the trace by a mark "API violation: ..." just before it,
// and the scenario is a Quirk one, so that no default exploration and no
// no-false-alarm test runs it.

// apiViolations are the rules the violator breaks, one per world.
var apiViolations = []string{
	"I/O outside a use (write_to_cache without use_cookie)",
	"an unuse without a use",
	"a cookie relinquished while a user still has it in use",
	"the volume relinquished before its cookies",
}

// violate breaks rule i of apiViolations on the world's files.
func violate(t *sim.Thread, w *World, r func(int) int, m *netfs.Mount, ips []*netfs.Inode) {
	jitter(t)
	i := r(len(apiViolations))
	ip := ips[r(len(ips))]
	t.Emit(sim.Event{Type: fscache.EvMark, Obj: ip.Cookie.DebugID, Str: [2]string{"API violation: " + apiViolations[i]}})
	w.stats.violations++
	switch i {
	case 0:
		fscache.WriteToCache(t, ip.Cookie, 0, zeroBlock[:16], 16, true, nil)
	case 1:
		fscache.UnuseCookie(t, ip.Cookie, nil, nil)
	case 2:
		fscache.RelinquishCookie(t, ip.Cookie, false)
	case 3:
		fscache.RelinquishVolume(t, m.Vol, nil, false)
	}
}

func init() {
	register(Scenario{
		Name:  "random-api-violations",
		Quirk: "API violations (opt-in)",
		Desc:  "the random world with an actor that breaks one rule of the API contract (I/O outside a use, an unbalanced unuse, relinquish under a user, the volume before its cookies); its findings are API violations, announced in the trace, not fscache bugs",
		Setup: func(k *sim.Kernel, w *World) {
			f := drawWorld(k, false)
			f.violate = true
			WorldSetup(k, w, f)
		},
	})
}
