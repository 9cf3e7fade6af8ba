package vfs

import (
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// TestTimes walks one file and its directory through the calls that move
// timestamps, on a clock the test sets, and checks all three times of both
// after every step: relatime for atime, mtime/ctime with the logged ops.
func TestTimes(t *testing.T) {
	var clock sim.Time
	fs := New(Options{Now: func() sim.Time { return clock }})
	const s = sim.Second
	day := relatimeWindow

	clock = 10 * s
	dir, err := fs.Mkdir(fs.Root(), "d", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	clock = 20 * s
	f, err := fs.Create(dir, "f", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	type times struct{ a, m, c sim.Time }
	steps := []struct {
		name     string
		at       sim.Time
		do       func() error
		file     times
		dir      times
		dirAtime bool // check only the directory's mtime/ctime unless set
	}{
		{"create", 20 * s, func() error { return nil }, times{20 * s, 20 * s, 20 * s}, times{10 * s, 20 * s, 20 * s}, true},
		// atime == mtime: relatime updates.
		{"first read", 30 * s, func() error { _, err := fs.Read(f, 0, 1); return err }, times{30 * s, 20 * s, 20 * s}, times{10 * s, 20 * s, 20 * s}, true},
		// atime after mtime and ctime, less than a day old: no update.
		{"second read", 40 * s, func() error { _, err := fs.Read(f, 0, 1); return err }, times{30 * s, 20 * s, 20 * s}, times{}, false},
		{"empty read", 40*s + day, func() error { _, err := fs.Read(f, 0, 0); return err }, times{30 * s, 20 * s, 20 * s}, times{}, false},
		// A day later: update.
		{"read a day later", 30*s + day, func() error { _, err := fs.Read(f, 0, 1); return err }, times{30*s + day, 20 * s, 20 * s}, times{}, false},
		{"write", 50*s + day, func() error { _, err := fs.Write(f, 0, []byte("x")); return err }, times{30*s + day, 50*s + day, 50*s + day}, times{}, false},
		// The write made mtime newer than atime: the next read updates.
		{"read after write", 60*s + day, func() error { _, err := fs.Read(f, 0, 1); return err }, times{60*s + day, 50*s + day, 50*s + day}, times{}, false},
		{"setxattr", 70*s + day, func() error { return fs.Setxattr(f.Ino(), "user.x", []byte("v"), 0) }, times{60*s + day, 50*s + day, 70*s + day}, times{}, false},
		// ctime newer than atime: a read updates.
		{"read after setxattr", 80*s + day, func() error { _, err := fs.Read(f, 0, 1); return err }, times{80*s + day, 50*s + day, 70*s + day}, times{}, false},
		{"link", 90*s + day, func() error { return fs.Link(f.Ino(), dir, "g") }, times{80*s + day, 50*s + day, 90*s + day}, times{10 * s, 90*s + day, 90*s + day}, true},
		{"readdir", 100*s + day, func() error { _, err := fs.Readdir(dir); return err }, times{80*s + day, 50*s + day, 90*s + day}, times{100*s + day, 90*s + day, 90*s + day}, true},
		{"unlink", 110*s + day, func() error { return fs.Unlink(dir, "g") }, times{80*s + day, 50*s + day, 110*s + day}, times{100*s + day, 110*s + day, 110*s + day}, true},
		{"truncate", 120*s + day, func() error { return fs.Truncate(f.Ino(), 0) }, times{80*s + day, 120*s + day, 120*s + day}, times{}, false},
		{"rename", 130*s + day, func() error { return fs.Rename(dir, "f", fs.Root(), "f") }, times{80*s + day, 120*s + day, 130*s + day}, times{100*s + day, 130*s + day, 130*s + day}, true},
	}
	for _, st := range steps {
		clock = st.at
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		fst, _ := fs.Stat(f.Ino())
		if got := (times{fst.Atime, fst.Mtime, fst.Ctime}); got != st.file {
			t.Errorf("%s: file times %v, want %v", st.name, got, st.file)
		}
		if st.dirAtime {
			dst, _ := fs.Stat(dir)
			if got := (times{dst.Atime, dst.Mtime, dst.Ctime}); got != st.dir {
				t.Errorf("%s: dir times %v, want %v", st.name, got, st.dir)
			}
		}
	}
}

// TestTimesCrash checks that a crash keeps the logged times and drops an
// atime update, which is never logged.
func TestTimesCrash(t *testing.T) {
	var clock sim.Time
	fs := New(Options{Now: func() sim.Time { return clock }})
	clock = sim.Second
	f, _ := fs.Create(fs.Root(), "f", 0o644)
	fs.Write(f, 0, []byte("data"))
	fs.Syncfs()
	clock = 2 * sim.Second
	fs.Read(f, 0, 4)
	if st, _ := fs.Stat(f.Ino()); st.Atime != 2*sim.Second {
		t.Fatalf("atime after read %v, want 2s", st.Atime)
	}
	ino := f.Ino()
	fs.Crash(0)
	st, err := fs.Stat(ino)
	if err != nil {
		t.Fatal(err)
	}
	if st.Atime != sim.Second || st.Mtime != sim.Second || st.Ctime != sim.Second {
		t.Fatalf("after crash: atime %v mtime %v ctime %v, want all 1s", st.Atime, st.Mtime, st.Ctime)
	}
}
