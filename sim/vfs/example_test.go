package vfs_test

import (
	"fmt"

	"github.com/fscachesim/fscachesim/sim/vfs"
)

// An object committed the way cachefiles does it: a tmpfile written, given
// its xattr and linked into its fan-out directory. Only what was synced
// survives a crash.
func Example() {
	fs := vfs.New(vfs.Options{Blocks: 1024})
	dir, _ := fs.Mkdir(fs.Root(), "cache", 0o700)
	fs.Syncfs()

	f, _ := fs.Tmpfile(dir, 0o600)
	fs.Write(f, 0, []byte("data"))
	fs.Setxattr(f.Ino(), "user.CacheFiles.cache", []byte("aux"), 0)
	fs.Link(f.Ino(), dir, "Dkey")
	fs.Close(f)
	ino, err := fs.Lookup(dir, "Dkey")
	st, _ := fs.Stat(ino)
	fmt.Println("before the crash:", err, st.Size, st.Blocks, fs.Pending())

	fs.Crash(0)
	_, err = fs.Lookup(dir, "Dkey")
	fmt.Println("after the crash:", err, vfs.Code(err))
	// Output:
	// before the crash: <nil> 4 8 4
	// after the crash: ENOENT -2
}
