package vfs

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestXattr(t *testing.T) {
	const name = "user.CacheFiles.cache"
	big := make([]byte, XattrSizeMax+1)
	cases := []struct {
		name  string
		opts  Options
		setup func(fs *FS, ino Ino)
		op    func(fs *FS, ino Ino) error
		want  error
		xattr map[string]string // the inode's xattrs afterwards
	}{
		{name: "set-get", op: func(fs *FS, ino Ino) error {
			if err := fs.Setxattr(ino, name, []byte("aux"), 0); err != nil {
				return err
			}
			v, err := fs.Getxattr(ino, name, 0)
			if string(v) != "aux" {
				t.Errorf("getxattr = %q", v)
			}
			return err
		}, xattr: map[string]string{name: "aux"}},
		{name: "get-absent", op: func(fs *FS, ino Ino) error { _, err := fs.Getxattr(ino, name, 0); return err }, want: ENODATA},
		{name: "get-exact-buffer", setup: setx(name, "12345"),
			op: func(fs *FS, ino Ino) error { _, err := fs.Getxattr(ino, name, 5); return err }, xattr: map[string]string{name: "12345"}},
		{name: "get-small-buffer", setup: setx(name, "12345"),
			op: func(fs *FS, ino Ino) error { _, err := fs.Getxattr(ino, name, 4); return err }, want: ERANGE, xattr: map[string]string{name: "12345"}},
		{name: "get-negative-size", op: func(fs *FS, ino Ino) error { _, err := fs.Getxattr(ino, name, -1); return err }, want: EINVAL},
		{name: "get-copy", setup: setx(name, "abc"), op: func(fs *FS, ino Ino) error {
			v, err := fs.Getxattr(ino, name, 0)
			v[0] = 'X'
			return err
		}, xattr: map[string]string{name: "abc"}},
		{name: "set-copies-value", op: func(fs *FS, ino Ino) error {
			v := []byte("abc")
			err := fs.Setxattr(ino, name, v, 0)
			v[0] = 'X'
			return err
		}, xattr: map[string]string{name: "abc"}},
		{name: "set-empty-value", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, nil, 0) }, xattr: map[string]string{name: ""}},
		{name: "create-absent", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, []byte("a"), XattrCreate) },
			xattr: map[string]string{name: "a"}},
		{name: "create-present", setup: setx(name, "a"),
			op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, []byte("b"), XattrCreate) }, want: EEXIST,
			xattr: map[string]string{name: "a"}},
		{name: "replace-present", setup: setx(name, "a"),
			op:    func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, []byte("b"), XattrReplace) },
			xattr: map[string]string{name: "b"}},
		{name: "replace-absent", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, []byte("b"), XattrReplace) }, want: ENODATA},
		{name: "bad-flags", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, nil, 4) }, want: EINVAL},
		{name: "empty-name", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, "", nil, 0) }, want: ERANGE},
		{name: "long-name", op: func(fs *FS, ino Ino) error {
			return fs.Setxattr(ino, "user."+strings.Repeat("n", XattrNameMax), nil, 0)
		}, want: ERANGE},
		{name: "no-namespace", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, "CacheFiles", nil, 0) }, want: EOPNOTSUPP},
		{name: "bare-prefix", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, "user.", nil, 0) }, want: EINVAL},
		{name: "value-too-big", op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, big, 0) }, want: E2BIG},
		{name: "value-over-option", opts: Options{XattrValueMax: 10},
			op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, name, make([]byte, 11), 0) }, want: E2BIG},
		{name: "inode-full", opts: Options{XattrInodeMax: 20}, setup: setx("user.a", "0123456789"), // 16 bytes
			op: func(fs *FS, ino Ino) error { return fs.Setxattr(ino, "user.b", []byte("x"), 0) }, want: ENOSPC,
			xattr: map[string]string{"user.a": "0123456789"}},
		{name: "inode-full-replace-fits", opts: Options{XattrInodeMax: 20}, setup: setx("user.a", "0123456789"),
			op:    func(fs *FS, ino Ino) error { return fs.Setxattr(ino, "user.a", []byte("01234567890123"), 0) },
			xattr: map[string]string{"user.a": "01234567890123"}},
		{name: "remove", setup: setx(name, "a"), op: func(fs *FS, ino Ino) error { return fs.Removexattr(ino, name) }},
		{name: "remove-absent", op: func(fs *FS, ino Ino) error { return fs.Removexattr(ino, name) }, want: ENODATA},
		{name: "remove-no-namespace", op: func(fs *FS, ino Ino) error { return fs.Removexattr(ino, "x") }, want: EOPNOTSUPP},
		{name: "stale", op: func(fs *FS, ino Ino) error { return fs.Setxattr(999, name, nil, 0) }, want: ESTALE},
		{name: "list-sorted", setup: func(fs *FS, ino Ino) {
			setx("user.b", "2")(fs, ino)
			setx("trusted.z", "3")(fs, ino)
			setx("user.a", "1")(fs, ino)
		}, op: func(fs *FS, ino Ino) error {
			names, err := fs.Listxattr(ino)
			if want := []string{"trusted.z", "user.a", "user.b"}; !slices.Equal(names, want) {
				t.Errorf("listxattr = %q, want %q", names, want)
			}
			return err
		}, xattr: map[string]string{"user.a": "1", "user.b": "2", "trusted.z": "3"}},
	}
	for _, c := range cases {
		for _, target := range []string{"/f", "/d"} {
			t.Run(c.name+target, func(t *testing.T) {
				w := newWorld(t, c.opts)
				ino := w.ino[target]
				if c.setup != nil {
					c.setup(w.fs, ino)
				}
				if err := c.op(w.fs, ino); err != c.want {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				names, _ := w.fs.Listxattr(ino)
				got := map[string]string{}
				for _, n := range names {
					v, _ := w.fs.Getxattr(ino, n, 0)
					got[n] = string(v)
				}
				if len(got) != len(c.xattr) {
					t.Errorf("xattrs %q, want %q", got, c.xattr)
				}
				for k, v := range c.xattr {
					if got[k] != v {
						t.Errorf("xattr %s = %q, want %q", k, got[k], v)
					}
				}
				w.fsck()
			})
		}
	}
}

func setx(name, value string) func(fs *FS, ino Ino) {
	return func(fs *FS, ino Ino) {
		if err := fs.Setxattr(ino, name, []byte(value), 0); err != nil {
			panic(err)
		}
	}
}

// An xattr on an orphan or a tmpfile works while the file is open, and
// is copied with the tmpfile into its name by Link.
func TestXattrTmpfile(t *testing.T) {
	w := newWorld(t, Options{})
	f, _ := w.fs.Tmpfile(w.ino["/e"], 0o600)
	if err := w.fs.Setxattr(f.Ino(), "user.x", []byte("v"), XattrCreate); err != nil {
		t.Fatal(err)
	}
	w.fs.Link(f.Ino(), w.ino["/e"], "obj")
	w.fs.Close(f)
	ino, _ := w.lookup("/e/obj")
	if v, err := w.fs.Getxattr(ino, "user.x", 0); err != nil || !bytes.Equal(v, []byte("v")) {
		t.Errorf("xattr after link: %q, %v", v, err)
	}
}
