package checker

import "github.com/fscachesim/fscachesim/sim"

// The cachefiles extension's incremental step (doc.go, "Incremental
// checks"). Its per-step checks (I-26..I-32 and the disk checks) read the
// cache records, their volumes and objects (covered by cachefiles'
// Cache.Gen), the virtual disk's live tree, open counts and in-use marks
// (vfs.FS.ViewGen), the fscache cache's state and the fscache volumes'
// access pins and cache_priv (read into the key directly: a few values
// per volume), and the extension's own records of the events it saw
// (Cachefiles.ev). While all of those stand still, the checks would read
// what last passed: Step skips them.

// still reports whether the inputs of the per-step checks are those the
// last passing step read (and records them for the next step).
func (x *Cachefiles) still() bool {
	key := x.keyBuf[:0]
	key = append(key, uint64(x.ev), uint64(len(x.caches)))
	for _, c := range x.caches {
		key = append(key, uint64(c.Gen()), c.FS().ViewGen())
		if fc := c.FscacheCache(); fc != nil {
			key = append(key, uint64(fc.State())+1)
		} else {
			key = append(key, 0)
		}
		for _, v := range c.Volumes() {
			vc := v.VolumeCookie()
			pub := uint64(0)
			if vc.CachePriv == v {
				pub = 1
			}
			key = append(key, uint64(vc.NAccesses())<<1|pub)
		}
	}
	same := x.keyOK && len(key) == len(x.key)
	for i := 0; same && i < len(key); i++ {
		same = key[i] == x.key[i]
	}
	x.keyBuf, x.key = x.key, key
	return same
}

// verifyStill is Options.Full's self-check, after the checks of a step
// (so that what they prune or record is in both digests): a view they
// read changed under a key that stood still is [incremental].
func (x *Cachefiles) verifyStill(same bool) *sim.Failure {
	d := x.viewDigest()
	defer func() { x.digest = d }()
	if same && d != x.digest {
		return fail("incremental", nil, "a cachefiles or disk view the per-step checks read changed but neither Cache.Gen, FS.ViewGen nor the extension's event count did (a store the model does not count)")
	}
	return nil
}

// setFull is Options.Full (checker.New).
func (x *Cachefiles) setFull() { x.full = true }

// viewDigest mixes everything the per-step checks read (Options.Full's
// self-check): a store the model forgets to count changes it under a
// still key.
func (x *Cachefiles) viewDigest() uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	b := func(v bool) uint64 {
		if v {
			return 1
		}
		return 0
	}
	for _, c := range x.caches {
		fs := c.FS()
		mix(b(c.Ready())<<2 | b(c.Severed())<<1 | b(c.Life().Freed()))
		if c.Ready() {
			cfg, l := c.Config(), c.Limits()
			for _, v := range []uint64{uint64(cfg.Fstop), uint64(cfg.Fcull), uint64(cfg.Frun), uint64(cfg.Bstop), uint64(cfg.Bcull), uint64(cfg.Brun), l.Fstop, l.Fcull, l.Frun, l.Bstop, l.Bcull, l.Brun} {
				mix(v)
			}
			mix(uint64(c.Store())<<1 | b(fs.InUse(c.Store())))
			mix(uint64(c.Graveyard())<<1 | b(fs.InUse(c.Graveyard())))
		}
		for _, v := range c.Volumes() {
			vc := v.VolumeCookie()
			mix(uint64(vc.DebugID))
			mix(uint64(v.Dir())<<1 | b(fs.InUse(v.Dir())))
			for i := 0; i < 256; i++ {
				fan := v.Fanout(uint8(i))
				st, err := fs.Stat(fan)
				mix(uint64(fan)<<3 | b(err == nil)<<2 | b(st.IsDir())<<1 | b(st.InUse))
			}
		}
		mix(0xffff)
		for _, o := range c.Objects() {
			mix(uint64(o.DebugID))
			ino := o.File()
			mix(uint64(ino)<<3 | b(o.UsingTmpfile())<<2 | b(x.isReleased(o))<<1 | b(x.isLinking(o)))
			if ino == 0 {
				continue
			}
			st, err := fs.Stat(ino)
			mix(b(err == nil)<<1 | b(st.InUse))
			mix(uint64(st.Nlink))
			mix(uint64(st.Size))
			mix(uint64(st.Blocks))
		}
		mix(0xfffe)
		for _, ino := range x.disk.closing {
			mix(uint64(ino))
			mix(uint64(fs.OpenCount(ino)))
		}
	}
	return h
}
