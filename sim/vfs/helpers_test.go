package vfs

import (
	"fmt"
	"strings"
	"testing"
)

// world is a small filesystem for table tests:
//
//	/d/sub/        directories
//	/d/g           file "gg"
//	/e/            empty directory
//	/f             file "hello"
//
// with the inode numbers kept by path.
type world struct {
	t   testing.TB
	fs  *FS
	ino map[string]Ino
}

func newWorld(t testing.TB, opts Options) *world {
	w := &world{t: t, fs: New(opts), ino: map[string]Ino{"/": RootIno}}
	w.mkdir("/d")
	w.mkdir("/d/sub")
	w.mkdir("/e")
	w.create("/f", "hello")
	w.create("/d/g", "gg")
	return w
}

func splitPath(p string) (string, string) {
	i := strings.LastIndexByte(p, '/')
	dir := p[:i]
	if dir == "" {
		dir = "/"
	}
	return dir, p[i+1:]
}

func (w *world) mkdir(p string) Ino {
	w.t.Helper()
	dir, name := splitPath(p)
	ino, err := w.fs.Mkdir(w.ino[dir], name, 0o755)
	if err != nil {
		w.t.Fatalf("mkdir %s: %v", p, err)
	}
	w.ino[p] = ino
	return ino
}

func (w *world) create(p, data string) Ino {
	w.t.Helper()
	dir, name := splitPath(p)
	f, err := w.fs.Create(w.ino[dir], name, 0o644)
	if err != nil {
		w.t.Fatalf("create %s: %v", p, err)
	}
	if _, err := w.fs.Write(f, 0, []byte(data)); err != nil {
		w.t.Fatalf("write %s: %v", p, err)
	}
	w.fs.Close(f)
	w.ino[p] = f.Ino()
	return f.Ino()
}

func (w *world) open(p string) *File {
	w.t.Helper()
	f, err := w.fs.Open(w.ino[p])
	if err != nil {
		w.t.Fatalf("open %s: %v", p, err)
	}
	return f
}

// lookup resolves an absolute path through Lookup.
func (w *world) lookup(p string) (Ino, error) {
	ino := RootIno
	for _, c := range strings.Split(strings.Trim(p, "/"), "/") {
		if c == "" {
			continue
		}
		var err error
		if ino, err = w.fs.Lookup(ino, c); err != nil {
			return 0, err
		}
	}
	return ino, nil
}

func (w *world) stat(p string) Stat {
	w.t.Helper()
	st, err := w.fs.Stat(w.ino[p])
	if err != nil {
		w.t.Fatalf("stat %s: %v", p, err)
	}
	return st
}

func (w *world) fsck() {
	w.t.Helper()
	if err := w.fs.Fsck(); err != nil {
		w.t.Fatalf("fsck: %v", err)
	}
}

// dump renders everything reachable from the root, through the public API,
// in a canonical order: one line per entry with its inode, type, links,
// size, contents and xattrs, then the space and inode counts. Unlinked
// inodes are not reachable and do not appear, so the dump of a live tree
// is also what a crash at that moment would leave, except for the counts
// ("used" here counts the reachable inodes only).
func dump(fs *FS) string {
	var b strings.Builder
	var blocks, inodes int64
	seen := map[Ino]bool{}
	var walk func(dir Ino, path string)
	walk = func(dir Ino, path string) {
		ents, err := fs.Readdir(dir)
		if err != nil {
			fmt.Fprintf(&b, "%s: readdir %v\n", path, err)
			return
		}
		for _, e := range ents {
			p := path + "/" + e.Name
			st, _ := fs.Stat(e.Ino)
			if !seen[e.Ino] {
				seen[e.Ino] = true
				blocks += st.Blocks
				inodes++
			}
			fmt.Fprintf(&b, "%s ino=%d mode=%o nlink=%d", p, e.Ino, st.Mode, st.Nlink)
			if !e.Dir {
				f, err := fs.Open(e.Ino)
				if err != nil {
					fmt.Fprintf(&b, " open %v", err)
				} else {
					data, _ := fs.Read(f, 0, int(st.Size)+1)
					fmt.Fprintf(&b, " size=%d blocks=%d data=%q", st.Size, st.Blocks, data)
					fs.Close(f)
				}
			}
			names, _ := fs.Listxattr(e.Ino)
			for _, n := range names {
				v, _ := fs.Getxattr(e.Ino, n, 0)
				fmt.Fprintf(&b, " %s=%q", n, v)
			}
			b.WriteByte('\n')
			if e.Dir {
				walk(e.Ino, p)
			}
		}
	}
	rst, _ := fs.Stat(RootIno)
	fmt.Fprintf(&b, "/ nlink=%d\n", rst.Nlink)
	walk(RootIno, "")
	fmt.Fprintf(&b, "used blocks=%d inodes=%d\n", blocks/(fs.BlockSize()/512)+1, inodes+1)
	return b.String()
}
