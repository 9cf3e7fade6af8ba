// Package cachefiles models the on-disk side of the cachefiles backend
// (fs/cachefiles): the names of volume, fan-out and data-file entries
// (spec §10.3) and the user.CacheFiles.cache extended attributes with their
// coherency checks (spec §10.4).
//
// Everything here is a pure function of its arguments, byte-for-byte
// compatible with what the kernel writes and accepts, so that a simulated
// cache directory can be compared with a real one. The package imports only
// the standard library's encoding, bytes, strings and errors packages: no
// sim, no time, os, sync or math/rand. Hashing (which fan-out directory a
// cookie lands in) lives in model/fscache.
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
