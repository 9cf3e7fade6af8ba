package vfs

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestDurability(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		run  func(w *world)
		// the paths that exist (or, with "!", do not) after the crash
		paths []string
		check func(t *testing.T, w *world)
	}{
		{name: "unsynced-create-lost", run: func(w *world) {
			w.fs.Syncfs()
			w.create("/x", "data")
			w.fs.Crash(0)
		}, paths: []string{"/f", "!/x"}},
		{name: "synced-create-kept", run: func(w *world) {
			w.create("/x", "data")
			w.fs.Syncfs()
			w.fs.Crash(0)
		}, paths: []string{"/x"}, check: fileData("/x", "data")},
		{name: "keep-all", run: func(w *world) {
			w.create("/x", "data")
			w.fs.Crash(w.fs.Pending())
		}, paths: []string{"/x"}, check: fileData("/x", "data")},
		{name: "keep-prefix", run: func(w *world) {
			w.fs.Syncfs()
			f, _ := w.fs.Create(RootIno, "x", 0o600) // kept
			w.fs.Write(f, 0, []byte("one"))          // kept
			w.fs.Write(f, 0, []byte("two"))          // lost
			w.fs.Close(f)
			w.fs.Crash(2)
		}, paths: []string{"/x"}, check: fileData("/x", "one")},
		{name: "fsync-commits-prefix", run: func(w *world) {
			w.fs.Syncfs()
			a := w.create("/a", "a")
			w.create("/b", "b")
			f, _ := w.fs.Open(a)
			w.fs.Write(f, 1, []byte("A"))
			w.fs.Close(f)
			w.create("/c", "c")
			w.fs.Fsync(a)
			if w.fs.Pending() != 2 { // create c, write c
				w.t.Errorf("pending after fsync: %q", w.fs.PendingOps())
			}
			w.fs.Crash(0)
		}, paths: []string{"/a", "/b", "!/c"}, check: fileData("/a", "aA")},
		{name: "fsync-untouched", run: func(w *world) {
			w.fs.Syncfs()
			w.create("/x", "x")
			w.fs.Fsync(w.ino["/d/sub"])
			if w.fs.Pending() != 2 {
				w.t.Errorf("fsync of an untouched inode committed: %q", w.fs.PendingOps())
			}
			w.fs.Crash(0)
		}, paths: []string{"!/x"}},
		{name: "fsync-directory", run: func(w *world) {
			w.fs.Syncfs()
			w.create("/e/x", "") // create, and no write for empty data
			w.create("/y", "y")
			w.fs.Fsync(w.ino["/e"])
			w.fs.Crash(0)
		}, paths: []string{"/e/x", "!/y"}},
		{name: "tmpfile-unlinked-lost", run: func(w *world) {
			f, _ := w.fs.Tmpfile(w.ino["/e"], 0o600)
			w.fs.Write(f, 0, make([]byte, 3*bs))
			w.ino["tmp"] = f.Ino()
			w.fs.Syncfs()
			w.fs.Crash(0)
		}, check: checks(stale("tmp"), usedBlocks(worldBlocks))},
		{name: "tmpfile-linked-kept", run: func(w *world) {
			f, _ := w.fs.Tmpfile(w.ino["/e"], 0o600)
			w.fs.Write(f, 0, []byte("obj"))
			w.fs.Setxattr(f.Ino(), "user.CacheFiles.cache", []byte("aux"), 0)
			w.fs.Link(f.Ino(), w.ino["/e"], "obj")
			w.fs.Syncfs()
			w.fs.Crash(0)
		}, paths: []string{"/e/obj"}, check: fileData("/e/obj", "obj")},
		{name: "orphan-reclaimed", run: func(w *world) {
			w.fs.Syncfs()
			f := w.open("/f")
			w.fs.Unlink(RootIno, "f")
			w.fs.Syncfs()
			w.fs.Crash(0)
			if f.fs.OpenFiles() != 0 {
				w.t.Errorf("open files after crash")
			}
		}, paths: []string{"!/f"}, check: checks(stale("/f"), usedBlocks(worldBlocks-1))},
		{name: "unlink-lost", run: func(w *world) {
			w.fs.Syncfs()
			w.fs.Unlink(RootIno, "f")
			w.fs.Crash(0)
		}, paths: []string{"/f"}, check: fileData("/f", "hello")},
		{name: "rename-kept", run: func(w *world) {
			w.fs.Syncfs()
			w.fs.Rename(RootIno, "d", w.ino["/e"], "grave")
			w.fs.Crash(1)
		}, paths: []string{"!/d", "/e/grave/g"}},
		{name: "files-and-marks-gone", run: func(w *world) {
			w.fs.Syncfs()
			f := w.open("/f")
			w.fs.SetInUse(w.ino["/e"])
			w.fs.Crash(0)
			if _, err := w.fs.Read(f, 0, 1); err != EBADF {
				w.t.Errorf("read of a pre-crash file: %v, want EBADF", err)
			}
			if err := w.fs.Close(f); err != EBADF {
				w.t.Errorf("close of a pre-crash file: %v, want EBADF", err)
			}
		}, check: func(t *testing.T, w *world) {
			if w.fs.InUse(w.ino["/e"]) || w.fs.OpenFiles() != 0 {
				t.Errorf("marks or open files survived: %v %d", w.fs.InUseInodes(), w.fs.OpenFiles())
			}
		}},
		{name: "inode-numbers-not-reused", run: func(w *world) {
			w.fs.Syncfs()
			w.create("/x", "")
			w.fs.Crash(0)
		}, check: func(t *testing.T, w *world) {
			if y := w.create("/y", ""); y <= w.ino["/x"] {
				t.Errorf("inode %d reused after a crash (was %d)", y, w.ino["/x"])
			}
			w.fs.Syncfs()
		}},
		{name: "max-pending-commits-oldest", opts: Options{MaxPending: 2}, run: func(w *world) {
			w.fs.Syncfs()
			w.create("/x", "") // create: flushed by the third op
			w.create("/y", "") // create
			w.create("/z", "") // create
			if w.fs.Pending() != 2 {
				w.t.Errorf("pending %q, want 2 ops", w.fs.PendingOps())
			}
			w.fs.Crash(0)
		}, paths: []string{"/x", "!/y", "!/z"}},
		{name: "xattr-lost", run: func(w *world) {
			w.fs.Setxattr(w.ino["/f"], "user.a", []byte("1"), 0)
			w.fs.Syncfs()
			w.fs.Setxattr(w.ino["/f"], "user.a", []byte("2"), 0)
			w.fs.Crash(0)
		}, check: func(t *testing.T, w *world) {
			if v, _ := w.fs.Getxattr(w.ino["/f"], "user.a", 0); string(v) != "1" {
				t.Errorf("xattr after crash = %q, want 1", v)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.opts)
			c.run(w)
			exists(c.paths...)(t, w)
			if c.check != nil {
				c.check(t, w)
			}
			if w.fs.Pending() != 0 {
				t.Errorf("pending after crash: %d", w.fs.Pending())
			}
			w.fsck()
		})
	}
}

func fileData(p, want string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		ino, err := w.lookup(p)
		if err != nil {
			t.Fatalf("lookup %s: %v", p, err)
		}
		f, _ := w.fs.Open(ino)
		defer w.fs.Close(f)
		if got, _ := w.fs.Read(f, 0, 100); string(got) != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
}

func TestCrashKeepRange(t *testing.T) {
	for _, keep := range []int{-1, 2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Crash(%d) with 1 pending op did not panic", keep)
				}
			}()
			fs := New(Options{})
			fs.Mkdir(RootIno, "a", 0o700)
			fs.Crash(keep)
		}()
	}
}

// crashMachine drives random operations, syncs and crashes. It keeps the
// dump of the filesystem after every logged op since the last crash; a
// crash that keeps k pending ops must leave exactly the dump taken at the
// position durable+k.
type crashMachine struct {
	fs    *FS
	snaps []string // snaps[i]: the dump after the i-th op since the last crash
	files []*File
}

func (m *crashMachine) dirs() []Ino {
	out := []Ino{RootIno}
	for i := 0; i < len(out); i++ {
		ents, _ := m.fs.Readdir(out[i])
		for _, e := range ents {
			if e.Dir {
				out = append(out, e.Ino)
			}
		}
	}
	return out
}

func (m *crashMachine) inodes() []Ino {
	var out []Ino
	for _, d := range m.dirs() {
		out = append(out, d)
		ents, _ := m.fs.Readdir(d)
		for _, e := range ents {
			if !e.Dir {
				out = append(out, e.Ino)
			}
		}
	}
	for _, f := range m.files {
		out = append(out, f.Ino())
	}
	return out
}

var crashNames = []string{"a", "b", "c"}

func (m *crashMachine) after(t *rapid.T) {
	if err := m.fs.Fsck(); err != nil {
		t.Fatalf("fsck: %v", err)
	}
	pos := m.fs.flushed + m.fs.Pending()
	switch pos - (len(m.snaps) - 1) {
	case 0:
	case 1:
		m.snaps = append(m.snaps, dump(m.fs))
	default:
		t.Fatalf("one call logged %d ops", pos-(len(m.snaps)-1))
	}
}

func (m *crashMachine) actions() map[string]func(*rapid.T) {
	dir := func(t *rapid.T) Ino { return rapid.SampledFrom(m.dirs()).Draw(t, "dir") }
	name := func(t *rapid.T) string { return rapid.SampledFrom(crashNames).Draw(t, "name") }
	ino := func(t *rapid.T) Ino { return rapid.SampledFrom(m.inodes()).Draw(t, "ino") }
	file := func(t *rapid.T) (int, *File) {
		if len(m.files) == 0 {
			t.Skip("no open file")
		}
		i := rapid.IntRange(0, len(m.files)-1).Draw(t, "file")
		return i, m.files[i]
	}
	off := func(t *rapid.T) int64 { return rapid.Int64Range(0, 3*bs).Draw(t, "off") }
	addFile := func(f *File, err error) {
		if err == nil {
			m.files = append(m.files, f)
		}
	}
	return map[string]func(*rapid.T){
		"mkdir":  func(t *rapid.T) { m.fs.Mkdir(dir(t), name(t), 0o700) },
		"create": func(t *rapid.T) { addFile(m.fs.Create(dir(t), name(t), 0o600)) },
		"tmpfile": func(t *rapid.T) {
			addFile(m.fs.Tmpfile(dir(t), 0o600))
		},
		"open":   func(t *rapid.T) { addFile(m.fs.Open(ino(t))) },
		"link":   func(t *rapid.T) { _, f := file(t); m.fs.Link(f.Ino(), dir(t), name(t)) },
		"unlink": func(t *rapid.T) { m.fs.Unlink(dir(t), name(t)) },
		"rmdir":  func(t *rapid.T) { m.fs.Rmdir(dir(t), name(t)) },
		"rename": func(t *rapid.T) { m.fs.Rename(dir(t), name(t), dir(t), name(t)) },
		"close": func(t *rapid.T) {
			i, f := file(t)
			m.fs.Close(f)
			m.files = append(m.files[:i], m.files[i+1:]...)
		},
		"write": func(t *rapid.T) {
			_, f := file(t)
			n := rapid.IntRange(1, 2*bs).Draw(t, "n")
			c := byte(rapid.IntRange('a', 'z').Draw(t, "c"))
			m.fs.Write(f, off(t), []byte(strings.Repeat(string(c), n)))
		},
		"truncate": func(t *rapid.T) { m.fs.Truncate(ino(t), off(t)) },
		"fallocate": func(t *rapid.T) {
			_, f := file(t)
			mode := rapid.SampledFrom([]FallocMode{0, FallocKeepSize, FallocPunchHole | FallocKeepSize, FallocZeroRange}).Draw(t, "mode")
			m.fs.Fallocate(f, mode, off(t), rapid.Int64Range(1, 2*bs).Draw(t, "len"))
		},
		"setxattr": func(t *rapid.T) {
			m.fs.Setxattr(ino(t), "user."+name(t), []byte(rapid.StringN(0, 8, -1).Draw(t, "v")), 0)
		},
		"removexattr": func(t *rapid.T) { m.fs.Removexattr(ino(t), "user."+name(t)) },
		"fsync":       func(t *rapid.T) { m.fs.Fsync(ino(t)) },
		"syncfs":      func(t *rapid.T) { m.fs.Syncfs() },
		"crash": func(t *rapid.T) {
			keep := rapid.IntRange(0, m.fs.Pending()).Draw(t, "keep")
			durable := m.fs.flushed
			want := m.snaps[durable+keep]
			m.fs.Crash(keep)
			m.files = nil
			got := dump(m.fs)
			if got != want {
				t.Fatalf("crash keeping %d of the pending ops after %d durable ones:\ngot:\n%s\nwant:\n%s", keep, durable, got, want)
			}
			// With no orphans left, the space and inode counts are those
			// of the reachable tree.
			st, _ := m.fs.Statfs()
			if line := fmt.Sprintf("used blocks=%d inodes=%d\n", st.Blocks-st.Bfree, st.Files-st.Ffree); !strings.HasSuffix(got, line) {
				t.Fatalf("statfs after crash says %q, the tree holds %q", line, got[strings.LastIndex(got[:len(got)-1], "\n")+1:])
			}
			m.snaps = []string{got}
		},
	}
}

// TestCrashModel checks the crash model against its definition: after any
// operations, syncs and a crash, the filesystem is the durable state plus
// the kept prefix of the pending ops, which is exactly the state the live
// filesystem had when that prefix ended (less the unlinked inodes).
func TestCrashModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &crashMachine{fs: New(Options{Blocks: 64, Inodes: 32, XattrInodeMax: 40, MaxPending: 12})}
		m.snaps = []string{dump(m.fs)}
		acts := m.actions()
		for name, act := range acts {
			acts[name] = func(t *rapid.T) {
				act(t)
				m.after(t)
			}
		}
		acts[""] = func(t *rapid.T) {}
		for range 3 {
			t.Repeat(acts)
			acts["crash"](t)
		}
	})
}
