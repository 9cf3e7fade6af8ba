package sim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// lockKind makes a named lock and returns its lock and unlock operations.
type lockKind struct {
	name string
	make func(name string) (lock, unlock func(t *sim.Thread))
}

var lockKinds = []lockKind{
	{"mutex", func(name string) (func(*sim.Thread), func(*sim.Thread)) {
		m := &sim.Mutex{Name: name}
		return m.Lock, m.Unlock
	}},
	{"spinlock", func(name string) (func(*sim.Thread), func(*sim.Thread)) {
		l := &sim.SpinLock{Name: name}
		return l.Lock, l.Unlock
	}},
	{"rwsem-write", func(name string) (func(*sim.Thread), func(*sim.Thread)) {
		s := &sim.RWSem{Name: name}
		return s.DownWrite, s.UpWrite
	}},
	{"bit-spinlock", func(name string) (func(*sim.Thread), func(*sim.Thread)) {
		f := &sim.Flags{}
		return func(t *sim.Thread) { sim.BitSpinLock(t, f, 0, name) }, func(t *sim.Thread) { sim.BitSpinUnlock(t, f, 0, name) }
	}},
}

// Two threads take locks A and B. In opposite orders they deadlock in some
// schedules (and the report names both threads and the lock each waits
// for); in the same order they never do.
func TestDeadlockLockOrder(t *testing.T) {
	for _, lk := range lockKinds {
		for _, abba := range []bool{true, false} {
			name := lk.name + "/ab-ab"
			if abba {
				name = lk.name + "/ab-ba"
			}
			t.Run(name, func(t *testing.T) {
				p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
					lockA, unlockA := lk.make("A")
					lockB, unlockB := lk.make("B")
					k.Spawn("t1", func(t *sim.Thread) {
						lockA(t)
						lockB(t)
						unlockB(t)
						unlockA(t)
					})
					k.Spawn("t2", func(t *sim.Thread) {
						first, second, unfirst, unsecond := lockA, lockB, unlockA, unlockB
						if abba {
							first, second, unfirst, unsecond = lockB, lockA, unlockB, unlockA
						}
						first(t)
						second(t)
						unsecond(t)
						unfirst(t)
					})
					return nil
				}
				s := sweepSeeds(t, p, 200, nil)
				if !abba {
					if s.count("pass") != s.runs {
						t.Fatalf("outcomes %v, want every run to pass", s.outcomes)
					}
					return
				}
				if s.count("fail/deadlock") == 0 || s.count("pass") == 0 || s.count("fail/deadlock")+s.count("pass") != s.runs {
					t.Fatalf("outcomes %v, want some runs to deadlock and the others to pass", s.outcomes)
				}
				for i, f := range s.failures {
					if err := checkWaiters(f, []string{"t1 waits on B", "t2 waits on A"}); err != nil {
						t.Fatalf("seed %d: %v", s.failSeed[i], err)
					}
				}
			})
		}
	}
}

// misuseCase is a program that misuses a lock (bad) beside the correct
// version of the same program, and the report the bad one must get.
type misuseCase struct {
	name   string
	prog   func(k *sim.Kernel, bad bool)
	check  string
	thread string   // the thread the report names
	msg    []string // the report's message mentions each
}

var misuseTests = []misuseCase{
	{
		name: "mutex-unlock-by-non-owner",
		prog: func(k *sim.Kernel, bad bool) {
			m := &sim.Mutex{Name: "m"}
			var locked, release sim.Completion
			k.Spawn("owner", func(t *sim.Thread) {
				m.Lock(t)
				locked.Complete(t)
				release.Wait(t)
				m.Unlock(t)
			})
			k.Spawn("other", func(t *sim.Thread) {
				locked.Wait(t)
				if bad {
					m.Unlock(t)
				}
				release.Complete(t)
			})
		},
		check:  "bad-unlock",
		thread: "other",
		msg:    []string{"mutex_unlock of m held by owner"},
	},
	{
		name: "spin-unlock-not-held",
		prog: func(k *sim.Kernel, bad bool) {
			l := &sim.SpinLock{Name: "l"}
			k.Spawn("t", func(t *sim.Thread) {
				if !bad {
					l.Lock(t)
				}
				l.Unlock(t)
			})
		},
		check:  "bad-unlock",
		thread: "t",
		msg:    []string{"spin_unlock of l held by nobody"},
	},
	{
		name: "recursive-spin-lock",
		prog: func(k *sim.Kernel, bad bool) {
			l := &sim.SpinLock{Name: "l"}
			k.Spawn("t", func(t *sim.Thread) {
				l.Lock(t)
				if !bad {
					l.Unlock(t)
				}
				l.Lock(t)
				l.Unlock(t)
			})
		},
		check:  "recursive-lock",
		thread: "t",
		msg:    []string{"spin_lock of l already held"},
	},
	{
		name: "recursive-mutex",
		prog: func(k *sim.Kernel, bad bool) {
			m := &sim.Mutex{Name: "m"}
			k.Spawn("t", func(t *sim.Thread) {
				m.Lock(t)
				if !bad {
					m.Unlock(t)
				}
				m.Lock(t)
				m.Unlock(t)
			})
		},
		check:  "recursive-lock",
		thread: "t",
		msg:    []string{"mutex_lock of m already held"},
	},
	{
		name: "down-write-while-read-held",
		prog: func(k *sim.Kernel, bad bool) {
			s := &sim.RWSem{Name: "s"}
			k.Spawn("t", func(t *sim.Thread) {
				s.DownRead(t)
				if !bad {
					s.UpRead(t)
				}
				s.DownWrite(t)
				s.UpWrite(t)
			})
		},
		check:  "recursive-lock",
		thread: "t",
		msg:    []string{"down_write of s already held"},
	},
	{
		name: "up-read-not-held",
		prog: func(k *sim.Kernel, bad bool) {
			s := &sim.RWSem{Name: "s"}
			k.Spawn("t", func(t *sim.Thread) {
				if !bad {
					s.DownRead(t)
				}
				s.UpRead(t)
			})
		},
		check:  "bad-unlock",
		thread: "t",
		msg:    []string{"up_read of s not read-held"},
	},
	{
		name: "recursive-bit-spin-lock",
		prog: func(k *sim.Kernel, bad bool) {
			var f sim.Flags
			k.Spawn("t", func(t *sim.Thread) {
				sim.BitSpinLock(t, &f, 2, "hash_bl")
				if !bad {
					sim.BitSpinUnlock(t, &f, 2, "hash_bl")
				}
				sim.BitSpinLock(t, &f, 2, "hash_bl")
				sim.BitSpinUnlock(t, &f, 2, "hash_bl")
			})
		},
		check:  "recursive-lock",
		thread: "t",
		msg:    []string{"bit_spin_lock of hash_bl already held"},
	},
	{
		name: "mutex-lock-under-spinlock",
		prog: func(k *sim.Kernel, bad bool) {
			l := &sim.SpinLock{Name: "l"}
			m := &sim.Mutex{Name: "m"}
			k.Spawn("t", func(t *sim.Thread) {
				if bad {
					l.Lock(t)
					m.Lock(t)
					m.Unlock(t)
					l.Unlock(t)
					return
				}
				m.Lock(t)
				l.Lock(t)
				l.Unlock(t)
				m.Unlock(t)
			})
		},
		check:  "sleep-in-atomic",
		thread: "t",
		msg:    []string{"mutex_lock(m) while holding l"},
	},
	{
		name: "msleep-under-bit-spinlock",
		prog: func(k *sim.Kernel, bad bool) {
			var f sim.Flags
			k.Spawn("t", func(t *sim.Thread) {
				sim.BitSpinLock(t, &f, 0, "bl")
				if !bad {
					sim.BitSpinUnlock(t, &f, 0, "bl")
				}
				t.Sleep(sim.Millisecond)
				if bad {
					sim.BitSpinUnlock(t, &f, 0, "bl")
				}
			})
		},
		check:  "sleep-in-atomic",
		thread: "t",
		msg:    []string{"msleep while holding bl"},
	},
	{
		name: "return-holding-spinlock",
		prog: func(k *sim.Kernel, bad bool) {
			l := &sim.SpinLock{Name: "l"}
			k.Spawn("t", func(t *sim.Thread) {
				l.Lock(t)
				if !bad {
					l.Unlock(t)
				}
			})
			k.Spawn("bystander", func(t *sim.Thread) { t.Yield() })
		},
		check:  "lock-held-at-exit",
		thread: "t",
		msg:    []string{"returned holding l"},
	},
	{
		name: "return-holding-mutex",
		prog: func(k *sim.Kernel, bad bool) {
			m := &sim.Mutex{Name: "m"}
			k.Spawn("t", func(t *sim.Thread) {
				m.Lock(t)
				if !bad {
					m.Unlock(t)
				}
			})
		},
		check:  "lock-held-at-exit",
		thread: "t",
		msg:    []string{"returned holding m"},
	},
	{
		// A work function that returns holding a lock is reported when it
		// returns, even on an ordered workqueue whose worker goes on.
		name: "work-returns-holding-mutex",
		prog: func(k *sim.Kernel, bad bool) {
			m := &sim.Mutex{Name: "m"}
			wq := &sim.Workqueue{Name: "wq", Ordered: true}
			w := &sim.Work{Name: "w", Func: func(t *sim.Thread) {
				m.Lock(t)
				if !bad {
					m.Unlock(t)
				}
			}}
			other := &sim.Work{Name: "other", Func: func(t *sim.Thread) { t.Yield() }}
			k.Spawn("queuer", func(t *sim.Thread) {
				sim.QueueWork(t, wq, w)
				sim.QueueWork(t, wq, other)
			})
		},
		check:  "lock-held-at-exit",
		thread: "kworker/u4:1",
		msg:    []string{"work function w returned holding m"},
	},
}

func TestLockMisuse(t *testing.T) {
	for _, c := range misuseTests {
		for _, bad := range []bool{true, false} {
			name := c.name + "/correct"
			if bad {
				name = c.name + "/misuse"
			}
			t.Run(name, func(t *testing.T) {
				p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
					c.prog(k, bad)
					return func(res sim.Result) error {
						if !bad {
							return mustPass(res)
						}
						if err := wantFailure(res.Failure, sim.FailLockMisuse, c.check, c.msg...); err != nil {
							return err
						}
						if res.Failure.ThreadName != c.thread {
							return fmt.Errorf("report names thread %q, want %q", res.Failure.ThreadName, c.thread)
						}
						return nil
					}
				}
				sweepSeeds(t, p, 50, nil)
			})
		}
	}
}

// lifeCase is a program over tracked objects and the report it must get
// (class 0: the run passes).
type lifeCase struct {
	name  string
	prog  func(k *sim.Kernel, freed *int64) // *freed: the step of the first Free
	class sim.FailClass
	check string
	msg   []string // %d in a message is replaced by the step of the first Free
	objs  []string
}

var lifeTests = []lifeCase{
	{
		name: "use-then-free",
		prog: func(k *sim.Kernel, freed *int64) {
			l := &sim.Life{Kind: "cookie", ID: 7}
			k.Track(l)
			k.ExpectAllFreed()
			var used sim.Completion
			k.Spawn("user", func(t *sim.Thread) { t.Yield(); t.Use(l); used.Complete(t) })
			k.Spawn("freer", func(t *sim.Thread) { used.Wait(t); *freed = t.Kernel().Step(); t.Free(l) })
		},
	},
	{
		name: "use-after-free",
		prog: func(k *sim.Kernel, freed *int64) {
			l := &sim.Life{Kind: "cookie", ID: 7}
			k.Track(l)
			var gone sim.Completion
			k.Spawn("user", func(t *sim.Thread) { gone.Wait(t); t.Use(l) })
			k.Spawn("freer", func(t *sim.Thread) { t.Yield(); *freed = t.Kernel().Step(); t.Free(l); gone.Complete(t) })
		},
		class: sim.FailUseAfterFree,
		check: "use-after-free",
		msg:   []string{"use of cookie 00000007 freed at step %d by freer"},
		objs:  []string{"cookie:00000007"},
	},
	{
		name: "double-free",
		prog: func(k *sim.Kernel, freed *int64) {
			l := &sim.Life{Kind: "volume", ID: 0x2a}
			k.Track(l)
			var gone sim.Completion
			k.Spawn("freer", func(t *sim.Thread) { t.Yield(); *freed = t.Kernel().Step(); t.Free(l); gone.Complete(t) })
			k.Spawn("again", func(t *sim.Thread) { gone.Wait(t); t.Free(l) })
		},
		class: sim.FailUseAfterFree,
		check: "double-free",
		msg:   []string{"double free of volume 0000002a: first freed at step %d by freer"},
		objs:  []string{"volume:0000002a"},
	},
	{
		name: "leak",
		prog: func(k *sim.Kernel, freed *int64) {
			a, b, c := &sim.Life{Kind: "cookie", ID: 1}, &sim.Life{Kind: "volume", ID: 2}, &sim.Life{Kind: "cache", ID: 3}
			k.Track(a)
			k.Track(b)
			k.Track(c)
			k.ExpectAllFreed()
			k.Spawn("t", func(t *sim.Thread) { t.Yield(); t.Free(b) })
		},
		class: sim.FailLeak,
		check: "leak",
		msg:   []string{"2 object(s) still alive"},
		objs:  []string{"cookie:00000001", "cache:00000003"},
	},
	{
		// Without ExpectAllFreed, objects alive at the end are fine.
		name: "no-leak-check",
		prog: func(k *sim.Kernel, freed *int64) {
			k.Track(&sim.Life{Kind: "cookie", ID: 1})
			k.Spawn("t", func(t *sim.Thread) { t.Yield() })
		},
	},
}

func TestLifetimes(t *testing.T) {
	for _, c := range lifeTests {
		t.Run(c.name, func(t *testing.T) {
			p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
				freed := int64(-1)
				c.prog(k, &freed)
				return func(res sim.Result) error {
					if c.class == 0 {
						return mustPass(res)
					}
					var msg []string
					for _, m := range c.msg {
						if strings.Contains(m, "%d") {
							m = fmt.Sprintf(m, freed)
						}
						msg = append(msg, m)
					}
					if err := wantFailure(res.Failure, c.class, c.check, msg...); err != nil {
						return err
					}
					if got := fmt.Sprint(res.Failure.Objects); got != fmt.Sprint(c.objs) {
						return fmt.Errorf("objects %s, want %v", got, c.objs)
					}
					return nil
				}
			}
			sweepSeeds(t, p, 50, nil)
		})
	}
}

// A thread that panics is an oops: a failure of the run, with the panic and
// its stack, not a crash of the process; the other threads are torn down.
func TestOops(t *testing.T) {
	type node struct{ next *node }
	tests := []struct {
		name   string
		spawn  func(k *sim.Kernel, oops func(t *sim.Thread))
		thread string
		oops   func(t *sim.Thread)
		msg    string
	}{
		{
			name:   "nil-dereference",
			spawn:  func(k *sim.Kernel, oops func(*sim.Thread)) { k.Spawn("crasher", oops) },
			thread: "crasher",
			oops:   func(t *sim.Thread) { var n *node; t.Yield(); _ = n.next.next },
			msg:    "invalid memory address or nil pointer dereference",
		},
		{
			name:   "index-out-of-range",
			spawn:  func(k *sim.Kernel, oops func(*sim.Thread)) { k.Spawn("crasher", oops) },
			thread: "crasher",
			oops:   func(t *sim.Thread) { s := []int{1}; i := 3; t.Yield(); _ = s[i] },
			msg:    "index out of range",
		},
		{
			name:   "panic",
			spawn:  func(k *sim.Kernel, oops func(*sim.Thread)) { k.Spawn("crasher", oops) },
			thread: "crasher",
			oops:   func(t *sim.Thread) { t.Yield(); panic("kernel BUG at fs/netfs/fscache_cookie.c") },
			msg:    "Oops: kernel BUG at fs/netfs/fscache_cookie.c",
		},
		{
			name: "in-work-function",
			spawn: func(k *sim.Kernel, oops func(*sim.Thread)) {
				k.Spawn("queuer", func(t *sim.Thread) {
					sim.QueueWork(t, &sim.Workqueue{Name: "wq"}, &sim.Work{Name: "w", Func: oops})
				})
			},
			thread: "kworker/u4:1",
			oops:   func(t *sim.Thread) { var n *node; _ = n.next },
			msg:    "nil pointer dereference",
		},
		{
			name: "in-timer-callback",
			spawn: func(k *sim.Kernel, oops func(*sim.Thread)) {
				tm := &sim.Timer{Name: "lru_timer", Func: oops}
				k.Spawn("armer", func(t *sim.Thread) { tm.Mod(t, sim.Second) })
			},
			thread: "lru_timer",
			oops:   func(t *sim.Thread) { var m map[string]int; m["x"] = 1 },
			msg:    "assignment to entry in nil map",
		},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
				c.spawn(k, c.oops)
				// Bystanders that are mid-way when the oops happens, one
				// holding a lock it releases in a defer.
				m := &sim.Mutex{Name: "m"}
				k.Spawn("bystander", func(t *sim.Thread) {
					m.Lock(t)
					defer m.Unlock(t)
					for i := 0; i < 5; i++ {
						t.Yield()
					}
				})
				return func(res sim.Result) error {
					if err := wantFailure(res.Failure, sim.FailOops, "oops", c.msg); err != nil {
						return err
					}
					if res.Outcome != sim.OutcomeFail || res.Failure.ThreadName != c.thread || !strings.Contains(res.Failure.Stack, "goroutine") {
						return fmt.Errorf("outcome %v in %q with stack %q; want a failure in %q with a Go stack",
							res.Outcome, res.Failure.ThreadName, res.Failure.Stack, c.thread)
					}
					return nil
				}
			}
			sweepSeeds(t, p, 20, nil)
		})
	}
}

// Hitting MaxSteps ends the run with OutcomeBound after exactly MaxSteps
// steps, never silently.
func TestStepBound(t *testing.T) {
	tests := []struct {
		name     string
		maxSteps int64
		want     int64
		threads  int
	}{
		{"one-thread", 1000, 1000, 1},
		{"three-threads", 1000, 1000, 3},
		{"default", 0, sim.DefaultMaxSteps, 2},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			k := sim.New(sim.Options{Seed: 3, MaxSteps: c.maxSteps})
			for i := 0; i < c.threads; i++ {
				k.Spawn(fmt.Sprintf("spinner-%d", i), func(t *sim.Thread) {
					for {
						t.Yield()
					}
				})
			}
			res := k.Run()
			if res.Outcome != sim.OutcomeBound || res.Steps != c.want || res.Failure != nil {
				t.Fatalf("outcome %v after %d steps (failure %v), want step-bound after %d", res.Outcome, res.Steps, res.Failure, c.want)
			}
			for _, th := range k.Threads() {
				if !th.Done() {
					t.Fatalf("thread %s not torn down", th.Name())
				}
			}
		})
	}
}

// A per-step check (StepHook) and the model's BUG() both end the run with
// an invariant failure at the step where it was found; only the first
// failure of a run is kept.
func TestInvariantReports(t *testing.T) {
	tests := []struct {
		name   string
		hook   bool // report from the step hook, else from the thread with Bug
		thread string
	}{
		{"step-hook", true, "-"},
		{"bug", false, "counter"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				var x sim.Atomic
				var at int64 = -1
				k := sim.New(sim.Options{Seed: seed, StepHook: func(k *sim.Kernel) {
					if c.hook && x.Peek() == 3 {
						k.Report(&sim.Failure{Class: sim.FailInvariant, Check: "I-3", Msg: "x reached 3"})
						k.Report(&sim.Failure{Class: sim.FailInvariant, Check: "I-4", Msg: "a second report"})
					}
				}})
				k.Spawn("counter", func(t *sim.Thread) {
					for {
						if x.Inc(t) == 3 {
							at = t.Kernel().Step()
							if !c.hook {
								t.Bug("I-3", "x reached %d", 3)
							}
						}
					}
				})
				k.Spawn("bystander", func(t *sim.Thread) { t.Yield(); t.Yield() })
				res := k.Run()
				if err := wantFailure(res.Failure, sim.FailInvariant, "I-3", "x reached 3"); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				who := res.Failure.ThreadName
				if who == "" {
					who = "-"
				}
				if res.Outcome != sim.OutcomeFail || res.Failure.Step != at || res.Steps != at || who != c.thread {
					t.Fatalf("seed %d: %v at step %d in %q after %d steps; want a failure at step %d in %q", seed, res.Outcome, res.Failure.Step, who, res.Steps, at, c.thread)
				}
			}
		})
	}
}
