package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// wqCase is a workqueue program run on an unbound and on an ordered
// workqueue, over many seeds.
type wqCase struct {
	name string
	// prog builds the program on the workqueue wq.
	prog func(wq *sim.Workqueue) program
	// across, if set, judges the whole sweep (what must be seen at least
	// once, or never).
	across func(ordered bool, s sweep) error
}

var workqueueTests = []wqCase{
	{
		// Queueing a pending item (here: pending on its timer) returns
		// false and changes nothing: it runs once, when the first delay
		// expires.
		name: "queue-pending-is-noop",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var runs int
				var ran []sim.Time
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) { runs++; ran = append(ran, t.Kernel().Now()) }}
				var rets []bool
				k.Spawn("queuer", func(t *sim.Thread) {
					rets = append(rets, sim.QueueDelayedWork(t, wq, w, sim.Second))
					rets = append(rets, sim.QueueWork(t, wq, w))
					rets = append(rets, sim.QueueDelayedWork(t, wq, w, 5*sim.Second))
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if !slices.Equal(rets, []bool{true, false, false}) {
						return fmt.Errorf("queue returns %v, want [true false false]", rets)
					}
					if !slices.Equal(ran, []sim.Time{sim.Second}) {
						return fmt.Errorf("ran at %v, want once at 1s", ran)
					}
					return nil
				}
			}
		},
	},
	{
		// Three threads queue one item three times each. Every queue_work
		// that returns true leads to exactly one run, an item never runs
		// twice at once, and across seeds both a false return (pending) and
		// a true return while the item runs are seen.
		name: "one-run-per-true-never-concurrent",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var runs, inside, maxInside, trues int
				w := &sim.Work{Name: "w"}
				w.Func = func(t *sim.Thread) {
					runs++
					inside++
					maxInside = max(maxInside, inside)
					t.Yield()
					t.Yield()
					inside--
				}
				for i := 0; i < 3; i++ {
					k.Spawn(fmt.Sprintf("queuer-%d", i), func(t *sim.Thread) {
						for j := 0; j < 3; j++ {
							if sim.QueueWork(t, wq, w) {
								trues++
								if w.Running() && inside > 0 {
									seen.see("true-while-running")
								}
							} else {
								seen.see("false-while-pending")
							}
							t.Yield()
						}
					})
				}
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if maxInside != 1 {
						return fmt.Errorf("%d concurrent runs of one item, want 1", maxInside)
					}
					if runs != trues {
						return fmt.Errorf("%d runs for %d successful queue_work calls", runs, trues)
					}
					return nil
				}
			}
		},
		across: func(ordered bool, s sweep) error {
			for _, what := range []string{"true-while-running", "false-while-pending"} {
				if s.seen[what] == 0 {
					return fmt.Errorf("never saw %s in %d runs", what, s.runs)
				}
			}
			return nil
		},
	},
	{
		// Queueing an item while it runs (and is not pending) returns true
		// and makes it run exactly once more; queueing it again before that
		// returns false.
		name: "queue-while-running-runs-once-more",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var started, gate sim.Completion
				runs := 0
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) {
					runs++
					if runs == 1 {
						started.Complete(t)
						gate.Wait(t)
					}
				}}
				var rets []bool
				var flushedRuns int
				k.Spawn("queuer", func(t *sim.Thread) {
					rets = append(rets, sim.QueueWork(t, wq, w))
					started.Wait(t)
					rets = append(rets, sim.QueueWork(t, wq, w))
					rets = append(rets, sim.QueueWork(t, wq, w))
					gate.Complete(t)
					sim.FlushWork(t, w)
					flushedRuns = runs
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if !slices.Equal(rets, []bool{true, true, false}) {
						return fmt.Errorf("queue returns %v, want [true true false]", rets)
					}
					if runs != 2 || flushedRuns != 2 {
						return fmt.Errorf("%d runs (%d when flush returned), want 2", runs, flushedRuns)
					}
					return nil
				}
			}
		},
	},
	{
		// Two items, queued together, each record three steps. On an
		// unbound workqueue their steps interleave in some run; on an
		// ordered one never.
		name: "items-in-parallel",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var tr trace
				item := func(name string) *sim.Work {
					return &sim.Work{Name: name, Func: func(t *sim.Thread) {
						for i := 0; i < 3; i++ {
							tr.add("%s", name)
							t.Yield()
						}
					}}
				}
				a, b := item("a"), item("b")
				k.Spawn("queuer", func(t *sim.Thread) {
					sim.QueueWork(t, wq, a)
					sim.QueueWork(t, wq, b)
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					switch s := tr.String(); s {
					case "a a a b b b", "b b b a a a":
						seen.see("serial " + s)
					default:
						seen.see("interleaved")
					}
					return nil
				}
			}
		},
		across: func(ordered bool, s sweep) error {
			if ordered {
				if s.seen["interleaved"] != 0 || s.seen["serial a a a b b b"] != s.runs {
					return fmt.Errorf("ordered workqueue: %v, want always a a a b b b", s.seen)
				}
				return nil
			}
			if s.seen["interleaved"] == 0 {
				return fmt.Errorf("unbound workqueue: items never ran in parallel: %v", s.seen)
			}
			return nil
		},
	},
	{
		// Delayed work runs at now+delay on the virtual clock.
		name: "delayed-fires-at-deadline",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var ran []sim.Time
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) { ran = append(ran, t.Kernel().Now()) }}
				k.Spawn("queuer", func(t *sim.Thread) {
					t.Sleep(sim.Second)
					sim.QueueDelayedWork(t, wq, w, 5*sim.Second)
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if !slices.Equal(ran, []sim.Time{6 * sim.Second}) {
						return fmt.Errorf("ran at %v, want once at 6s", ran)
					}
					return nil
				}
			}
		},
	},
	{
		// An item that queues itself as delayed work while it runs runs
		// again only when the delay has passed, not as soon as it returns.
		name: "delayed-requeue-while-running",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var ran []sim.Time
				w := &sim.Work{Name: "w"}
				w.Func = func(t *sim.Thread) {
					ran = append(ran, t.Kernel().Now())
					if len(ran) == 1 {
						if !sim.QueueDelayedWork(t, wq, w, 2*sim.Second) {
							t.Bug("test", "queue_delayed_work of the running item returned false")
						}
					}
				}
				k.Spawn("queuer", func(t *sim.Thread) { sim.QueueWork(t, wq, w) })
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if !slices.Equal(ran, []sim.Time{0, 2 * sim.Second}) {
						return fmt.Errorf("ran at %v, want at 0s and 2s", ran)
					}
					return nil
				}
			}
		},
	},
	{
		// cancel_delayed_work takes the item off its timer: it never runs
		// and the clock never moves.
		name: "cancel-delayed",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				runs := 0
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) { runs++ }}
				var rets []bool
				k.Spawn("queuer", func(t *sim.Thread) {
					rets = append(rets, sim.QueueDelayedWork(t, wq, w, 5*sim.Second))
					t.Yield()
					rets = append(rets, sim.CancelDelayedWork(t, w))
					rets = append(rets, sim.CancelDelayedWork(t, w))
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if !slices.Equal(rets, []bool{true, true, false}) || runs != 0 || res.Time != 0 {
						return fmt.Errorf("returns %v, %d runs, clock at %v; want [true true false], 0 runs, 0s", rets, runs, res.Time)
					}
					return nil
				}
			}
		},
	},
	{
		// An item queued behind a busy one is cancelled, then queued again.
		// On an ordered workqueue it cannot have started, so the cancel
		// succeeds and it runs once; on an unbound one it may already have
		// run. Either way it runs once per successful queue_work not undone
		// by a successful cancel.
		name: "cancel-queued-then-requeue",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				var started, gate sim.Completion
				runs := 0
				busy := &sim.Work{Name: "busy", Func: func(t *sim.Thread) {
					started.Complete(t)
					gate.Wait(t)
				}}
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) { runs++ }}
				var rets []bool
				k.Spawn("queuer", func(t *sim.Thread) {
					sim.QueueWork(t, wq, busy)
					started.Wait(t)
					rets = append(rets, sim.QueueWork(t, wq, w))
					rets = append(rets, sim.CancelDelayedWork(t, w))
					rets = append(rets, sim.QueueWork(t, wq, w))
					gate.Complete(t)
					sim.FlushWork(t, w)
					sim.FlushWork(t, busy)
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					seen.see(fmt.Sprint(rets))
					want := 2
					if rets[1] {
						want = 1
					}
					if !rets[0] || !rets[2] || runs != want {
						return fmt.Errorf("returns %v and %d runs", rets, runs)
					}
					return nil
				}
			}
		},
		across: func(ordered bool, s sweep) error {
			if ordered && s.seen["[true true true]"] != s.runs {
				return fmt.Errorf("ordered: %v, want the cancel to succeed every time", s.seen)
			}
			if !ordered && (s.seen["[true true true]"] == 0 || s.seen["[true false true]"] == 0) {
				return fmt.Errorf("unbound: %v, want both a cancel before the start and one too late", s.seen)
			}
			return nil
		},
	},
	{
		// flush_work returns only once the item has run; it reports whether
		// it had to wait, and an idle item does not make it wait.
		name: "flush-waits",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				done := false
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) {
					t.Yield()
					t.Yield()
					done = true
				}}
				var errs []string
				k.Spawn("flusher", func(t *sim.Thread) {
					if sim.FlushWork(t, w) {
						errs = append(errs, "flush of an idle item waited")
					}
					sim.QueueWork(t, wq, w)
					waited := sim.FlushWork(t, w)
					if !done {
						errs = append(errs, "flush returned before the item ran")
					}
					if waited {
						seen.see("waited")
					}
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if len(errs) > 0 {
						return fmt.Errorf("%s", strings.Join(errs, "; "))
					}
					return nil
				}
			}
		},
		across: func(ordered bool, s sweep) error {
			if s.seen["waited"] == 0 {
				return fmt.Errorf("flush never had to wait in %d runs", s.runs)
			}
			return nil
		},
	},
	{
		// A flusher waiting for delayed work returns when another thread
		// cancels it.
		name: "flush-returns-on-cancel",
		prog: func(wq *sim.Workqueue) program {
			return func(k *sim.Kernel, seen notes) func(sim.Result) error {
				runs := 0
				w := &sim.Work{Name: "w", Func: func(t *sim.Thread) { runs++ }}
				var flushedAt sim.Time = -1
				k.Spawn("queuer", func(t *sim.Thread) {
					sim.QueueDelayedWork(t, wq, w, 5*sim.Second)
					k.Spawn("flusher", func(t *sim.Thread) {
						sim.FlushWork(t, w)
						flushedAt = t.Kernel().Now()
					})
					t.Sleep(sim.Second)
					sim.CancelDelayedWork(t, w)
				})
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					if runs != 0 || flushedAt != sim.Second {
						return fmt.Errorf("%d runs, flush returned at %v; want 0 runs, at 1s", runs, flushedAt)
					}
					return nil
				}
			}
		},
	},
}

func TestWorkqueue(t *testing.T) {
	for _, c := range workqueueTests {
		for _, ordered := range []bool{false, true} {
			kind := "unbound"
			if ordered {
				kind = "ordered"
			}
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
					return c.prog(&sim.Workqueue{Name: "test_wq", Ordered: ordered})(k, seen)
				}
				s := sweepSeeds(t, p, 200, nil)
				if c.across != nil {
					if err := c.across(ordered, s); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}

// orderedCase is a program on one ordered workqueue whose items record when
// they start and end; want is the only run order allowed, or nil when the
// order is the order in which queue_work succeeded.
type orderedCase struct {
	name string
	prog func(k *sim.Kernel, wq *sim.Workqueue, item func(name string, body func(t *sim.Thread)) *sim.Work, queued *trace)
	want string
}

var orderedTests = []orderedCase{
	{
		// Three threads queue two items each; items run one at a time in
		// the order they were queued.
		name: "fifo-across-threads",
		prog: func(k *sim.Kernel, wq *sim.Workqueue, item func(string, func(*sim.Thread)) *sim.Work, queued *trace) {
			for i := 0; i < 3; i++ {
				ws := []*sim.Work{item(fmt.Sprintf("%c", 'a'+2*i), nil), item(fmt.Sprintf("%c", 'b'+2*i), nil)}
				k.Spawn(fmt.Sprintf("queuer-%d", i), func(t *sim.Thread) {
					for _, w := range ws {
						if sim.QueueWork(t, wq, w) {
							queued.add("%s", w.Name)
						}
						t.Yield()
					}
				})
			}
		},
	},
	{
		// An item queued while it runs goes to the back of the queue:
		// behind items queued before it.
		name: "requeue-behind-others",
		prog: func(k *sim.Kernel, wq *sim.Workqueue, item func(string, func(*sim.Thread)) *sim.Work, queued *trace) {
			var a *sim.Work
			b := item("b", nil)
			a = item("a", func(t *sim.Thread) {
				if queued.String() == "a" {
					sim.QueueWork(t, wq, b)
					queued.add("b")
					sim.QueueWork(t, wq, a)
					queued.add("a")
				}
			})
			k.Spawn("queuer", func(t *sim.Thread) {
				sim.QueueWork(t, wq, a)
				queued.add("a")
			})
		},
		want: "a b a",
	},
	{
		// ... and ahead of items queued after it.
		name: "requeue-ahead-of-others",
		prog: func(k *sim.Kernel, wq *sim.Workqueue, item func(string, func(*sim.Thread)) *sim.Work, queued *trace) {
			var a *sim.Work
			b := item("b", nil)
			a = item("a", func(t *sim.Thread) {
				if queued.String() == "a" {
					sim.QueueWork(t, wq, a)
					queued.add("a")
					sim.QueueWork(t, wq, b)
					queued.add("b")
				}
			})
			k.Spawn("queuer", func(t *sim.Thread) {
				sim.QueueWork(t, wq, a)
				queued.add("a")
			})
		},
		want: "a a b",
	},
}

func TestOrderedWorkqueueFIFO(t *testing.T) {
	for _, c := range orderedTests {
		t.Run(c.name, func(t *testing.T) {
			p := func(k *sim.Kernel, seen notes) func(sim.Result) error {
				wq := &sim.Workqueue{Name: "ordered_wq", Ordered: true}
				var ran trace // "+a" at start, "-a" at end
				var queued trace
				item := func(name string, body func(t *sim.Thread)) *sim.Work {
					return &sim.Work{Name: name, Func: func(t *sim.Thread) {
						ran.add("+%s", name)
						t.Yield()
						if body != nil {
							body(t)
						}
						t.Yield()
						ran.add("-%s", name)
					}}
				}
				c.prog(k, wq, item, &queued)
				return func(res sim.Result) error {
					if err := mustPass(res); err != nil {
						return err
					}
					var order []string
					for i := 0; i < len(ran); i += 2 {
						if i+1 >= len(ran) || ran[i][0] != '+' || ran[i+1] != "-"+ran[i][1:] {
							return fmt.Errorf("items overlap: %s", ran)
						}
						order = append(order, ran[i][1:])
					}
					want := c.want
					if want == "" {
						want = queued.String()
					}
					if got := strings.Join(order, " "); got != want {
						return fmt.Errorf("ran %s, want %s", got, want)
					}
					return nil
				}
			}
			sweepSeeds(t, p, 200, nil)
		})
	}
}
