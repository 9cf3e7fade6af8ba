package sim_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// timerCase arms a timer from a thread (ops) and checks when its callback
// ran, reading the clock inside the callback.
type timerCase struct {
	name string
	// ops runs in a thread; it may fail the run with t.Bug.
	ops  func(t *sim.Thread, tm *sim.Timer)
	want []sim.Time // the virtual times the callback ran at
}

// expect fails the run unless got == want.
func expect[T comparable](t *sim.Thread, what string, got, want T) {
	if got != want {
		t.Bug("test", "%s = %v, want %v", what, got, want)
	}
}

var timerTests = []timerCase{
	{
		name: "reduce-arms-unarmed",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			expect(t, "Reduce", tm.Reduce(t, 5*sim.Second), false)
			expect(t, "Pending", tm.Pending(), true)
			expect(t, "Deadline", tm.Deadline(), 5*sim.Second)
		},
		want: []sim.Time{5 * sim.Second},
	},
	{
		name: "reduce-brings-earlier",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			expect(t, "Mod", tm.Mod(t, 5*sim.Second), false)
			expect(t, "Reduce", tm.Reduce(t, 3*sim.Second), true)
			expect(t, "Deadline", tm.Deadline(), 3*sim.Second)
		},
		want: []sim.Time{3 * sim.Second},
	},
	{
		name: "reduce-never-later",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			expect(t, "Mod", tm.Mod(t, 3*sim.Second), false)
			expect(t, "Reduce", tm.Reduce(t, 5*sim.Second), true)
			expect(t, "Deadline", tm.Deadline(), 3*sim.Second)
		},
		want: []sim.Time{3 * sim.Second},
	},
	{
		name: "mod-moves-later",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			tm.Mod(t, 3*sim.Second)
			expect(t, "Mod", tm.Mod(t, 5*sim.Second), true)
		},
		want: []sim.Time{5 * sim.Second},
	},
	{
		name: "del-disarms",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			tm.Mod(t, 3*sim.Second)
			expect(t, "Del", tm.Del(t), true)
			expect(t, "Pending", tm.Pending(), false)
			expect(t, "Del again", tm.Del(t), false)
		},
		want: nil,
	},
	{
		// The deadline is absolute: armed at 1s for 3s, it fires at 3s.
		name: "fires-at-deadline",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			t.Sleep(sim.Second)
			expect(t, "Now", t.Kernel().Now(), sim.Second)
			tm.Mod(t, 3*sim.Second)
		},
		want: []sim.Time{3 * sim.Second},
	},
	{
		// While a thread can run, the clock stands still, however long it
		// runs; the timer fires when it is done.
		name: "clock-stands-while-runnable",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			tm.Mod(t, sim.Nanosecond)
			for i := 0; i < 500; i++ {
				t.Yield()
				expect(t, "Now", t.Kernel().Now(), 0)
			}
		},
		want: []sim.Time{sim.Nanosecond},
	},
	{
		// A callback may re-arm its own timer (a periodic timer); fired
		// with the deadline reached, Now is the deadline each time.
		name: "periodic",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			fn := tm.Func
			tm.Func = func(t *sim.Thread) {
				fn(t)
				if now := t.Kernel().Now(); now < 3*sim.Second {
					tm.Mod(t, now+sim.Second)
				}
			}
			tm.Mod(t, sim.Second)
		},
		want: []sim.Time{sim.Second, 2 * sim.Second, 3 * sim.Second},
	},
	{
		// timer_shutdown_sync: the timer is disarmed and arming it again
		// is ignored.
		name: "shutdown-ignores-rearm",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			tm.Mod(t, 3*sim.Second)
			expect(t, "ShutdownSync", tm.ShutdownSync(t), true)
			expect(t, "Mod", tm.Mod(t, 5*sim.Second), false)
			expect(t, "Reduce", tm.Reduce(t, sim.Second), false)
			expect(t, "Pending", tm.Pending(), false)
		},
		want: nil,
	},
	{
		// timer_shutdown_sync waits for a callback that has fired to
		// return, whichever of the two the scheduler runs first.
		name: "shutdown-waits-for-callback",
		ops: func(t *sim.Thread, tm *sim.Timer) {
			fn := tm.Func
			done := false
			tm.Func = func(t *sim.Thread) {
				t.Yield()
				t.Yield()
				fn(t)
				done = true
			}
			tm.Mod(t, sim.Second)
			t.Sleep(sim.Second)
			tm.ShutdownSync(t)
			expect(t, "callback done", done, true)
		},
		want: []sim.Time{sim.Second},
	},
}

func TestTimer(t *testing.T) {
	for _, c := range timerTests {
		t.Run(c.name, func(t *testing.T) {
			p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var fired []sim.Time
				tm := &sim.Timer{Name: "test_timer", Func: func(t *sim.Thread) {
					fired = append(fired, t.Kernel().Now())
				}}
				k.Spawn("armer", func(t *sim.Thread) { c.ops(t, tm) })
				// A bystander keeps the scheduler choosing.
				k.Spawn("bystander", func(t *sim.Thread) { t.Yield(); t.Yield() })
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if !slices.Equal(fired, c.want) {
						return fmt.Errorf("callback ran at %v, want %v", fired, c.want)
					}
					if len(c.want) > 0 && res.Time != c.want[len(c.want)-1] {
						return fmt.Errorf("clock ended at %v, want %v", res.Time, c.want[len(c.want)-1])
					}
					return nil
				}
			}
			sweepSeeds(t, p, 50, nil)
		})
	}
}

// A timer callback runs in softirq context: anything that may sleep in it
// is lock misuse; taking a spinlock is fine.
func TestTimerCallbackMaySleep(t *testing.T) {
	tests := []struct {
		name  string
		body  func(t *sim.Thread)
		sleep bool // want a sleep-in-atomic report
	}{
		{"mutex_lock", func(t *sim.Thread) { var m sim.Mutex; m.Lock(t); m.Unlock(t) }, true},
		{"msleep", func(t *sim.Thread) { t.Sleep(sim.Millisecond) }, true},
		{"wait_var_event", func(t *sim.Thread) {
			var v sim.Atomic
			sim.WaitVarEvent(t, &v, "v", func() bool { return true })
		}, true},
		{"wait_for_completion", func(t *sim.Thread) { var c sim.Completion; c.Wait(t) }, true},
		{"flush_work", func(t *sim.Thread) { sim.FlushWork(t, &sim.Work{Name: "w"}) }, true},
		{"down_read", func(t *sim.Thread) { var s sim.RWSem; s.DownRead(t); s.UpRead(t) }, true},
		{"spin_lock", func(t *sim.Thread) { var l sim.SpinLock; l.Lock(t); l.Unlock(t) }, false},
		{"read_lock", func(t *sim.Thread) { s := sim.RWSem{Spin: true}; s.DownRead(t); s.UpRead(t) }, false},
		{"queue_work", func(t *sim.Thread) {
			sim.QueueWork(t, &sim.Workqueue{}, &sim.Work{Name: "w", Func: func(*sim.Thread) {}})
		}, false},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			k := sim.New(sim.Options{Seed: 1})
			tm := &sim.Timer{Name: "cb", Func: c.body}
			k.Spawn("armer", func(t *sim.Thread) { tm.Mod(t, sim.Second) })
			res := k.Run()
			if !c.sleep {
				if err := mustPass(res); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err := wantFailure(res.Failure, sim.FailLockMisuse, "sleep-in-atomic", "softirq", c.name); err != nil {
				t.Fatal(err)
			}
			if res.Failure.ThreadName != "cb" || res.Time != sim.Second {
				t.Fatalf("reported in %q at %v, want in the callback thread \"cb\" at 1s", res.Failure.ThreadName, res.Time)
			}
		})
	}
}
