package vfs

import (
	"bytes"
	"testing"
)

const bs = 4096

// step is one call on the test file and the error it must return.
type step struct {
	do   func(fs *FS, f *File) error
	want error
}

func write(off int64, data []byte) step {
	return step{do: func(fs *FS, f *File) error {
		n, err := fs.Write(f, off, data)
		if err == nil && n != len(data) {
			return Errno(1000 + n)
		}
		return err
	}}
}

func trunc(size int64) step {
	return step{do: func(fs *FS, f *File) error { return fs.Truncate(f.Ino(), size) }}
}

func falloc(mode FallocMode, off, n int64) step {
	return step{do: func(fs *FS, f *File) error { return fs.Fallocate(f, mode, off, n) }}
}

func fails(s step, err error) step { s.want = err; return s }

// seekCase is one SeekData (data true) or SeekHole query and its answer.
type seekCase struct {
	data bool
	off  int64
	want int64
	err  error
}

func sd(off, want int64) seekCase         { return seekCase{true, off, want, nil} }
func sh(off, want int64) seekCase         { return seekCase{false, off, want, nil} }
func sdErr(off int64, err error) seekCase { return seekCase{true, off, 0, err} }
func shErr(off int64, err error) seekCase { return seekCase{false, off, 0, err} }

// image builds expected file contents: runs of a byte.
type run struct {
	off, n int64
	c      byte
}

func image(size int64, runs ...run) []byte {
	b := make([]byte, size)
	for _, r := range runs {
		copy(b[r.off:r.off+r.n], bytes.Repeat([]byte{r.c}, int(r.n)))
	}
	return b
}

func fill(n int64, c byte) []byte { return bytes.Repeat([]byte{c}, int(n)) }

func TestFileData(t *testing.T) {
	cases := []struct {
		name   string
		opts   Options
		steps  []step
		size   int64
		blocks int64 // filesystem blocks held by the file
		data   []byte
		seeks  []seekCase
	}{
		{name: "write-small", steps: []step{write(0, []byte("abc"))}, size: 3, blocks: 1, data: []byte("abc"),
			seeks: []seekCase{sd(0, 0), sd(2, 2), sh(0, 3), sh(2, 3), sdErr(3, ENXIO), shErr(3, ENXIO), sdErr(-1, ENXIO)}},
		{name: "write-sparse", steps: []step{write(2*bs+5, []byte("x"))}, size: 2*bs + 6, blocks: 1,
			data:  image(2*bs+6, run{2*bs + 5, 1, 'x'}),
			seeks: []seekCase{sd(0, 2*bs), sd(bs+7, 2*bs), sd(2*bs+5, 2*bs+5), sh(0, 0), sh(bs, bs), sh(2*bs, 2*bs+6)}},
		{name: "write-span", steps: []step{write(bs-5, fill(bs+10, 'a'))}, size: 2*bs + 5, blocks: 3,
			data: image(2*bs+5, run{bs - 5, bs + 10, 'a'}), seeks: []seekCase{sd(0, 0), sh(0, 2*bs+5)}},
		{name: "overwrite", steps: []step{write(0, fill(10, 'a')), write(3, []byte("bb"))}, size: 10, blocks: 1,
			data: image(10, run{0, 10, 'a'}, run{3, 2, 'b'})},
		{name: "write-empty", steps: []step{write(100, nil)}, size: 0, blocks: 0, data: []byte{}},
		{name: "truncate-shrink-zeroes-tail",
			steps: []step{write(0, fill(3*bs, 'a')), trunc(bs + 1), trunc(3 * bs)},
			size:  3 * bs, blocks: 2, data: image(3*bs, run{0, bs + 1, 'a'}),
			seeks: []seekCase{sd(0, 0), sh(0, 2*bs), sdErr(2*bs, ENXIO)}},
		{name: "truncate-extend-is-hole", steps: []step{trunc(10 * bs)}, size: 10 * bs, blocks: 0, data: image(10 * bs),
			seeks: []seekCase{sdErr(0, ENXIO), sh(0, 0), sh(5*bs+3, 5*bs+3)}},
		{name: "truncate-to-zero", steps: []step{write(0, fill(bs, 'a')), trunc(0)}, size: 0, blocks: 0, data: []byte{}},
		{name: "fallocate", steps: []step{falloc(0, 0, 2*bs)}, size: 2 * bs, blocks: 2, data: image(2 * bs),
			seeks: []seekCase{sdErr(0, ENXIO), sh(0, 0)}},
		{name: "fallocate-unaligned", steps: []step{falloc(0, 10, bs)}, size: bs + 10, blocks: 2, data: image(bs + 10)},
		{name: "fallocate-keep-size", steps: []step{falloc(FallocKeepSize, 0, 2*bs)}, size: 0, blocks: 2, data: []byte{}},
		{name: "fallocate-keep-size-then-grow", steps: []step{falloc(FallocKeepSize, 0, 2*bs), trunc(bs)},
			size: bs, blocks: 2, data: image(bs)},
		{name: "fallocate-keep-size-then-shrink", steps: []step{write(0, []byte("a")), falloc(FallocKeepSize, 0, 4*bs), trunc(1)},
			size: 1, blocks: 1, data: []byte("a")},
		{name: "fallocate-then-write", steps: []step{falloc(0, 0, 2*bs), write(bs, []byte("z"))}, size: 2 * bs, blocks: 2,
			data: image(2*bs, run{bs, 1, 'z'}), seeks: []seekCase{sd(0, bs), sh(0, 0), sh(bs, 2*bs)}},
		{name: "fallocate-keeps-data", steps: []step{write(0, fill(bs, 'a')), falloc(0, 0, 2*bs)}, size: 2 * bs, blocks: 2,
			data: image(2*bs, run{0, bs, 'a'}), seeks: []seekCase{sd(0, 0), sh(0, bs)}},
		{name: "punch-hole",
			steps: []step{write(0, fill(4*bs, 'a')), falloc(FallocPunchHole|FallocKeepSize, bs/2, 2*bs)},
			size:  4 * bs, blocks: 3, data: image(4*bs, run{0, bs / 2, 'a'}, run{2*bs + bs/2, bs + bs/2, 'a'}),
			seeks: []seekCase{sd(0, 0), sh(0, bs), sd(bs, 2*bs), sh(2*bs, 4*bs)}},
		{name: "punch-past-eof", steps: []step{write(0, fill(bs, 'a')), falloc(FallocPunchHole|FallocKeepSize, 0, 10*bs)},
			size: bs, blocks: 0, data: image(bs), seeks: []seekCase{sdErr(0, ENXIO), sh(0, 0)}},
		{name: "punch-inside-block", steps: []step{write(0, fill(bs, 'a')), falloc(FallocPunchHole|FallocKeepSize, 10, 10)},
			size: bs, blocks: 1, data: image(bs, run{0, 10, 'a'}, run{20, bs - 20, 'a'})},
		{name: "zero-range",
			steps: []step{write(0, fill(3*bs, 'a')), falloc(FallocZeroRange, bs/2, 2*bs)},
			size:  3 * bs, blocks: 3, data: image(3*bs, run{0, bs / 2, 'a'}, run{2*bs + bs/2, bs / 2, 'a'}),
			seeks: []seekCase{sd(0, 0), sh(0, bs), sd(bs, 2*bs)}},
		{name: "zero-range-extends", steps: []step{falloc(FallocZeroRange, 0, bs+10)}, size: bs + 10, blocks: 1,
			data: image(bs + 10), seeks: []seekCase{sdErr(0, ENXIO)}},
		{name: "zero-range-keep-size", steps: []step{write(0, fill(10, 'a')), falloc(FallocZeroRange|FallocKeepSize, 5, 3*bs)},
			size: 10, blocks: 3, data: image(10, run{0, 5, 'a'})},
		{name: "fallocate-errors", steps: []step{
			fails(falloc(0, 0, 0), EINVAL),
			fails(falloc(0, -1, 10), EINVAL),
			fails(falloc(FallocPunchHole, 0, 10), EOPNOTSUPP),
			fails(falloc(FallocPunchHole|FallocZeroRange|FallocKeepSize, 0, 10), EOPNOTSUPP),
			fails(falloc(0x40, 0, 10), EOPNOTSUPP),
			fails(falloc(0, MaxFileSize, 10), EFBIG),
		}, data: []byte{}},
		{name: "write-errors", steps: []step{
			fails(write(-1, []byte("a")), EINVAL),
			fails(write(MaxFileSize, []byte("a")), EFBIG),
			fails(trunc(-1), EINVAL),
			fails(trunc(MaxFileSize+1), EFBIG),
			{do: func(fs *FS, f *File) error { _, err := fs.Read(f, -1, 1); return err }, want: EINVAL},
			{do: func(fs *FS, f *File) error { _, err := fs.Read(f, 0, -1); return err }, want: EINVAL},
		}, data: []byte{}},
		// The world holds 6 blocks; 3 are left.
		{name: "write-enospc-all-or-nothing", opts: Options{Blocks: worldBlocks + 3}, steps: []step{
			write(0, fill(2*bs, 'a')),
			fails(write(bs, fill(3*bs, 'b')), ENOSPC),
			write(bs, fill(2*bs, 'c')),
			fails(write(3*bs, []byte("d")), ENOSPC),
			write(0, fill(3*bs, 'e')),
		}, size: 3 * bs, blocks: 3, data: fill(3*bs, 'e')},
		{name: "fallocate-enospc", opts: Options{Blocks: worldBlocks + 3}, steps: []step{
			fails(falloc(0, 0, 4*bs), ENOSPC),
			falloc(FallocZeroRange, 10, 3*bs),
			fails(falloc(0, 0, 4*bs), ENOSPC),
			falloc(FallocPunchHole|FallocKeepSize, 0, 100*bs),
		}, size: 3*bs + 10, blocks: 0, data: image(3*bs + 10)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.opts)
			f, err := w.fs.Create(RootIno, "t", 0o600)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range c.steps {
				if err := s.do(w.fs, f); err != s.want {
					t.Fatalf("step %d: %v, want %v", i, err, s.want)
				}
				w.fsck()
			}
			st, _ := w.fs.Stat(f.Ino())
			if st.Size != c.size || st.Blocks != c.blocks*bs/512 {
				t.Errorf("size %d, i_blocks %d; want %d, %d", st.Size, st.Blocks, c.size, c.blocks*bs/512)
			}
			got, err := w.fs.Read(f, 0, int(c.size)+100)
			if err != nil || !bytes.Equal(got, c.data) {
				t.Errorf("read = %q (%v), want %q", short(got), err, short(c.data))
			}
			for _, q := range c.seeks {
				var off int64
				if q.data {
					off, err = w.fs.SeekData(f, q.off)
				} else {
					off, err = w.fs.SeekHole(f, q.off)
				}
				if off != q.want || err != q.err {
					t.Errorf("seek data=%v %d = %d, %v; want %d, %v", q.data, q.off, off, err, q.want, q.err)
				}
			}
		})
	}
}

func short(b []byte) []byte {
	if len(b) > 64 {
		return append(b[:32:32], b[len(b)-32:]...)
	}
	return b
}

func TestReadWindow(t *testing.T) {
	w := newWorld(t, Options{})
	f := w.open("/f") // "hello"
	defer w.fs.Close(f)
	cases := []struct {
		off  int64
		n    int
		want string
	}{{0, 5, "hello"}, {0, 100, "hello"}, {1, 3, "ell"}, {4, 10, "o"}, {5, 1, ""}, {100, 1, ""}, {0, 0, ""}}
	for _, c := range cases {
		got, err := w.fs.Read(f, c.off, c.n)
		if err != nil || string(got) != c.want {
			t.Errorf("read(%d, %d) = %q, %v; want %q", c.off, c.n, got, err, c.want)
		}
	}
}

func TestFileHandles(t *testing.T) {
	w := newWorld(t, Options{})
	if _, err := w.fs.Open(w.ino["/d"]); err != EISDIR {
		t.Errorf("open of a directory: %v, want EISDIR", err)
	}
	if err := w.fs.Truncate(w.ino["/d"], 0); err != EISDIR {
		t.Errorf("truncate of a directory: %v, want EISDIR", err)
	}
	if _, err := w.fs.Open(999); err != ESTALE {
		t.Errorf("open of a missing inode: %v, want ESTALE", err)
	}
	f := w.open("/f")
	g := w.open("/f")
	if w.fs.OpenFiles() != 2 {
		t.Errorf("OpenFiles = %d, want 2", w.fs.OpenFiles())
	}
	w.fs.Unlink(RootIno, "f")
	if err := w.fs.Close(f); err != nil {
		t.Fatal(err)
	}
	if _, err := w.fs.Stat(g.Ino()); err != nil {
		t.Errorf("orphan freed while still open: %v", err)
	}
	if _, err := w.fs.Read(f, 0, 1); err != EBADF {
		t.Errorf("read of a closed file: %v, want EBADF", err)
	}
	if err := w.fs.Close(f); err != EBADF {
		t.Errorf("second close: %v, want EBADF", err)
	}
	other := New(Options{})
	if _, err := other.Read(g, 0, 1); err != EBADF {
		t.Errorf("file of another filesystem: %v, want EBADF", err)
	}
	for name, call := range map[string]func() error{
		"write":     func() error { _, err := w.fs.Write(f, 0, []byte("a")); return err },
		"fallocate": func() error { return w.fs.Fallocate(f, 0, 0, 1) },
		"seek-data": func() error { _, err := w.fs.SeekData(f, 0); return err },
		"seek-hole": func() error { _, err := w.fs.SeekHole(f, 0); return err },
	} {
		if err := call(); err != EBADF {
			t.Errorf("%s on a closed file: %v, want EBADF", name, err)
		}
	}
	w.fs.Close(g)
	if _, err := w.fs.Stat(g.Ino()); err != ESTALE || w.fs.OpenFiles() != 0 {
		t.Errorf("orphan after last close: %v, %d open", err, w.fs.OpenFiles())
	}
	w.fsck()
}
