// Package erofs is an erofs-like user of fscache in on-demand mode
// (fs/erofs/fscache.c of 6.12): a mount is a volume ("erofs,<fsid>"),
// each blob of the image a cookie acquired with WANT_CACHE_SIZE and used
// for the whole mount, and every read goes through the backend's
// prepare_ondemand_read, which asks the cachefiles daemon to fill a hole
// before it reads the data back from the cache (NETFS_READ_HOLE_FAIL).
// There is no server: the daemon is the only source of the data.
//
// It may import sim, model/fscache and model/cachefiles (for the
// backend's prepare_ondemand_read and its source codes).
//
//	m, err := erofs.Mount(t, f, "fsid1", []string{"blob1"})
//	n, err := m.Read(t, 0, 0, buf) // blob 0 from offset 0
//	m.Unmount(t)
package erofs
