package fscache_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// The golden scenario tests drive the model through one exact interleaving
// per file, a command per step, in the style of etcd raft's interaction
// tests. Each netfs command runs on its own thread until that thread
// returns or sleeps; nothing else runs until `run` (every runnable thread,
// lowest id first, until all are idle) or `tick` (advance the virtual clock
// to the next timer, then run). The expected output is the tracepoint
// stream each command produced.
//
// To update after a change: go test ./model/fscache -run TestGolden -rewrite
// then READ THE DIFF and commit only what you understand.
//
// Commands:
//
//	bind [fail-volume] [fail-lookup=caching|plain] [fail-invalidate]
//	acquire-volume [key=K]            relinquish-volume
//	acquire-cookie NAME [key=K] [size=N] [aux=A] [thread=T]
//	use NAME [modify] [thread=T]      unuse NAME [thread=T]
//	relinquish NAME [retire]          invalidate NAME [dio]
//	update NAME                       resize NAME size=N
//	write NAME                        read NAME
//	withdraw-cache                    backend [fail-...] [ok]
//	run                               tick
//	state                             stats
type driver struct {
	k       *sim.Kernel
	f       *fscache.Fscache
	mem     *fscache.MemBackend
	vol     *fscache.Volume
	cookies map[string]*fscache.Cookie
	seen    int
}

func newDriver() *driver {
	k := sim.New(sim.Options{Record: true, MaxSteps: 1 << 20})
	return &driver{k: k, f: fscache.New(k, model.Bugs{}), cookies: map[string]*fscache.Cookie{}}
}

// events renders the events emitted since the last call.
func (d *driver) events() string {
	var b strings.Builder
	evs := d.k.Events()
	for _, e := range evs[d.seen:] {
		if e.Type.Name() == "sim_spawn" || e.Type.Name() == "sim_exit" {
			continue
		}
		fmt.Fprintf(&b, "%s %s: %s: %s\n", e.Time, d.k.ThreadName(e.Thread), e.Type.Name(), e.Text())
	}
	d.seen = len(evs)
	if f := d.k.Failure(); f != nil {
		fmt.Fprintf(&b, "FAILURE: %v\n", f)
	}
	return b.String()
}

func (d *driver) cookie(td *datadriven.TestData) *fscache.Cookie {
	if len(td.CmdArgs) == 0 {
		td.Fatalf(nil, "%s: which cookie?", td.Cmd)
	}
	c, ok := d.cookies[td.CmdArgs[0].Key]
	if !ok {
		td.Fatalf(nil, "%s: no cookie %q", td.Cmd, td.CmdArgs[0].Key)
	}
	return c
}

func (d *driver) setFaults(td *datadriven.TestData) {
	for _, a := range td.CmdArgs {
		switch {
		case a.Key == "fail-volume":
			d.mem.FailAcquireVolume = true
		case a.Key == "fail-lookup" && len(a.Vals) == 1 && a.Vals[0] == "caching":
			d.mem.FailLookup = 1
		case a.Key == "fail-lookup" && len(a.Vals) == 1 && a.Vals[0] == "plain":
			d.mem.FailLookup = 2
		case a.Key == "fail-invalidate":
			d.mem.FailInvalidate = true
		case a.Key == "ok":
			d.mem.FailAcquireVolume, d.mem.FailLookup, d.mem.FailInvalidate = false, 0, false
		}
	}
}

// netfs runs fn on a new thread until it returns or sleeps.
func (d *driver) netfs(td *datadriven.TestData, fn func(t *sim.Thread)) string {
	name := argOr(td, "thread", "netfs")
	d.k.RunThread(d.k.Spawn(name, fn))
	return d.events()
}

func argOr(td *datadriven.TestData, key, def string) string {
	for _, a := range td.CmdArgs {
		if a.Key == key && len(a.Vals) > 0 {
			return a.Vals[0]
		}
	}
	return def
}

func (d *driver) do(td *datadriven.TestData) string {
	switch td.Cmd {
	case "bind":
		out := d.netfs(td, func(t *sim.Thread) {
			b, err := fscache.NewMemBackend(t, d.f, "mycache")
			if err != nil {
				t.Bug("test", "bind: %v", err)
			}
			d.mem = b
		})
		d.setFaults(td)
		return out
	case "backend":
		d.setFaults(td)
		return ""
	case "acquire-volume":
		key := argOr(td, "key", "afs,example.com,1000001a")
		return d.netfs(td, func(t *sim.Thread) {
			v, err := d.f.AcquireVolume(t, key, "mycache", nil)
			if err != nil {
				t.Bug("test", "acquire volume: %v", err)
			}
			d.vol = v
		})
	case "relinquish-volume":
		return d.netfs(td, func(t *sim.Thread) { fscache.RelinquishVolume(t, d.vol, nil, false) })
	case "acquire-cookie":
		name := td.CmdArgs[0].Key
		key := argOr(td, "key", "inode-"+name)
		size, _ := strconv.ParseInt(argOr(td, "size", "4096"), 10, 64)
		aux := argOr(td, "aux", "v1")
		return d.netfs(td, func(t *sim.Thread) {
			c := fscache.AcquireCookie(t, d.vol, 0, []byte(key), []byte(aux), size)
			if c != nil {
				d.cookies[name] = c
			}
		})
	case "use":
		c := d.cookie(td)
		return d.netfs(td, func(t *sim.Thread) { fscache.UseCookie(t, c, td.HasArg("modify")) })
	case "unuse":
		c := d.cookie(td)
		return d.netfs(td, func(t *sim.Thread) { fscache.UnuseCookie(t, c, nil, nil) })
	case "relinquish":
		c := d.cookie(td)
		return d.netfs(td, func(t *sim.Thread) { fscache.RelinquishCookie(t, c, td.HasArg("retire")) })
	case "invalidate":
		c := d.cookie(td)
		flags := uint(0)
		if td.HasArg("dio") {
			flags = fscache.InvalDIOWrite
		}
		return d.netfs(td, func(t *sim.Thread) { fscache.Invalidate(t, c, []byte("v2"), c.ObjectSize, flags) })
	case "update":
		c := d.cookie(td)
		return d.netfs(td, func(t *sim.Thread) { fscache.UpdateCookie(t, c, []byte("v3"), nil) })
	case "resize":
		c := d.cookie(td)
		size, _ := strconv.ParseInt(argOr(td, "size", "0"), 10, 64)
		return d.netfs(td, func(t *sim.Thread) { fscache.ResizeCookie(t, c, size) })
	case "write":
		c := d.cookie(td)
		return d.netfs(td, func(t *sim.Thread) {
			err := fscache.WriteToCache(t, c, 0, make([]byte, 4096), 4096, true, nil)
			t.Emit(sim.Event{Type: fscache.EvWarn, Str: [2]string{fmt.Sprintf("write_to_cache: %v", errText(err))}})
		})
	case "read":
		c := d.cookie(td)
		return d.netfs(td, func(t *sim.Thread) {
			var cres fscache.CacheResources
			err := fscache.BeginReadOperation(t, &cres, c)
			n := 0
			if err == nil {
				n, err = cres.Ops.Read(t, &cres, 0, make([]byte, 4096), fscache.ReadHoleClear, nil)
				fscache.EndOperation(t, &cres)
			}
			t.Emit(sim.Event{Type: fscache.EvWarn, Str: [2]string{fmt.Sprintf("read: %d bytes, %v", n, errText(err))}})
		})
	case "withdraw-cache":
		return d.netfs(td, func(t *sim.Thread) { d.mem.Withdraw(t) })
	case "run":
		d.k.RunUntilIdle()
		return d.events()
	case "tick":
		if !d.k.AdvanceClock() {
			return "nothing pending\n"
		}
		d.k.RunUntilIdle()
		return d.events()
	case "state":
		var b strings.Builder
		b.WriteString(d.f.ProcCookies())
		for _, name := range sortedKeys(d.cookies) {
			c := d.cookies[name]
			fmt.Fprintf(&b, "%s: %v flags=%s lru=%v\n", name, c.State(), fscache.CookieFlagString(c.FlagBits()), c.OnLRU())
		}
		for _, th := range d.k.Live() {
			if blocked, what := th.Blocked(); blocked {
				fmt.Fprintf(&b, "thread %s sleeps on %s\n", th.Name(), what)
			}
		}
		return b.String()
	case "stats":
		return d.f.StatsText()
	}
	td.Fatalf(nil, "unknown command %q", td.Cmd)
	return ""
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func sortedKeys(m map[string]*fscache.Cookie) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestGolden(t *testing.T) {
	datadriven.Walk(t, "testdata/golden", func(t *testing.T, path string) {
		d := newDriver()
		defer d.k.Close()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string { return d.do(td) })
	})
}

// TestTransitionCoverage: every row of the transition table is taken in at
// least one golden file (the table the checker uses is the same data).
func TestTransitionCoverage(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	re := regexp.MustCompile(`fscache_cookie_state: c=[0-9a-f]{8} [A-Z_]+->[A-Z_]+ (T[0-9]+'?)`)
	seen := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = append(seen[m[1]], filepath.Base(f))
		}
	}
	for _, tr := range fscache.Transitions {
		if len(seen[tr.ID]) == 0 {
			t.Errorf("transition %s (%s) is not covered by any golden file", tr.ID, tr.Trigger)
		}
	}
}
