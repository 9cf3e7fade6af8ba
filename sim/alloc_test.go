package sim_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

var (
	testSiteA = sim.RegisterAllocSite(sim.AllocSiteInfo{Name: "simtest_alloc_a", Call: "kzalloc(a)", Unwind: "returns NULL"})
	testSiteB = sim.RegisterAllocSite(sim.AllocSiteInfo{Name: "simtest_alloc_b", Call: "kmalloc(b)", Unwind: "returns -ENOMEM"})
)

// TestAllocFaultsPlan: a plan reads and prints in one form, names only
// registered sites, and gives each site its own rate or the common one.
func TestAllocFaultsPlan(t *testing.T) {
	p, err := sim.ParseAllocFaults("all=1/10,simtest_alloc_b=0/1")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "all=1/10,simtest_alloc_b=0/1" {
		t.Errorf("String() = %q", got)
	}
	if r := p.Rate(testSiteA); r != (sim.Ratio{Num: 1, Den: 10}) {
		t.Errorf("rate of a = %v, want all's", r)
	}
	if r := p.Rate(testSiteB); r.Num != 0 {
		t.Errorf("rate of b = %v, want its own 0", r)
	}
	if (sim.AllocFaults{}).Enabled() || !p.Enabled() {
		t.Error("Enabled: the zero plan is off, a plan with a rate is on")
	}
	for _, bad := range []string{"nosuch_site=1/2", "all=1", "all=1/0", "all=3/2", "simtest_alloc_a"} {
		if _, err := sim.ParseAllocFaults(bad); err == nil {
			t.Errorf("ParseAllocFaults(%q): no error", bad)
		}
	}
	k := sim.New(sim.Options{Seed: 1})
	if err := k.SetAllocFaults(sim.AllocFaults{Sites: map[string]sim.Ratio{"nosuch_site": {Num: 1, Den: 1}}}); err == nil {
		t.Error("SetAllocFaults took an unknown site")
	}
	if s, ok := sim.AllocSiteByName("simtest_alloc_a"); !ok || s != testSiteA || s.Info().Call != "kzalloc(a)" {
		t.Errorf("AllocSiteByName: %v %v", s, ok)
	}
}

// TestAllocFailsRecorded: with a plan, each allocation at a site with a
// rate is a recorded decision and each failure a sim_alloc_fail event; a
// replay of the log fails the same allocations; with the zero plan (or a
// site whose rate is 0) nothing is drawn.
func TestAllocFailsRecorded(t *testing.T) {
	run := func(p sim.AllocFaults, strat sim.Strategy) (*sim.Kernel, []bool) {
		k := sim.New(sim.Options{Seed: 7, Strategy: strat, Record: true})
		if err := k.SetAllocFaults(p); err != nil {
			t.Fatal(err)
		}
		var got []bool
		k.Spawn("a", func(th *sim.Thread) {
			for i := 0; i < 40; i++ {
				got = append(got, th.AllocFails(testSiteA), th.AllocFails(testSiteB))
			}
		})
		if res := k.Run(); res.Outcome != sim.OutcomePass {
			t.Fatalf("%v", res.Failure)
		}
		return k, got
	}
	half := sim.AllocFaults{Sites: map[string]sim.Ratio{"simtest_alloc_a": {Num: 1, Den: 2}}}
	k, got := run(half, nil)
	fails, events := 0, 0
	for i, f := range got {
		if i%2 == 1 && f {
			t.Fatal("site b failed with no rate")
		}
		if f {
			fails++
		}
	}
	for _, e := range k.Events() {
		if e.Type.Name() == "sim_alloc_fail" {
			events++
			if e.Str[0] != "simtest_alloc_a" || e.Text() != "site=simtest_alloc_a call=kzalloc(a)" {
				t.Errorf("event %q", e.Text())
			}
		}
	}
	if fails == 0 || fails == 40 || events != fails {
		t.Fatalf("%d of 40 failed at 1/2, %d events", fails, events)
	}
	decisions := 0
	for _, d := range k.Log() {
		if d.Kind == sim.DecFault {
			decisions++
		}
	}
	if decisions != 40 {
		t.Errorf("%d fault decisions, want one per allocation at site a (40)", decisions)
	}
	k2, again := run(half, &sched.Replay{Log: k.Log(), Strict: true})
	if k2.Hash() != k.Hash() || len(again) != len(got) {
		t.Fatalf("replay: hash %x, want %x", k2.Hash(), k.Hash())
	}
	for i := range got {
		if got[i] != again[i] {
			t.Fatalf("replay: allocation %d failed %v, recorded %v", i, again[i], got[i])
		}
	}
	k0, none := run(sim.AllocFaults{}, nil)
	for _, f := range none {
		if f {
			t.Fatal("the zero plan failed an allocation")
		}
	}
	if len(k0.Log()) > 2 {
		t.Errorf("the zero plan drew %d decisions", len(k0.Log()))
	}
}
