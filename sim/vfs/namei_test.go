package vfs

import (
	"strings"
	"testing"
)

func TestErrno(t *testing.T) {
	cases := []struct {
		err  error
		name string
		code int
	}{
		{ENOENT, "ENOENT", -2},
		{EIO, "EIO", -5},
		{ENXIO, "ENXIO", -6},
		{E2BIG, "E2BIG", -7},
		{EBUSY, "EBUSY", -16},
		{EEXIST, "EEXIST", -17},
		{ENOTDIR, "ENOTDIR", -20},
		{EISDIR, "EISDIR", -21},
		{EINVAL, "EINVAL", -22},
		{ENOSPC, "ENOSPC", -28},
		{ERANGE, "ERANGE", -34},
		{ENOTEMPTY, "ENOTEMPTY", -39},
		{ENODATA, "ENODATA", -61},
		{ENOBUFS, "ENOBUFS", -105},
		{ESTALE, "ESTALE", -116},
		{Errno(200), "errno 200", -200},
		{nil, "", 0},
	}
	for _, c := range cases {
		if c.err != nil && c.err.Error() != c.name {
			t.Errorf("%d: Error() = %q, want %q", c.err, c.err.Error(), c.name)
		}
		if got := Code(c.err); got != c.code {
			t.Errorf("Code(%v) = %d, want %d", c.err, got, c.code)
		}
	}
}

// nsCase is one namespace operation on a fresh world and what must follow.
type nsCase struct {
	name  string
	opts  Options
	setup func(w *world)
	op    func(w *world) error
	want  error
	check func(t *testing.T, w *world)
}

// exists asserts that the paths resolve and gone that they do not.
func exists(paths ...string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		for _, p := range paths {
			neg := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(p, "!")
			_, err := w.lookup(p)
			if neg && err != ENOENT {
				t.Errorf("lookup %s: %v, want ENOENT", p, err)
			}
			if !neg && err != nil {
				t.Errorf("lookup %s: %v", p, err)
			}
		}
	}
}

// openUnlinked opens p and unlinks it, leaving an orphan.
func openUnlinked(p string) func(w *world) {
	return func(w *world) {
		w.open(p)
		dir, name := splitPath(p)
		if err := w.fs.Unlink(w.ino[dir], name); err != nil {
			w.t.Fatalf("unlink %s: %v", p, err)
		}
	}
}

func checks(fs ...func(t *testing.T, w *world)) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		for _, f := range fs {
			f(t, w)
		}
	}
}

func nlink(p string, want uint32) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		if st := w.stat(p); st.Nlink != want {
			t.Errorf("%s nlink = %d, want %d", p, st.Nlink, want)
		}
	}
}

func stale(p string) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		if _, err := w.fs.Stat(w.ino[p]); err != ESTALE {
			t.Errorf("stat of removed %s: %v, want ESTALE", p, err)
		}
	}
}

func usedBlocks(want int64) func(t *testing.T, w *world) {
	return func(t *testing.T, w *world) {
		t.Helper()
		st, _ := w.fs.Statfs()
		if got := st.Blocks - st.Bfree; got != want {
			t.Errorf("used blocks = %d, want %d", got, want)
		}
	}
}

// The fresh world uses 4 directory blocks (/, /d, /d/sub, /e) and one data
// block for each of /f and /d/g: 6 blocks and 6 inodes.
const worldBlocks = 6

func TestNamespace(t *testing.T) {
	long := strings.Repeat("x", NameMax+1)
	cases := []nsCase{
		// Lookup
		{name: "lookup", op: func(w *world) error {
			ino, err := w.fs.Lookup(w.ino["/d"], "g")
			if err == nil && ino != w.ino["/d/g"] {
				t.Errorf("lookup /d/g = %d, want %d", ino, w.ino["/d/g"])
			}
			return err
		}},
		{name: "lookup-missing", op: func(w *world) error { _, err := w.fs.Lookup(RootIno, "nope"); return err }, want: ENOENT},
		{name: "lookup-in-file", op: func(w *world) error { _, err := w.fs.Lookup(w.ino["/f"], "x"); return err }, want: ENOTDIR},
		{name: "lookup-stale", op: func(w *world) error { _, err := w.fs.Lookup(999, "x"); return err }, want: ESTALE},
		{name: "lookup-empty", op: func(w *world) error { _, err := w.fs.Lookup(RootIno, ""); return err }, want: ENOENT},
		{name: "lookup-long", op: func(w *world) error { _, err := w.fs.Lookup(RootIno, long); return err }, want: ENAMETOOLONG},
		{name: "lookup-dot", op: func(w *world) error { _, err := w.fs.Lookup(RootIno, "."); return err }, want: EINVAL},
		{name: "lookup-slash", op: func(w *world) error { _, err := w.fs.Lookup(RootIno, "d/g"); return err }, want: EINVAL},

		// Mkdir
		{name: "mkdir", op: func(w *world) error { _, err := w.fs.Mkdir(w.ino["/e"], "x", 0o700); return err },
			check: checks(exists("/e/x"), nlink("/e", 3), usedBlocks(worldBlocks+1))},
		{name: "mkdir-over-file", op: func(w *world) error { _, err := w.fs.Mkdir(RootIno, "f", 0o700); return err }, want: EEXIST},
		{name: "mkdir-over-dir", op: func(w *world) error { _, err := w.fs.Mkdir(RootIno, "d", 0o700); return err }, want: EEXIST},
		{name: "mkdir-in-file", op: func(w *world) error { _, err := w.fs.Mkdir(w.ino["/f"], "x", 0o700); return err }, want: ENOTDIR},
		{name: "mkdir-no-blocks", opts: Options{Blocks: worldBlocks},
			op: func(w *world) error { _, err := w.fs.Mkdir(RootIno, "x", 0o700); return err }, want: ENOSPC,
			check: exists("!/x")},
		{name: "mkdir-no-inodes", opts: Options{Inodes: 6},
			op: func(w *world) error { _, err := w.fs.Mkdir(RootIno, "x", 0o700); return err }, want: ENOSPC},

		// Create and Tmpfile
		{name: "create", op: func(w *world) error {
			f, err := w.fs.Create(w.ino["/e"], "n", 0o600)
			if err == nil {
				w.ino["/e/n"] = f.Ino()
				w.fs.Close(f)
			}
			return err
		}, check: checks(exists("/e/n"), nlink("/e/n", 1), nlink("/e", 2))},
		{name: "create-exists", op: func(w *world) error { _, err := w.fs.Create(RootIno, "d", 0o600); return err }, want: EEXIST},
		{name: "create-no-inodes", opts: Options{Inodes: 6},
			op: func(w *world) error { _, err := w.fs.Create(RootIno, "x", 0o600); return err }, want: ENOSPC},
		{name: "tmpfile", op: func(w *world) error {
			f, err := w.fs.Tmpfile(w.ino["/e"], 0o600)
			if err != nil {
				return err
			}
			st, _ := w.fs.Stat(f.Ino())
			if st.Nlink != 0 || st.IsDir() || st.Mode&ModePerm != 0o600 {
				t.Errorf("tmpfile stat %+v, want a regular 0600 file with no links", st)
			}
			if ents, _ := w.fs.Readdir(w.ino["/e"]); len(ents) != 0 {
				t.Errorf("tmpfile appears in its directory: %v", ents)
			}
			w.fs.Close(f)
			if _, err := w.fs.Stat(f.Ino()); err != ESTALE {
				t.Errorf("closed tmpfile: stat %v, want ESTALE", err)
			}
			return nil
		}},
		{name: "tmpfile-in-file", op: func(w *world) error { _, err := w.fs.Tmpfile(w.ino["/f"], 0o600); return err }, want: ENOTDIR},

		// Link
		{name: "link-tmpfile", op: func(w *world) error {
			f, _ := w.fs.Tmpfile(w.ino["/e"], 0o600)
			w.fs.Write(f, 0, []byte("tmp"))
			w.ino["/e/t"] = f.Ino()
			err := w.fs.Link(f.Ino(), w.ino["/e"], "t")
			w.fs.Close(f)
			return err
		}, check: checks(exists("/e/t"), nlink("/e/t", 1))},
		{name: "link-hard", op: func(w *world) error { return w.fs.Link(w.ino["/f"], w.ino["/e"], "f2") },
			check: checks(exists("/e/f2", "/f"), nlink("/f", 2))},
		{name: "link-exists", op: func(w *world) error { return w.fs.Link(w.ino["/f"], w.ino["/d"], "g") }, want: EEXIST},
		{name: "link-dir", op: func(w *world) error { return w.fs.Link(w.ino["/e"], w.ino["/d"], "e") }, want: EPERM},
		{name: "link-unlinked", setup: openUnlinked("/f"),
			op: func(w *world) error { return w.fs.Link(w.ino["/f"], RootIno, "again") }, want: ENOENT},
		{name: "link-tmpfile-twice", op: func(w *world) error {
			f, _ := w.fs.Tmpfile(RootIno, 0o600)
			defer w.fs.Close(f)
			w.fs.Link(f.Ino(), RootIno, "a")
			return w.fs.Link(f.Ino(), RootIno, "b")
		}, check: checks(exists("/a", "/b"))},
		{name: "link-stale", op: func(w *world) error { return w.fs.Link(999, RootIno, "x") }, want: ESTALE},
		{name: "link-exists-before-enoent", setup: openUnlinked("/f"),
			op: func(w *world) error { return w.fs.Link(w.ino["/f"], RootIno, "d") }, want: EEXIST},

		// Unlink
		{name: "unlink", op: func(w *world) error { return w.fs.Unlink(RootIno, "f") },
			check: checks(exists("!/f"), stale("/f"), usedBlocks(worldBlocks-1))},
		{name: "unlink-dir", op: func(w *world) error { return w.fs.Unlink(RootIno, "d") }, want: EISDIR},
		{name: "unlink-missing", op: func(w *world) error { return w.fs.Unlink(RootIno, "nope") }, want: ENOENT},
		{name: "unlink-in-use", setup: func(w *world) { w.fs.SetInUse(w.ino["/f"]) },
			op: func(w *world) error { return w.fs.Unlink(RootIno, "f") }, check: checks(exists("!/f"), stale("/f"))},
		{name: "unlink-one-of-two-links", setup: func(w *world) { w.fs.Link(w.ino["/f"], RootIno, "f2") },
			op: func(w *world) error { return w.fs.Unlink(RootIno, "f") }, check: checks(exists("!/f", "/f2"), nlink("/f", 1))},
		{name: "unlink-open-orphan", op: func(w *world) error {
			f := w.open("/f")
			if err := w.fs.Unlink(RootIno, "f"); err != nil {
				return err
			}
			if st := w.stat("/f"); st.Nlink != 0 || st.Blocks == 0 {
				t.Errorf("orphan stat %+v, want nlink 0 and its blocks", st)
			}
			if got, _ := w.fs.Read(f, 0, 10); string(got) != "hello" {
				t.Errorf("orphan read %q", got)
			}
			if st, _ := w.fs.Statfs(); st.Blocks-st.Bfree != worldBlocks {
				t.Errorf("orphan's block released early: used %d", st.Blocks-st.Bfree)
			}
			return w.fs.Close(f)
		}, check: checks(stale("/f"), usedBlocks(worldBlocks-1))},

		// Rmdir
		{name: "rmdir", op: func(w *world) error { return w.fs.Rmdir(RootIno, "e") },
			check: checks(exists("!/e"), stale("/e"), nlink("/", 3), usedBlocks(worldBlocks-1))},
		{name: "rmdir-not-empty", op: func(w *world) error { return w.fs.Rmdir(RootIno, "d") }, want: ENOTEMPTY},
		{name: "rmdir-in-use", setup: func(w *world) { w.fs.SetInUse(w.ino["/e"]) },
			op: func(w *world) error { return w.fs.Rmdir(RootIno, "e") }, want: EBUSY, check: exists("/e")},
		{name: "rmdir-in-use-before-not-empty", setup: func(w *world) { w.fs.SetInUse(w.ino["/d"]) },
			op: func(w *world) error { return w.fs.Rmdir(RootIno, "d") }, want: EBUSY},
		{name: "rmdir-file", op: func(w *world) error { return w.fs.Rmdir(RootIno, "f") }, want: ENOTDIR},
		{name: "rmdir-missing", op: func(w *world) error { return w.fs.Rmdir(RootIno, "nope") }, want: ENOENT},
		{name: "rmdir-cleared-mark", setup: func(w *world) { w.fs.SetInUse(w.ino["/e"]); w.fs.ClearInUse(w.ino["/e"]) },
			op: func(w *world) error { return w.fs.Rmdir(RootIno, "e") }},

		// Rename
		{name: "rename-file", op: func(w *world) error { return w.fs.Rename(RootIno, "f", w.ino["/e"], "f") },
			check: checks(exists("!/f", "/e/f"), nlink("/f", 1))},
		{name: "rename-over-file", op: func(w *world) error { return w.fs.Rename(RootIno, "f", w.ino["/d"], "g") },
			check: checks(exists("!/f", "/d/g"), stale("/d/g"), usedBlocks(worldBlocks-1))},
		{name: "rename-over-open-file", op: func(w *world) error {
			g := w.open("/d/g")
			defer w.fs.Close(g)
			err := w.fs.Rename(RootIno, "f", w.ino["/d"], "g")
			if got, _ := w.fs.Read(g, 0, 10); string(got) != "gg" {
				t.Errorf("replaced open file reads %q", got)
			}
			return err
		}, check: checks(stale("/d/g"), usedBlocks(worldBlocks-1))},
		{name: "rename-dir-over-empty-dir", op: func(w *world) error { return w.fs.Rename(RootIno, "d", RootIno, "e") },
			check: checks(exists("!/d", "/e/sub", "/e/g"), stale("/e"), nlink("/", 3), usedBlocks(worldBlocks-1))},
		{name: "rename-dir-across", op: func(w *world) error { return w.fs.Rename(w.ino["/d"], "sub", w.ino["/e"], "sub") },
			check: checks(exists("/e/sub", "!/d/sub"), nlink("/d", 2), nlink("/e", 3))},
		{name: "rename-dir-over-nonempty", op: func(w *world) error { return w.fs.Rename(RootIno, "e", RootIno, "d") }, want: ENOTEMPTY},
		{name: "rename-dir-into-itself", op: func(w *world) error { return w.fs.Rename(RootIno, "d", w.ino["/d"], "x") }, want: EINVAL},
		{name: "rename-dir-into-subtree", op: func(w *world) error { return w.fs.Rename(RootIno, "d", w.ino["/d/sub"], "x") }, want: EINVAL},
		{name: "rename-over-ancestor", op: func(w *world) error { return w.fs.Rename(w.ino["/d"], "g", RootIno, "d") }, want: ENOTEMPTY},
		{name: "rename-dir-over-file", op: func(w *world) error { return w.fs.Rename(RootIno, "e", RootIno, "f") }, want: ENOTDIR},
		{name: "rename-file-over-dir", op: func(w *world) error { return w.fs.Rename(RootIno, "f", RootIno, "e") }, want: EISDIR},
		{name: "rename-missing", op: func(w *world) error { return w.fs.Rename(RootIno, "nope", RootIno, "x") }, want: ENOENT},
		{name: "rename-to-itself", op: func(w *world) error { return w.fs.Rename(RootIno, "d", RootIno, "d") }, check: exists("/d")},
		{name: "rename-hard-links", setup: func(w *world) { w.fs.Link(w.ino["/f"], RootIno, "f2") },
			op:    func(w *world) error { return w.fs.Rename(RootIno, "f", RootIno, "f2") },
			check: checks(exists("/f", "/f2"), nlink("/f", 2))},
		{name: "rename-in-use-dir-to-graveyard", setup: func(w *world) { w.fs.SetInUse(w.ino["/d"]) },
			op: func(w *world) error { return w.fs.Rename(RootIno, "d", w.ino["/e"], "0000000100000001") },
			check: func(t *testing.T, w *world) {
				exists("/e/0000000100000001/sub")(t, w)
				if !w.fs.InUse(w.ino["/d"]) {
					t.Errorf("rename dropped the in-use mark")
				}
			}},
		{name: "rename-bad-newdir", op: func(w *world) error { return w.fs.Rename(RootIno, "f", w.ino["/f"], "x") }, want: ENOTDIR},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.opts)
			if c.setup != nil {
				c.setup(w)
			}
			before := dump(w.fs)
			err := c.op(w)
			if err != c.want {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if err != nil && dump(w.fs) != before {
				t.Errorf("failed op changed the tree:\nbefore:\n%s\nafter:\n%s", before, dump(w.fs))
			}
			if c.check != nil {
				c.check(t, w)
			}
			w.fsck()
		})
	}
}

func TestReaddir(t *testing.T) {
	w := newWorld(t, Options{})
	w.create("/a", "")
	ents, err := w.fs.Readdir(RootIno)
	if err != nil {
		t.Fatal(err)
	}
	want := []Dirent{{"a", w.ino["/a"], false}, {"d", w.ino["/d"], true}, {"e", w.ino["/e"], true}, {"f", w.ino["/f"], false}}
	if len(ents) != len(want) {
		t.Fatalf("readdir = %v, want %v", ents, want)
	}
	for i := range want {
		if ents[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, ents[i], want[i])
		}
	}
	if _, err := w.fs.Readdir(w.ino["/f"]); err != ENOTDIR {
		t.Errorf("readdir of a file: %v, want ENOTDIR", err)
	}
	if _, err := w.fs.Readdir(999); err != ESTALE {
		t.Errorf("readdir of a missing inode: %v, want ESTALE", err)
	}
}

func TestInUse(t *testing.T) {
	w := newWorld(t, Options{})
	f := w.ino["/f"]
	if w.fs.InUse(f) {
		t.Fatal("fresh inode in use")
	}
	if err := w.fs.SetInUse(f); err != nil {
		t.Fatal(err)
	}
	if err := w.fs.SetInUse(f); err != EBUSY {
		t.Errorf("second mark: %v, want EBUSY", err)
	}
	if st := w.stat("/f"); !st.InUse || !w.fs.InUse(f) {
		t.Errorf("mark not visible: %+v", st)
	}
	if got := w.fs.InUseInodes(); len(got) != 1 || got[0] != f {
		t.Errorf("InUseInodes = %v", got)
	}
	if err := w.fs.ClearInUse(f); err != nil || w.fs.InUse(f) {
		t.Errorf("clear: %v, in use %v", err, w.fs.InUse(f))
	}
	if err := w.fs.ClearInUse(f); err != nil {
		t.Errorf("clearing an unmarked inode: %v", err)
	}
	if err := w.fs.SetInUse(999); err != ESTALE {
		t.Errorf("mark of a missing inode: %v, want ESTALE", err)
	}
	// A mark on an inode that goes away goes with it.
	w.fs.SetInUse(f)
	w.fs.Unlink(RootIno, "f")
	if len(w.fs.InUseInodes()) != 0 {
		t.Errorf("mark outlived its inode: %v", w.fs.InUseInodes())
	}
	w.fsck()
}

func TestStatfs(t *testing.T) {
	w := newWorld(t, Options{Blocks: 100, Inodes: 50, ReservedBlocks: 90})
	st, err := w.fs.Statfs()
	if err != nil {
		t.Fatal(err)
	}
	want := Statfs{Bsize: 4096, Blocks: 100, Bfree: 100 - worldBlocks, Bavail: 100 - worldBlocks - 90, Files: 50, Ffree: 50 - 6}
	if st != want {
		t.Errorf("statfs = %+v, want %+v", st, want)
	}
	// The reserve only hides space from f_bavail; allocation may use it.
	f := w.open("/f")
	if _, err := w.fs.Write(f, 0, make([]byte, 10*4096)); err != nil {
		t.Fatalf("write into the reserve: %v", err)
	}
	st, _ = w.fs.Statfs()
	if st.Bavail != 0 || st.Bfree != 100-worldBlocks-9 {
		t.Errorf("after write: %+v", st)
	}
	if got := w.stat("/f").Blocks; got != 10*8 {
		t.Errorf("i_blocks = %d, want 80", got)
	}
	w.fs.Close(f)
	if st := w.stat("/d"); st.Blocks != 8 || st.Size != 4096 {
		t.Errorf("directory stat %+v, want one block", st)
	}
}
