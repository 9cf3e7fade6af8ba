package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Allocation failure is a fault class of its own: kmalloc, kzalloc,
// kmem_cache_zalloc, kstrdup, kmemdup and the helpers that allocate inside
// (prepare_creds, d_alloc under lookup_one_len) return NULL or
// ERR_PTR(-ENOMEM), and the caller unwinds. The kernel's counterpart is
// its fault-injection framework (CONFIG_FAILSLAB, should_failslab): here
// each allocation the model checks is a named site, a plan gives sites a
// failure rate, and each failure is a recorded decision (Kernel.Chance
// with CompAlloc), so replay and shrink reproduce it.
//
// A model registers its sites once, at package init (RegisterAllocSite),
// and asks Thread.AllocFails(site) where the kernel checks the result; a
// scenario switches a plan on and off with Kernel.SetAllocFaults.

// AllocSite identifies one allocation the kernel checks for failure.
type AllocSite uint16

// AllocSiteInfo describes a site: what the kernel allocates there and
// what its failure does.
type AllocSiteInfo struct {
	Name   string // the site's name, after the kernel function: "fscache_alloc_cookie"
	Call   string // the allocation: "kmem_cache_zalloc(fscache_cookie_jar)"
	Unwind string // the kernel's failure path: the error returned, what is undone
}

// allocSites is filled at package init only (RegisterAllocSite); index 0
// is no site.
var allocSites = []AllocSiteInfo{{Name: "none"}}

// RegisterAllocSite registers an allocation site. Call it from a
// package-level var initialiser only; a name registered twice panics.
func RegisterAllocSite(info AllocSiteInfo) AllocSite {
	if info.Name == "" || strings.ContainsAny(info.Name, " ,=") {
		panic(fmt.Sprintf("sim: bad allocation site name %q", info.Name))
	}
	if _, ok := AllocSiteByName(info.Name); ok {
		panic(fmt.Sprintf("sim: allocation site %q registered twice", info.Name))
	}
	allocSites = append(allocSites, info)
	return AllocSite(len(allocSites) - 1)
}

// Info describes the site.
func (s AllocSite) Info() AllocSiteInfo {
	if int(s) < len(allocSites) {
		return allocSites[s]
	}
	return AllocSiteInfo{Name: "alloc-site?"}
}

// String is the site's name.
func (s AllocSite) String() string { return s.Info().Name }

// AllocSiteByName finds a registered site.
func AllocSiteByName(name string) (AllocSite, bool) {
	for i := 1; i < len(allocSites); i++ {
		if allocSites[i].Name == name {
			return AllocSite(i), true
		}
	}
	return 0, false
}

// AllocSites lists the registered sites sorted by name.
func AllocSites() []AllocSite {
	out := make([]AllocSite, 0, len(allocSites)-1)
	for i := 1; i < len(allocSites); i++ {
		out = append(out, AllocSite(i))
	}
	sort.Slice(out, func(i, j int) bool { return allocSites[out[i]].Name < allocSites[out[j]].Name })
	return out
}

// AllocFaults is an allocation-failure plan: the probability that an
// allocation at each site fails. The zero value fails nothing.
type AllocFaults struct {
	// All is the rate of every site that Sites does not name.
	All Ratio
	// Sites are per-site rates by site name; a site named here takes its
	// rate from here (a zero Ratio: that site never fails).
	Sites map[string]Ratio
}

// Rate is the plan's rate for site s.
func (p AllocFaults) Rate(s AllocSite) Ratio {
	if r, ok := p.Sites[s.String()]; ok {
		return r
	}
	return p.All
}

// Enabled reports whether the plan can fail anything.
func (p AllocFaults) Enabled() bool {
	if p.All.Num != 0 && p.All.Den != 0 {
		return true
	}
	for _, n := range p.siteNames() {
		if r := p.Sites[n]; r.Num != 0 && r.Den != 0 {
			return true
		}
	}
	return false
}

// siteNames are the names of Sites, sorted.
func (p AllocFaults) siteNames() []string {
	names := make([]string, 0, len(p.Sites))
	for n := range p.Sites {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate checks that every site the plan names is registered and every
// rate is a probability.
func (p AllocFaults) Validate() error {
	if p.All.Num > p.All.Den {
		return fmt.Errorf("allocation faults: rate %d/%d is above 1", p.All.Num, p.All.Den)
	}
	for _, n := range p.siteNames() {
		if _, ok := AllocSiteByName(n); !ok {
			return fmt.Errorf("allocation faults: unknown site %q", n)
		}
		if r := p.Sites[n]; r.Num > r.Den {
			return fmt.Errorf("allocation faults: rate %d/%d of %s is above 1", r.Num, r.Den, n)
		}
	}
	return nil
}

// String prints the plan as ParseAllocFaults reads it: "all=1/100",
// "fscache_alloc_cookie=1/2,cachefiles_alloc_object=1/1", "" for none.
func (p AllocFaults) String() string {
	var parts []string
	if p.All.Num != 0 {
		parts = append(parts, "all="+ratioString(p.All))
	}
	for _, n := range p.siteNames() {
		parts = append(parts, n+"="+ratioString(p.Sites[n]))
	}
	return strings.Join(parts, ",")
}

func ratioString(r Ratio) string {
	return strconv.FormatUint(r.Num, 10) + "/" + strconv.FormatUint(r.Den, 10)
}

// ParseAllocFaults reads a plan: comma-separated NAME=N/D, where NAME is
// "all" or a site name; "" is no faults.
func ParseAllocFaults(s string) (AllocFaults, error) {
	var p AllocFaults
	if s == "" {
		return p, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, rate, ok := strings.Cut(part, "=")
		num, den, ok2 := strings.Cut(rate, "/")
		if !ok || !ok2 {
			return AllocFaults{}, fmt.Errorf("allocation faults: %q is not NAME=N/D", part)
		}
		n, err1 := strconv.ParseUint(num, 10, 64)
		d, err2 := strconv.ParseUint(den, 10, 64)
		if err1 != nil || err2 != nil || d == 0 {
			return AllocFaults{}, fmt.Errorf("allocation faults: %q is not a ratio N/D", rate)
		}
		r := Ratio{Num: n, Den: d}
		if name == "all" {
			p.All = r
			continue
		}
		if p.Sites == nil {
			p.Sites = map[string]Ratio{}
		}
		p.Sites[name] = r
	}
	return p, p.Validate()
}

// allocPlan is a plan compiled for a run: the rate of each site by index.
type allocPlan struct {
	plan   AllocFaults
	rates  []Ratio // by AllocSite; nil: no faults
	failed int64   // failures injected in this run, over every plan
}

// SetAllocFaults switches the allocation-failure plan on (or, with the
// zero plan, off) from now on. It may be called before Run (the world's
// setup) or by a running thread (a scenario switching faults for one
// phase). A plan naming an unknown site is an error and changes nothing.
func (k *Kernel) SetAllocFaults(p AllocFaults) error {
	if err := p.Validate(); err != nil {
		return err
	}
	k.alloc = allocPlan{plan: p, failed: k.alloc.failed}
	if !p.Enabled() {
		return nil
	}
	k.alloc.rates = make([]Ratio, len(allocSites))
	for i := 1; i < len(allocSites); i++ {
		k.alloc.rates[i] = p.Rate(AllocSite(i))
	}
	return nil
}

// AllocFailures is how many allocations have failed so far in this run.
func (k *Kernel) AllocFailures() int64 { return k.alloc.failed }

// AllocFaults is the plan in force.
func (k *Kernel) AllocFaults() AllocFaults { return k.alloc.plan }

// AllocFails is the model's check of an allocation's result at site s:
// true if the allocation fails in this execution. With a plan that gives
// s a rate, the answer is a recorded decision (CompAlloc) and a failure
// is traced as a sim_alloc_fail event naming the site; without one there
// is no decision and nothing is traced.
func (t *Thread) AllocFails(s AllocSite) bool { return t.k.AllocFails(s) }

// AllocFails is Thread.AllocFails for code that may run outside a thread
// (a world's setup).
func (k *Kernel) AllocFails(s AllocSite) bool {
	if k.alloc.rates == nil || int(s) >= len(k.alloc.rates) {
		return false
	}
	r := k.alloc.rates[s]
	if r.Num == 0 || r.Den == 0 || !k.Chance(CompAlloc, r) {
		return false
	}
	k.alloc.failed++
	info := s.Info()
	k.emitValue(k.cur, Event{Type: EvAllocFail, Args: [8]int64{int64(s)}, Str: [2]string{info.Name, info.Call}})
	return true
}

// EvAllocFail is the simulator's trace of an injected allocation failure
// (the kernel has no tracepoint for it; failslab prints a stack).
var EvAllocFail = RegisterEventType("sim_alloc_fail", func(b []byte, e *Event) []byte {
	b = append(b, "site="...)
	b = append(b, e.Str[0]...)
	b = append(b, " call="...)
	return append(b, e.Str[1]...)
})
