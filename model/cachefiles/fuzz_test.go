package cachefiles

import (
	"bytes"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// FuzzDaemonWrite writes one arbitrary command to a control device in one
// of a few starting states and checks that the write never panics, fails
// only with an error the kernel can return here, and agrees — result,
// configuration and the cache operations it called — with refWrite, a
// second statement of cachefiles_daemon_write's rules written from the
// kernel source independently of daemon.go (regular expressions and big
// numbers instead of the byte loops of simple_strtoul).
//
// The state byte picks the starting state: bit 0 dir set, bit 1 bound,
// bit 2 tag and secctx set, bit 3 the backend set DEAD, bit 4 the backend
// fails bind (-ENOSPC) and answers -EBUSY to cull and inuse, bits 5-6 the
// file limits 7/5/1, 50/20/10, 99/98/0 or 8/6/0.
func FuzzDaemonWrite(f *testing.F) {
	seeds := []string{
		// every command, well formed
		"bind", "brun 10%", "bcull 7%", "bstop 3%", "cull Dfoo", "debug 7",
		"dir /var/cache/fscache", "frun 10%", "fcull 7%", "fstop 3%",
		"inuse Dfoo", "secctx system_u:system_r:cachefiles_kernel_t:s0", "tag mycache",
		// unknown commands, on-demand commands, not exact names
		"copen 1,2", "restore", "nocull", "culltable 12", "bindx", "BIND", "bin", "",
		// parse errors
		"\n", "\nbind", "dir /x\x00", "\x00", " bind", "\tbind", "\xa0bind",
		"tag x\ngarbage", "tag x\n", "fstop\t\v\f\r 2%", "fcull\xa03%",
		// limit formats and ranges
		"frun", "frun ", "frun 50", "frun 50%%", "frun 50% ", "frun +5%", "frun -5%",
		"frun 0x10%", "frun 050%", "fstop %", "frun 100%", "frun 99%", "fcull 1%",
		"fcull 18446744073709551619%", "frun 18446744073709551716%", "bstop 7%", "bcull 10%", "brun 7%",
		// strings
		"dir", "dir ", "dir  /a  ", "tag", "secctx", "tag a b",
		// debug numbers
		"debug", "debug 0x1f", "debug 0X1F", "debug 017", "debug 08", "debug 0x", "debug 7 ",
		"debug -1", "debug 0x100000004", "debug 99999999999999999999999",
		// bind and cull arguments
		"bind ondemand", "bind ", "cull a/b", "inuse /", "cull", "inuse", "cull D foo ",
	}
	for _, s := range seeds {
		for _, state := range []uint8{0, 0x03, 0x05, 0x08, 0x13, 0x20, 0x40, 0x60} {
			f.Add([]byte(s), state)
		}
	}
	f.Add(bytes.Repeat([]byte("a"), CommandMax), uint8(0))
	f.Add(append([]byte("tag "), bytes.Repeat([]byte("a"), CommandMax-4)...), uint8(0))
	f.Add(append([]byte("tag "), bytes.Repeat([]byte("a"), CommandMax-3)...), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, state uint8) {
		checkWrite(t, data, state)
	})
}

// fuzzLimits are the file limits the state byte picks from (run, cull, stop).
var fuzzLimits = [4][3]uint{{7, 5, 1}, {50, 20, 10}, {99, 98, 0}, {8, 6, 0}}

// kernelErrors are the errors a write may return with the fake backend.
var kernelErrors = map[error]bool{vfs.EIO: true, vfs.EOPNOTSUPP: true, vfs.EINVAL: true,
	vfs.EEXIST: true, vfs.ERANGE: true, vfs.EBUSY: true, vfs.ENOSPC: true}

func checkWrite(t *testing.T, data []byte, state uint8) {
	k := sim.New(sim.Options{MaxSteps: 1 << 16})
	defer k.Close()
	dev := NewDevice()
	fc := &flagCache{}
	var file *File
	var n int
	var err error
	var before refState
	th := k.Spawn("daemon", func(th *sim.Thread) {
		file, _ = dev.Open(th, func() CacheOps { return fc })
		lim := fuzzLimits[state>>5&3]
		file.cfg.Frun, file.cfg.Fcull, file.cfg.Fstop = lim[0], lim[1], lim[2]
		if state&1 != 0 || state&2 != 0 {
			mustWrite(t, th, file, "dir /var/cache/fscache")
		}
		if state&4 != 0 {
			mustWrite(t, th, file, "tag mycache")
			mustWrite(t, th, file, "secctx label")
		}
		if state&2 != 0 {
			mustWrite(t, th, file, "bind")
		}
		if state&16 != 0 {
			fc.bindErr, fc.cullErr, fc.inuseErr = vfs.ENOSPC, vfs.EBUSY, vfs.EBUSY
		}
		fc.deadBit = state&8 != 0
		file.Chdir("/var/cache/fscache/cache")
		fc.takeCalls()
		before = refState{cfg: file.Config(), ready: file.Ready(), dead: fc.deadBit,
			bindErr: fc.bindErr, cullErr: fc.cullErr, cwd: file.Cwd()}
		n, err = file.Write(th, data)
	})
	if !k.RunThread(th) || !th.Done() {
		t.Fatalf("write %q did not complete: %v", data, k.Failure())
	}
	if err != nil && !kernelErrors[err] {
		t.Fatalf("write %q: error %v is not one the kernel returns here", data, err)
	}
	if err == nil && n != len(data) {
		t.Fatalf("write %q: returned %d, want the whole %d", data, n, len(data))
	}
	want := refWrite(before, data)
	if err != want.err || n != want.n {
		t.Fatalf("write %q (state %#x): got (%d, %v), reference says (%d, %v)", data, state, n, err, want.n, want.err)
	}
	got := file.Config()
	got.Debug, want.cfg.Debug = 0, 0 // checked through the device below
	if got != want.cfg {
		t.Fatalf("write %q (state %#x): config\n%+v\nreference\n%+v", data, state, got, want.cfg)
	}
	if want.debugSet && dev.Debug() != want.debug {
		t.Fatalf("write %q: debug mask %#x, reference %#x", data, dev.Debug(), want.debug)
	}
	if file.Ready() != want.ready {
		t.Fatalf("write %q: ready %v, reference %v", data, file.Ready(), want.ready)
	}
	if calls := strings.Join(fc.takeCalls(), "; "); calls != want.calls {
		t.Fatalf("write %q: cache calls %q, reference %q", data, calls, want.calls)
	}
}

func mustWrite(t *testing.T, th *sim.Thread, f *File, s string) {
	if _, err := f.Write(th, []byte(s)); err != nil {
		t.Fatalf("setup %q: %v", s, err)
	}
}

// refState is the reference's view of the device before and after a write.
type refState struct {
	cfg              Config
	ready, dead      bool
	bindErr, cullErr error
	cwd              string

	n        int
	err      error
	debug    uint32
	debugSet bool
	calls    string
}

var (
	// refSpace is the kernel's ctype space class (lib/ctype.c: _S).
	refSpace = "\t\n\v\f\r \xa0"
	// refPercent is "<decimal digits, possibly none>%".
	refPercent = regexp.MustCompile(`^([0-9]*)%$`)
	// refHex, refOct, refDec are C number forms; the longest prefix is taken.
	refHex = regexp.MustCompile(`^0[xX]([0-9a-fA-F]+)`)
	refOct = regexp.MustCompile(`^0([0-7]*)`)
	refDec = regexp.MustCompile(`^([0-9]*)`)
	two64  = new(big.Int).Lsh(big.NewInt(1), 64)
)

func isRefSpace(c byte) bool { return strings.IndexByte(refSpace, c) >= 0 }

// wrap64 is the value of digits in base, modulo 2^64.
func wrap64(digits string, base int) uint64 {
	if digits == "" {
		return 0
	}
	v, ok := new(big.Int).SetString(digits, base)
	if !ok {
		panic("bad digits " + digits)
	}
	return v.Mod(v, two64).Uint64()
}

// refC parses a whole string as a C number (simple_strtoul base 0): it
// reports the value and whether nothing followed it.
func refC(s string) (uint64, bool) {
	if m := refHex.FindStringSubmatch(s); m != nil {
		return wrap64(m[1], 16), len(m[0]) == len(s)
	}
	if m := refOct.FindStringSubmatch(s); m != nil {
		return wrap64(m[1], 8), len(m[0]) == len(s)
	}
	m := refDec.FindStringSubmatch(s)
	return wrap64(m[1], 10), len(m[0]) == len(s)
}

// refWrite states cachefiles_daemon_write's rules once more.
func refWrite(st refState, data []byte) refState {
	fail := func(err error) refState { st.err = err; return st }
	if st.dead {
		return fail(vfs.EIO)
	}
	if len(data) >= 4096 {
		return fail(vfs.EOPNOTSUPP)
	}
	if bytes.Contains(data, []byte{0}) {
		return fail(vfs.EINVAL)
	}
	line, _, cut := strings.Cut(string(data), "\n")
	if cut && line == "" {
		return fail(vfs.EINVAL)
	}
	word, args := line, ""
	for i := 0; i < len(line); i++ {
		if isRefSpace(line[i]) {
			if i == 0 {
				return fail(vfs.EOPNOTSUPP)
			}
			word, args = line[:i], line[i+1:]
			for args != "" && isRefSpace(args[0]) {
				args = args[1:]
			}
			break
		}
	}
	c := &st.cfg
	limit := func(p *uint, ok func(v uint64) bool) error {
		m := refPercent.FindStringSubmatch(args)
		if args == "" || m == nil {
			return vfs.EINVAL
		}
		v := wrap64(m[1], 10)
		if !ok(v) {
			return vfs.EINVAL
		}
		*p = uint(v)
		return nil
	}
	once := func(p *string, again error) error {
		if args == "" {
			return vfs.EINVAL
		}
		if *p != "" {
			return again
		}
		*p = args
		return nil
	}
	var err error
	switch word {
	case "frun":
		err = limit(&c.Frun, func(v uint64) bool { return v > uint64(c.Fcull) && v < 100 })
	case "fcull":
		err = limit(&c.Fcull, func(v uint64) bool { return v > uint64(c.Fstop) && v < uint64(c.Frun) })
	case "fstop":
		err = limit(&c.Fstop, func(v uint64) bool { return v < uint64(c.Fcull) })
	case "brun":
		err = limit(&c.Brun, func(v uint64) bool { return v > uint64(c.Bcull) && v < 100 })
	case "bcull":
		err = limit(&c.Bcull, func(v uint64) bool { return v > uint64(c.Bstop) && v < uint64(c.Brun) })
	case "bstop":
		err = limit(&c.Bstop, func(v uint64) bool { return v < uint64(c.Bcull) })
	case "dir":
		err = once(&c.RootDir, vfs.EEXIST)
	case "tag":
		err = once(&c.Tag, vfs.EEXIST)
	case "secctx":
		err = once(&c.Secctx, vfs.EINVAL)
	case "debug":
		v, whole := refC(args)
		if !whole {
			err = vfs.EINVAL
		} else {
			st.debug, st.debugSet = uint32(v), true
		}
	case "bind":
		switch {
		case !(c.Fstop < c.Fcull && c.Fcull < c.Frun && c.Frun < 100 && c.Bstop < c.Bcull && c.Bcull < c.Brun && c.Brun < 100):
			err = vfs.ERANGE
		case c.RootDir == "":
			err = vfs.EINVAL
		case st.ready:
			err = vfs.EBUSY
		case args != "":
			err = vfs.EINVAL
		default:
			if c.Tag == "" {
				c.Tag = DefaultTag
			}
			st.calls = "Bind dir=" + quote(c.RootDir) + " tag=" + quote(c.Tag) + " secctx=" + quote(c.Secctx) +
				" f=" + num(c.Frun) + "/" + num(c.Fcull) + "/" + num(c.Fstop) +
				" b=" + num(c.Brun) + "/" + num(c.Bcull) + "/" + num(c.Bstop) + " debug=0"
			err = st.bindErr
			st.ready = err == nil
		}
	case "cull", "inuse":
		switch {
		case strings.Contains(args, "/"):
			err = vfs.EINVAL
		case !st.ready:
			err = vfs.EIO
		default:
			op := "Cull"
			if word == "inuse" {
				op = "Inuse"
			}
			st.calls = op + " " + quote(st.cwd) + " " + quote(args)
			err = st.cullErr
		}
	default:
		err = vfs.EOPNOTSUPP
	}
	if err != nil {
		return fail(err)
	}
	st.n = len(data)
	return st
}

func quote(s string) string { return strconv.Quote(s) }

func num(v uint) string { return strconv.FormatUint(uint64(v), 10) }
