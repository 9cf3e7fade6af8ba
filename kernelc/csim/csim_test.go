//go:build fscachesim_kernelc

package csim

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/fscache"

	"github.com/fscachesim/fscachesim/traces"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// These tests run only linked against a C build (kernelc's TestCgo* build
// the tree and run them with -tags fscachesim_kernelc and CGO_LDFLAGS
// pointing at the archive).

var scenarioNames = []string{"life", "two-users", "lru-vs-use", "lru-vs-io"}

func strategies() []func() sim.Strategy {
	return []func() sim.Strategy{
		func() sim.Strategy { return &sched.RandomWalk{} },
		func() sim.Strategy { return &sched.PCT{Depth: 3, Steps: 300} },
		func() sim.Strategy { return &sched.POS{} },
	}
}

func execute(t *testing.T, o Options) (sim.Result, *sim.Kernel) {
	t.Helper()
	res, k, err := Execute(o)
	if err != nil {
		t.Fatal(err)
	}
	return res, k
}

// TestGlobalsRestored: the link kept the section brackets, so each
// execution starts from the kernel objects' pristine globals.
func TestGlobalsRestored(t *testing.T) {
	if GlobalsSize() == 0 {
		t.Fatal("kc_kdata/kc_kdatarel are empty in this link: executions would share the kernel's globals")
	}
}

// TestSimDecides: under each of sim's strategies, the same seed gives the
// same execution (hash of every step and event), the decision log sim
// recorded replays it exactly (strict sched.Replay), and different seeds
// give different executions, so the strategy is what chooses.
func TestSimDecides(t *testing.T) {
	for _, mk := range strategies() {
		for _, sc := range []string{"life", "two-users"} {
			o := Options{Scenario: sc, Sim: sim.Options{Seed: 5, Strategy: mk()}}
			a, ka := execute(t, o)
			if a.Outcome != sim.OutcomePass {
				t.Fatalf("%s %s: %v", ka.Strategy().Name(), sc, a.Failure)
			}
			if a.Decisions < 10 {
				t.Fatalf("%s %s: %d decisions: sim's strategy is not choosing", ka.Strategy().Name(), sc, a.Decisions)
			}
			log := append(sim.Log(nil), ka.Log()...)
			o.Sim.Strategy = mk()
			b, _ := execute(t, o)
			if b.Hash != a.Hash || b.Steps != a.Steps {
				t.Errorf("%s %s: seed 5 twice: hash %x/%x steps %d/%d", ka.Strategy().Name(), sc, a.Hash, b.Hash, a.Steps, b.Steps)
			}
			rp := &sched.Replay{Log: log, Strict: true}
			o.Sim = sim.Options{Seed: 99, Strategy: rp}
			c, _ := execute(t, o)
			if c.Hash != a.Hash || c.Outcome != sim.OutcomePass || rp.Err() != nil {
				t.Errorf("%s %s: replay of the log: hash %x want %x, outcome %v, %v", ka.Strategy().Name(), sc, c.Hash, a.Hash, c.Outcome, rp.Err())
			}
			o.Sim = sim.Options{Seed: 6, Strategy: mk()}
			d, _ := execute(t, o)
			if d.Hash == a.Hash {
				t.Errorf("%s %s: seeds 5 and 6 gave the same execution", ka.Strategy().Name(), sc)
			}
		}
	}
}

// TestTraceIsTheKernels: the tracepoints of the kernel's own code are sim
// events of the Go model's tracepoint types (fscache.EvCookie, ...), read
// from the kernel's TP_printk text and rendering back to it exactly; none
// is left as a raw kc_trace line. The mirror adds the model's own state
// events (fscache_cookie_state, fscache_cache_state) the checker follows.
func TestTraceIsTheKernels(t *testing.T) {
	_, k := execute(t, Options{Scenario: "life", Sim: sim.Options{Seed: 1, Record: true}})
	var b strings.Builder
	for _, e := range k.Events() {
		name := e.Type.Name()
		if e.Type == evTrace && strings.HasPrefix(e.Str[0], "fscache_") {
			t.Errorf("tracepoint left unconverted: %s", e.Text())
		}
		if strings.HasPrefix(name, "fscache_") {
			b.WriteString(name + ": " + e.Text())
			b.WriteByte('\n')
		}
	}
	for _, want := range []string{"fscache_acquire: c=00000002", "fscache_cookie: c=00000002 -   lrudo", "fscache_volume: V=00000001 FREE",
		"fscache_cookie_state: c=00000002 NEW->QUIESCENT T1", "fscache_cookie_state: c=00000002 ACTIVE->LRU_DISCARDING T10",
		"fscache_cookie_state: c=00000002 RELINQUISHING->DROPPED T15", "fscache_cache_state: C=00000001 NOT_PRESENT->PREPARING"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in the trace:\n%s", want, b.String())
		}
	}
}

// TestModelEvent: a line that does not read back to itself stays raw.
func TestModelEvent(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"fscache_cookie", "c=00000002 -   work  r=3", true},
		{"fscache_access_volume", "V=00000001 c=00000002 BEGIN lookup  r=3 a=1", true},
		{"fscache_relinquish", "c=00000002 V=00000001 r=2 U=0 f=25 rt=0", true},
		{"fscache_resize", "c=00000002 os=00001000 sz=00002000", true},
		{"fscache_cookie", "c=00000002 -   work  r=x", false},
		{"fscache_cookie", "c=2 -   work  r=3", false},
		{"fscache_nosuch", "c=00000002 r=3", false},
	} {
		e, ok := modelEvent(tc.name, tc.text)
		if ok != tc.ok || ok && e.Text() != tc.text {
			t.Errorf("%s %q: ok %v (want %v), reads back %q", tc.name, tc.text, ok, tc.ok, e.Text())
		}
	}
}

// TestExploreClean is the short exploration of `make test`: each scenario
// under each strategy, every check on (the C side's WARN/BUG, refcount,
// memory and deadlock checks, and the whole of package checker reading the C
// objects through the mirror).
// With FSCACHESIM_KERNELC_WANT set (a reverted fix), it instead expects
// that check to fail in the scenario FSCACHESIM_KERNELC_SCENARIO.
func TestExploreClean(t *testing.T) {
	want, wantSc := os.Getenv("FSCACHESIM_KERNELC_WANT"), os.Getenv("FSCACHESIM_KERNELC_SCENARIO")
	runs := 300
	if n, err := strconv.Atoi(os.Getenv("FSCACHESIM_KERNELC_RUNS")); err == nil && n > 0 {
		runs = n // the soak (kernelc's TestSoakKernelC): 10^5 a scenario
	}
	total := 0
	for _, sc := range scenarioNames {
		if wantSc != "" && sc != wantSc {
			continue
		}
		found := false
		for i, mk := range strategies() {
			for seed := uint64(0); seed < uint64(runs) && !found; seed++ {
				res, k := execute(t, Options{Scenario: sc, Sim: sim.Options{Seed: seed, Strategy: mk()}})
				total++
				switch {
				case want != "" && res.Outcome == sim.OutcomeFail && res.Failure.Check == want:
					t.Logf("%s: %s found at seed %d (%s): %v", sc, want, seed, k.Strategy().Name(), res.Failure)
					found = true
					traceRoundTrip(t, sc, seed, k)
				case res.Outcome != sim.OutcomePass:
					t.Fatalf("%s strategy %d seed %d: %v %v\nlog %s", sc, i, seed, res.Outcome, res.Failure, k.Log())
				}
			}
		}
		if want != "" && !found {
			t.Errorf("%s: the %s check never failed in %d executions per strategy", sc, want, runs)
		}
	}
	if want == "" {
		t.Logf("%d executions clean (%d per strategy and scenario)", total, runs)
	}
}

// TestCheckerSeesC: the checker's views show the C objects: the mirror
// lists the cookie, volume and cache as the C has them (c=2 ACTIVE and in
// use, on its hash chain, later on the LRU), the checker's coverage counts
// the transition rows the C took; and the driver's bug switch makes the
// kernel's own WARN fire, which ends the run as a kernel-c finding.
func TestCheckerSeesC(t *testing.T) {
	var f *fscache.Fscache
	var ck *checker.Checker
	var active, chained, lru, volume, cache bool
	hook := func(k *sim.Kernel) {
		for _, c := range f.Cookies() {
			if c.DebugID == 2 && c.State() == fscache.CookieActive && c.NActive() > 0 && c.CachePriv != nil {
				active = true
			}
			if c.DebugID == 2 && slices.Contains(f.CookieHashChain(c.KeyHash), c) && c.Has(fscache.FlagIsHashed) {
				chained = true
			}
		}
		if l := f.LRU(); len(l) == 1 && l[0].DebugID == 2 && l[0].OnLRU() {
			lru = true
		}
		for _, v := range f.Volumes() {
			if v.DebugID == 1 && v.Cache != nil && v.Cache.Name == "kc" && v.Ref() > 0 {
				volume = true
			}
		}
		for _, c := range f.Caches() {
			if c.State() == fscache.CacheActive && c.NAccesses() > 0 {
				cache = true
			}
		}
	}
	res, _ := execute(t, Options{Scenario: "life", Sim: sim.Options{Seed: 1, StepHook: hook},
		Checked: func(c *checker.Checker) { ck, f = c, c.Fscache() }})
	if res.Outcome != sim.OutcomePass || !active || !chained || !lru || !volume || !cache {
		t.Errorf("outcome %v %v; seen: c=2 ACTIVE in use %v, hashed %v, alone on the LRU %v, volume on cache kc %v, cache ACTIVE %v",
			res.Outcome, res.Failure, active, chained, lru, volume, cache)
	}
	for _, row := range []string{"T1", "T2", "T4", "T5", "T10", "T14", "T11", "T15"} {
		if ck.Coverage().Rows[row] == 0 {
			t.Errorf("the checker saw no %s in life: %v", row, ck.Coverage().Rows)
		}
	}
	res, _ = execute(t, Options{Scenario: "life", Bug: "use-after-relinquish", Sim: sim.Options{Seed: 1}})
	if res.Outcome != sim.OutcomeFail || res.Failure.Check != "kernel-c" || !strings.Contains(res.Failure.Msg, "WARNING at fs/netfs/fscache_cookie.c") {
		t.Errorf("use after relinquish: %v %v, want the kernel's WARN as a kernel-c failure", res.Outcome, res.Failure)
	}
}

// traceRoundTrip: a failing C-build run, found under a strategy, becomes a
// trace file that the existing tools replay bit for bit (traces.Replay:
// same events, verdict and hash) and shrink (traces.Shrink: the same check
// still fails, with no more decisions).
func traceRoundTrip(t *testing.T, sc string, seed uint64, k *sim.Kernel) {
	t.Helper()
	const tree = "test-tree 0"
	h := Header("test", sc, seed, k.Strategy().Name(), "", 0, "test-tree", "0")
	run := Runner(tree)
	rp := &sched.Replay{Log: append(sim.Log(nil), k.Log()...), Strict: true}
	res, k2, err := run(h, rp)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := traces.FromRun(h, res, k2)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := traces.Encode(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := traces.Read(&buf, traces.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := traces.Replay(back, run)
	if err != nil || !rep.Identical {
		t.Fatalf("replay of the C-build trace: %v\n%s", err, rep.Explain())
	}
	small, st, err := traces.Shrink(back, run, traces.ShrinkOptions{MaxAttempts: 100})
	if err != nil || small.Verdict.Check != back.Verdict.Check || len(small.Log) > len(back.Log) {
		t.Fatalf("shrink of the C-build trace: %v, check %q (was %q), %v", err, small.Verdict.Check, back.Verdict.Check, st)
	}
	t.Logf("trace: %d events, replay identical; shrink: %v", len(back.Events), st)
}

// TestHeapOverflowRun runs life with the driver's heap-overflow switch (a
// read one byte past a kmalloc'd block). Without AddressSanitizer nothing
// sees it: the run passes. Linked with ASan (kernelc's TestSoakKernelC:
// kernel build --asan, go test -asan), ASan reports it and the process
// dies before this test can pass.
func TestHeapOverflowRun(t *testing.T) {
	res, _ := execute(t, Options{Scenario: "life", Bug: "heap-overflow", Sim: sim.Options{Seed: 1}})
	if res.Outcome != sim.OutcomePass {
		t.Fatalf("the heap overflow was seen without ASan: %v %v", res.Outcome, res.Failure)
	}
}
