package scenarios

import "github.com/fscachesim/fscachesim/sim"

// The random world's slow backend ("random-slow", run by name): in-memory
// worlds whose cache's withdraw_cookie sleeps past the kernel's 20 s collision wait
// (21-25 s), as cachefiles' commit or delete does on a slow disk, so that
// a relinquish, an LRU discard and a withdrawal are held up that long. With
// it the world always evicts file 1 and looks it up again at once (its
// cookie re-acquired while the old one is held up: fscache_wait_on_collision
// times out, prints its notice and waits on), and unmounts and mounts again
// at once (the volume re-acquired while its twin waits for its cookies:
// fscache_wait_on_volume_collision times out too). The checks there:
// collision-notice, L-3 (the waiter returns once the twin goes), and every
// invariant while the two twins coexist.
//
// Not in the default set: its first 100,000 executions (explore --scenario
// random,random-disk with it drawn in one in-memory world in four) found a
// linearizability failure of a read that raced an invalidation, not judged
// yet (seed 41894 pos of that draw); "random" is left as it was.

func init() {
	register(Scenario{
		Name:  "random-slow",
		Desc:  "the random world over the in-memory cache with a slow withdraw_cookie (21-25 s): the cookie and volume re-acquired at once wait past the 20 s collision timeouts (swarm testing)",
		Extra: "random-slow: run by name until its findings are judged (world_slow.go)",
		Setup: func(k *sim.Kernel, w *World) {
			f := drawWorld(k, false)
			drawSlow(&f)
			WorldSetup(k, w, f)
		},
	})
}

// drawSlow gives an in-memory world the slow backend, with the cookie and
// the volume re-acquired at once.
func drawSlow(f *worldFeatures) {
	if f.cachefiles {
		return
	}
	f.slowWithdraw = true
	f.reacquire, f.remount = true, true
}

// slowBackend makes the world's in-memory cache slow to withdraw.
func slowBackend(w *World, r func(int) int) {
	w.Mem.WithdrawDelay = sim.Time(21+r(5)) * sim.Second
	w.stats.slowWithdraws++
}
