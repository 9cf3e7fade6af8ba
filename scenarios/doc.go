// Package scenarios holds the named scenarios: each builds a small world
// (an fscache instance with a bound cache, a volume, a few cookies; or a
// cachefiles cache on a virtual disk, a cachefilesd, a netfs and its
// server) and the operation scripts of its threads, named for the race it
// hunts. 'fscachesim list' prints them with their one-line descriptions.
//
//   - fscache.go: the races of the fscache core over an in-memory cache
//     (lru-vs-relinquish, lru-vs-use, use-unuse-storm, invalidation,
//     withdrawal and collision scenarios, netfs-read-write);
//   - cachefiles.go: the same netfs over cachefiles on sim/vfs, culling,
//     ENOSPC, crash and rebind; daemon.go: cachefilesd binding and
//     releasing the device under I/O;
//   - quirks.go: probes for the open quirks of spec §14 (docs/quirks.md);
//   - random.go: the swarm generator of random worlds.
//
// Execute runs one execution with every check on (the checker attached,
// the netfs history recorded for linearizability); Run runs it bare.
// Register adds a scenario of your own.
package scenarios
