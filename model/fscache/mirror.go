package fscache

import (
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// A mirror is an Fscache that runs nothing: its cookies, volumes and caches
// show the state of another implementation of fscache — the kernel's own C
// under package kernelc/csim, which copies the C structs' fields in after
// every step. The read-only views (State, FlagBits, Ref, LockHeld,
// Cookies, CookieHashChain, ...) are the one interface the checker reads,
// so package checker judges the C build as it judges the model, unchanged
// and at no cost to the model: nothing here is on the model's path.

// mirrorPriv is what CachePriv holds for a mirrored object whose backend
// pointer is set (the checker only tests it against nil).
type mirrorPriv struct{}

// NewMirror makes an empty mirror for a run of k.
func NewMirror(k *sim.Kernel) *Fscache { return New(k, model.Bugs{}) }

// CookieMirror is what a mirrored cookie shows: struct fscache_cookie's
// fields in the kernel's numbering.
type CookieMirror struct {
	State        CookieState
	Flags        uint64
	Ref          int64
	NActive      int64
	NAccesses    int64
	LockHeld     bool // cookie->lock
	OnLRU        bool // commit_link non-empty
	HashLinked   bool // hash_link linked (hlist_bl_unhashed false)
	WorkPending  bool
	WorkRunning  bool
	CachePriv    bool // cache_priv non-NULL
	InvalCounter uint32
	UnusedAt     sim.Time
	Volume       *Volume
}

// MirrorCookie makes a mirrored cookie (not yet listed).
func (f *Fscache) MirrorCookie(debugID uint32, key []byte, keyHash uint32) *Cookie {
	c := &Cookie{f: f, DebugID: debugID, Key: key, KeyHash: keyHash, life: sim.Life{Kind: "cookie", ID: debugID}}
	c.watch()
	return c
}

// MirrorSet makes c's views show m.
func (c *Cookie) MirrorSet(m *CookieMirror) {
	c.state.Init(m.State)
	c.flags.Init(m.Flags)
	c.ref.Init(m.Ref)
	c.nActive.Init(m.NActive)
	c.nAccesses.Init(m.NAccesses)
	c.lock.MirrorHeld(m.LockHeld)
	c.work.MirrorState(m.WorkPending, m.WorkRunning)
	c.onLRU, c.hashed = m.OnLRU, m.HashLinked
	c.CachePriv = nil
	if m.CachePriv {
		c.CachePriv = mirrorPriv{}
	}
	c.InvalCounter, c.unusedAt, c.Volume = m.InvalCounter, m.UnusedAt, m.Volume
	c.gen++
}

// MirrorFree marks c freed (its views keep their last values).
func (c *Cookie) MirrorFree() { c.life.MirrorFreed(true) }

// VolumeMirror is what a mirrored volume shows.
type VolumeMirror struct {
	Ref, NCookies, NAccesses int64
	Flags                    uint64
	Cache                    *Cache
	CachePriv                bool
	HashLinked               bool
	WorkBusy                 bool
}

// MirrorVolume makes a mirrored volume (not yet listed).
func (f *Fscache) MirrorVolume(debugID uint32, key string, keyHash uint32) *Volume {
	return &Volume{f: f, DebugID: debugID, Key: key, KeyHash: keyHash, life: sim.Life{Kind: "volume", ID: debugID}}
}

// MirrorSet makes v's views show m.
func (v *Volume) MirrorSet(m *VolumeMirror) {
	v.ref.Init(m.Ref)
	v.nCookies.Init(m.NCookies)
	v.nAccesses.Init(m.NAccesses)
	v.flags.Init(m.Flags)
	v.Cache = m.Cache
	v.CachePriv = nil
	if m.CachePriv {
		v.CachePriv = mirrorPriv{}
	}
	v.hashed = m.HashLinked
	v.work.MirrorState(m.WorkBusy, false)
	v.f.gen++
}

// MirrorFree marks v freed.
func (v *Volume) MirrorFree() { v.life.MirrorFreed(true) }

// CacheMirror is what a mirrored cache record shows.
type CacheMirror struct {
	Ref, NVolumes, NAccesses, ObjectCount int64
	State                                 CacheState
	CachePriv                             bool
}

// MirrorCache makes a mirrored cache record (not yet listed).
func (f *Fscache) MirrorCache(debugID uint32, name string) *Cache {
	return &Cache{f: f, DebugID: debugID, Name: name, life: sim.Life{Kind: "cache", ID: debugID}}
}

// MirrorSet makes ca's views show m.
func (ca *Cache) MirrorSet(m *CacheMirror) {
	ca.ref.Init(m.Ref)
	ca.nVolumes.Init(m.NVolumes)
	ca.nAccesses.Init(m.NAccesses)
	ca.objectCount.Init(m.ObjectCount)
	ca.state.Init(m.State)
	ca.CachePriv = nil
	if m.CachePriv {
		ca.CachePriv = mirrorPriv{}
	}
	ca.f.gen++
}

// MirrorLists sets what Cookies, Volumes, Caches and LRU list (the slices
// are the caller's, read until the next call) and the LRU globals.
func (f *Fscache) MirrorLists(cookies []*Cookie, volumes []*Volume, caches []*Cache, lru []*Cookie, lruWorkPending, lruWorkRunning, lruLockHeld bool) {
	f.cookies, f.volumes, f.caches, f.lru = cookies, volumes, caches, lru
	f.lruWork.MirrorState(lruWorkPending, lruWorkRunning)
	f.lruLock.MirrorHeld(lruLockHeld)
	f.gen++
}

// MirrorHashes empties every hash chain and unlocks every bucket, before
// MirrorHashCookie and MirrorHashVolume rebuild them for this step.
// (The buckets are reused while there are few; past that the tables start
// again empty.)
func (f *Fscache) MirrorHashes() {
	f.gen++
	for _, c := range f.cookies {
		c.gen++ // off its chain until MirrorHashCookie puts it back
	}
	if f.cookieHash.m != nil {
		f.cookieHash = buckets[cookieBucket]{}
	}
	for _, b := range f.cookieHash.b {
		b.chain, b.lock = b.chain[:0], sim.Flags{}
	}
	if f.volumeHash.m != nil {
		f.volumeHash = buckets[volumeBucket]{}
	}
	for _, b := range f.volumeHash.b {
		b.chain, b.lock = b.chain[:0], sim.Flags{}
	}
}

// MirrorHashCookie puts c on its bucket's chain if onChain, and marks the
// bucket locked if locked.
func (f *Fscache) MirrorHashCookie(c *Cookie, onChain, locked bool) {
	if !onChain && !locked {
		return
	}
	b := f.cookieBucket(c.KeyHash)
	if onChain {
		b.chain = append(b.chain, c)
		c.gen++
	}
	if locked {
		b.lock.Init(1)
	}
}

// MirrorHashVolume is MirrorHashCookie for a volume.
func (f *Fscache) MirrorHashVolume(v *Volume, onChain, locked bool) {
	if !onChain && !locked {
		return
	}
	b := f.volumeBucket(v.KeyHash)
	f.gen++
	if onChain {
		b.chain = append(b.chain, v)
	}
	if locked {
		b.lock.Init(1)
	}
}

// MirrorBackendCall tells the backend-call observer (the checker's R-call)
// that the mirrored implementation called op for c or v; the caller makes
// their views show the state at the call first.
func (f *Fscache) MirrorBackendCall(t *sim.Thread, op string, c *Cookie, v *Volume) {
	f.backendCall(t, op, c, v)
}
