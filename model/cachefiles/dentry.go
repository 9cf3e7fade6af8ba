package cachefiles

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Dentry references. The kernel's cachefiles holds dentries (dget/dput):
// cache->store and cache->graveyard, each volume's directory and fan-out
// directories (from cachefiles_get_directory to cachefiles_put_directory)
// and, through each open backing file's path, the object's file. The
// model has no dentry cache (sim/vfs is inode-based and a cache directory
// has one name), so a reference is counted per inode, with the parent the
// dentry had when it was first taken. A directory removed while still
// referenced (rmdir by the daemon once cachefiles has cleared its in-use
// mark and before its dput) is dead but keeps its parent until the last
// dput, as an unhashed dentry does. Taking and dropping a reference is not
// a scheduling point: in the kernel it is one atomic update of the
// dentry's lockref, and in the model nothing but cachefiles reads these
// counts.
//
// Not counted (yet): the short-lived references of a single call
// (cachefiles_look_up_object's, cachefiles_bury_object's grave and victim,
// cachefiles_lookup_for_cull's victim), which are dropped before the call
// returns on every path.

// dentry is the part of a struct dentry that cachefiles references.
type dentry struct {
	ino    vfs.Ino
	parent vfs.Ino // d_parent when first referenced (0: unknown, a tmpfile's is its directory)
	count  int     // d_lockref.count as far as cachefiles' references go
}

// DentryRef describes one referenced dentry (views, the unbind check).
type DentryRef struct {
	Ino    vfs.Ino
	Parent vfs.Ino
	Count  int
	Dead   bool // removed from the disk while referenced (dead but parented)
}

func (d DentryRef) String() string {
	s := fmt.Sprintf("B=%x parent B=%x refs %d", uint64(d.Ino), uint64(d.Parent), d.Count)
	if d.Dead {
		s += " (dead)"
	}
	return s
}

// dget is dget(): take a reference on ino's dentry, parented in parent.
func (c *Cache) dget(ino, parent vfs.Ino) {
	if d := c.dentryOf(ino); d != nil {
		d.count++
		return
	}
	if len(c.dentrySlab) == 0 {
		// One allocation for the next 64 dentries: a volume takes 257 at
		// once (its directory and the fan-out), each its own allocation
		// before.
		c.dentrySlab = make([]dentry, 64)
	}
	d := &c.dentrySlab[0]
	c.dentrySlab = c.dentrySlab[1:]
	*d = dentry{ino: ino, parent: parent, count: 1}
	c.dentries = append(c.dentries, d)
	for uint64(len(c.dentryByIno)) <= uint64(ino) {
		c.dentryByIno = append(c.dentryByIno, nil)
	}
	c.dentryByIno[ino] = d
	c.nDentries++
}

// dput is dput(): drop a reference on ino's dentry. Dropping one that is
// not held is the kernel's refcount underflow on a freed dentry.
func (c *Cache) dput(t *sim.Thread, ino vfs.Ino) {
	d := c.dentryOf(ino)
	if d == nil {
		t.Bug("dput", "cachefiles: dput of dentry B=%x that holds no reference", uint64(ino))
		return
	}
	d.count--
	if d.count == 0 {
		c.dentryByIno[ino] = nil
		c.nDentries--
		c.compactDentries()
	}
}

// dentryOf is ino's referenced dentry, or nil. c.dentries keeps the
// dentries in the order they were first referenced, with the ones whose
// last reference went (count 0) left in place until compactDentries;
// c.dentryByIno finds a live one by inode number (the disk numbers its
// inodes densely from 1), so that taking or dropping one of a volume's
// 257 directory references costs no scan of the others.
func (c *Cache) dentryOf(ino vfs.Ino) *dentry {
	if uint64(ino) < uint64(len(c.dentryByIno)) {
		return c.dentryByIno[ino]
	}
	return nil
}

// compactDentries drops the released dentries from c.dentries, keeping
// the order of the others, once they are at least half of it (so that a
// volume's 257 dputs in a row cost a linear amount in all).
func (c *Cache) compactDentries() {
	if dead := len(c.dentries) - c.nDentries; dead == 0 || dead < c.nDentries {
		return
	}
	live := c.dentries[:0]
	for _, d := range c.dentries {
		if d.count > 0 {
			live = append(live, d)
		}
	}
	clear(c.dentries[len(live):])
	c.dentries = live
}

// deadDentry reports whether ino's dentry is dead: its inode is gone from
// the disk, or it is a directory that has been removed (rmdir).
func (c *Cache) deadDentry(ino vfs.Ino) bool {
	if _, err := c.fs.Stat(ino); err != nil {
		return true
	}
	if _, ok := c.fs.Parent(ino); ok {
		return false
	}
	st, _ := c.fs.Stat(ino)
	return st.IsDir()
}

// Dentries lists the dentries cachefiles holds references on, in the
// order they were first referenced.
func (c *Cache) Dentries() []DentryRef {
	out := make([]DentryRef, 0, c.nDentries)
	for _, d := range c.dentries {
		if d.count == 0 {
			continue // released, not yet compacted
		}
		out = append(out, DentryRef{Ino: d.ino, Parent: d.parent, Count: d.count, Dead: c.deadDentry(d.ino)})
	}
	return out
}

// checkDentries is the check at unbind that cachefiles has dropped every
// dentry reference it took (the kernel would find a leaked one at the
// backing filesystem's unmount: "BUG: Dentry still in use").
//
// A kiocb still in flight holds its file (and so its dentry) until its
// last put, which may come after the unbind (the kernel's fput of it is
// deferred in any case, and the unmount waits for it): the check then
// runs at that put (putKiocb).
func (c *Cache) checkDentries(t *sim.Thread) {
	if c.kiocbs > 0 {
		c.dentryCheckDeferred = true
		return
	}
	if c.nDentries == 0 {
		return
	}
	var s []string
	for _, d := range c.Dentries() {
		s = append(s, d.String())
	}
	t.Bug("dentry-leak", "cachefiles unbind: %d dentry reference(s) left: %s", len(s), strings.Join(s, "; "))
}
