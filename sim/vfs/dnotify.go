package vfs

import "github.com/fscachesim/fscachesim/sim"

// Directory notification (fs/notify/dnotify, fcntl F_NOTIFY): a process
// asks to be signalled when a directory changes; the VFS sends the event
// from the operation that changed it, in the thread that made the change.
// The disk's own calls never send events: the VFS layer that takes the
// inode locks (model/vfsops) does, after the change, with the locks of the
// operation still held, as fsnotify_move does inside vfs_rename.
//
// Only what cachefilesd asks for is modelled: DN_CREATE, which dnotify
// turns into FS_CREATE|FS_MOVED_TO on the directory's children
// (convert_arg), and the one-shot mark (no DN_MULTISHOT): the first event
// removes the watch. The events are delivered to Send, the model's
// send_sigio.

// Dnotify is one fcntl(fd, F_NOTIFY, DN_CREATE) on a directory: a
// one-shot watch owned by an open file.
type Dnotify struct {
	fs   *FS
	dir  Ino
	send func(t *sim.Thread) // send_sigio to the owner
}

// Dnotify arms a one-shot DN_CREATE watch on directory dir (the process's
// fcntl F_NOTIFY): the next entry created in or moved into dir calls send
// in the thread that made the change, and removes the watch. Process
// state: not a scheduling point. Remove it (dnotify_flush) when the
// owner's descriptor is closed.
func (fs *FS) Dnotify(dir Ino, send func(t *sim.Thread)) *Dnotify {
	w := &Dnotify{fs: fs, dir: dir, send: send}
	fs.dnotify = append(fs.dnotify, w)
	return w
}

// Remove takes the watch away if it is still armed (dnotify_flush at the
// close of the owner's descriptor).
func (w *Dnotify) Remove() {
	for i, x := range w.fs.dnotify {
		if x == w {
			w.fs.dnotify = append(w.fs.dnotify[:i], w.fs.dnotify[i+1:]...)
			return
		}
	}
}

// Armed reports whether the watch is still waiting for its event.
func (w *Dnotify) Armed() bool {
	for _, x := range w.fs.dnotify {
		if x == w {
			return true
		}
	}
	return false
}

// NotifyCreate is the FS_CREATE/FS_MOVED_TO event on directory dir
// (fsnotify_create, fsnotify_move's new_dir), sent by the VFS layer after
// an entry appeared in dir: every armed watch on dir fires once, in the
// order the watches were armed, and is removed first (dnotify_handle_event
// drops a one-shot dnotify_struct before send_sigio).
func (fs *FS) NotifyCreate(t *sim.Thread, dir Ino) {
	if len(fs.dnotify) == 0 {
		return
	}
	var fire []*Dnotify
	kept := fs.dnotify[:0]
	for _, w := range fs.dnotify {
		if w.dir == dir {
			fire = append(fire, w)
			continue
		}
		kept = append(kept, w)
	}
	for i := len(kept); i < len(fs.dnotify); i++ {
		fs.dnotify[i] = nil
	}
	fs.dnotify = kept
	for _, w := range fire {
		w.send(t)
	}
}
