package vfs

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// faultOps is every operation that draws faults, with its class. Each runs
// against a fresh world and would succeed without faults.
var faultOps = []struct {
	name  string
	class Class
	run   func(w *world, f *File) error
}{
	{"lookup", ClassLookup, func(w *world, f *File) error { _, err := w.fs.Lookup(RootIno, "f"); return err }},
	{"readdir", ClassLookup, func(w *world, f *File) error { _, err := w.fs.Readdir(RootIno); return err }},
	{"open", ClassLookup, func(w *world, f *File) error { _, err := w.fs.Open(w.ino["/f"]); return err }},
	{"read", ClassRead, func(w *world, f *File) error { _, err := w.fs.Read(f, 0, 5); return err }},
	{"seek-data", ClassRead, func(w *world, f *File) error { _, err := w.fs.SeekData(f, 0); return err }},
	{"seek-hole", ClassRead, func(w *world, f *File) error { _, err := w.fs.SeekHole(f, 0); return err }},
	{"write", ClassWrite, func(w *world, f *File) error { _, err := w.fs.Write(f, 0, []byte("x")); return err }},
	{"truncate-grow", ClassWrite, func(w *world, f *File) error { return w.fs.Truncate(f.Ino(), 100) }},
	{"fallocate", ClassWrite, func(w *world, f *File) error { return w.fs.Fallocate(f, 0, 0, 100) }},
	{"zero-range", ClassWrite, func(w *world, f *File) error { return w.fs.Fallocate(f, FallocZeroRange, 0, 100) }},
	{"mkdir", ClassCreate, func(w *world, f *File) error { _, err := w.fs.Mkdir(RootIno, "x", 0o700); return err }},
	{"create", ClassCreate, func(w *world, f *File) error { _, err := w.fs.Create(RootIno, "x", 0o600); return err }},
	{"tmpfile", ClassCreate, func(w *world, f *File) error { _, err := w.fs.Tmpfile(RootIno, 0o600); return err }},
	{"link", ClassCreate, func(w *world, f *File) error { return w.fs.Link(f.Ino(), RootIno, "x") }},
	{"unlink", ClassRemove, func(w *world, f *File) error { return w.fs.Unlink(RootIno, "f") }},
	{"rmdir", ClassRemove, func(w *world, f *File) error { return w.fs.Rmdir(RootIno, "e") }},
	{"truncate-shrink", ClassRemove, func(w *world, f *File) error { return w.fs.Truncate(f.Ino(), 1) }},
	{"punch-hole", ClassRemove, func(w *world, f *File) error {
		return w.fs.Fallocate(f, FallocPunchHole|FallocKeepSize, 0, 100)
	}},
	{"removexattr", ClassRemove, func(w *world, f *File) error { return w.fs.Removexattr(RootIno, "user.x") }},
	{"rename", ClassRename, func(w *world, f *File) error { return w.fs.Rename(RootIno, "f", RootIno, "x") }},
	{"getxattr", ClassGetxattr, func(w *world, f *File) error { _, err := w.fs.Getxattr(RootIno, "user.x", 0); return err }},
	{"listxattr", ClassGetxattr, func(w *world, f *File) error { _, err := w.fs.Listxattr(RootIno); return err }},
	{"setxattr", ClassSetxattr, func(w *world, f *File) error { return w.fs.Setxattr(RootIno, "user.y", nil, 0) }},
	{"statfs", ClassStatfs, func(w *world, f *File) error { _, err := w.fs.Statfs(); return err }},
	{"fsync", ClassSync, func(w *world, f *File) error { return w.fs.Fsync(f.Ino()) }},
	{"syncfs", ClassSync, func(w *world, f *File) error { return w.fs.Syncfs() }},
}

// script answers the Decide hook yes for the fault names it lists and
// records every question and every Wait.
type script struct {
	yes   []string // "write:EIO", "*:slow" (any class)
	asked []string
	waits []string
}

func (s *script) decide(what string, p sim.Ratio) bool {
	s.asked = append(s.asked, what)
	_, kind, _ := strings.Cut(what, ":")
	return slices.Contains(s.yes, what) || slices.Contains(s.yes, "*:"+kind)
}

func (s *script) wait(class string, d sim.Time) {
	s.waits = append(s.waits, fmt.Sprintf("%s %s", class, d))
}

func TestFaults(t *testing.T) {
	half := sim.Ratio{Num: 1, Den: 2}
	plans := []struct {
		name string
		yes  string
		// result of an operation of class c, given the fault answered yes
		want  func(c Class) error
		delay sim.Time
	}{
		{"eio", "*:EIO", func(Class) error { return EIO }, 0},
		{"enospc", "*:ENOSPC", func(c Class) error {
			if c.allocates() {
				return ENOSPC
			}
			return nil
		}, 0},
		{"slow", "*:slow", func(Class) error { return nil }, 7 * sim.Millisecond},
		{"none", "", func(Class) error { return nil }, 0},
	}
	for _, p := range plans {
		for _, o := range faultOps {
			t.Run(p.name+"/"+o.name, func(t *testing.T) {
				w := newWorld(t, Options{})
				w.fs.Setxattr(RootIno, "user.x", []byte("v"), 0)
				f := w.open("/f")
				s := &script{yes: []string{p.yes}}
				w.fs.opts.Decide, w.fs.opts.Wait = s.decide, s.wait
				plan := Uniform(Rates{EIO: half, ENOSPC: half, Slow: half})
				plan.SlowDelay = 7 * sim.Millisecond
				w.fs.SetFaults(plan)
				before, pending := dumpNoFaults(w.fs), w.fs.Pending()

				err := o.run(w, f)

				want := p.want(o.class)
				if err != want {
					t.Fatalf("got %v, want %v", err, want)
				}
				// The questions asked, in order: EIO, ENOSPC if it allocates
				// and EIO was not drawn, slow.
				c := o.class.String()
				asked := []string{c + ":EIO"}
				if o.class.allocates() && want != EIO {
					asked = append(asked, c+":ENOSPC")
				}
				asked = append(asked, c+":slow")
				if !slices.Equal(s.asked, asked) {
					t.Errorf("asked %q, want %q", s.asked, asked)
				}
				if w := []string{fmt.Sprintf("%s %s", c, p.delay)}; !slices.Equal(s.waits, w) {
					t.Errorf("waits %q, want %q", s.waits, w)
				}
				if err != nil && (dumpNoFaults(w.fs) != before || w.fs.Pending() != pending) {
					t.Errorf("injected fault changed the filesystem")
				}
				w.fsck()
			})
		}
	}
}

// dumpNoFaults dumps without drawing faults or calling hooks.
func dumpNoFaults(fs *FS) string {
	d, wt := fs.opts.Decide, fs.opts.Wait
	fs.opts.Decide, fs.opts.Wait = nil, nil
	defer func() { fs.opts.Decide, fs.opts.Wait = d, wt }()
	return dump(fs)
}

// Operations that cannot fail still reach the Wait hook, and never Decide.
func TestFaultFreeScheduling(t *testing.T) {
	w := newWorld(t, Options{})
	f := w.open("/f")
	s := &script{yes: []string{"*:EIO"}}
	w.fs.opts.Decide, w.fs.opts.Wait = s.decide, s.wait
	w.fs.SetFaults(Uniform(Rates{EIO: sim.Ratio{Num: 1, Den: 1}}))
	if err := w.fs.SetInUse(f.Ino()); err != nil {
		t.Error(err)
	}
	if err := w.fs.ClearInUse(f.Ino()); err != nil {
		t.Error(err)
	}
	if err := w.fs.Close(f); err != nil {
		t.Error(err)
	}
	w.fs.Stat(RootIno)
	w.fs.InUse(RootIno)
	w.fs.Pending()
	if len(s.asked) != 0 {
		t.Errorf("asked %q", s.asked)
	}
	if want := []string{"inode 0.000000", "inode 0.000000", "close 0.000000"}; !slices.Equal(s.waits, want) {
		t.Errorf("waits %q, want %q", s.waits, want)
	}
}

func TestFaultPlanNeedsDecide(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a fault plan without Decide was accepted")
		}
	}()
	New(Options{Faults: Faults{Write: Rates{EIO: sim.Ratio{Num: 1, Den: 10}}}})
}

// The hooks wired to a simulated kernel: faults are recorded decisions,
// slow operations sleep on the virtual clock, and a replay of the decision
// log reproduces the run.
func TestFaultsOnKernel(t *testing.T) {
	run := func(strat sim.Strategy) (sim.Result, sim.Log, string) {
		k := sim.New(sim.Options{Seed: 42, Strategy: strat})
		fs := New(Options{
			Decide: func(_ string, p sim.Ratio) bool { return k.Chance(sim.CompDisk, p) },
			Wait: func(_ string, d sim.Time) {
				if th := k.Current(); th != nil {
					th.Sleep(d)
				}
			},
			Faults: Faults{
				Write:     Rates{EIO: sim.Ratio{Num: 1, Den: 4}, ENOSPC: sim.Ratio{Num: 1, Den: 4}, Slow: sim.Ratio{Num: 1, Den: 2}},
				Create:    Rates{EIO: sim.Ratio{Num: 1, Den: 4}},
				SlowDelay: sim.Second,
			},
		})
		var out strings.Builder
		for i := 0; i < 2; i++ {
			k.Spawn(fmt.Sprintf("writer-%d", i), func(th *sim.Thread) {
				for j := 0; j < 8; j++ {
					f, err := fs.Create(RootIno, fmt.Sprintf("f%d-%d", i, j), 0o600)
					fmt.Fprintf(&out, "%s create %d %v\n", th.Name(), j, err)
					if err != nil {
						continue
					}
					_, err = fs.Write(f, 0, []byte("data"))
					fmt.Fprintf(&out, "%s write %d %v %s\n", th.Name(), j, err, k.Now())
					fs.Close(f)
				}
			})
		}
		res := k.Run()
		out.WriteString(dumpNoFaults(fs))
		return res, k.Log(), out.String()
	}
	res, log, out := run(nil)
	if res.Outcome != sim.OutcomePass {
		t.Fatalf("run: %v %v", res.Outcome, res.Failure)
	}
	if res.Time == 0 {
		t.Errorf("no slow operation advanced the virtual clock")
	}
	for _, want := range []string{" EIO", "ENOSPC", `data="data"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the run:\n%s", want, out)
		}
	}
	res2, _, out2 := run(&sched.Replay{Log: log, Strict: true})
	if res2.Outcome != sim.OutcomePass || res2.Hash != res.Hash || out2 != out {
		t.Errorf("replay differs: %v %v\n%s\nvs\n%s", res2.Outcome, res2.Diverged, out2, out)
	}
}
