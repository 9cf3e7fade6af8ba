package cachefilesd

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// objType is objtype_t: what the first character of a name says.
type objType uint8

const (
	objIndex        objType = iota // I, J: an index (volume) directory
	objData                        // D, E: a data object
	objSpecial                     // S, T: a special object
	objIntermediate                // @, +: a fan-out directory
)

// The first characters of the names cachefilesd expects in the cache.
const expected = "IDSJET+@"

func typeOf(name string) objType {
	switch name[0] {
	case 'I', 'J':
		return objIndex
	case 'D', 'E':
		return objData
	case 'S', 'T':
		return objSpecial
	}
	return objIntermediate
}

// object is struct object: the daemon's record of an entry of the cache
// tree, alive while something holds it (usage): the scan cursor, a child,
// a cull table.
type object struct {
	parent   *object
	children []*object // create_object's list: highest inode number first
	// dir is the directory stream (DIR *) of a directory object while it
	// is open: the inode it was opened on; 0 when closed.
	dir      vfs.Ino
	ents     []vfs.Dirent // what the stream's getdents returned
	pos      int          // the stream's position in ents
	listed   bool         // getdents done since the open or rewinddir
	ino      vfs.Ino
	usage    int
	empty    bool // no entry seen while reading the directory
	isNew    bool // not yet put in a cull table or descended into
	cullable bool // decanted into the ready table
	typ      objType
	atime    int64 // st_atime in seconds (time_t)
	name     string
}

// path is the object's absolute path (for the messages, Culled and Busy,
// and a backend without CwdCacheOps).
func (d *Daemon) path(o *object) string {
	if o.parent == nil {
		return o.name
	}
	return d.path(o.parent) + "/" + o.name
}

// atimeOf is st_atime: whole seconds of the virtual clock.
func atimeOf(st vfs.Stat) int64 { return int64(st.Atime / sim.Second) }

// createObject is create_object: the parent's record of the entry with
// st's inode number if it has one (one more user), else a new record.
func (d *Daemon) createObject(parent *object, name string, st vfs.Stat) *object {
	i := 0
	for ; i < len(parent.children); i++ {
		p := parent.children[i]
		if p.ino <= st.Ino {
			if p.ino == st.Ino {
				p.usage++
				return p
			}
			break
		}
	}
	o := &object{parent: parent, ino: st.Ino, usage: 1, isNew: true, atime: atimeOf(st), name: name, typ: typeOf(name)}
	parent.usage++
	parent.children = append(parent.children, nil)
	copy(parent.children[i+1:], parent.children[i:])
	parent.children[i] = o
	return o
}

// putObject is put_object: one user fewer; the last frees the record,
// closes its directory and puts the parent.
func (d *Daemon) putObject(o *object) error {
	for o != nil {
		o.usage--
		if o.usage > 0 {
			return nil
		}
		if o.cullable {
			d.ncullable--
		}
		if o == &d.root {
			return internalError("Can't destroy root object representation")
		}
		if len(o.children) > 0 {
			return internalError("Destroying object with children: '%s'", o.name)
		}
		o.dir = 0
		p := o.parent
		for i, c := range p.children {
			if c == o {
				p.children = append(p.children[:i], p.children[i+1:]...)
				break
			}
		}
		o = p
	}
	return nil
}

// readdir is readdir(3) on a directory object's stream: the first call
// after the open (or rewinddir) is the getdents64 syscall, under the
// directory's shared lock, which returns the whole (small) directory; the
// entries then come from the buffer. Deliberate difference: glibc calls
// getdents64 once more at the end, which may return entries added since;
// here the end of the first batch is the end.
func (d *Daemon) readdir(t *sim.Thread, o *object) (vfs.Dirent, bool, error) {
	if !o.listed {
		ents, err := vfsops.Getdents(t, d.fs, o.dir)
		if err == vfs.ESTALE {
			// The model frees a directory's inode with its last
			// name; the kernel keeps it for the open stream, and
			// getdents on a dead directory is -ENOENT.
			err = vfs.ENOENT
		}
		if err != nil {
			return vfs.Dirent{}, false, err
		}
		o.ents, o.pos, o.listed = ents, 0, true
	}
	if o.pos >= len(o.ents) {
		return vfs.Dirent{}, false, nil
	}
	e := o.ents[o.pos]
	o.pos++
	return e, true, nil
}

// closeDir is closedir or, for the root, rewinddir.
func (o *object) closeDir(root bool) {
	o.ents, o.pos, o.listed = nil, 0, false
	if !root {
		o.dir = 0
	}
}

// beginBuildingCullTable is begin_building_cull_table: the scan starts at
// the root.
func (d *Daemon) beginBuildingCullTable() {
	d.Scans++
	d.root.usage++
	d.cursor = &d.root
}

// buildCullTable is build_cull_table: one step of the scan, in the
// directory at the cursor: read its entries, destroying unexpected ones
// and putting data and special objects not in use into the build table,
// until an index or intermediate directory is found (the cursor descends
// into it: the step ends) or the directory is done (empty index
// directories are culled, empty intermediate ones removed, and the cursor
// goes back up). It reports whether the scan goes on.
func (d *Daemon) buildCullTable(t *sim.Thread) (bool, error) {
	curr := d.cursor
	if curr.dir == 0 {
		curr.empty = true
		// openat(dirfd(parent), name, O_DIRECTORY)
		ino, err := vfsops.Lookup(t, d.fs, curr.parent.dir, curr.name)
		if err == nil {
			if st, serr := d.fs.Stat(ino); serr != nil || !st.IsDir() {
				err = vfs.ENOTDIR
			}
		}
		if err != nil && err != vfs.ENOENT {
			return false, oserror(err, "Failed to open directory")
		}
		if err == nil {
			curr.dir = ino
		}
	}
	if curr.dir != 0 {
		d.file.Fchdir(curr.dir)
		for {
			e, ok, err := d.readdir(t, curr)
			if err != nil && err != vfs.ENOENT {
				return false, oserror(err, "Unable to read directory")
			}
			if !ok {
				break
			}
			if strings.IndexByte(expected, e.Name[0]) < 0 {
				if err := d.destroyUnexpectedObject(t, curr, e); err != nil {
					return false, err
				}
				continue
			}
			st, err := vfsops.Fstatat(t, d.fs, curr.dir, e.Name)
			if err == vfs.ENOENT || err == vfs.ESTALE {
				continue
			}
			if err != nil {
				return false, oserror(err, "Failed to stat directory")
			}
			typ := typeOf(e.Name)
			if !st.IsDir() && (st.Mode&vfs.ModeType != vfs.ModeRegular || typ == objIndex || typ == objIntermediate) {
				if err := d.destroyUnexpectedObject(t, curr, e); err != nil {
					return false, err
				}
				continue
			}
			child := d.createObject(curr, e.Name, st)
			curr.empty = false
			if typ == objIndex || typ == objIntermediate {
				child.isNew = false
				d.cursor = child
				return true, nil
			}
			if !child.isNew {
				// Already in a table from an earlier scan: it
				// stays there unless it was used since.
				if atimeOf(st) <= child.atime {
					if err := d.putObject(child); err != nil {
						return false, err
					}
					continue
				}
				if err := d.removeFromTables(child); err != nil {
					return false, err
				}
			}
			busy, err := d.isObjectInUse(t, curr, e.Name)
			if err != nil {
				return false, err
			}
			if !busy {
				child.isNew = false
				if err := d.insertIntoCullTable(child); err != nil {
					return false, err
				}
			}
			if err := d.putObject(child); err != nil {
				return false, err
			}
		}
		curr.closeDir(curr == &d.root)
	}
	// dir_read_complete
	if curr.usage == 1 && curr.empty {
		p := curr.parent
		d.file.Fchdir(p.dir)
		switch curr.typ {
		case objIndex:
			if err := d.cullFile(t, d.path(p), p.dir, curr.name); err != nil {
				return false, err
			}
		case objIntermediate:
			vfsops.Rmdirat(t, d.fs, p.dir, curr.name) // errors ignored
		}
	}
	d.cursor = curr.parent
	if err := d.putObject(curr); err != nil {
		return false, err
	}
	return d.cursor != nil, nil
}

// removeFromTables is the "old child" case of build_cull_table: an object
// used since it was tabled leaves the ready table, or else the build
// table (the table's reference is put).
func (d *Daemon) removeFromTables(o *object) error {
	for i, x := range d.ready {
		if x == o {
			d.ready = append(d.ready[:i], d.ready[i+1:]...)
			return d.putObject(o)
		}
	}
	for i, x := range d.build {
		if x == o {
			d.build = append(d.build[:i], d.build[i+1:]...)
			return d.putObject(o)
		}
	}
	return nil
}

// insertIntoCullTable is insert_into_cull_table: the build table keeps the
// culltable_size oldest objects, newest first. While it is not full an
// object goes after the entries as new as it (last if no newer than the
// oldest, first if newer than the newest); a full table takes an object
// only if it is older than the newest, which it displaces, and puts it
// before the entries as new as it (but last if no newer than the oldest).
func (d *Daemon) insertIntoCullTable(o *object) error {
	n := len(d.build)
	if n < d.size {
		o.usage++
		i := n
		switch {
		case n == 0 || o.atime <= d.build[n-1].atime:
		case o.atime > d.build[0].atime:
			i = 0
		default:
			i = 1
			for i < n && o.atime <= d.build[i].atime {
				i++
			}
		}
		d.build = append(d.build, nil)
		copy(d.build[i+1:], d.build[i:])
		d.build[i] = o
		return nil
	}
	if n > d.size {
		return internalError("Cull table overfull")
	}
	if o.atime >= d.build[0].atime {
		return nil
	}
	if err := d.putObject(d.build[0]); err != nil {
		return err
	}
	o.usage++
	d.build = d.build[1:]
	// Before the first entry not newer than it, but after the oldest if
	// it is no newer than that (the two shortcuts of the C code).
	i := len(d.build)
	if i == 0 || o.atime >= d.build[0].atime || o.atime > d.build[i-1].atime {
		i = 0
		for i < len(d.build) && o.atime < d.build[i].atime {
			i++
		}
	}
	d.build = append(d.build, nil)
	copy(d.build[i+1:], d.build[i:])
	d.build[i] = o
	return nil
}

// decantCullTable is decant_cull_table: mark the build table's objects
// cullable and move as many of the oldest as fit into the ready table,
// where they go in front (the ready table's entries are older).
func (d *Daemon) decantCullTable() error {
	if d.cursor != nil {
		return internalError("Can't decant cull table whilst scanning")
	}
	for _, o := range d.build {
		if !o.cullable {
			o.cullable = true
			d.ncullable++
		}
	}
	if len(d.ready) == 0 {
		d.ready = append(d.ready, d.build...)
		d.build = d.build[:0]
		return nil
	}
	if d.size < len(d.ready) {
		return internalError("Less than zero space in ready table")
	}
	space := d.size - len(d.ready)
	if space == 0 {
		return nil
	}
	copyN := len(d.build)
	if copyN > space {
		copyN = space
	}
	leave := len(d.build) - copyN
	moved := append([]*object(nil), d.build[leave:]...)
	d.ready = append(moved, d.ready...)
	d.build = d.build[:leave]
	return nil
}

// getDirFd is get_dir_fd: a descriptor of the object's directory: a dup of
// its open stream, else openat of its name in its parent's descriptor,
// recursively. A directory gone (-ENOENT) gives -1 — and the 0.10.10
// daemon then passes that -1 to the next openat down, which fails with
// -EBADF and ends the daemon ("Failed to open directory"), as modelled.
func (d *Daemon) getDirFd(t *sim.Thread, dir *object) (vfs.Ino, error) {
	if dir.dir != 0 {
		return dir.dir, nil
	}
	parent, err := d.getDirFd(t, dir.parent)
	if err != nil {
		return 0, err
	}
	if parent == 0 {
		return 0, oserror(vfs.EBADF, "Failed to open directory")
	}
	ino, err := vfsops.Lookup(t, d.fs, parent, dir.name)
	if err == nil {
		if st, serr := d.fs.Stat(ino); serr != nil || !st.IsDir() {
			err = vfs.ENOTDIR
		}
	}
	if err == vfs.ENOENT {
		return 0, nil
	}
	if err != nil {
		return 0, oserror(err, "Failed to open directory")
	}
	return ino, nil
}

// cullObject is cull_object: open the object's directory, stat the object
// again and, if it was not used since the scan, cull it; then put it.
func (d *Daemon) cullObject(t *sim.Thread, o *object) error {
	dir, err := d.getDirFd(t, o.parent)
	if err != nil {
		return err
	}
	if dir != 0 {
		st, err := vfsops.Fstatat(t, d.fs, dir, o.name)
		switch {
		case err == vfs.ENOENT || err == vfs.ESTALE:
		case err != nil:
			return oserror(err, "Failed to re-stat object")
		case o.atime >= atimeOf(st):
			if err := d.cullFile(t, d.path(o.parent), dir, o.name); err != nil {
				return err
			}
		}
	}
	return d.putObject(o)
}

// cullObjects is cull_objects: cull the oldest object of the ready table.
func (d *Daemon) cullObjects(t *sim.Thread) error {
	if d.ncullable <= 0 {
		return internalError("Cullable object count is inconsistent")
	}
	o := d.ready[len(d.ready)-1]
	if !o.cullable {
		return nil
	}
	if err := d.cullObject(t, o); err != nil {
		return err
	}
	d.ready = d.ready[:len(d.ready)-1]
	return nil
}

// destroyUnexpectedObject is destroy_unexpected_object: an unexpected
// non-directory is unlinked, an unexpected directory moved into the
// graveyard as "x<seconds>x<uniquifier>x"; -ENOENT is fine.
func (d *Daemon) destroyUnexpectedObject(t *sim.Thread, parent *object, e vfs.Dirent) error {
	if !e.Dir {
		if err := vfsops.Unlinkat(t, d.fs, parent.dir, e.Name); err != nil && err != vfs.ENOENT {
			return oserror(err, "Unable to unlink unexpectedly named file: %s", e.Name)
		}
		return nil
	}
	grave := fmt.Sprintf("x%xx%xx", int64(t.Kernel().Now()/sim.Second), d.uniq)
	d.uniq++
	if err := vfsops.Renameat(t, d.fs, parent.dir, e.Name, d.graveIno, grave); err != nil && err != vfs.ENOENT {
		return oserror(err, "Unable to rename unexpectedly named file: %s", e.Name)
	}
	return nil
}

// reapGraveyard is reap_graveyard: clear reap_signalled, arm a one-shot
// DN_CREATE notification on the graveyard (fcntl F_NOTIFY: the next entry
// moved in sends SIGIO), then delete everything in it.
func (d *Daemon) reapGraveyard(t *sim.Thread) error {
	d.reap.Store(t, false)
	if d.watch != nil {
		d.watch.Remove() // a new fcntl on the same file replaces the old
	}
	d.watch = d.fs.Dnotify(d.graveIno, d.sigio)
	t.Yield() // the fcntl syscall
	cwd, err := d.resolve(t, d.graveDir)
	if err != nil {
		return oserror(err, "chdir failed")
	}
	return d.reapGraveyardAux(t, cwd, d.graveDir)
}

// reapGraveyardAux is reap_graveyard_aux, entered with the working
// directory changed to dir: read it again and again until a pass finds
// nothing; unlink every non-directory and recurse into every directory
// (chdir into it, then chdir "..") before rmdir. Any error but EISDIR
// from unlink ends the daemon, as any error from rmdir does.
func (d *Daemon) reapGraveyardAux(t *sim.Thread, dir vfs.Ino, name string) error {
	for {
		ents, err := vfsops.Getdents(t, d.fs, dir)
		if err != nil {
			return oserror(err, "Unable to read dir %s", name)
		}
		if len(ents) == 0 {
			return nil
		}
		for _, e := range ents {
			if !e.Dir {
				err := vfsops.Unlinkat(t, d.fs, dir, e.Name)
				if err == nil {
					continue
				}
				if err != vfs.EISDIR {
					return oserror(err, "Unable to unlink file %s", e.Name)
				}
			}
			sub, err := vfsops.Lookup(t, d.fs, dir, e.Name)
			if err != nil {
				return oserror(err, "chdir failed")
			}
			if err := d.reapGraveyardAux(t, sub, e.Name); err != nil {
				return err
			}
			if err := vfsops.Rmdirat(t, d.fs, dir, e.Name); err != nil {
				return oserror(err, "Unable to remove dir %s", e.Name)
			}
		}
	}
}
