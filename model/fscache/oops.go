package fscache

import "fmt"

// Oops is the value a model thread panics with where the kernel would
// dereference a pointer that is gone: the simulated kernel reports the
// panic of a thread as an oops (sim.FailOops), a finding like a
// use-after-free, never a quiet failure branch.
type Oops struct{ Msg string }

func (o Oops) String() string { return o.Msg }

// oops stops the thread as the kernel's NULL-pointer oops would.
func oops(format string, args ...any) {
	panic(Oops{Msg: fmt.Sprintf(format, args...)})
}

// cacheOps is cache->ops as the kernel reads it at each call into the
// backend (fscache_prepare_to_write, the state machine's withdraw_cookie,
// fscache_perform_lookup, fscache_perform_invalidation,
// fscache_create_volume_work, fscache_free_volume, fscache_begin_operation,
// fscache_wait_for_operation, __fscache_resize_cookie): with no check, so a
// cache whose backend has let go (fscache_relinquish_cache cleared ops) is
// a NULL dereference. op names the method the kernel was about to call.
func cacheOps(cache *Cache, op string) Backend {
	if cache.Ops == nil {
		oops("BUG: kernel NULL pointer dereference: cache->ops->%s with cache->ops NULL (cache C=%08x %q, state %v)",
			op, cache.DebugID, cache.Name, cache.state.Peek())
	}
	return cache.Ops
}
