package vfsops_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model/vfsops"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestRenameSendsDnotify: a rename into a watched directory sends the
// watch's signal once, from the renaming thread, while the parents are
// still locked (fsnotify_move inside vfs_rename); the one-shot watch is
// then gone; a rename into another directory or a failed rename sends
// nothing; a removed watch never fires.
func TestRenameSendsDnotify(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1})
	fs := newFS(k)
	a, _ := fs.Mkdir(fs.Root(), "a", 0o755)
	b, _ := fs.Mkdir(fs.Root(), "b", 0o755)
	for _, n := range []string{"x", "y", "z"} {
		f, _ := fs.Create(a, n, 0o600)
		fs.Close(f)
	}
	var got []string
	var w, removed *vfs.Dnotify
	k.Spawn("kernel", func(th *sim.Thread) {
		w = fs.Dnotify(b, func(t *sim.Thread) {
			if t != th {
				t.Bug("test", "signal sent from another thread")
			}
			if !fs.RenameMutex().HeldBy(t) {
				t.Bug("test", "signal sent after lock_rename was dropped")
			}
			got = append(got, "b")
		})
		removed = fs.Dnotify(b, func(*sim.Thread) { got = append(got, "removed") })
		removed.Remove()
		if err := vfsops.Renameat(th, fs, a, "nope", b, "n"); err == nil {
			t.Error("rename of a missing name succeeded")
		}
		vfsops.Renameat(th, fs, a, "x", a, "x2") // within a: not watched
		vfsops.Renameat(th, fs, a, "y", b, "y")  // fires
		vfsops.Renameat(th, fs, a, "z", b, "z")  // one-shot: gone
	})
	if res := k.Run(); res.Failure != nil {
		t.Fatal(res.Failure)
	}
	if len(got) != 1 || got[0] != "b" || w.Armed() || removed.Armed() {
		t.Fatalf("signals %q, watch armed %v, removed armed %v", got, w.Armed(), removed.Armed())
	}
}
