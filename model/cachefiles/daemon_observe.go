package cachefiles

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The daemon observer: a checker that judges the answers the cache gives
// cachefilesd (cachefiles_daemon_read's status, cachefiles_daemon_cull's
// and _inuse's return values) against the disk's own state at the moment
// of the answer (checker/daemon.go). It must not change the model.

// DaemonCmd is one daemon command as the observer sees it: "read" (the
// status), "cull" or "inuse"; for the path commands, the working directory
// as a path (Cull, Inuse) or an inode (CullAt, InuseAt), and the name.
type DaemonCmd struct {
	Op      string
	DirPath string
	DirIno  vfs.Ino
	Name    string
}

// DaemonObserver sees each daemon command as it starts and as it answers
// (Err its return value; Status the status line's contents, for "read").
type DaemonObserver interface {
	DaemonBegin(t *sim.Thread, c *Cache, cmd DaemonCmd)
	DaemonAnswer(t *sim.Thread, c *Cache, cmd DaemonCmd, st Status, err error)
}

// ObserveDaemon installs o as the cache's daemon observer; nil removes it.
func (c *Cache) ObserveDaemon(o DaemonObserver) { c.onDaemon = o }

// StateChanged reports CACHEFILES_STATE_CHANGED: news for the daemon that
// its next status read has not consumed yet.
func (c *Cache) StateChanged() bool { return c.flags.Has(CacheStateChanged) }

// ErrorInjecting reports whether cachefiles' own error injection
// (ErrorInjection, InjectRate) may fail its disk calls.
func (c *Cache) ErrorInjecting() bool { return c.ErrorInjection != 0 || c.InjectRate.Num != 0 }

// observeDaemon tells the observer that cmd starts and returns what to
// defer for its answer (a no-op without an observer).
func (c *Cache) observeDaemon(t *sim.Thread, cmd DaemonCmd, st *Status, err *error) func() {
	o := c.onDaemon
	if o == nil {
		return func() {}
	}
	o.DaemonBegin(t, c, cmd)
	return func() {
		var s Status
		if st != nil {
			s = *st
		}
		o.DaemonAnswer(t, c, cmd, s, *err)
	}
}
