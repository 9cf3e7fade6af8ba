package cachefiles

import (
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// runDaemon runs fn on one thread of a fresh kernel that records events.
func runDaemon(t *testing.T, fn func(th *sim.Thread)) *sim.Kernel {
	t.Helper()
	k := sim.New(sim.Options{Record: true, MaxSteps: 1 << 16})
	t.Cleanup(k.Close)
	th := k.Spawn("cachefilesd", fn)
	k.RunThread(th)
	if !th.Done() {
		t.Fatalf("thread did not finish: %v", k.Failure())
	}
	return k
}

// TestCommandTable checks the table against cachefiles_daemon_cmds of a
// kernel without on-demand mode, and that ParseCommand finds each entry.
func TestCommandTable(t *testing.T) {
	want := []string{"bind", "brun", "bcull", "bstop", "cull", "debug", "dir",
		"frun", "fcull", "fstop", "inuse", "secctx", "tag"}
	if got := Commands(); !slices.Equal(got, want) {
		t.Fatalf("commands %q, want %q", got, want)
	}
	for i, name := range want {
		for _, in := range []string{name, name + " x", name + "\n", name + "\t x \n y"} {
			j, _, err := ParseCommand([]byte(in))
			if err != nil || j != i {
				t.Errorf("ParseCommand(%q) = %d, %v; want %d", in, j, err, i)
			}
		}
	}
}

// TestFormatStateFits checks that the longest state line fits the
// kernel's 256-byte buffer, and the shortest's format.
func TestFormatStateFits(t *testing.T) {
	m := ^uint64(0)
	long := FormatState(Status{Culling: true, Limits: Limits{m, m, m, m, m, m}, FReleased: m, BReleased: m})
	if len(long) >= 256 {
		t.Fatalf("longest line is %d bytes: %s", len(long), long)
	}
	if !strings.Contains(long, " freleased=ffffffff ") {
		t.Fatalf("freleased is not an unsigned int: %s", long)
	}
	if got, want := FormatState(Status{}), "cull=0 frun=0 fcull=0 fstop=0 brun=0 bcull=0 bstop=0 freleased=0 breleased=0"; got != want {
		t.Fatalf("FormatState(zero) = %q, want %q", got, want)
	}
}

// TestDaemonEvents checks the trace lines of the device.
func TestDaemonEvents(t *testing.T) {
	dev := NewDevice()
	k := runDaemon(t, func(th *sim.Thread) {
		f, _ := dev.Open(th, func() CacheOps { return &fakeCache{} })
		f.Write(th, []byte("dir /var/cache/fscache"))
		f.Write(th, []byte("cull x"))
		f.Read(th, make([]byte, 10))
		dev.Open(th, func() CacheOps { return &fakeCache{} })
		f.Release(th)
	})
	var got []string
	for _, e := range k.Events() {
		if e.Type.Name() == "cachefiles_daemon" {
			got = append(got, e.Text())
		}
	}
	want := []string{
		`f=1 open r=0`,
		`f=1 write r=22 "dir /var/cache/fscache"`,
		`f=1 write r=-5 "cull x"`,
		`f=1 read r=0`,
		`f=0 open r=-16`,
		`f=1 release r=0`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNotifyAfterRelease: a backend that reports a state change once the
// release freed the cache record touches freed memory in the kernel; the
// model reports it.
func TestNotifyAfterRelease(t *testing.T) {
	dev := NewDevice()
	fc := &fakeCache{}
	k := sim.New(sim.Options{MaxSteps: 1 << 16})
	defer k.Close()
	th := k.Spawn("cachefilesd", func(th *sim.Thread) {
		f, _ := dev.Open(th, func() CacheOps { return fc })
		f.Write(th, []byte("dir /x"))
		f.Write(th, []byte("bind"))
		f.Release(th)
		fc.notify(th)
	})
	k.RunThread(th)
	if f := k.Failure(); f == nil || !strings.Contains(f.String(), "after its release") {
		t.Fatalf("failure %v, want the state change after release reported", f)
	}
}

// TestWriteSleepsUnderMutex checks that a write that sleeps in the backend
// holds daemon_mutex, so a second writer waits for it (the kernel
// serialises the handlers, not the parsing or the DEAD check).
func TestWriteSleepsUnderMutex(t *testing.T) {
	dev := NewDevice()
	k := sim.New(sim.Options{MaxSteps: 1 << 16})
	defer k.Close()
	var f *File
	slow := &slowCache{}
	var order []string
	a := k.Spawn("a", func(th *sim.Thread) {
		f, _ = dev.Open(th, func() CacheOps { return slow })
		f.Write(th, []byte("dir /x"))
		f.Write(th, []byte("bind"))
		order = append(order, "a: bound")
	})
	k.RunThread(a)
	if blocked, on := a.Blocked(); !blocked || on != "msleep" {
		t.Fatalf("a should sleep in the backend's bind, is blocked=%v on %q", blocked, on)
	}
	b := k.Spawn("b", func(th *sim.Thread) {
		_, err := f.Write(th, []byte("debug 3"))
		order = append(order, "b: "+errStr(err))
	})
	k.RunThread(b)
	if blocked, on := b.Blocked(); !blocked || on != "daemon_mutex" {
		t.Fatalf("b should wait for daemon_mutex, is blocked=%v on %q", blocked, on)
	}
	for k.AdvanceClock() {
		k.RunUntilIdle()
	}
	if want := []string{"a: bound", "b: ok"}; !slices.Equal(order, want) {
		t.Fatalf("order %q, want %q", order, want)
	}
	if !f.Ready() || dev.Debug() != 3 {
		t.Fatalf("ready %v debug %d", f.Ready(), dev.Debug())
	}
}

// slowCache's bind sleeps for a second.
type slowCache struct{ fakeCache }

func (c *slowCache) Bind(t *sim.Thread, cfg Config, notify func(t *sim.Thread)) error {
	t.Sleep(sim.Second)
	return c.fakeCache.Bind(t, cfg, notify)
}

// TestOpenAfterReleaseOnly checks that the device stays busy through the
// whole release (the unbind runs before cachefiles_open is cleared).
func TestOpenAfterReleaseOnly(t *testing.T) {
	dev := NewDevice()
	k := sim.New(sim.Options{MaxSteps: 1 << 16})
	defer k.Close()
	slow := &slowUnbind{}
	var f *File
	a := k.Spawn("a", func(th *sim.Thread) {
		f, _ = dev.Open(th, func() CacheOps { return slow })
		f.Write(th, []byte("dir /x"))
		f.Write(th, []byte("bind"))
		f.Release(th)
	})
	k.RunThread(a)
	var errDuring, errAfter error
	b := k.Spawn("b", func(th *sim.Thread) {
		_, errDuring = dev.Open(th, func() CacheOps { return &fakeCache{} })
	})
	k.RunThread(b)
	for k.AdvanceClock() {
		k.RunUntilIdle()
	}
	c := k.Spawn("c", func(th *sim.Thread) {
		_, errAfter = dev.Open(th, func() CacheOps { return &fakeCache{} })
	})
	k.RunThread(c)
	if errDuring != vfs.EBUSY || errAfter != nil {
		t.Fatalf("open during release: %v (want EBUSY); after: %v (want ok)", errDuring, errAfter)
	}
}

// slowUnbind's withdrawal sleeps for a second.
type slowUnbind struct{ fakeCache }

func (c *slowUnbind) Unbind(t *sim.Thread) {
	t.Sleep(sim.Second)
	c.fakeCache.Unbind(t)
}
