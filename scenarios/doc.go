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
//   - quirks.go: probes for the open quirks of spec §14 and the ones found
//     since (docs/quirks.md);
//   - world.go, world_actors.go: "random", the random world over the
//     whole model (a netfs over either backend, swarm testing of its
//     features), and "random-disk", the same over cachefiles with a
//     failing, crashing or full disk (run by name for now, Extra);
//     quirks_world.go: the quirks they found;
//   - random.go: "random-fscache", random worlds of bare fscache calls
//     over the in-memory cache;
//   - alloc.go: allocation failure (sim/alloc.go): AllocFaultsWorld, a
//     world that reaches every allocation site and tolerates each
//     failure; AllocFaultsPlan, the plan a random world switches on with
//     k.SetAllocFaults (every site but the known findings );
//     and the probes of those two findings.
//
// The API contract the scripts keep, as the kernel's fscache users do
// (breaking it is an API violation, not a finding about fscache):
//   - I/O on a cookie (begin_read_operation, write_to_cache, resize) only
//     between fscache_use_cookie and fscache_unuse_cookie on it;
//   - every use balanced by one unuse, by the same user;
//   - a cookie relinquished once, after its last unuse (the netfs evicts
//     an inode only when nobody has it open);
//   - a volume relinquished after all its cookies; a cache withdrawn once;
//   - cachefilesd sends its commands (cull, inuse) with the control
//     device open: the release that withdraws the cache comes after the
//     last command has returned;
//   - the modules are unloaded only once every user is gone;
//   - a netfs revalidates an inode under its own lock (AFS's validate_lock,
//     NFS's NFS_INO_INVALIDATING), and an O_DIRECT write invalidates the
//     cache before the write is sent (model/netfs).
//
// Execute runs one execution with every check on (the checker attached,
// the netfs history recorded for linearizability); Run runs it bare.
// Register adds a scenario of your own.
package scenarios
