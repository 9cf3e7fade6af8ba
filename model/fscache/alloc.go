package fscache

import "github.com/fscachesim/fscachesim/sim"

// The allocations of fs/netfs/fscache_{cookie,volume,cache,io}.c whose
// failure the kernel checks: each is a site of the allocation-failure
// fault class (sim/alloc.go), failing where and how the kernel's does when
// a plan is on (sim.Kernel.SetAllocFaults). fscache_main.c's allocations
// (fscache_wq, the cookie jar, /proc) are module init, not modelled.
var (
	AllocSiteCache = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_alloc_cache",
		Call:   "kzalloc(struct fscache_cache)",
		Unwind: "fscache_lookup_cache returns ERR_PTR(-ENOMEM): fscache_acquire_cache fails with ENOMEM (the backend's bind fails), fscache_alloc_volume returns NULL (fscache_acquire_volume: ENOMEM)",
	})
	AllocSiteCacheName = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_alloc_cache.name",
		Call:   "kstrdup(name)",
		Unwind: "kfree of the record, then as fscache_alloc_cache",
	})
	AllocSiteVolume = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_alloc_volume",
		Call:   "kzalloc(struct fscache_volume + coherency)",
		Unwind: "put of the cache ref (fscache_cache PUT alvol), volumes_nomem++, fscache_acquire_volume returns ERR_PTR(-ENOMEM)",
	})
	AllocSiteVolumeKey = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_alloc_volume.key",
		Call:   "kzalloc(hlen) of the length-prefixed key",
		Unwind: "kfree of the volume, then as fscache_alloc_volume",
	})
	AllocSiteCookie = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_alloc_cookie",
		Call:   "kmem_cache_zalloc(fscache_cookie_jar)",
		Unwind: "NULL: acquires_oom++, fscache_acquire_cookie returns NULL (the netfs runs uncached)",
	})
	AllocSiteCookieKey = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_set_key",
		Call:   "kzalloc(round_up(key_len, 4)) for a key over 16 bytes",
		Unwind: "fscache_free_cookie of the half-made cookie, then as fscache_alloc_cookie; 6.12 frees it before INIT_LIST_HEAD of commit_link and proc_link: WARN and list_del of zeroed links (model: the alloc-unwind failure)",
	})
	AllocSiteCookieAux = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_alloc_cookie.aux",
		Call:   "kmemdup(aux) for auxiliary data over 8 bytes",
		Unwind: "as fscache_set_key",
	})
	AllocSiteWriteRequest = sim.RegisterAllocSite(sim.AllocSiteInfo{
		Name:   "fscache_write_to_cache",
		Call:   "kzalloc(struct fscache_write_request, GFP_NOFS)",
		Unwind: "abandon: no operation begun, the page bits cleared, term_func(-ENOBUFS)",
	})
)

// BreakUnwind makes the failure path of allocation site s skip its undo
// step (for fscache_alloc_volume: the put of the cache ref). It is a
// mutant for the tests that prove the checks catch a broken unwind; a
// model run for any other purpose never calls it.
func (f *Fscache) BreakUnwind(s sim.AllocSite) { f.brokenUnwind = s }
