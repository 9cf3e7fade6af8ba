package cachefiles_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The golden tests drive fscache over cachefiles on the virtual disk
// through one exact interleaving per file, a command per step, as
// model/fscache's golden tests do: each command runs on its own thread
// until it returns or sleeps; `run` runs every runnable thread and `tick`
// advances the clock to the next timer first. The expected output is the
// trace each command produced and, for `tree`, the cache's directory tree
// with sizes, in-use marks and decoded xattrs.
//
// To update after a change: go test ./model/cachefiles -run TestGolden -rewrite
// then READ THE DIFF and commit only what you understand.
//
// Commands:
//
//	bind [blocks=N] [files=N] [bcull=P] [brun=P] [bstop=P]  unbind
//	acquire-volume [key=K] [coherency=C]   relinquish-volume
//	acquire-cookie NAME [key=K] [size=N] [aux=A]
//	use NAME [modify]        unuse NAME [aux=A] [size=N]
//	write NAME [off=N] [len=N] [byte=C]     (fscache_write_to_cache)
//	read NAME [off=N] [len=N] [delay=MS]     (begin, [sleep], read, end)
//	prepare-read NAME off=N len=N isize=N
//	invalidate NAME aux=A [size=N]   resize NAME size=N
//	relinquish NAME [retire]
//	cull dir=PATH name=N     inuse dir=PATH name=N     status
//	fill blocks=N            unfill               (another user's file)
//	inject eio|enospc|off
//	crash [keep=N]           reboot
//	run   tick   tree   stats   events-off   events-on
type driver struct {
	k       *sim.Kernel
	f       *fscache.Fscache
	fs      *vfs.FS
	cf      *cachefiles.Cache
	vol     *fscache.Volume
	cookies map[string]*fscache.Cookie
	fillers []vfs.Ino
	seen    int
	quiet   bool
}

func newDriver() *driver {
	k := sim.New(sim.Options{Record: true, MaxSteps: 1 << 22})
	return &driver{k: k, f: fscache.New(k, model.Bugs{}), cookies: map[string]*fscache.Cookie{}}
}

func (d *driver) events() string {
	var b strings.Builder
	evs := d.k.Events()
	for _, e := range evs[d.seen:] {
		if d.quiet || e.Type.Name() == "sim_spawn" || e.Type.Name() == "sim_exit" {
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

func arg(td *datadriven.TestData, key, def string) string {
	for _, a := range td.CmdArgs {
		if a.Key == key && len(a.Vals) > 0 {
			return a.Vals[0]
		}
	}
	return def
}

func argInt(td *datadriven.TestData, key string, def int64) int64 {
	v, err := strconv.ParseInt(arg(td, key, strconv.FormatInt(def, 10)), 0, 64)
	if err != nil {
		panic(fmt.Sprintf("%s: bad %s: %v", td.Cmd, key, err))
	}
	return v
}

func (d *driver) cookie(td *datadriven.TestData) *fscache.Cookie {
	c, ok := d.cookies[td.CmdArgs[0].Key]
	if !ok {
		panic(fmt.Sprintf("%s: no cookie %q", td.Cmd, td.CmdArgs[0].Key))
	}
	return c
}

// thread runs fn on a new thread until it returns or sleeps.
func (d *driver) thread(name string, fn func(t *sim.Thread)) string {
	d.k.RunThread(d.k.Spawn(name, fn))
	return d.events()
}

func (d *driver) bind(td *datadriven.TestData) string {
	if d.fs == nil {
		d.cf = cachefiles.NewCacheFS(d.f, vfs.Options{Blocks: argInt(td, "blocks", 4096), Inodes: argInt(td, "files", 4096)})
		d.fs = d.cf.FS()
	}
	cfg := cachefiles.DefaultConfig()
	cfg.RootDir = "/"
	cfg.Bcull = uint(argInt(td, "bcull", int64(cfg.Bcull)))
	cfg.Brun = uint(argInt(td, "brun", int64(cfg.Brun)))
	cfg.Bstop = uint(argInt(td, "bstop", int64(cfg.Bstop)))
	var out string
	out = d.thread("cachefilesd", func(t *sim.Thread) {
		err := d.cf.Bind(t, cfg, func(t *sim.Thread) {
			t.Emit(sim.Event{Type: fscache.EvWarn, Str: [2]string{"daemon notified"}})
		})
		if err != nil {
			out = fmt.Sprintf("bind: %v\n", err)
		}
	})
	return out + fmt.Sprintf("limits: %+v\n", d.cf.Limits())
}

func (d *driver) do(td *datadriven.TestData) string {
	switch td.Cmd {
	case "bind":
		return d.bind(td)
	case "unbind":
		return d.thread("cachefilesd", func(t *sim.Thread) { d.cf.Unbind(t) })
	case "reboot":
		d.cf = d.cf.Reboot(d.f)
		return d.bind(td)
	case "acquire-volume":
		key := arg(td, "key", "afs,example.com,1000001a")
		coh := arg(td, "coherency", "")
		return d.thread("netfs", func(t *sim.Thread) {
			v, err := d.f.AcquireVolume(t, key, "", []byte(coh))
			if err != nil {
				t.Bug("test", "acquire volume: %v", err)
			}
			d.vol = v
		})
	case "relinquish-volume":
		return d.thread("netfs", func(t *sim.Thread) { fscache.RelinquishVolume(t, d.vol, nil, false) })
	case "acquire-cookie":
		name := td.CmdArgs[0].Key
		key := arg(td, "key", "inode-"+name)
		size := argInt(td, "size", 8192)
		aux := arg(td, "aux", "v1")
		return d.thread("netfs", func(t *sim.Thread) {
			d.cookies[name] = fscache.AcquireCookie(t, d.vol, 0, []byte(key), []byte(aux), size)
		})
	case "use":
		c := d.cookie(td)
		return d.thread(arg(td, "thread", "netfs"), func(t *sim.Thread) { fscache.UseCookie(t, c, td.HasArg("modify")) })
	case "unuse":
		c := d.cookie(td)
		return d.thread(arg(td, "thread", "netfs"), func(t *sim.Thread) {
			var aux []byte
			if a := arg(td, "aux", ""); a != "" {
				aux = []byte(a)
			}
			var size *int64
			if td.HasArg("size") {
				s := argInt(td, "size", 0)
				size = &s
			}
			fscache.UnuseCookie(t, c, aux, size)
		})
	case "write":
		c := d.cookie(td)
		off, n := argInt(td, "off", 0), argInt(td, "len", 4096)
		fill := arg(td, "byte", "w")[0]
		var res string
		out := d.thread(arg(td, "thread", "writer"), func(t *sim.Thread) {
			data := []byte(strings.Repeat(string(fill), int(n)))
			res = fmt.Sprintf("write: %v\n", fscache.WriteToCache(t, c, off, data, c.ObjectSize, true, nil))
		})
		return out + res
	case "read":
		c := d.cookie(td)
		off, n := argInt(td, "off", 0), argInt(td, "len", 4096)
		delay := sim.Time(argInt(td, "delay", 0)) * sim.Millisecond
		var res string
		out := d.thread(arg(td, "thread", "reader"), func(t *sim.Thread) {
			var cres fscache.CacheResources
			if err := fscache.BeginReadOperation(t, &cres, c); err != nil {
				res = fmt.Sprintf("read: begin: %v\n", err)
				return
			}
			if delay > 0 {
				t.Sleep(delay)
			}
			buf := make([]byte, n)
			got, err := cres.Ops.Read(t, &cres, off, buf, fscache.ReadHoleFail, nil)
			fscache.EndOperation(t, &cres)
			res = fmt.Sprintf("read: %d %v %q\n", got, err, summarize(buf[:got]))
			t.Emit(sim.Event{Type: fscache.EvWarn, Str: [2]string{strings.TrimSpace(res)}})
		})
		return out + res
	case "prepare-read":
		c := d.cookie(td)
		off, n, isize := argInt(td, "off", 0), argInt(td, "len", 4096), argInt(td, "isize", 8192)
		var res string
		out := d.thread("reader", func(t *sim.Thread) {
			var cres fscache.CacheResources
			if err := fscache.BeginReadOperation(t, &cres, c); err != nil {
				res = fmt.Sprintf("prepare-read: begin: %v\n", err)
				return
			}
			var flags uint32
			l := n
			src := d.cf.PrepareRead(t, &cres, off, &l, isize, &flags, 0x42)
			fscache.EndOperation(t, &cres)
			res = fmt.Sprintf("prepare-read: %v len=%d flags=%d\n", src, l, flags)
		})
		return out + res
	case "invalidate":
		c := d.cookie(td)
		return d.thread(arg(td, "thread", "netfs"), func(t *sim.Thread) {
			fscache.Invalidate(t, c, []byte(arg(td, "aux", "v2")), argInt(td, "size", c.ObjectSize), 0)
		})
	case "resize":
		c := d.cookie(td)
		return d.thread("netfs", func(t *sim.Thread) { fscache.ResizeCookie(t, c, argInt(td, "size", 0)) })
	case "relinquish":
		c := d.cookie(td)
		return d.thread("netfs", func(t *sim.Thread) { fscache.RelinquishCookie(t, c, td.HasArg("retire")) })
	case "cull", "inuse":
		var res string
		out := d.thread("cachefilesd", func(t *sim.Thread) {
			dir, name := arg(td, "dir", "/"), arg(td, "name", "")
			var err error
			if td.Cmd == "cull" {
				err = d.cf.Cull(t, dir, name)
			} else {
				err = d.cf.Inuse(t, dir, name)
			}
			res = fmt.Sprintf("%s %s/%s: %v\n", td.Cmd, dir, name, err)
		})
		return out + res
	case "status":
		var res string
		out := d.thread("cachefilesd", func(t *sim.Thread) {
			s, err := d.cf.Status(t)
			res = fmt.Sprintf("status: %+v %v\n", s, err)
		})
		return out + res
	case "fill":
		f, err := d.fs.Create(d.fs.Root(), fmt.Sprintf("filler-%d", len(d.fillers)), 0o600)
		if err != nil {
			panic(fmt.Sprintf("fill: %v", err))
		}
		if _, err := d.fs.Write(f, 0, make([]byte, argInt(td, "blocks", 1)*d.fs.BlockSize())); err != nil {
			return fmt.Sprintf("fill: %v\n", err)
		}
		d.fs.Close(f)
		d.fillers = append(d.fillers, f.Ino())
		sf, _ := d.fs.Statfs()
		return fmt.Sprintf("statfs: %+v\n", sf)
	case "unfill":
		for i := range d.fillers {
			d.fs.Unlink(d.fs.Root(), fmt.Sprintf("filler-%d", i))
		}
		d.fillers = nil
		sf, _ := d.fs.Statfs()
		return fmt.Sprintf("statfs: %+v\n", sf)
	case "inject":
		switch td.CmdArgs[0].Key {
		case "eio":
			d.cf.ErrorInjection = cachefiles.InjectEIO
		case "enospc":
			d.cf.ErrorInjection = cachefiles.InjectENOSPC
		default:
			d.cf.ErrorInjection = 0
		}
		return ""
	case "crash":
		keep := int(argInt(td, "keep", int64(d.fs.Pending())))
		pending := d.fs.Pending()
		return d.thread("power", func(t *sim.Thread) { d.cf.Crash(t, keep) }) + fmt.Sprintf("kept %d of %d pending ops\n", keep, pending)
	case "run":
		d.k.RunUntilIdle()
		return d.events()
	case "tick":
		d.k.AdvanceClock()
		d.k.RunUntilIdle()
		return d.events()
	case "tree":
		return tree(d.fs)
	case "stats":
		return d.f.StatsText()
	case "events-off":
		d.events()
		d.quiet = true
		return ""
	case "events-on":
		d.quiet = false
		d.events()
		return ""
	}
	panic(fmt.Sprintf("unknown command %q", td.Cmd))
}

// summarize prints a buffer as runs of bytes ("4096*w").
func summarize(b []byte) string {
	var parts []string
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] == b[i] {
			j++
		}
		ch := string(b[i])
		if b[i] == 0 {
			ch = "\\0"
		}
		parts = append(parts, fmt.Sprintf("%d*%s", j-i, ch))
		i = j
	}
	return strings.Join(parts, " ")
}

// tree prints the filesystem below the root: directories, files with
// size, blocks and in-use mark, and the cachefiles xattr decoded. Empty
// fan-out directories are counted, not listed.
func tree(fs *vfs.FS) string {
	var b strings.Builder
	var walk func(dir vfs.Ino, indent string)
	walk = func(dir vfs.Ino, indent string) {
		ents, _ := fs.Readdir(dir)
		emptyFan := 0
		for _, e := range ents {
			st, _ := fs.Stat(e.Ino)
			if e.Dir && strings.HasPrefix(e.Name, "@") {
				if sub, _ := fs.Readdir(e.Ino); len(sub) == 0 {
					emptyFan++
					continue
				}
			}
			fmt.Fprintf(&b, "%s%s", indent, e.Name)
			if e.Dir {
				b.WriteString("/")
			} else {
				fmt.Fprintf(&b, " size=%d blocks=%d", st.Size, st.Blocks)
			}
			if st.InUse {
				b.WriteString(" [in use]")
			}
			if x, err := fs.Getxattr(e.Ino, cachefiles.XattrName, 0); err == nil {
				b.WriteString(" " + describeXattr(e.Dir, x))
			}
			b.WriteString("\n")
			if e.Dir {
				walk(e.Ino, indent+"  ")
			}
		}
		if emptyFan > 0 {
			fmt.Fprintf(&b, "%s(%d empty fan-out dirs)\n", indent, emptyFan)
		}
	}
	walk(fs.Root(), "")
	fmt.Fprintf(&b, "open files: %d, in-use inodes: %d, pending ops: %d\n", fs.OpenFiles(), len(fs.InUseInodes()), fs.Pending())
	if err := fs.Fsck(); err != nil {
		fmt.Fprintf(&b, "FSCK: %v\n", err)
	}
	return b.String()
}

func describeXattr(dir bool, x []byte) string {
	if dir {
		r, coh, err := cachefiles.DecodeVolumeXattr(x)
		if err != nil {
			return fmt.Sprintf("vol-xattr=%x", x)
		}
		return fmt.Sprintf("vol-xattr{resv=%d coherency=%q}", r, coh)
	}
	ox, err := cachefiles.DecodeObjectXattr(x)
	if err != nil {
		return fmt.Sprintf("xattr=%x", x)
	}
	return fmt.Sprintf("xattr{size=%d type=%d content=%v aux=%q}", ox.ObjectSize, ox.Type, ox.Content, ox.Aux)
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	sort.Strings(files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			d := newDriver()
			defer d.k.Close()
			datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
				return d.do(td)
			})
		})
	}
}
