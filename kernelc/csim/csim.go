//go:build fscachesim_kernelc

package csim

/*
#cgo LDFLAGS: -lkernelc
#include <stddef.h>
#include <stdlib.h>

void kc_reset_globals(void);
void kc_go_world(void);
int kc_start_scenario(const char *name);
extern int kc_bug_switch;
void kc_go_set_jiffies(unsigned long j);
int kc_go_step(int slot);
int kc_go_state(int slot);
int kc_go_op(int slot);
const void *kc_go_addr(int slot);
unsigned long kc_go_deadline(int slot);
const char *kc_go_comm(int slot);
void kc_go_timeout(int slot);
int kc_go_spawned(int *out);
int kc_go_woken(int *out);
int kc_go_armed(void **out, unsigned long *expires);
int kc_go_fire_timer(void *p);
const char *kc_go_traces(size_t *len);
int kc_findings(void);
const char *kc_finding_text(void);
long kc_live_allocs(void);
void kc_world_free(void);
void kc_go_run(int slot, unsigned long jiffies, long *v);
long kc_go_globals_size(void);
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/sim"
)

const (
	maxThreads = 64 // KC_MAX_THREADS
	maxTimers  = 16 // KC_MAX_TIMERS

	stRunnable = 1 // enum kc_tstate
	stBlocked  = 2

	// Jiffy is one tick of the C build's clock (HZ = 100); jiffies start
	// at 1000, as in the C-only runner.
	Jiffy        = 10 * sim.Millisecond
	firstJiffies = 1000
)

// evTrace is one tracepoint of the kernel's own code: Str[0] is the event
// name ("fscache_cookie"), Str[1] the kernel's TP_printk text.
var evTrace = sim.RegisterEventType("kc_trace", func(b []byte, e *sim.Event) []byte {
	b = append(b, e.Str[0]...)
	b = append(b, ": "...)
	return append(b, e.Str[1]...)
})

// kinds maps enum kc_op to the access sim's strategies see.
var kinds = [...]sim.AccessKind{
	sim.AccLock, sim.AccUnlock, sim.AccWrite, sim.AccWrite, sim.AccRead,
	sim.AccWrite, sim.AccYield, sim.AccWake, sim.AccQueue, sim.AccTimer,
	sim.AccYield, sim.AccWrite,
}

// Options say what to run.
type Options struct {
	Scenario string      // a scenario of csrc/kc_driver.c: life, two-users, lru-vs-use, lru-vs-io, lru-wait, lru-io-wait
	Bug      string      // "", use-after-relinquish or heap-overflow (the driver's bug switches)
	Sim      sim.Options // seed, strategy, step bound, Record, hooks
	// NoCheck skips package checker: no mirror of the C objects is kept
	// and no state-change events are made (only the C side's own checks).
	NoCheck bool
	// Checker configures package checker (liveness bound, extensions).
	Checker checker.Options
	// Checked, if set, gets the run's checker before the run (tests read
	// its mirror, ck.Fscache(), and its coverage).
	Checked func(ck *checker.Checker)
}

// run is one execution: the C world's threads mirrored as sim threads.
type run struct {
	k       *sim.Kernel
	mirrors [maxThreads]*mirror
	timers  map[uintptr]*sim.Timer
	objs    map[uintptr]uint32
	ints    [maxThreads]C.int
	res     [8]C.long
	ptrs    [maxTimers]unsafe.Pointer
	expires [maxTimers]C.ulong

	w        *world  // the mirror the checker reads; nil with NoCheck
	lruTimer uintptr // the C's fscache_cookie_lru_timer
}

// mirror is one C thread's sim thread; it is also what the sim thread waits
// on while the C thread is blocked.
type mirror struct {
	slot C.int
	what string
}

// Execute runs the scenario on the C build under sim: every scheduling
// decision is sim's strategy's, recorded in sim's decision log, so the run
// replays (sched.Replay) and shrinks like a Go model run. The C world is
// global: one Execute at a time per process.
func Execute(o Options) (sim.Result, *sim.Kernel, error) {
	C.kc_reset_globals()
	C.kc_go_world()
	switch o.Bug {
	case "":
		C.kc_bug_switch = 0
	case "use-after-relinquish":
		C.kc_bug_switch = 1
	case "heap-overflow":
		C.kc_bug_switch = 2 // seen only by AddressSanitizer
	default:
		return sim.Result{}, nil, fmt.Errorf("no bug switch %q in the C driver (want use-after-relinquish or heap-overflow)", o.Bug)
	}
	name := C.CString(o.Scenario)
	ok := C.kc_start_scenario(name) == 0
	C.free(unsafe.Pointer(name))
	if !ok {
		C.kc_world_free()
		return sim.Result{}, nil, fmt.Errorf("no scenario %q in the C driver (want life, two-users, lru-vs-use, lru-vs-io, lru-wait or lru-io-wait)", o.Scenario)
	}
	r := &run{timers: map[uintptr]*sim.Timer{}, objs: map[uintptr]uint32{}}
	r.k = sim.New(o.Sim)
	var ck *checker.Checker
	if !o.NoCheck {
		if !viewsOK() {
			C.kc_world_free()
			return sim.Result{}, nil, fmt.Errorf("this build does not expose the kernel's lists to the checker (a symbol of kernelc's viewSymbols is missing from the tree's objects)")
		}
		r.w = newWorld(r.k)
		r.w.backendCalls(nil) // forget calls an unchecked run left
		r.lruTimer = lruTimer()
		ck = checker.New(r.w.f, o.Checker)
		ck.Attach(r.k)
		if o.Checked != nil {
			o.Checked(ck)
		}
	}
	r.spawnListed()
	res := r.k.Run()
	if res.Outcome == sim.OutcomePass && C.kc_live_allocs() != 0 {
		res.Outcome = sim.OutcomeFail
		res.Failure = &sim.Failure{Class: sim.FailInvariant, Check: "leak", Thread: -1, Step: res.Steps,
			Msg: fmt.Sprintf("%d allocations of the kernel's code still live after every thread returned", int64(C.kc_live_allocs()))}
	}
	if ck != nil && res.Failure == nil {
		if v := ck.Verdict(r.k, res); !v.Pass && v.Failure != nil {
			res.Outcome, res.Failure = v.Outcome, v.Failure
		}
	}
	C.kc_world_free()
	return res, r.k, nil
}

// GlobalsSize is how many bytes of the kernel objects' .data the C world
// restores before each execution (0 would mean the link lost the section
// brackets and executions would leak state into each other).
func GlobalsSize() int { return int(C.kc_go_globals_size()) }

func (r *run) jiffies() C.ulong {
	return C.ulong(firstJiffies + int64(r.k.Now()/Jiffy))
}

// spawnListed gives each C thread the last step created its sim thread.
func (r *run) spawnListed() {
	n := int(C.kc_go_spawned(&r.ints[0]))
	for i := 0; i < n; i++ {
		slot := r.ints[i]
		m := r.mirror(slot)
		r.k.Spawn(C.GoString(C.kc_go_comm(slot)), func(t *sim.Thread) { r.loop(t, m) })
	}
}

func (r *run) mirror(slot C.int) *mirror {
	m := &mirror{slot: slot}
	r.mirrors[slot] = m
	return m
}

// obj is sim's object id for a C address (assigned in execution order, so
// deterministic although the addresses are not).
func (r *run) obj(a uintptr) uint32 {
	if a == 0 {
		return 0
	}
	id, ok := r.objs[a]
	if !ok {
		r.k.ObjID(&id)
		r.objs[a] = id
	}
	return id
}

// loop is a mirror thread's body: each sim step runs the C thread to its
// next scheduling point (one call into C, which switches to the thread's
// stack and back before returning), then mirrors what the step did.
func (r *run) loop(t *sim.Thread, m *mirror) {
	for {
		if r.w == nil {
			C.kc_go_run(m.slot, r.jiffies(), &r.res[0])
		} else if !r.w.runStep(m.slot, r.jiffies(), &r.res[0]) {
			t.Bug("kernel-c", "more kernel objects than the checker's view buffer holds")
		}
		st, op, addr := r.res[0], int(r.res[1]), uintptr(r.res[2])
		if r.w != nil {
			for i := range r.w.pending {
				t.Emit(r.w.pending[i])
			}
			r.w.backendCalls(t)
		}
		if r.res[3]|r.res[4]|r.res[5]|r.res[6]|r.res[7] != 0 {
			r.after(t)
		}
		switch st {
		case 2:
			return
		case 1:
			r.block(t, m)
		default:
			kind := sim.AccYield
			if op < len(kinds) {
				kind = kinds[op]
			}
			obj := uint32(0)
			if kind != sim.AccYield {
				obj = r.obj(addr)
			}
			t.Point(obj, kind)
		}
	}
}

// block sleeps the mirror until the C thread is runnable again (woken by
// another thread's step) or its deadline passes on sim's clock.
func (r *run) block(t *sim.Thread, m *mirror) {
	if m.what == "" {
		m.what = "kernel C: " + C.GoString(C.kc_go_comm(m.slot)) + " blocked"
	}
	cond := func() bool { return C.kc_go_state(m.slot) != stBlocked }
	dl := C.kc_go_deadline(m.slot)
	if dl == 0 {
		sim.WaitVarEvent(t, m, m.what, cond)
		return
	}
	timeout := sim.Time(int64(dl)-int64(r.jiffies())) * Jiffy
	if !sim.WaitVarEventTimeout(t, m, m.what, timeout, cond) {
		C.kc_go_timeout(m.slot)
	}
}

// after mirrors what the C step did: its tracepoints become sim events, the
// threads it created sim threads, a finding a failure; the timers it armed
// are armed on sim's clock and the threads it woke are woken.
func (r *run) after(t *sim.Thread) {
	var n C.size_t
	p := C.kc_go_traces(&n)
	if n > 0 {
		for _, l := range strings.Split(strings.TrimSuffix(C.GoStringN(p, C.int(n)), "\n"), "\n") {
			ev, text, _ := strings.Cut(l, "\t")
			if e, ok := modelEvent(ev, text); ok {
				if r.w != nil {
					e.Thread = t.ID()
					r.w.noteSM(&e)
				}
				t.Emit(e)
				continue
			}
			t.Emit(sim.Event{Type: evTrace, Str: [2]string{ev, text}})
		}
	}
	r.spawnListed()
	if C.kc_findings() > 0 {
		t.Bug("kernel-c", "%s", C.GoString(C.kc_finding_text()))
	}
	// Everything the step left in the C lists is read before the first
	// point below: at a point another mirror's step runs and refills them.
	nt := int(C.kc_go_armed(&r.ptrs[0], &r.expires[0]))
	var ptrs [maxTimers]unsafe.Pointer
	var expires [maxTimers]C.ulong
	copy(ptrs[:nt], r.ptrs[:nt])
	copy(expires[:nt], r.expires[:nt])
	nw := int(C.kc_go_woken(&r.ints[0]))
	var woken [maxThreads]C.int
	copy(woken[:nw], r.ints[:nw])
	for i := 0; i < nt; i++ {
		tp, exp := ptrs[i], expires[i]
		tm := r.timers[uintptr(tp)]
		if tm == nil {
			tm = &sim.Timer{Name: "timer"}
			if r.w != nil && uintptr(tp) == r.lruTimer {
				tm = r.w.f.LRUTimer() // the checker's L-1 reads it
			}
			tm.Func = func(t *sim.Thread) {
				slot := C.kc_go_fire_timer(tp)
				if slot < 0 {
					t.Bug("kernel-c", "no thread slot for a timer")
				}
				r.loop(t, r.mirror(slot))
			}
			r.timers[uintptr(tp)] = tm
		}
		tm.Reduce(t, sim.Time(int64(exp)-firstJiffies)*Jiffy)
	}
	for _, slot := range woken[:nw] {
		if m := r.mirrors[slot]; m != nil {
			sim.WakeUpVar(t, m)
		}
	}
}
