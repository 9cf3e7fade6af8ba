package cachefiles

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The golden tests of the control device drive /dev/cachefiles against a
// fake cache, one command per step, and print what each syscall returned
// and which cache operations it called. Every command runs on its own
// simulated thread until that thread returns or sleeps; a sleeping poller
// runs again at `run`.
//
// To update after a change: go test ./model/cachefiles -run TestDaemonGolden -rewrite
// then READ THE DIFF and commit only what you understand.
//
// Commands (f= names the open file, default "a"):
//
//	open [f=A] [flags]           open the device; flags: the fake keeps CULLING/DEAD (CullingFlag, DeadFlag)
//	write [f=A]                  one write per input line; a line starting with " is a Go string
//	write-long [f=A] len=N CMD   write "CMD aaa...a", N bytes in all
//	read [f=A] [size=N]          read with an N-byte buffer (default 4096)
//	poll [f=A]                   poll without waiting
//	poll-wait [f=A] [events=IN,OUT] [thread=P]
//	                             poll(2) on its own thread; it sleeps until woken
//	interrupt [f=A]              a signal for the file's pollers, then wake them
//	run                          run every runnable thread; report finished pollers
//	chdir [f=A] PATH             the daemon's working directory
//	fake [f=A] key=val...        the fake's answers: bind= cull= inuse= status= (an errno name or ok),
//	                             culling=0|1 freleased=N breleased=N limits=frun,fcull,fstop,brun,bcull,bstop dead=0|1
//	notify [f=A]                 the cache calls cachefiles_state_changed
//	release [f=A]                close the file
//	config [f=A]                 the configuration the commands set
//	force [f=A] key=val...       set percentages directly (the -ERANGE check is unreachable otherwise)
//	debug-mask                   the module's cachefiles_debug
type daemonDriver struct {
	k       *sim.Kernel
	dev     *Device
	files   map[string]*File
	fakes   map[string]*flagCache
	intr    map[string]bool
	pollers []*poller
	t       *testing.T
}

type poller struct {
	name string
	t    *sim.Thread
	mask PollMask
	err  error
	done bool
	said bool
}

func newDaemonDriver() *daemonDriver {
	return &daemonDriver{k: sim.New(sim.Options{Record: true, MaxSteps: 1 << 20}), dev: NewDevice(),
		files: map[string]*File{}, fakes: map[string]*flagCache{}, intr: map[string]bool{}}
}

func fileArg(td *datadriven.TestData) string {
	for _, a := range td.CmdArgs {
		if a.Key == "f" && len(a.Vals) == 1 {
			return a.Vals[0]
		}
	}
	return "a"
}

func argVal(td *datadriven.TestData, key, def string) string {
	for _, a := range td.CmdArgs {
		if a.Key == key && len(a.Vals) > 0 {
			return strings.Join(a.Vals, ",")
		}
	}
	return def
}

func hasArg(td *datadriven.TestData, key string) bool {
	for _, a := range td.CmdArgs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// runOn runs fn on a new thread until it returns or sleeps.
func (d *daemonDriver) runOn(name string, fn func(t *sim.Thread)) *sim.Thread {
	t := d.k.Spawn(name, fn)
	d.k.RunThread(t)
	return t
}

func (d *daemonDriver) file(td *datadriven.TestData) (*File, *flagCache) {
	name := fileArg(td)
	f, ok := d.files[name]
	if !ok {
		td.Fatalf(d.t, "%s: no open file %q", td.Cmd, name)
	}
	return f, d.fakes[name]
}

var errnoByName = map[string]error{"ok": nil}

func init() {
	for _, e := range []vfs.Errno{vfs.EPERM, vfs.ENOENT, vfs.EIO, vfs.ENOMEM, vfs.EACCES, vfs.EBUSY,
		vfs.EEXIST, vfs.ENOTDIR, vfs.EINVAL, vfs.ENOSPC, vfs.ERANGE, vfs.ENOBUFS, vfs.ESTALE, vfs.EOPNOTSUPP} {
		errnoByName[e.Error()] = e
	}
}

func errStr(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func (d *daemonDriver) do(td *datadriven.TestData) string {
	var b strings.Builder
	name := fileArg(td)
	switch td.Cmd {
	case "open":
		fc := &flagCache{}
		var ops CacheOps = &fc.fakeCache
		if hasArg(td, "flags") {
			ops = fc
		}
		d.runOn("daemon", func(t *sim.Thread) {
			f, err := d.dev.Open(t, func() CacheOps { return ops })
			if err != nil {
				fmt.Fprintf(&b, "open: %v\n", err)
				return
			}
			d.files[name], d.fakes[name] = f, fc
			fmt.Fprintf(&b, "open: f=%s config=%s\n", name, fmtConfig(f.Config()))
		})
	case "write":
		f, _ := d.file(td)
		var lines [][]byte
		for _, l := range strings.Split(td.Input, "\n") {
			if strings.HasPrefix(l, `"`) {
				u, err := strconv.Unquote(l)
				if err != nil {
					td.Fatalf(d.t, "bad quoted line %s: %v", l, err)
				}
				lines = append(lines, []byte(u))
			} else {
				lines = append(lines, []byte(l))
			}
		}
		d.runOn("daemon", func(t *sim.Thread) {
			for _, l := range lines {
				n, err := f.Write(t, l)
				shown := string(l)
				if len(shown) > 60 {
					shown = shown[:60] + fmt.Sprintf("...(%d bytes)", len(l))
				}
				if err != nil {
					fmt.Fprintf(&b, "%q → %v\n", shown, err)
				} else {
					fmt.Fprintf(&b, "%q → %d\n", shown, n)
				}
				d.calls(&b, name)
			}
		})
		return b.String()
	case "write-long":
		f, _ := d.file(td)
		n, err := strconv.Atoi(argVal(td, "len", "0"))
		if err != nil {
			td.Fatalf(d.t, "len: %v", err)
		}
		cmd := ""
		for _, a := range td.CmdArgs {
			if a.Key != "f" && a.Key != "len" {
				cmd = a.Key
			}
		}
		data := []byte(cmd + " " + strings.Repeat("a", max(n-len(cmd)-1, 0)))[:n]
		d.runOn("daemon", func(t *sim.Thread) {
			n, err := f.Write(t, data)
			fmt.Fprintf(&b, "write %d bytes → %d %s\n", len(data), n, errStr(err))
		})
	case "read":
		f, _ := d.file(td)
		size, err := strconv.Atoi(argVal(td, "size", "4096"))
		if err != nil {
			td.Fatalf(d.t, "size: %v", err)
		}
		d.runOn("daemon", func(t *sim.Thread) {
			buf := make([]byte, size)
			n, err := f.Read(t, buf)
			if err != nil {
				fmt.Fprintf(&b, "read: %v\n", err)
			} else {
				fmt.Fprintf(&b, "read: %d %q\n", n, buf[:n])
			}
		})
	case "poll":
		f, _ := d.file(td)
		d.runOn("daemon", func(t *sim.Thread) {
			m, err := f.Poll(t)
			fmt.Fprintf(&b, "poll: %v %s\n", m, errStr(err))
		})
	case "poll-wait":
		f, _ := d.file(td)
		var ev PollMask
		for _, e := range strings.Split(argVal(td, "events", "IN"), ",") {
			switch e {
			case "IN":
				ev |= EPOLLIN
			case "OUT":
				ev |= EPOLLOUT
			default:
				td.Fatalf(d.t, "events: %q", e)
			}
		}
		p := &poller{name: argVal(td, "thread", "poller")}
		p.t = d.runOn(p.name, func(t *sim.Thread) {
			p.mask, p.err = f.PollWait(t, ev, func() bool { return d.intr[name] })
			p.done = true
		})
		d.pollers = append(d.pollers, p)
		d.reportPollers(&b)
	case "interrupt":
		f, _ := d.file(td)
		d.intr[name] = true
		d.runOn("signal", func(t *sim.Thread) { f.Interrupt(t) })
		b.WriteString("interrupted\n")
	case "run":
		d.k.RunUntilIdle()
		d.reportPollers(&b)
	case "chdir":
		f, _ := d.file(td)
		dir := ""
		for _, a := range td.CmdArgs {
			if a.Key != "f" {
				dir = a.Key
			}
		}
		f.Chdir(dir)
		fmt.Fprintf(&b, "cwd %s\n", f.Cwd())
	case "fake":
		_, fc := d.file(td)
		for _, a := range td.CmdArgs {
			v := strings.Join(a.Vals, ",")
			errv := func() error {
				e, ok := errnoByName[v]
				if !ok {
					td.Fatalf(d.t, "unknown errno %q", v)
				}
				return e
			}
			switch a.Key {
			case "f":
			case "bind":
				fc.bindErr = errv()
			case "cull":
				fc.cullErr = errv()
			case "inuse":
				fc.inuseErr = errv()
			case "status":
				fc.statusErr = errv()
			case "culling":
				fc.status.Culling, fc.cullingBit = v == "1", v == "1"
			case "dead":
				fc.deadBit = v == "1"
			case "freleased":
				fc.status.FReleased = d.mustUint(td, v)
			case "breleased":
				fc.status.BReleased = d.mustUint(td, v)
			case "limits":
				if len(a.Vals) != 6 {
					td.Fatalf(d.t, "limits needs six values")
				}
				l := &fc.status.Limits
				for i, p := range []*uint64{&l.Frun, &l.Fcull, &l.Fstop, &l.Brun, &l.Bcull, &l.Bstop} {
					*p = d.mustUint(td, a.Vals[i])
				}
			default:
				td.Fatalf(d.t, "fake: unknown key %q", a.Key)
			}
		}
		b.WriteString("ok\n")
	case "notify":
		_, fc := d.file(td)
		if fc.notify == nil {
			td.Fatalf(d.t, "notify: the cache was never bound")
		}
		d.runOn("cache", func(t *sim.Thread) { fc.notify(t) })
		b.WriteString("state changed\n")
		d.reportPollers(&b)
	case "release":
		f, _ := d.file(td)
		d.runOn("daemon", func(t *sim.Thread) {
			fmt.Fprintf(&b, "release: %s\n", errStr(f.Release(t)))
		})
	case "config":
		f, _ := d.file(td)
		fmt.Fprintf(&b, "%s ready=%v dead=%v cwd=%s\n", fmtConfig(f.Config()), f.Ready(), f.Dead(), f.Cwd())
		return b.String()
	case "force":
		f, _ := d.file(td)
		for _, a := range td.CmdArgs {
			if a.Key == "f" {
				continue
			}
			v := uint(d.mustUint(td, strings.Join(a.Vals, ",")))
			switch a.Key {
			case "frun":
				f.cfg.Frun = v
			case "fcull":
				f.cfg.Fcull = v
			case "fstop":
				f.cfg.Fstop = v
			case "brun":
				f.cfg.Brun = v
			case "bcull":
				f.cfg.Bcull = v
			case "bstop":
				f.cfg.Bstop = v
			default:
				td.Fatalf(d.t, "force: unknown key %q", a.Key)
			}
		}
		fmt.Fprintf(&b, "%s\n", fmtConfig(f.Config()))
		return b.String()
	case "debug-mask":
		fmt.Fprintf(&b, "cachefiles_debug=%#x\n", d.dev.Debug())
		return b.String()
	default:
		td.Fatalf(d.t, "unknown command %q", td.Cmd)
	}
	if td.Cmd != "open" || d.files[name] != nil {
		d.calls(&b, name)
	}
	if fl := d.k.Failure(); fl != nil {
		fmt.Fprintf(&b, "FAILURE: %v\n", fl)
	}
	return b.String()
}

func (d *daemonDriver) mustUint(td *datadriven.TestData, s string) uint64 {
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		td.Fatalf(d.t, "%q: %v", s, err)
	}
	return v
}

func (d *daemonDriver) calls(b *strings.Builder, name string) {
	fc := d.fakes[name]
	if fc == nil {
		return
	}
	for _, c := range fc.takeCalls() {
		fmt.Fprintf(b, "  cache: %s\n", c)
	}
}

func (d *daemonDriver) reportPollers(b *strings.Builder) {
	for _, p := range d.pollers {
		switch {
		case p.done && !p.said:
			fmt.Fprintf(b, "%s: poll returned %v %s\n", p.name, p.mask, errStr(p.err))
			p.said = true
		case !p.done:
			if blocked, on := p.t.Blocked(); blocked {
				fmt.Fprintf(b, "%s: sleeping on %s\n", p.name, on)
			}
		}
	}
}

func fmtConfig(c Config) string {
	return fmt.Sprintf("dir=%s tag=%s secctx=%s frun=%d fcull=%d fstop=%d brun=%d bcull=%d bstop=%d debug=%#x",
		short(c.RootDir), short(c.Tag), short(c.Secctx), c.Frun, c.Fcull, c.Fstop, c.Brun, c.Bcull, c.Bstop, c.Debug)
}

// short quotes s, eliding the middle of a long one.
func short(s string) string {
	if len(s) <= 60 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q...(%d bytes)", s[:20], len(s))
}

func TestDaemonGolden(t *testing.T) {
	datadriven.Walk(t, "testdata/daemon", func(t *testing.T, path string) {
		d := newDaemonDriver()
		defer d.k.Close()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			d.t = t
			return d.do(td)
		})
	})
}
