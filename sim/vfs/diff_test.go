//go:build linux

package vfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	"pgregory.net/rapid"
)

// The differential test runs the same random operations on a FS and on a
// real directory of the host (under t.TempDir()) and compares what a
// caller can observe:
//
//   - every error, as an errno number (the vfs returns the kernel's errors
//     in the kernel's order of checks, so they must match one for one);
//   - bytes read, sizes and link counts (fstat), file types, the names in
//     every directory, and the user.* xattrs (names, values, ERANGE on a
//     short buffer, create/replace flags);
//   - after every step, the whole tree: names, types, sizes, contents,
//     link counts (of directories too, when the host counts them the
//     Unix way) and xattrs.
//
// What it does not compare, and why:
//
//   - block counts (st_blocks, statfs): the host allocates metadata,
//     preallocates and delays allocation as it likes;
//   - SEEK_DATA/SEEK_HOLE offsets, unless the host's answers are exact at
//     block granularity (probed: a file written at blocks 0 and 2 must
//     report the hole at block 1 exactly) and its block size is the one
//     the vfs uses; and never on a file that was given unwritten blocks
//     (fallocate, zero-range): ext4 reports an unwritten block as a hole
//     until something (a read, the tree comparison) puts its zeroed page
//     in the page cache, and as data afterwards, so the host's answer
//     there depends on its cache (tmpfs always says data). The vfs says
//     hole, the on-disk truth that O_DIRECT users like cachefiles see.
//     Only the ENXIO answer at or past EOF is compared then;
//   - permissions (the host applies the umask), inode numbers, the in-use
//     mark (the host has none), ENOSPC and faults (the host has space);
//   - xattrs of other namespaces (a host may add security.* labels).
//
// An operation the host lacks (probed first: user xattrs, O_TMPFILE,
// punch-hole, zero-range) is left out of the run, with a t.Log saying so;
// the rest still runs.

// hostFeatures is what the probe found the host filesystem can do.
type hostFeatures struct {
	fsType    string
	bsize     int64
	xattr     bool // user.* xattrs
	tmpfile   bool // O_TMPFILE and linkat through /proc/self/fd
	punch     bool // FALLOC_FL_PUNCH_HOLE
	zero      bool // FALLOC_FL_ZERO_RANGE
	seekExact bool // SEEK_DATA/SEEK_HOLE exact at block granularity
	dirNlink  bool // a directory's nlink is 2 + its subdirectories
}

var fsMagic = map[int64]string{0xEF53: "ext2/3/4", 0x01021994: "tmpfs", 0x58465342: "xfs",
	0x9123683E: "btrfs", 0x794c7630: "overlayfs", 0x6969: "nfs", 0x65735546: "fuse"}

func probeHost(t *testing.T, dir string) hostFeatures {
	var h hostFeatures
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatalf("statfs %s: %v", dir, err)
	}
	h.fsType = fsMagic[int64(st.Type)]
	if h.fsType == "" {
		h.fsType = fmt.Sprintf("magic %#x", st.Type)
	}
	h.bsize = int64(st.Bsize)
	tmp := func(name string) (string, int) {
		p := filepath.Join(dir, name)
		fd, err := unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
		if err != nil {
			t.Fatalf("probe create: %v", err)
		}
		return p, fd
	}
	p, fd := tmp("probe-xattr")
	h.xattr = unix.Setxattr(p, "user.probe", []byte("v"), 0) == nil
	unix.Close(fd)

	if fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR, 0o600); err == nil {
		h.tmpfile = unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), unix.AT_FDCWD,
			filepath.Join(dir, "probe-tmpfile"), unix.AT_SYMLINK_FOLLOW) == nil
		unix.Close(fd)
	}

	bs := h.bsize
	_, fd = tmp("probe-punch")
	unix.Pwrite(fd, make([]byte, 2*bs), 0)
	h.punch = unix.Fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, bs) == nil
	h.zero = unix.Fallocate(fd, unix.FALLOC_FL_ZERO_RANGE, 0, bs) == nil
	unix.Close(fd)

	_, fd = tmp("probe-seek")
	unix.Pwrite(fd, bytes.Repeat([]byte{1}, int(bs)), 0)
	unix.Pwrite(fd, bytes.Repeat([]byte{1}, int(bs)), 2*bs)
	hole, err1 := unix.Seek(fd, 0, unix.SEEK_HOLE)
	data, err2 := unix.Seek(fd, bs, unix.SEEK_DATA)
	h.seekExact = err1 == nil && err2 == nil && hole == bs && data == 2*bs && bs >= 512 && bs <= 65536 && bs&(bs-1) == 0
	unix.Close(fd)

	os.MkdirAll(filepath.Join(dir, "probe-dir", "sub"), 0o755)
	var sst unix.Stat_t
	h.dirNlink = unix.Stat(filepath.Join(dir, "probe-dir"), &sst) == nil && sst.Nlink == 3
	return h
}

// diffFile is one open file on both sides.
type diffFile struct {
	fd int
	f  *File
}

type diffMachine struct {
	fs    *FS
	root  string
	h     hostFeatures
	files []diffFile
	// noSeek marks the inodes whose SEEK answers are not comparable.
	noSeek map[Ino]bool
}

var diffNames = []string{"a", "b", "c"}

func errnoOf(err error) int {
	if err == nil {
		return 0
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	if e, ok := err.(Errno); ok {
		return int(e)
	}
	return -1
}

func errName(n int) string {
	if n == 0 {
		return "ok"
	}
	return fmt.Sprintf("%v(%d)", unix.Errno(n), n)
}

// diffCounts counts the compared calls by operation and outcome
// ("rename ENOTEMPTY"), to show in the log what the run exercised.
var diffCounts = map[string]int{}

// same fails the run if the two sides disagree on the error, and reports
// whether both succeeded.
func same(t *rapid.T, what string, ours, host error) bool {
	o, h := errnoOf(ours), errnoOf(host)
	if o != h {
		t.Fatalf("%s: vfs %s (%v), host %s (%v)", what, errName(o), ours, errName(h), host)
	}
	op, _, _ := strings.Cut(what, " ")
	outcome := "ok"
	if ours != nil {
		outcome = ours.Error()
	}
	diffCounts[op+" "+outcome]++
	return o == 0
}

func (m *diffMachine) host(p string) string { return filepath.Join(m.root, p) }

// parent resolves all but the last component of p on the vfs side, as a
// path walk does.
func (m *diffMachine) parent(p string) (Ino, string, error) {
	comps := strings.Split(p, "/")
	dir := RootIno
	for _, c := range comps[:len(comps)-1] {
		ino, err := m.fs.Lookup(dir, c)
		if err != nil {
			return 0, "", err
		}
		dir = ino
	}
	// A path walk needs every component before the last to be a
	// directory, the last one of those included.
	if st, err := m.fs.Stat(dir); err != nil || !st.IsDir() {
		return 0, "", ENOTDIR
	}
	return dir, comps[len(comps)-1], nil
}

func (m *diffMachine) resolve(p string) (Ino, error) {
	dir, name, err := m.parent(p)
	if err != nil {
		return 0, err
	}
	return m.fs.Lookup(dir, name)
}

// paths lists every path in the vfs tree.
func (m *diffMachine) paths() []string {
	var out []string
	var walk func(dir Ino, prefix string)
	walk = func(dir Ino, prefix string) {
		ents, _ := m.fs.Readdir(dir)
		for _, e := range ents {
			out = append(out, prefix+e.Name)
			if e.Dir {
				walk(e.Ino, prefix+e.Name+"/")
			}
		}
	}
	walk(RootIno, "")
	return out
}

// path draws a path: mostly an existing one or a new name in an existing
// directory, sometimes any path of up to three names (to reach the
// ENOENT and ENOTDIR of the path walk).
func (m *diffMachine) path(t *rapid.T, label string) string {
	all := m.paths()
	var dirs []string
	for _, p := range all {
		if st, err := m.fs.Stat(m.mustResolve(t, p)); err == nil && st.IsDir() {
			dirs = append(dirs, p)
		}
	}
	name := func() string { return rapid.SampledFrom(diffNames).Draw(t, label+"-name") }
	switch k := rapid.IntRange(0, 9).Draw(t, label+"-kind"); {
	case k < 5 && len(all) > 0:
		return rapid.SampledFrom(all).Draw(t, label)
	case k < 8 && len(dirs) > 0:
		return rapid.SampledFrom(dirs).Draw(t, label) + "/" + name()
	case k < 8:
		return name()
	}
	n := rapid.IntRange(1, 3).Draw(t, label+"-depth")
	comps := make([]string, n)
	for i := range comps {
		comps[i] = name()
	}
	return strings.Join(comps, "/")
}

func (m *diffMachine) mustResolve(t *rapid.T, p string) Ino {
	ino, err := m.resolve(p)
	if err != nil {
		t.Fatalf("resolve %s: %v", p, err)
	}
	return ino
}

func (m *diffMachine) file(t *rapid.T) (int, diffFile) {
	if len(m.files) == 0 {
		t.Skip("no open file")
	}
	i := rapid.IntRange(0, len(m.files)-1).Draw(t, "file")
	return i, m.files[i]
}

func (m *diffMachine) addFile(t *rapid.T, what string, f *File, ours error, fd int, host error) {
	if same(t, what, ours, host) {
		m.files = append(m.files, diffFile{fd: fd, f: f})
	}
}

func (m *diffMachine) offset(t *rapid.T, label string) int64 {
	bs := m.fs.BlockSize()
	// Block-aligned offsets half the time, to hit whole-block cases.
	if rapid.Bool().Draw(t, label+"-aligned") {
		return rapid.Int64Range(0, 4).Draw(t, label) * bs
	}
	return rapid.Int64Range(0, 4*bs+100).Draw(t, label)
}

func (m *diffMachine) xattrName(t *rapid.T) string {
	return "user." + rapid.SampledFrom(diffNames).Draw(t, "xattr")
}

func (m *diffMachine) actions() map[string]func(*rapid.T) {
	acts := map[string]func(*rapid.T){
		"mkdir": func(t *rapid.T) {
			p := m.path(t, "path")
			dir, name, err := m.parent(p)
			if err == nil {
				_, err = m.fs.Mkdir(dir, name, 0o755)
			}
			same(t, "mkdir "+p, err, unix.Mkdir(m.host(p), 0o755))
		},
		"create": func(t *rapid.T) {
			p := m.path(t, "path")
			dir, name, err := m.parent(p)
			var f *File
			if err == nil {
				f, err = m.fs.Create(dir, name, 0o644)
			}
			fd, herr := unix.Open(m.host(p), unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o644)
			m.addFile(t, "create "+p, f, err, fd, herr)
		},
		"open": func(t *rapid.T) {
			p := m.path(t, "path")
			ino, err := m.resolve(p)
			var f *File
			if err == nil {
				f, err = m.fs.Open(ino)
			}
			fd, herr := unix.Open(m.host(p), unix.O_RDWR, 0)
			m.addFile(t, "open "+p, f, err, fd, herr)
		},
		"close": func(t *rapid.T) {
			i, df := m.file(t)
			same(t, "close", m.fs.Close(df.f), unix.Close(df.fd))
			m.files = slices.Delete(m.files, i, i+1)
		},
		"unlink": func(t *rapid.T) {
			p := m.path(t, "path")
			dir, name, err := m.parent(p)
			if err == nil {
				err = m.fs.Unlink(dir, name)
			}
			same(t, "unlink "+p, err, unix.Unlink(m.host(p)))
		},
		"rmdir": func(t *rapid.T) {
			p := m.path(t, "path")
			dir, name, err := m.parent(p)
			if err == nil {
				err = m.fs.Rmdir(dir, name)
			}
			same(t, "rmdir "+p, err, unix.Rmdir(m.host(p)))
		},
		"rename": func(t *rapid.T) {
			from, to := m.path(t, "from"), m.path(t, "to")
			od, on, err := m.parent(from)
			var nd Ino
			var nn string
			if err == nil {
				nd, nn, err = m.parent(to)
			}
			if err == nil {
				err = m.fs.Rename(od, on, nd, nn)
			}
			same(t, "rename "+from+" "+to, err, unix.Rename(m.host(from), m.host(to)))
		},
		"pwrite": func(t *rapid.T) {
			_, df := m.file(t)
			off := m.offset(t, "off")
			n := rapid.IntRange(1, int(2*m.fs.BlockSize())).Draw(t, "n")
			data := bytes.Repeat([]byte{byte(rapid.IntRange('a', 'z').Draw(t, "c"))}, n)
			got, err := m.fs.Write(df.f, off, data)
			hgot, herr := unix.Pwrite(df.fd, data, off)
			if same(t, fmt.Sprintf("pwrite %d+%d", off, n), err, herr) && got != hgot {
				t.Fatalf("pwrite wrote %d, host %d", got, hgot)
			}
		},
		"pread": func(t *rapid.T) {
			_, df := m.file(t)
			off := m.offset(t, "off")
			n := rapid.IntRange(0, int(2*m.fs.BlockSize())).Draw(t, "n")
			got, err := m.fs.Read(df.f, off, n)
			buf := make([]byte, n)
			hn, herr := unix.Pread(df.fd, buf, off)
			if same(t, fmt.Sprintf("pread %d+%d", off, n), err, herr) && !bytes.Equal(got, buf[:hn]) {
				t.Fatalf("pread %d+%d: vfs %q, host %q", off, n, short(got), short(buf[:hn]))
			}
		},
		"truncate": func(t *rapid.T) {
			p := m.path(t, "path")
			size := m.offset(t, "size")
			ino, err := m.resolve(p)
			if err == nil {
				err = m.fs.Truncate(ino, size)
			}
			same(t, fmt.Sprintf("truncate %s %d", p, size), err, unix.Truncate(m.host(p), size))
		},
		"ftruncate": func(t *rapid.T) {
			_, df := m.file(t)
			size := m.offset(t, "size")
			same(t, fmt.Sprintf("ftruncate %d", size), m.fs.Truncate(df.f.Ino(), size), unix.Ftruncate(df.fd, size))
		},
		"fstat": func(t *rapid.T) {
			_, df := m.file(t)
			st, err := m.fs.Stat(df.f.Ino())
			var hst unix.Stat_t
			if same(t, "fstat", err, unix.Fstat(df.fd, &hst)) && (st.Size != hst.Size || st.Nlink != uint32(hst.Nlink)) {
				t.Fatalf("fstat: vfs size %d nlink %d, host size %d nlink %d", st.Size, st.Nlink, hst.Size, hst.Nlink)
			}
		},
		"fallocate": func(t *rapid.T) {
			_, df := m.file(t)
			modes := []FallocMode{0, FallocKeepSize, FallocPunchHole, 0x40}
			if m.h.punch {
				modes = append(modes, FallocPunchHole|FallocKeepSize)
			}
			if m.h.zero {
				modes = append(modes, FallocZeroRange, FallocZeroRange|FallocKeepSize)
			}
			mode := rapid.SampledFrom(modes).Draw(t, "mode")
			off := m.offset(t, "off")
			n := m.offset(t, "len")
			err := m.fs.Fallocate(df.f, mode, off, n)
			herr := unix.Fallocate(df.fd, uint32(mode), off, n)
			if same(t, fmt.Sprintf("fallocate %#x %d+%d", mode, off, n), err, herr) && mode&FallocPunchHole == 0 {
				m.noSeek[df.f.Ino()] = true
			}
		},
		"seek": func(t *rapid.T) {
			_, df := m.file(t)
			data := rapid.Bool().Draw(t, "data")
			st, _ := m.fs.Stat(df.f.Ino())
			off := rapid.Int64Range(0, st.Size+10).Draw(t, "off")
			if (!m.h.seekExact || m.noSeek[df.f.Ino()]) && off < st.Size {
				return
			}
			var got int64
			var err error
			whence := unix.SEEK_HOLE
			if data {
				got, err = m.fs.SeekData(df.f, off)
				whence = unix.SEEK_DATA
			} else {
				got, err = m.fs.SeekHole(df.f, off)
			}
			hgot, herr := unix.Seek(df.fd, off, whence)
			if errnoOf(err) != errnoOf(herr) || (err == nil && got != hgot) {
				// ext4 answers SEEK_DATA/SEEK_HOLE for blocks still in
				// delayed allocation from its page cache, and writeback
				// running meanwhile can change the answer (seen once in
				// many runs: vfs data, host ENXIO). Ask again once the
				// file is on disk; the vfs models the on-disk answer.
				if ferr := unix.Fsync(df.fd); ferr != nil {
					t.Fatalf("fsync: %v", ferr)
				}
				hgot, herr = unix.Seek(df.fd, off, whence)
			}
			if same(t, fmt.Sprintf("seek data=%v %d", data, off), err, herr) && got != hgot {
				t.Fatalf("seek data=%v %d (size %d): vfs %d, host %d", data, off, st.Size, got, hgot)
			}
		},
	}
	if m.h.tmpfile {
		acts["tmpfile"] = func(t *rapid.T) {
			p := m.path(t, "dir")
			ino, err := m.resolve(p)
			var f *File
			if err == nil {
				f, err = m.fs.Tmpfile(ino, 0o600)
			}
			fd, herr := unix.Open(m.host(p), unix.O_TMPFILE|unix.O_RDWR, 0o600)
			m.addFile(t, "tmpfile "+p, f, err, fd, herr)
		}
		acts["linkat"] = func(t *rapid.T) {
			_, df := m.file(t)
			p := m.path(t, "path")
			dir, name, err := m.parent(p)
			if err == nil {
				err = m.fs.Link(df.f.Ino(), dir, name)
			}
			herr := unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", df.fd), unix.AT_FDCWD, m.host(p), unix.AT_SYMLINK_FOLLOW)
			same(t, "linkat "+p, err, herr)
		}
	}
	if m.h.xattr {
		// Xattrs by path and, as cachefiles sets them on its open
		// (possibly unlinked) files, by file.
		target := func(t *rapid.T) (Ino, error, string, *diffFile) {
			if len(m.files) > 0 && rapid.Bool().Draw(t, "by-file") {
				_, df := m.file(t)
				return df.f.Ino(), nil, "", &df
			}
			p := m.path(t, "path")
			ino, err := m.resolve(p)
			return ino, err, p, nil
		}
		acts["setxattr"] = func(t *rapid.T) {
			ino, err, p, df := target(t)
			name := m.xattrName(t)
			value := []byte(rapid.StringN(0, 16, -1).Draw(t, "value"))
			flags := rapid.SampledFrom([]XattrFlags{0, XattrCreate, XattrReplace}).Draw(t, "flags")
			if err == nil {
				err = m.fs.Setxattr(ino, name, value, flags)
			}
			var herr error
			if df != nil {
				herr = unix.Fsetxattr(df.fd, name, value, int(flags))
			} else {
				herr = unix.Setxattr(m.host(p), name, value, int(flags))
			}
			same(t, fmt.Sprintf("setxattr %s %s %d", p, name, flags), err, herr)
		}
		acts["getxattr"] = func(t *rapid.T) {
			ino, err, p, df := target(t)
			name := m.xattrName(t)
			size := rapid.IntRange(0, 20).Draw(t, "size")
			var got []byte
			if err == nil {
				got, err = m.fs.Getxattr(ino, name, size)
			}
			buf := make([]byte, size)
			if size == 0 {
				buf = make([]byte, XattrSizeMax)
			}
			var hn int
			var herr error
			if df != nil {
				hn, herr = unix.Fgetxattr(df.fd, name, buf)
			} else {
				hn, herr = unix.Getxattr(m.host(p), name, buf)
			}
			if same(t, fmt.Sprintf("getxattr %s %s %d", p, name, size), err, herr) && !bytes.Equal(got, buf[:hn]) {
				t.Fatalf("getxattr %s %s: vfs %q, host %q", p, name, got, buf[:hn])
			}
		}
		acts["removexattr"] = func(t *rapid.T) {
			ino, err, p, df := target(t)
			name := m.xattrName(t)
			if err == nil {
				err = m.fs.Removexattr(ino, name)
			}
			var herr error
			if df != nil {
				herr = unix.Fremovexattr(df.fd, name)
			} else {
				herr = unix.Removexattr(m.host(p), name)
			}
			same(t, fmt.Sprintf("removexattr %s %s", p, name), err, herr)
		}
		acts["listxattr"] = func(t *rapid.T) {
			ino, err, p, df := target(t)
			var got []string
			if err == nil {
				got, err = m.fs.Listxattr(ino)
			}
			var hgot []string
			var herr error
			if df != nil {
				hgot, herr = hostXattrs(func(b []byte) (int, error) { return unix.Flistxattr(df.fd, b) })
			} else {
				hgot, herr = hostXattrs(func(b []byte) (int, error) { return unix.Listxattr(m.host(p), b) })
			}
			if same(t, "listxattr "+p, err, herr) && !slices.Equal(got, hgot) {
				t.Fatalf("listxattr %s: vfs %q, host %q", p, got, hgot)
			}
		}
	}
	return acts
}

// hostXattrs lists the user.* xattr names, sorted.
func hostXattrs(list func([]byte) (int, error)) ([]string, error) {
	buf := make([]byte, 64<<10)
	n, err := list(buf)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if strings.HasPrefix(name, "user.") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// compareTrees walks both trees and fails on the first difference.
func (m *diffMachine) compareTrees(t *rapid.T) {
	var walk func(dir Ino, rel string)
	walk = func(dir Ino, rel string) {
		ents, err := m.fs.Readdir(dir)
		if err != nil {
			t.Fatalf("readdir %q: %v", rel, err)
		}
		hents, err := os.ReadDir(m.host(rel))
		if err != nil {
			t.Fatalf("host readdir %q: %v", rel, err)
		}
		var names, hnames []string
		for _, e := range ents {
			names = append(names, e.Name)
		}
		for _, e := range hents {
			hnames = append(hnames, e.Name())
		}
		if !slices.Equal(names, hnames) {
			t.Fatalf("directory %q: vfs %q, host %q", rel, names, hnames)
		}
		for i, e := range ents {
			p := filepath.Join(rel, e.Name)
			if e.Dir != hents[i].IsDir() {
				t.Fatalf("%s: vfs dir=%v, host dir=%v", p, e.Dir, hents[i].IsDir())
			}
			m.compareInode(t, e.Ino, p)
			if e.Dir {
				walk(e.Ino, p)
			}
		}
	}
	m.compareInode(t, RootIno, "")
	walk(RootIno, "")
}

// compareInode compares what both filesystems agree on. Timestamps
// (atime, mtime, ctime) are left out: the vfs runs on the virtual clock,
// the host on the wall clock, and the host's mount options decide its
// atime rule; times_test.go checks the vfs's rules instead.
func (m *diffMachine) compareInode(t *rapid.T, ino Ino, p string) {
	st, err := m.fs.Stat(ino)
	if err != nil {
		t.Fatalf("stat %q: %v", p, err)
	}
	var hst unix.Stat_t
	if err := unix.Lstat(m.host(p), &hst); err != nil {
		t.Fatalf("host stat %q: %v", p, err)
	}
	if !st.IsDir() || m.h.dirNlink {
		if st.Nlink != uint32(hst.Nlink) {
			t.Fatalf("%q: vfs nlink %d, host %d", p, st.Nlink, hst.Nlink)
		}
	}
	if !st.IsDir() {
		f, err := m.fs.Open(ino)
		if err != nil {
			t.Fatalf("open %q: %v", p, err)
		}
		data, _ := m.fs.Read(f, 0, int(st.Size)+1)
		m.fs.Close(f)
		hdata, err := os.ReadFile(m.host(p))
		if err != nil {
			t.Fatalf("host read %q: %v", p, err)
		}
		if st.Size != hst.Size || !bytes.Equal(data, hdata) {
			t.Fatalf("%q: vfs size %d %q, host size %d %q", p, st.Size, short(data), hst.Size, short(hdata))
		}
	}
	if m.h.xattr {
		names, _ := m.fs.Listxattr(ino)
		hnames, err := hostXattrs(func(b []byte) (int, error) { return unix.Llistxattr(m.host(p), b) })
		if err != nil || !slices.Equal(names, hnames) {
			t.Fatalf("%q xattrs: vfs %q, host %q (%v)", p, names, hnames, err)
		}
		for _, n := range names {
			v, _ := m.fs.Getxattr(ino, n, 0)
			buf := make([]byte, XattrSizeMax)
			hn, err := unix.Lgetxattr(m.host(p), n, buf)
			if err != nil || !bytes.Equal(v, buf[:hn]) {
				t.Fatalf("%q xattr %s: vfs %q, host %q (%v)", p, n, v, buf[:hn], err)
			}
		}
	}
}

func TestDifferential(t *testing.T) {
	base := t.TempDir()
	probeDir := filepath.Join(base, "probe")
	if err := os.Mkdir(probeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := probeHost(t, probeDir)
	t.Logf("host filesystem of %s: %s, block size %d", base, h.fsType, h.bsize)
	for _, f := range []struct {
		ok   bool
		what string
	}{
		{h.xattr, "user.* xattrs: setxattr/getxattr/removexattr/listxattr"},
		{h.tmpfile, "O_TMPFILE + linkat(/proc/self/fd/N, AT_SYMLINK_FOLLOW): tmpfile/linkat"},
		{h.punch, "FALLOC_FL_PUNCH_HOLE"},
		{h.zero, "FALLOC_FL_ZERO_RANGE"},
	} {
		if f.ok {
			t.Logf("host has %s", f.what)
		} else {
			t.Logf("host lacks %s: not run", f.what)
		}
	}
	if h.seekExact {
		t.Logf("host SEEK_DATA/SEEK_HOLE exact: offsets compared, except on fallocated files")
	} else {
		t.Logf("host SEEK_DATA/SEEK_HOLE not exact at block granularity: only ENXIO at EOF compared")
	}
	if !h.dirNlink {
		t.Logf("host does not count directory links as 2+subdirs: directory nlink not compared")
	}
	bsize := h.bsize
	if bsize < 512 || bsize > 65536 || bsize&(bsize-1) != 0 {
		bsize = 4096
	}
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		root := filepath.Join(base, fmt.Sprint("run", run))
		if err := os.Mkdir(root, 0o755); err != nil {
			rt.Fatal(err)
		}
		m := &diffMachine{fs: New(Options{BlockSize: bsize}), root: root, h: h, noSeek: map[Ino]bool{}}
		defer func() {
			for _, df := range m.files {
				unix.Close(df.fd)
			}
			os.RemoveAll(root)
		}()
		acts := m.actions()
		acts[""] = func(t *rapid.T) {
			m.compareTrees(t)
			if err := m.fs.Fsck(); err != nil {
				t.Fatalf("fsck: %v", err)
			}
		}
		// Several rounds: longer histories than one Repeat's ~30 steps.
		for range 4 {
			rt.Repeat(acts)
		}
	})
	var b strings.Builder
	for _, k := range sortedKeys(diffCounts) {
		fmt.Fprintf(&b, " %s:%d", k, diffCounts[k])
	}
	t.Logf("calls compared:%s", b.String())
}
