// Package cachefilesd is the simulated cachefilesd 0.10.10, the userspace
// daemon of the cachefiles cache (Debian's cachefilesd package, by David
// Howells): it reads a cachefilesd.conf, opens the control device, sends
// the configuration line by line and binds the cache; then, as a simulated
// thread, it runs cachefilesd()'s loop until SIGTERM: it reads the cache
// state each turn, scans the cache tree from its start one directory step
// at a time into a build table of the oldest objects not in use (asking
// the kernel "inuse"), decants it into a ready table, culls the oldest
// ready object ("cull") whenever the kernel reports cull=1, suspends the
// scan until the kernel has released enough files, and reaps the
// graveyard when its F_NOTIFY (dnotify) sends SIGIO; with nothing to do it
// sleeps in ppoll. Its exit releases the device, which withdraws the cache.
//
// Every filesystem call goes through model/vfsops, with the inode locks
// the VFS takes, and is a scheduling point, as are the device's read,
// write and poll: the daemon interleaves with cachefiles where the real
// one can. docs/kernel-baseline.md maps each function of cachefilesd.c to
// its Go counterpart and lists the differences.
//
// # Imports
//
// model/cachefiles (the control device and CacheOps), model/vfsops, sim
// and sim/vfs; like the rest of model/, no goroutines, time, os, sync or
// math/rand.
//
// # Example
//
//	conf, err := cachefilesd.ParseConf("cachefilesd.conf", data)
//	d := cachefilesd.New(conf, fs, dev, func() cachefiles.CacheOps { return cache }, cachefilesd.Options{})
//	k.Spawn("cachefilesd", d.Run)
//	// another thread:
//	if err := d.WaitBound(t); err != nil { ... }
//	...
//	d.Stop(t) // SIGTERM: the daemon exits and releases the device: the cache is withdrawn
//	d.WaitExit(t)
package cachefilesd
