package cachefiles

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Dentry references. The kernel's cachefiles holds dentries (dget/dput):
// cache->store and cache->graveyard, each volume's directory and fan-out
// directories (from cachefiles_get_directory to cachefiles_put_directory)
// and, through each open backing file's path, the object's file. The
// model has no dentry cache (sim/vfs is inode-based and a cache directory
// has one name), so a reference to a positive dentry is counted per inode,
// with the parent the dentry had when it was first taken. A directory
// removed while still referenced (rmdir by the daemon once cachefiles has
// cleared its in-use mark and before its dput) is dead but keeps its
// parent until the last dput, as an unhashed dentry does. Taking and
// dropping a reference is not a scheduling point: in the kernel it is one
// atomic update of the dentry's lockref, and in the model nothing but
// cachefiles reads these counts.
//
// The references a single call takes and drops are counted too (dgetAt,
// dputAt, each at a named site: refSite): the lookup result of
// cachefiles_look_up_object, cachefiles_bury_object's victim (a file's
// extra dget) and grave, cachefiles_lookup_for_cull's victim (dropped by
// cachefiles_cull and cachefiles_check_in_use), cachefiles_commit_tmpfile's
// lookups, cachefiles_delete_object's extra dget, cachefiles_get_directory's
// negative dentry when its mkdir fails, the root of cachefiles_add_cache
// and the working directory of the daemon's cull and inuse (get_fs_pwd). A lookup that finds no name gives a negative dentry
// (no inode): it is counted by its parent and name until its dput, or
// until it is instantiated (mkdir, link) and becomes an inode's.

// dentry is the part of a struct dentry that cachefiles references.
type dentry struct {
	ino    vfs.Ino
	parent vfs.Ino // d_parent when first referenced (0: unknown, a tmpfile's is its directory)
	name   string  // a negative dentry's name (ino 0)
	count  int     // d_lockref.count as far as cachefiles' references go
	seq    uint64  // when it was first referenced (the order of Dentries)
}

// dkey identifies a counted dentry: an inode, or a negative dentry's
// parent and name.
type dkey struct {
	ino    vfs.Ino
	parent vfs.Ino
	name   string
}

// dref is a reference a call holds: the dentry's key.
type dref struct{ k dkey }

// refSite names where a short-lived reference is taken and dropped (the
// kernel function; tests break one site's dget or dput: BreakRef).
type refSite string

const (
	refLookUpObject  refSite = "cachefiles_look_up_object"
	refBuryVictim    refSite = "cachefiles_bury_object.rep"
	refBuryGrave     refSite = "cachefiles_bury_object.grave"
	refLookupForCull refSite = "cachefiles_lookup_for_cull"
	refCommitTmpfile refSite = "cachefiles_commit_tmpfile"
	refDeleteObject  refSite = "cachefiles_delete_object"
	refAddCacheRoot  refSite = "cachefiles_add_cache.root"
	refDaemonPwd     refSite = "cachefiles_daemon_cull.pwd"
	refGetDirectory  refSite = "cachefiles_get_directory"
)

// RefSites lists the short-lived reference sites (tests).
func RefSites() []string {
	return []string{string(refLookUpObject), string(refBuryVictim), string(refBuryGrave), string(refLookupForCull),
		string(refCommitTmpfile), string(refDeleteObject), string(refAddCacheRoot), string(refDaemonPwd), string(refGetDirectory)}
}

// brokenRef is a mutant for the tests: the dget (get) or the dput of one
// site is skipped.
type brokenRef struct {
	site refSite
	get  bool
}

// BreakRef makes the model skip the dget (get true) or the dput of the
// short-lived reference site (one of RefSites). It is a mutant for the
// tests that prove the dentry checks catch a dropped dget or dput; a model
// run for any other purpose never calls it.
func (c *Cache) BreakRef(site string, get bool) { c.brokenRef = brokenRef{refSite(site), get} }

// DentryRef describes one referenced dentry (views, the unbind check).
type DentryRef struct {
	Ino    vfs.Ino
	Parent vfs.Ino
	Name   string // a negative dentry's name (Ino 0)
	Count  int
	Dead   bool // removed from the disk while referenced (dead but parented)
}

func (d DentryRef) String() string {
	if d.Ino == 0 {
		return fmt.Sprintf("negative %q parent B=%x refs %d", d.Name, uint64(d.Parent), d.Count)
	}
	s := fmt.Sprintf("B=%x parent B=%x refs %d", uint64(d.Ino), uint64(d.Parent), d.Count)
	if d.Dead {
		s += " (dead)"
	}
	return s
}

// find returns the counted dentry with key k, or nil.
func (c *Cache) find(k dkey) *dentry {
	if k.ino != 0 {
		if int(k.ino) < len(c.dpos) {
			return c.dpos[k.ino]
		}
		return nil
	}
	for _, d := range c.dneg {
		if d.parent == k.parent && d.name == k.name {
			return d
		}
	}
	return nil
}

// add counts d, with one reference.
func (c *Cache) add(d *dentry) {
	c.dseq++
	d.seq = c.dseq
	c.ndentries++
	if d.ino == 0 {
		c.dneg = append(c.dneg, d)
		return
	}
	for int(d.ino) >= len(c.dpos) {
		c.dpos = append(c.dpos, nil)
	}
	c.dpos[d.ino] = d
}

// get takes a reference on the dentry with key k (made with parent and
// name if not yet counted).
func (c *Cache) get(k dkey, parent vfs.Ino, name string) {
	if d := c.find(k); d != nil {
		d.count++
		return
	}
	d := &dentry{ino: k.ino, parent: parent, name: name, count: 1}
	if k.ino == 0 {
		d.parent = k.parent
	}
	c.add(d)
}

// forget stops counting d (its count reached 0).
func (c *Cache) forget(d *dentry) {
	c.ndentries--
	if d.ino != 0 {
		c.dpos[d.ino] = nil
		return
	}
	for i, x := range c.dneg {
		if x == d {
			last := len(c.dneg) - 1
			c.dneg[i] = c.dneg[last]
			c.dneg[last] = nil
			c.dneg = c.dneg[:last]
			return
		}
	}
}

// put drops a reference on the dentry with key k; false if none is held.
func (c *Cache) put(k dkey) bool {
	d := c.find(k)
	if d == nil {
		return false
	}
	if d.count--; d.count == 0 {
		c.forget(d)
	}
	return true
}

// dget is dget(): take a reference on ino's dentry, parented in parent.
func (c *Cache) dget(ino, parent vfs.Ino) { c.get(dkey{ino: ino}, parent, "") }

// dput is dput(): drop a reference on ino's dentry. Dropping one that is
// not held is the kernel's refcount underflow on a freed dentry.
func (c *Cache) dput(t *sim.Thread, ino vfs.Ino) {
	if !c.put(dkey{ino: ino}) {
		t.Bug("dput", "cachefiles: dput of dentry B=%x that holds no reference", uint64(ino))
	}
}

// dgetAt is the short-lived reference of site s on the result of a lookup
// of name in dir: ino's dentry if the lookup found it, else (ino 0) a
// negative dentry.
func (c *Cache) dgetAt(s refSite, dir vfs.Ino, name string, ino vfs.Ino) dref {
	k := dkey{ino: ino}
	if ino == 0 {
		k = dkey{parent: dir, name: name}
	}
	if c.brokenRef.site != s || !c.brokenRef.get {
		c.get(k, dir, name)
	}
	return dref{k}
}

// dputAt drops site s's reference r.
func (c *Cache) dputAt(t *sim.Thread, s refSite, r dref) {
	if c.brokenRef.site == s && !c.brokenRef.get {
		return
	}
	if !c.put(r.k) {
		if r.k.ino == 0 {
			t.Bug("dput", "cachefiles: %s: dput of negative dentry %q in B=%x that holds no reference", s, r.k.name, uint64(r.k.parent))
			return
		}
		t.Bug("dput", "cachefiles: %s: dput of dentry B=%x that holds no reference", s, uint64(r.k.ino))
	}
}

// instantiate is d_instantiate() of the negative dentry r (a mkdir or link
// made its name ino): its references become ino's.
func (c *Cache) instantiate(r *dref, ino vfs.Ino) {
	if r.k.ino != 0 {
		return
	}
	nk := dkey{ino: ino}
	if d := c.find(r.k); d != nil {
		c.forget(d)
		if e := c.find(nk); e != nil {
			e.count += d.count
		} else {
			d.ino, d.name = ino, ""
			c.add(d)
		}
	}
	r.k = nk
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
	all := make([]*dentry, 0, c.ndentries)
	for _, d := range c.dpos {
		if d != nil {
			all = append(all, d)
		}
	}
	all = append(all, c.dneg...)
	slices.SortFunc(all, func(a, b *dentry) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]DentryRef, 0, len(all))
	for _, d := range all {
		r := DentryRef{Ino: d.ino, Parent: d.parent, Name: d.name, Count: d.count}
		if d.ino != 0 {
			r.Dead = c.deadDentry(d.ino)
		}
		out = append(out, r)
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
	if c.ndentries == 0 {
		return
	}
	var s []string
	for _, d := range c.Dentries() {
		s = append(s, d.String())
	}
	t.Bug("dentry-leak", "cachefiles unbind: %d dentry reference(s) left: %s", len(s), strings.Join(s, "; "))
}
