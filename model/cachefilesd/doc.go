// Package cachefilesd is the simulated cachefilesd, the userspace daemon
// of the cachefiles cache (package cachefilesd by David Howells, version
// 0.10.x): it reads a cachefilesd.conf, opens the control device, sends
// the configuration and binds the cache, then, as a simulated thread,
// waits for the kernel to ask for culling and culls the least recently
// used objects of the cache tree on the virtual disk until it is stopped,
// when it releases the device (which withdraws the cache).
//
// # Imports
//
// model/cachefiles (the control device and CacheOps), sim and sim/vfs;
// like the rest of model/, no goroutines, time, os, sync or math/rand.
//
// # Example
//
//	conf, err := cachefilesd.ParseConf("cachefilesd.conf", data)
//	d := cachefilesd.New(conf, fs, dev, func() cachefiles.CacheOps { return cache }, cachefilesd.Options{})
//	k.Spawn("cachefilesd", d.Run)
//	// another thread:
//	if err := d.WaitBound(t); err != nil { ... }
//	...
//	d.Stop(t) // the daemon releases the device: the cache is withdrawn
package cachefilesd
