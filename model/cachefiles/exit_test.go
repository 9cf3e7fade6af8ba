package cachefiles

import (
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// TestModuleExit: cachefiles_exit as 6.12 has it. rmmod is refused (EBUSY)
// while /dev/cachefiles is open, and then nothing is torn down; once the
// daemon has closed it, the exit runs and an open of the device afterwards
// touches freed module memory (a use-after-free).
func TestModuleExit(t *testing.T) {
	run := func(body func(th *sim.Thread, k *sim.Kernel, d *Device)) sim.Result {
		k := sim.New(sim.Options{MaxSteps: 1 << 16})
		d := NewDevice()
		k.Spawn("rmmod", func(th *sim.Thread) { body(th, k, d) })
		return k.Run()
	}
	newCache := func() CacheOps { return nil }
	r := run(func(th *sim.Thread, k *sim.Kernel, d *Device) {
		file, err := d.Open(th, newCache)
		if err != nil {
			th.Bug("test", "open: %v", err)
		}
		if err := d.Exit(th, k); err != vfs.EBUSY || d.Unloaded() {
			th.Bug("test", "exit with the device open: %v (unloaded %v), want EBUSY and nothing torn down", err, d.Unloaded())
		}
		file.Release(th)
		if err := d.Exit(th, k); err != nil || !d.Unloaded() {
			th.Bug("test", "exit after the close: %v (unloaded %v)", err, d.Unloaded())
		}
	})
	if r.Failure != nil {
		t.Fatalf("clean unload: %v", r.Failure)
	}
	r = run(func(th *sim.Thread, k *sim.Kernel, d *Device) {
		if err := d.Exit(th, k); err != nil {
			th.Bug("test", "exit: %v", err)
		}
		d.Open(th, newCache)
	})
	if r.Failure == nil || r.Failure.Class != sim.FailUseAfterFree || !strings.Contains(r.Failure.Msg, "cachefiles-module") {
		t.Fatalf("open after exit: %v, want a use-after-free of the module", r.Failure)
	}
	// A cachefiles object still allocated (tracked as cachefiles tracks
	// its objects, never freed) is kmem_cache_destroy's WARN.
	r = run(func(th *sim.Thread, k *sim.Kernel, d *Device) {
		k.Track(&sim.Life{Kind: "object", ID: 7})
		d.Exit(th, k)
	})
	if r.Failure == nil || !strings.Contains(r.Failure.Msg, "cachefiles_object_jar") || !strings.Contains(r.Failure.Msg, "object:00000007") {
		t.Fatalf("exit with an object left: %v, want the slab WARN naming it", r.Failure)
	}
}
