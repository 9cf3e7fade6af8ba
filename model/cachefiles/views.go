package cachefiles

import (
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Read-only views for the control device, the checker and tests. None is a
// scheduling point and none changes the model.

// Culling reports CACHEFILES_CULLING (the device's poll reads it).
func (c *Cache) Culling() bool { return c.flags.Has(CacheCulling) }

// Dead reports CACHEFILES_DEAD, set by an I/O error.
func (c *Cache) Dead() bool { return c.flags.Has(CacheDead) }

// CullVictims lists the inodes the daemon's cull marked in use
// (S_KERNEL_FILE) to bury them, in order: a bury that fails leaves the
// mark.
func (c *Cache) CullVictims() []vfs.Ino { return c.cullVictims }

// InvalidationVictims lists the old files of invalidations whose bury
// failed (cachefiles_invalidate_cookie -> cachefiles_bury_object): their
// inodes keep the S_KERNEL_FILE their lookup set, as in 6.12.
func (c *Cache) InvalidationVictims() []vfs.Ino { return c.invalVictims }

// Ready reports CACHEFILES_READY.
func (c *Cache) Ready() bool { return c.flags.Has(CacheReady) }

// Severed reports whether the disk crashed under this cache (Crash).
func (c *Cache) Severed() bool { return c.severed }

// Limits are the thresholds computed at bind.
func (c *Cache) Limits() Limits { return c.limits }

// Config is the configuration the cache was bound with.
func (c *Cache) Config() Config { return c.cfg }

// FscacheCache is the fscache cache record while bound (cache->cache).
func (c *Cache) FscacheCache() *fscache.Cache { return c.cache }

// Root, Store and Graveyard are the bound root, cache/ and graveyard/ (0
// when not held).
func (c *Cache) Root() vfs.Ino      { return c.root }
func (c *Cache) Store() vfs.Ino     { return c.store }
func (c *Cache) Graveyard() vfs.Ino { return c.graveyard }

// Released is what a daemon read would fetch now: files and i_blocks
// released since the last read.
func (c *Cache) Released() (files, blocks int64) { return c.fReleased.Peek(), c.bReleased.Peek() }

// BWriting is the blocks of writes in flight.
func (c *Cache) BWriting() int64 { return c.bWriting.Peek() }

// Volumes lists the volumes on cache->volumes.
func (c *Cache) Volumes() []*Volume { return c.volumes }

// ListedObjects lists the objects on cache->object_list.
func (c *Cache) ListedObjects() []*Object { return c.objects }

// Objects lists every object allocated and not yet freed.
func (c *Cache) Objects() []*Object { return c.allObjects }

// ObjectListLockHeld reports whether object_list_lock is held.
func (c *Cache) ObjectListLockHeld() bool { return c.objectListLock.Held() }

// VolumeCookie is the fscache volume.
func (v *Volume) VolumeCookie() *fscache.Volume { return v.vcookie }

// Dir is the volume directory.
func (v *Volume) Dir() vfs.Ino { return v.dir }

// Fanout is fan-out directory i.
func (v *Volume) Fanout(i uint8) vfs.Ino { return v.fanout[i] }

// Listed reports whether the volume is on cache->volumes.
func (v *Volume) Listed() bool { return v.onList }

// Cookie is the object's cookie (nil once freed).
func (o *Object) Cookie() *fscache.Cookie { return o.cookie }

// Volume is the object's volume.
func (o *Object) Volume() *Volume { return o.volume }

// Name is the object's file name (cachefiles_cook_key).
func (o *Object) Name() string { return o.dName }

// Ref is the object's refcount.
func (o *Object) Ref() int64 { return o.ref.Peek() }

// Life is the object's lifetime record.
func (o *Object) Life() *sim.Life { return &o.life }

// File is the inode of the object's open file (0 for none).
func (o *Object) File() vfs.Ino {
	if o.file == nil {
		return 0
	}
	return o.file.ino
}

// UsingTmpfile reports CACHEFILES_OBJECT_USING_TMPFILE.
func (o *Object) UsingTmpfile() bool { return o.flags.Has(ObjUsingTmpfile) }

// Listed reports whether the object is on cache->object_list.
func (o *Object) Listed() bool { return o.onList }

// LockHeld reports whether object->lock is held.
func (o *Object) LockHeld() bool { return o.lock.Held() }

// MarkedInUse is the inode the object holds marked in use (S_KERNEL_FILE),
// or 0: between cachefiles_unmark_inode_in_use and the fput that follows,
// the object still has its file open but no longer protects it from cull.
func (o *Object) MarkedInUse() vfs.Ino { return o.marked }

// Gen is the generation of what the checker's per-step cachefiles checks
// read of this cache record and its volumes and objects: the cache flags,
// severed, cfg, limits, store, graveyard, cache->cache, the record's free,
// the volume and object lists, each volume's directory and fan-out, each
// object's file and flags. It changes whenever one of them does (sim's
// Watch on the flags, c.gen++ beside the plain stores).
func (c *Cache) Gen() uint32 { return c.gen }
