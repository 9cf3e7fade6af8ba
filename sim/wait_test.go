package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// Deadlock expectations over a sweep of seeds.
const (
	neverDeadlocks     = "never"     // every run passes
	sometimesDeadlocks = "sometimes" // some runs pass, some deadlock
	alwaysDeadlocks    = "always"    // every run deadlocks
)

// waitCase is a wait/wake program and what a sweep of seeds must show.
type waitCase struct {
	name    string
	prog    program
	want    string
	waiters []string // for deadlocks: "thread waits on what", by thread id
	// lost: the failures are lost wake-ups (liveness [lost-wakeup]: a
	// sleeper whose condition holds and that no wake-up can reach), not
	// deadlocks, and the message says why.
	lost string
}

// waitVar is a waiter on x == 1 (wait_var_event) and a waker doing ops.
func waitVar(waker func(t *sim.Thread, x *sim.Var[int])) program {
	return func(k *sim.Kernel, seen notes) func(sim.Result) error {
		var x sim.Var[int]
		k.Spawn("waiter", func(t *sim.Thread) {
			sim.WaitVarEvent(t, &x, "x", func() bool { return x.Peek() == 1 })
		})
		k.Spawn("waker", func(t *sim.Thread) { waker(t, &x) })
		return nil
	}
}

// waitBit is a waiter on bit 3 of f being clear and a clearer doing ops.
func waitBit(clearer func(t *sim.Thread, f *sim.Flags)) program {
	return func(k *sim.Kernel, seen notes) func(sim.Result) error {
		var f sim.Flags
		f.Init(1 << 3)
		k.Spawn("waiter", func(t *sim.Thread) { sim.WaitOnBit(t, &f, 3, "f.bit3") })
		k.Spawn("clearer", func(t *sim.Thread) { t.Yield(); clearer(t, &f) })
		return nil
	}
}

// completion has waiters threads wait for one completion and a completer
// doing ops.
func completion(waiters int, completer func(t *sim.Thread, c *sim.Completion)) program {
	return func(k *sim.Kernel, seen notes) func(sim.Result) error {
		c := &sim.Completion{Name: "done"}
		for i := 0; i < waiters; i++ {
			k.Spawn(fmt.Sprintf("waiter-%d", i), func(t *sim.Thread) { c.Wait(t) })
		}
		k.Spawn("completer", func(t *sim.Thread) { completer(t, c) })
		return nil
	}
}

var waitTests = []waitCase{
	{
		name: "wait-var-event/set-then-wake",
		prog: waitVar(func(t *sim.Thread, x *sim.Var[int]) {
			x.Store(t, 1)
			sim.WakeUpVar(t, x)
		}),
		want: neverDeadlocks,
	},
	{
		name:    "wait-var-event/set-no-wake",
		prog:    waitVar(func(t *sim.Thread, x *sim.Var[int]) { x.Store(t, 1) }),
		want:    sometimesDeadlocks,
		waiters: []string{"waiter waits on x"},
		lost:    "returned without waking it",
	},
	{
		// The waker sleeps first, so the waiter is certainly asleep when
		// the condition is set: the forgotten wake-up always hangs it.
		name: "wait-var-event/sleep-set-no-wake",
		prog: waitVar(func(t *sim.Thread, x *sim.Var[int]) {
			t.Sleep(sim.Second)
			x.Store(t, 1)
		}),
		want:    alwaysDeadlocks,
		waiters: []string{"waiter waits on x"},
		lost:    "returned without waking it",
	},
	{
		// A lost wake-up: woken before the condition holds, the waiter
		// sleeps again and nobody wakes it once it does.
		name: "wait-var-event/wake-then-set",
		prog: waitVar(func(t *sim.Thread, x *sim.Var[int]) {
			sim.WakeUpVar(t, x)
			x.Store(t, 1)
		}),
		want:    sometimesDeadlocks,
		waiters: []string{"waiter waits on x"},
		lost:    "returned without waking it",
	},
	{
		name: "wait-var-event/sleep-wake-then-set",
		prog: waitVar(func(t *sim.Thread, x *sim.Var[int]) {
			t.Sleep(sim.Second)
			sim.WakeUpVar(t, x)
			x.Store(t, 1)
		}),
		want:    sometimesDeadlocks,
		waiters: []string{"waiter waits on x"},
		lost:    "returned without waking it",
	},
	{
		name: "wait-on-bit/clear-and-wake",
		prog: waitBit(func(t *sim.Thread, f *sim.Flags) { sim.ClearAndWakeUpBit(t, f, 3) }),
		want: neverDeadlocks,
	},
	{
		name: "wait-on-bit/clear-then-wake",
		prog: waitBit(func(t *sim.Thread, f *sim.Flags) { f.Clear(t, 3); sim.WakeUpBit(t, f, 3) }),
		want: neverDeadlocks,
	},
	{
		name:    "wait-on-bit/clear-no-wake",
		prog:    waitBit(func(t *sim.Thread, f *sim.Flags) { f.Clear(t, 3) }),
		want:    sometimesDeadlocks,
		waiters: []string{"waiter waits on f.bit3"},
		lost:    "returned without waking it",
	},
	{
		// Waking another bit of the same word wakes nobody.
		name:    "wait-on-bit/wrong-bit",
		prog:    waitBit(func(t *sim.Thread, f *sim.Flags) { t.Sleep(sim.Second); f.Clear(t, 3); sim.WakeUpBit(t, f, 4) }),
		want:    alwaysDeadlocks,
		waiters: []string{"waiter waits on f.bit3"},
		lost:    "returned without waking it",
	},
	{
		name: "completion/complete",
		prog: completion(1, func(t *sim.Thread, c *sim.Completion) { c.Complete(t) }),
		want: neverDeadlocks,
	},
	{
		// complete() lets one waiter through; the other sleeps forever.
		name:    "completion/complete-one-of-two",
		prog:    completion(2, func(t *sim.Thread, c *sim.Completion) { c.Complete(t) }),
		want:    alwaysDeadlocks,
		waiters: []string{"waiter-? waits on done"},
	},
	{
		// A complete() that forgets its wake-up.
		name:    "completion/complete-no-wake",
		prog:    completion(1, func(t *sim.Thread, c *sim.Completion) { t.Sleep(sim.Second); sim.CompleteNoWakeForTest(t, c) }),
		want:    alwaysDeadlocks,
		waiters: []string{"waiter-0 waits on done"},
		lost:    "completer, whose step made it hold, returned without waking it",
	},
	{
		// The waker sets x, sleeps, then wakes: while it sleeps the waiter's
		// condition holds, but the wake-up can still come.
		name: "wait-var-event/set-sleep-then-wake",
		prog: waitVar(func(t *sim.Thread, x *sim.Var[int]) {
			x.Store(t, 1)
			t.Sleep(sim.Second)
			sim.WakeUpVar(t, x)
		}),
		want: neverDeadlocks,
	},
	{
		name: "completion/complete-twice",
		prog: completion(2, func(t *sim.Thread, c *sim.Completion) { c.Complete(t); c.Complete(t) }),
		want: neverDeadlocks,
	},
	{
		name: "completion/complete-all",
		prog: completion(3, func(t *sim.Thread, c *sim.Completion) { c.CompleteAll(t) }),
		want: neverDeadlocks,
	},
}

func TestWaitWake(t *testing.T) {
	for _, c := range waitTests {
		t.Run(c.name, func(t *testing.T) {
			s := sweepSeeds(t, c.prog, 300, nil)
			failKey := "fail/deadlock"
			if c.lost != "" {
				failKey = "fail/liveness"
			}
			pass, dead := s.count("pass"), s.count(failKey)
			if pass+dead != s.runs {
				t.Fatalf("outcomes %v: want only pass and %s", s.outcomes, failKey)
			}
			switch {
			case c.want == neverDeadlocks && dead != 0,
				c.want == sometimesDeadlocks && (dead == 0 || pass == 0),
				c.want == alwaysDeadlocks && pass != 0:
				t.Fatalf("outcomes %v, want %s deadlocks", s.outcomes, c.want)
			}
			for i, f := range s.failures {
				check := checkWaiters
				if c.lost != "" {
					check = func(f *sim.Failure, w []string) error { return checkLost(f, w, c.lost) }
				}
				if err := check(f, c.waiters); err != nil {
					t.Fatalf("seed %d: %v", s.failSeed[i], err)
				}
			}
		})
	}
}

// checkWaiters checks that f is a deadlock report listing exactly want
// ("name waits on what"; a '?' in a name matches any one character), both
// in Waiters and in the message.
func checkWaiters(f *sim.Failure, want []string) error {
	if err := wantFailure(f, sim.FailDeadlock, "deadlock"); err != nil {
		return err
	}
	var got []string
	for _, w := range f.Waiters {
		got = append(got, w.Name+" waits on "+w.What)
	}
	if !slices.EqualFunc(got, want, matchName) {
		return fmt.Errorf("waiters %q, want %q", got, want)
	}
	for _, w := range f.Waiters {
		if m := fmt.Sprintf("[%s waits on %s since step %d]", w.Name, w.What, w.Since); !strings.Contains(f.Msg, m) {
			return fmt.Errorf("message %q does not say %q", f.Msg, m)
		}
	}
	return nil
}

// checkLost checks that f is a lost-wakeup report naming exactly the
// sleepers want and saying why.
func checkLost(f *sim.Failure, want []string, why string) error {
	if err := wantFailure(f, sim.FailLiveness, sim.CheckLostWakeup); err != nil {
		return err
	}
	var got []string
	for _, w := range f.Waiters {
		got = append(got, w.Name+" waits on "+w.What)
	}
	if !slices.EqualFunc(got, want, matchName) {
		return fmt.Errorf("waiters %q, want %q", got, want)
	}
	if !strings.Contains(f.Msg, why) {
		return fmt.Errorf("message %q does not say %q", f.Msg, why)
	}
	return nil
}

func matchName(got, pattern string) bool {
	if len(got) != len(pattern) {
		return false
	}
	for i := range got {
		if pattern[i] != '?' && pattern[i] != got[i] {
			return false
		}
	}
	return true
}

// wait_var_event_timeout gives up when the timeout passes on the virtual
// clock and reports whether the condition held.
func TestWaitVarEventTimeout(t *testing.T) {
	tests := []struct {
		name   string
		x      int                                  // x's initial value
		waker  func(t *sim.Thread, x *sim.Var[int]) // nil: nobody sets x
		want   bool
		wantAt sim.Time // virtual time when the wait returns
		lost   string   // the run fails as a lost wake-up that says this
	}{
		{"nobody-wakes", 0, nil, false, 3 * sim.Second, ""},
		// The waker sets x and returns without waking: lost at its return.
		{"set-no-wake", 0, func(t *sim.Thread, x *sim.Var[int]) { t.Sleep(sim.Second); x.Store(t, 1) }, true, 3 * sim.Second,
			"waker, whose step made it hold, returned without waking it"},
		// The waker sets x and sleeps on without waking: the wait would
		// end by timeout although x was set at 1 s.
		{"set-no-wake-sleep", 0, func(t *sim.Thread, x *sim.Var[int]) {
			t.Sleep(sim.Second)
			x.Store(t, 1)
			t.Sleep(10 * sim.Second)
			sim.WakeUpVar(t, x)
		}, true, 3 * sim.Second, "its wait ends by timeout at 3.000000"},
		{"woken-in-time", 0, func(t *sim.Thread, x *sim.Var[int]) {
			t.Sleep(sim.Second)
			x.Store(t, 1)
			sim.WakeUpVar(t, x)
		}, true, sim.Second, ""},
		{"woken-too-late", 0, func(t *sim.Thread, x *sim.Var[int]) {
			t.Sleep(5 * sim.Second)
			x.Store(t, 1)
			sim.WakeUpVar(t, x)
		}, false, 3 * sim.Second, ""},
		{"already-true", 1, nil, true, 0, ""},
		{"woken-early-then-set", 0, func(t *sim.Thread, x *sim.Var[int]) {
			t.Sleep(sim.Second)
			sim.WakeUpVar(t, x) // spurious: x is still 0
			t.Sleep(sim.Second)
			x.Store(t, 1)
			sim.WakeUpVar(t, x)
		}, true, 2 * sim.Second, ""},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var x sim.Var[int]
				x.Init(c.x)
				got, at := !c.want, sim.Time(-1)
				k.Spawn("waiter", func(t *sim.Thread) {
					got = sim.WaitVarEventTimeout(t, &x, "x", 3*sim.Second, func() bool { return x.Peek() == 1 })
					at = t.Kernel().Now()
				})
				if c.waker != nil {
					k.Spawn("waker", func(t *sim.Thread) { c.waker(t, &x) })
				}
				return func(res sim.Result) error {
					if c.lost != "" {
						if err := checkLost(res.Failure, []string{"waiter waits on x"}, c.lost); err != nil {
							return err
						}
						return nil
					}
					if err := mustPass(res); err != nil {
						return err
					}
					if got != c.want || at != c.wantAt {
						return fmt.Errorf("returned %v at %v, want %v at %v", got, at, c.want, c.wantAt)
					}
					return nil
				}
			}
			sweepSeeds(t, p, 100, nil)
		})
	}
}
