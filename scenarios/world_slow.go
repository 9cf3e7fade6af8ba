package scenarios

import "github.com/fscachesim/fscachesim/sim"

// The random world's slow backend (in-memory worlds, world.go draws it):
// the cache's withdraw_cookie sleeps past the kernel's 20 s collision wait
// (21-25 s), as cachefiles' commit or delete does on a slow disk, so that
// a relinquish, an LRU discard and a withdrawal are held up that long. With
// it the world always evicts file 1 and looks it up again at once (its
// cookie re-acquired while the old one is held up: fscache_wait_on_collision
// times out, prints its notice and waits on), and unmounts and mounts again
// at once (the volume re-acquired while its twin waits for its cookies:
// fscache_wait_on_volume_collision times out too). The checks there:
// collision-notice, L-3 (the waiter returns once the twin goes), and every
// invariant while the two twins coexist.

// drawSlow draws whether a world has the slow backend.
func drawSlow(r func(int) int, f *worldFeatures) {
	if f.cachefiles || r(4) != 0 {
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
