package cachefiles

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// This file is the contract between the control device (daemon.go: the
// /dev/cachefiles command interface) and the cache backend (the rest of the
// package: bind, volumes, namei, I/O, culling). The device parses commands
// into a Config and calls the backend through CacheOps; the backend reports
// state changes back through the notify function it is given at bind.

// Default space-limit percentages, as cachefiles_daemon_open sets them.
const (
	DefaultFrun  = 7
	DefaultFcull = 5
	DefaultFstop = 1
	DefaultBrun  = 7
	DefaultBcull = 5
	DefaultBstop = 1
)

// DefaultTag is the cache tag bind uses when no tag command was given.
const DefaultTag = "CacheFiles"

// Config is what the daemon's commands set up before (and, for the
// percentages, after) bind: the fields of struct cachefiles_cache that the
// write handlers fill in.
type Config struct {
	RootDir string // dir: the cache root path ("" = not set)
	Tag     string // tag ("" = not set; bind uses DefaultTag)
	Secctx  string // secctx (simulated: stored, never interpreted)

	// Percentages of the free files (f) and free blocks (b) of the cache
	// filesystem: culling stops above run, starts below cull, and new
	// files and writes are refused below stop.
	Frun, Fcull, Fstop uint
	Brun, Bcull, Bstop uint

	Debug uint32 // cachefiles_debug mask (1 enter, 2 leave, 4 debug)
}

// DefaultConfig is the configuration of a freshly opened device.
func DefaultConfig() Config {
	return Config{
		Frun: DefaultFrun, Fcull: DefaultFcull, Fstop: DefaultFstop,
		Brun: DefaultBrun, Bcull: DefaultBcull, Bstop: DefaultBstop,
	}
}

// Limits are the absolute thresholds computed at bind from statfs of the
// cache root: files, and blocks in units of the filesystem block size.
type Limits struct {
	Frun, Fcull, Fstop uint64
	Brun, Bcull, Bstop uint64
}

// Status is what a read of the control device reports (after the backend
// refreshed its space state): the culling flag, the limits, and the files
// and blocks released since the previous read (fetched and zeroed).
type Status struct {
	Culling   bool
	Limits    Limits
	FReleased uint64
	BReleased uint64
}

// CacheOps is what the control device asks of a cache. The backend's cache
// type implements it; the device's tests use a fake. Every error is a
// vfs.Errno with the kernel's number.
type CacheOps interface {
	// Bind runs cachefiles_add_cache with cfg (the device has already
	// checked the percentages, the dir and READY): look up the root, make
	// cache/ and graveyard/, compute the limits, register with fscache.
	// notify is cachefiles_state_changed: the backend calls it whenever
	// CULLING flips (and when released space is accounted).
	Bind(t *sim.Thread, cfg Config, notify func(t *sim.Thread)) error
	// Unbind withdraws a bound cache (device release), the full withdrawal
	// sequence of spec §8.4, and releases the root and graveyard.
	Unbind(t *sim.Thread)
	// Cull culls the entry name of the directory dir (the daemon's current
	// working directory, an absolute path on the cache filesystem).
	Cull(t *sim.Thread, dir, name string) error
	// Inuse answers whether the entry name of dir is in use (nil if not,
	// vfs.EBUSY if it is, or the lookup's error).
	Inuse(t *sim.Thread, dir, name string) error
	// Status refreshes the space state (has_space for check) and returns
	// what a read reports, zeroing the released counters.
	Status(t *sim.Thread) (Status, error)
}

// UnboundReleaser is implemented by a backend whose cache record must be
// freed at the device's release even when it was never bound (the kernel's
// cachefiles_put_unbind_pincount frees it either way).
type UnboundReleaser interface {
	// ReleaseUnbound frees the record of a cache that is not bound.
	ReleaseUnbound(t *sim.Thread)
}

// CwdCacheOps is implemented by a backend that takes the daemon's working
// directory as the kernel does, an inode (get_fs_pwd's dentry), not a path
// to resolve again: the device uses it once the process has changed
// directory with File.Fchdir.
type CwdCacheOps interface {
	// CullAt is Cull in the directory inode dir.
	CullAt(t *sim.Thread, dir vfs.Ino, name string) error
	// InuseAt is Inuse in the directory inode dir.
	InuseAt(t *sim.Thread, dir vfs.Ino, name string) error
}
