// Package cachefiles models the cachefiles backend of Linux 6.12
// (fs/cachefiles) on the simulated kernel and its virtual disk (sim/vfs):
// the cache record and the /dev/cachefiles control device with its
// commands (daemon.go), the volume and object records and the backend
// operations fscache calls (interface.go, volume.go), lookup, creation,
// culling and burial under the inode locks the kernel takes (namei.go), the
// I/O path with its kiocbs and asynchronous completions (io.go), the
// dentry references cachefiles holds (dentry.go), allocation-failure sites
// (alloc.go), module exit (exit.go) and the on-demand mode (ondemand*.go).
// docs/kernel-baseline.md maps each kernel function to its Go counterpart.
//
// Its on-disk encoding is a set of pure functions, byte-for-byte compatible
// with what the kernel writes and accepts, so that a simulated cache
// directory can be compared with a real one: the names of volume, fan-out
// and data-file entries (key.go, spec §10.3) and the user.CacheFiles.cache
// extended attributes with their coherency checks (xattr.go, spec §10.4).
// Hashing (which fan-out directory a cookie lands in) lives in
// model/fscache.
//
// A data file's path under the cache's root:
//
//	const vkey = "afs,example.com,1000001a"
//	_, vhash, _ := fscache.VolumeKey(vkey)
//	_, chash, _ := fscache.CookieKey(vhash, key)
//	name, err := cachefiles.CookKey(key) // ErrKeyTooLong over 252 bytes
//	path := "cache/" + cachefiles.VolumeDirName(vkey) + "/" +
//		cachefiles.FanoutDirName(fscache.FanoutIndex(chash)) + "/" + name
//
// and the check made when that file is opened again:
//
//	reason, err := cachefiles.CheckAuxdata(stored, aux, objectSize)
//	// reason is the tracepoint's string ("OK      ", "BAD aux ", ...);
//	// err is nil, ErrStale (replace the file) or ErrRange.
package cachefiles
