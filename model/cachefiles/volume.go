package cachefiles

import (
	"errors"
	"fmt"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Volume is struct cachefiles_volume: a volume's directory under cache/
// and its 256 fan-out directories, all marked in use.
//
// Making (or releasing) the fan-out directories is, with NewCacheFS's
// disk, one scheduling step under the volume directory's lock rather than
// a thousand: the kernel takes and drops that lock around each of them,
// and nothing but the daemon's cull (which takes the same lock) could
// interleave, so only the interleavings inside the batch are lost.
type Volume struct {
	life    sim.Life // volume.c's kzalloc to __cachefiles_free_volume's kfree
	cache   *Cache
	vcookie *fscache.Volume
	dir     vfs.Ino
	fanout  [256]vfs.Ino
	onList  bool
}

// volumeRetryBound bounds cachefiles_acquire_volume's bury-and-retry loop.
// The kernel loops until the directory it finds is coherent; hitting the
// bound is reported as a liveness failure.
const volumeRetryBound = 8

// AcquireVolume is cachefiles_acquire_volume(): get or make the volume's
// directory, check (or, when new, write) its coherency xattr, burying a
// stale one and starting again, make the fan-out directories, then publish
// the volume and pin the fscache volume's access gate. On any failure the
// volume is simply not cached (cache_priv stays nil).
func (c *Cache) AcquireVolume(t *sim.Thread, vc *fscache.Volume) {
	t.Use(&c.life)
	t.Use(vc.Life())
	if t.AllocFails(AllocSiteVolume) {
		return
	}
	v := &Volume{cache: c, vcookie: vc}
	v.life = sim.Life{Kind: "cachefiles_volume", ID: vc.DebugID}
	c.k.Track(&v.life)
	if t.AllocFails(AllocSiteVolumeName) {
		if c.brokenUnwind != AllocSiteVolumeName {
			t.Free(&v.life)
		}
		return
	}
	name := VolumeDirName(vc.Key)
	for try := 0; ; try++ {
		if try == volumeRetryBound {
			t.Livelock("volume-retry-bound", "cachefiles_acquire_volume: volume directory %s still stale after %d burials (the kernel retries without bound)", name, volumeRetryBound)
			return
		}
		dir, isNew, err := c.getDirectory(t, c.store, name)
		if err != nil {
			t.Free(&v.life)
			return
		}
		v.dir = dir
		c.gen++
		if c.F.Mutants.CachefilesVolumeNoCheck {
			isNew = true
		}
		if isNew {
			if !c.setVolumeXattr(t, v) {
				c.putDirectory(t, dir)
				t.Free(&v.life)
				return
			}
			break
		}
		err = c.checkVolumeXattr(t, v)
		if err == nil {
			break
		}
		if err != vfs.ESTALE {
			c.putDirectory(t, dir)
			t.Free(&v.life)
			return
		}
		c.dirLock(c.store).Lock(t)
		c.buryObject(t, nil, c.store, name, dir, WhyVolumeIsWeird)
		c.putDirectory(t, dir)
		t.Yield()
	}
	if !c.makeFanout(t, v) {
		c.putDirectory(t, v.dir)
		t.Free(&v.life)
		return
	}
	vc.SetCachePriv(t, v)
	vc.PinAccess(t)
	c.objectListLock.Lock(t)
	c.objectListLock.AssertHeld(t, "cache->volumes list_add") // lockset
	c.volumes = append(c.volumes, v)
	c.gen++
	v.onList = true
	c.objectListLock.Unlock(t)
}

// makeFanout makes or finds the 256 fan-out directories @00..@ff.
func (c *Cache) makeFanout(t *sim.Thread, v *Volume) bool {
	batched := c.wiring != nil
	if batched {
		c.dirLock(v.dir).Lock(t)
		c.quietBegin(t)
	}
	ok := true
	var made int
	for i := 0; i < 256; i++ {
		fan, _, err := c.getDirectory(t, v.dir, FanoutDirName(uint8(i)))
		if err != nil {
			ok = false
			break
		}
		v.fanout[i] = fan
		c.gen++
		made++
		if batched && i == 0 {
			c.suppressBegin(t)
		}
	}
	if batched && made > 0 {
		c.suppressEnd(t)
	}
	if !ok {
		for i := 0; i < made; i++ {
			c.putDirectory(t, v.fanout[i])
			v.fanout[i] = 0
			c.gen++
		}
	}
	if batched {
		c.quietEnd(t)
		if made > 1 {
			c.emitState(t, fmt.Sprintf("V=%08x fan-out @01..%s ready (their events elided)", v.vcookie.DebugID, FanoutDirName(uint8(made-1))))
		}
		c.dirLock(v.dir).Unlock(t)
	}
	c.assertQuietEnded(t)
	return ok
}

// freeVolume is __cachefiles_free_volume(): unpublish and release the
// directories.
func (c *Cache) freeVolume(t *sim.Thread, v *Volume) {
	t.Use(&v.life)
	t.Use(v.vcookie.Life())
	v.vcookie.SetCachePriv(t, nil)
	batched := c.wiring != nil
	if batched {
		c.quietBegin(t)
	}
	for i := range v.fanout {
		c.putDirectory(t, v.fanout[i])
		if batched && i == 0 {
			c.suppressBegin(t)
		}
	}
	if batched {
		c.suppressEnd(t)
	}
	if batched {
		c.quietEnd(t)
		c.emitState(t, fmt.Sprintf("V=%08x fan-out @01..@ff released (their events elided)", v.vcookie.DebugID))
		t.Yield()
	}
	c.assertQuietEnded(t)
	c.putDirectory(t, v.dir)
	t.Free(&v.life)
}

// FreeVolume is cachefiles_free_volume(): the fscache volume's last ref
// went.
func (c *Cache) FreeVolume(t *sim.Thread, vc *fscache.Volume) {
	t.Use(&c.life)
	t.Use(vc.Life())
	v, _ := vc.CachePriv.(*Volume)
	if v == nil {
		return
	}
	c.objectListLock.Lock(t)
	c.objectListLock.AssertHeld(t, "cache->volumes list_del") // lockset
	c.unlistVolume(v)
	c.objectListLock.Unlock(t)
	c.freeVolume(t, v)
}

func (c *Cache) unlistVolume(v *Volume) {
	if !v.onList {
		return
	}
	for i, x := range c.volumes {
		if x == v {
			c.volumes = append(c.volumes[:i:i], c.volumes[i+1:]...)
			c.gen++
			break
		}
	}
	v.onList = false
}

// withdrawVolume is cachefiles_withdraw_volume(): write the volume's
// coherency xattr, then release it.
func (c *Cache) withdrawVolume(t *sim.Thread, v *Volume) {
	t.Use(&v.life)
	c.setVolumeXattr(t, v)
	c.freeVolume(t, v)
}

// setVolumeXattr is cachefiles_set_volume_xattr().
func (c *Cache) setVolumeXattr(t *sim.Thread, v *Volume) bool {
	t.Use(v.vcookie.Life())
	if t.AllocFails(AllocSiteSetVolumeXattr) {
		return false
	}
	buf := EncodeVolumeXattr(v.vcookie.Coherency)
	if err := c.setxattr(t, v.dir, buf); err != nil {
		c.traceVFSError(t, nil, v.dir, err, ErrSetxattr)
		t.Emit(sim.Event{Type: EvVolCoherency, Obj: v.vcookie.DebugID, Args: [8]int64{int64(v.dir)}, Str: [2]string{VolReasonSetFail}})
		if err != vfs.ENOMEM {
			c.ioError(t, "Failed to set xattr with error %d", vfs.Code(err))
		}
		return false
	}
	t.Emit(sim.Event{Type: EvVolCoherency, Obj: v.vcookie.DebugID, Args: [8]int64{int64(v.dir)}, Str: [2]string{VolReasonSetOK}})
	return true
}

// checkVolumeXattr is cachefiles_check_volume_xattr(): nil, ESTALE (bury
// and start again) or the getxattr error.
func (c *Cache) checkVolumeXattr(t *sim.Thread, v *Volume) error {
	t.Use(v.vcookie.Life())
	if t.AllocFails(AllocSiteCheckVolumeXattr) {
		return vfs.ENOMEM
	}
	want := v.vcookie.Coherency
	buf, err := c.getxattr(t, v.dir, VolumeXattrHeaderLen+len(want))
	reason := VolReasonBadXattr
	if err == nil {
		var e error
		reason, e = CheckVolumeXattr(buf, want)
		err = xattrErr(e)
	} else {
		if err == vfs.EIO {
			c.ioError(t, "Failed to read xattr with error %d", vfs.Code(err))
		}
		c.traceVFSError(t, nil, v.dir, err, ErrGetxattr)
	}
	t.Emit(sim.Event{Type: EvVolCoherency, Obj: v.vcookie.DebugID, Args: [8]int64{int64(v.dir)}, Str: [2]string{reason}})
	return err
}

// xattrErr maps the decoders' errors to errno values.
func xattrErr(e error) error {
	switch {
	case e == nil:
		return nil
	case errors.Is(e, ErrStale):
		return vfs.ESTALE
	case errors.Is(e, ErrRange):
		return vfs.ERANGE
	}
	return vfs.ESTALE
}
