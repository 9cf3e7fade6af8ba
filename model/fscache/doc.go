// Package fscache models the Linux fscache core (fs/netfs/fscache_*.c since
// 5.17, include/linux/fscache.h and fscache-cache.h): caches, volumes and
// cookies; the cookie state machine run from each cookie's work item; the
// access gates (n_accesses with NO_ACCESS_WAKE) and the n_active use count;
// the LRU list, timer and worker; invalidation, resize, relinquish and
// withdrawal; the begin-operation gate and write_to_cache; write-back
// pinning; statistics and the /proc files.
//
// Names follow the kernel's, Go-style: fscache_use_cookie is UseCookie,
// FSCACHE_COOKIE_STATE_LRU_DISCARDING is CookieLRUDiscarding, and each
// function's doc comment names the kernel function it models. Locks are
// dropped and retaken where the kernel drops and retakes them; those windows
// are where the races live. Every state change names its row of the
// transition table (Transitions, spec §5.4) in an fscache_cookie_state
// event, and every ref, access and active count change emits the kernel's
// tracepoint with its padded reason string (events.go).
//
// The backend is an interface (Backend, NetfsCacheOps: the kernel's
// fscache_cache_ops and netfs_cache_ops). MemBackend is a small in-memory
// backend for fscache's own tests and for scenarios; model/cachefiles is
// the real one.
//
// Historical bugs can be switched back on through model.Bugs.
//
// The package may import sim and model only: no goroutines, no wall clock,
// no sync (the lint test in internal/lint enforces it).
//
// A minimal use, from a simulated thread:
//
//	f := fscache.New(k, model.Bugs{})
//	k.Spawn("netfs", func(t *sim.Thread) {
//		mem, _ := fscache.NewMemBackend(t, f, "mycache")
//		v, _ := f.AcquireVolume(t, "afs,example.com", "mycache", nil)
//		c := fscache.AcquireCookie(t, v, 0, []byte("inode-1"), []byte("v1"), 4096)
//		fscache.UseCookie(t, c, false)
//		fscache.UnuseCookie(t, c, nil, nil)
//		fscache.RelinquishCookie(t, c, false)
//		fscache.RelinquishVolume(t, v, nil, false)
//		mem.Withdraw(t)
//	})
//	res := k.Run()
package fscache
