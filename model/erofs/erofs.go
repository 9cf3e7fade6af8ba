package erofs

import (
	"errors"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// ondemandReader is the netfs_cache_ops member erofs reads through.
type ondemandReader interface {
	PrepareOndemandRead(t *sim.Thread, cres *fscache.CacheResources, start int64, length *int64, iSize int64, flags *uint32, ino uint64) cachefiles.Source
}

// FS is one mount: struct erofs_sb_info's fscache part.
type FS struct {
	Volume *fscache.Volume
	Blobs  []*Blob
}

// Blob is one blob of the image: struct erofs_fscache.
type Blob struct {
	Name   string
	Cookie *fscache.Cookie
}

// ErrIO is what a read that the cache cannot serve fails with (-EIO).
var ErrIO = vfs.EIO

// Mount is erofs_fscache_register_fs: acquire the volume
// (erofs_fscache_register_volume, no cache name, no coherency) and a used
// cookie per blob (erofs_fscache_acquire_cookie). The volume's failure
// (a twin still live) fails the mount.
func Mount(t *sim.Thread, f *fscache.Fscache, fsid string, blobs []string) (*FS, error) {
	v, err := f.AcquireVolume(t, "erofs,"+fsid, "", nil)
	if err != nil {
		return nil, err
	}
	m := &FS{Volume: v}
	for _, name := range blobs {
		c := fscache.AcquireCookie(t, v, fscache.AdvWantCacheSize, []byte(name), nil, 0)
		fscache.UseCookie(t, c, false)
		m.Blobs = append(m.Blobs, &Blob{Name: name, Cookie: c})
	}
	return m, nil
}

// Read is erofs_fscache_read_io_async, synchronously: fill buf from blob
// i at pos, a cache-sized piece at a time, each prepared with
// NETFS_SREQ_ONDEMAND (the backend asks the daemon for a hole) and read
// with NETFS_READ_HOLE_FAIL. Anything but READ_FROM_CACHE is -EIO.
func (m *FS) Read(t *sim.Thread, i int, pos int64, buf []byte) error {
	c := m.Blobs[i].Cookie
	var cres fscache.CacheResources
	if err := fscache.BeginReadOperation(t, &cres, c); err != nil {
		return err
	}
	defer fscache.EndOperation(t, &cres)
	for len(buf) > 0 {
		r, ok := cres.Ops.(ondemandReader)
		if !ok {
			return ErrIO
		}
		n := int64(len(buf))
		flags := uint32(cachefiles.SreqOndemand)
		src := r.PrepareOndemandRead(t, &cres, pos, &n, 1<<63-1, &flags, 0)
		if n == 0 {
			t.Bug("WARN", "WARN_ON(len == 0): erofs_fscache_read_io_async: prepare_ondemand_read at %d gave no length", pos)
			src = cachefiles.SourceInvalidRead
		}
		if src != cachefiles.SourceReadFromCache {
			return ErrIO // "prepare_ondemand_read failed"
		}
		got, err := cres.Ops.Read(t, &cres, pos, buf[:n], fscache.ReadHoleFail, nil)
		if err != nil {
			return err
		}
		if int64(got) != n {
			t.Bug("WARN", "WARN_ON(iov_iter_count(iter)): erofs read %d of %d bytes at %d", got, n, pos)
			return ErrIO
		}
		buf, pos = buf[n:], pos+n
	}
	return nil
}

// Unmount is erofs_fscache_unregister_fs: unuse and relinquish each
// blob's cookie (erofs_fscache_relinquish_cookie), then the volume.
func (m *FS) Unmount(t *sim.Thread) {
	for _, b := range m.Blobs {
		fscache.UnuseCookie(t, b.Cookie, nil, nil)
		fscache.RelinquishCookie(t, b.Cookie, false)
	}
	fscache.RelinquishVolume(t, m.Volume, nil, false)
}

// IsIO reports whether err is the read's -EIO (or the cache's ENOBUFS).
func IsIO(err error) bool { return errors.Is(err, ErrIO) || errors.Is(err, fscache.ErrNoBufs) }
