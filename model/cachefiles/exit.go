package cachefiles

import (
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// Module exit. cachefiles_exit (fs/cachefiles/main.c, 6.12) destroys the
// object slab, deregisters the misc device and the error injection, in
// that order. It runs only when nothing holds the module: an open
// /dev/cachefiles holds a reference (the misc device's fops owner), so
// rmmod refuses with EBUSY while the daemon has it open, and a cache can
// only be bound through it. The device's module memory has a lifetime
// (Device.module); an open after the exit is a use-after-free.

// Exit is cachefiles_exit() at rmmod. With the device open it is refused
// (EBUSY) and nothing changes. A cachefiles object still allocated is the
// WARN of kmem_cache_destroy on cachefiles_object_jar (objects are freed
// by their cache before the unbind completes, so one left is a leak).
func (d *Device) Exit(t *sim.Thread, k *sim.Kernel) error {
	t.Use(&d.module)
	if d.open.Load(t) != 0 {
		return vfs.EBUSY // try_stop_module: the module is in use
	}
	t.Emit(sim.Event{Type: EvWarn, Str: [2]string{"CacheFiles: Unloading"}})
	for _, l := range k.LiveObjects() {
		if l.Kind == "object" {
			t.Bug("WARN", "WARN: kmem_cache_destroy cachefiles_object_jar: Slab cache still has objects (first %s)", l)
			break
		}
	}
	t.Free(&d.module)
	return nil
}

// Unloaded reports whether Exit has run.
func (d *Device) Unloaded() bool { return d.module.Freed() }
