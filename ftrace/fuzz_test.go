package ftrace

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// FuzzCheckTrace: no input makes the reader or the checker panic, and
// every violation names a line of the input.
func FuzzCheckTrace(f *testing.F) {
	f.Add([]byte("# tracer: nop\n           netfs-2000    [000] .....     4.000000: fscache_cookie: c=00000002 NEW acq   r=1\n" +
		"    kworker/u4:2-102     [000] .....     4.000017: fscache_cookie: c=00000002 -   work  r=2\n"))
	f.Add([]byte("cpus=2\n           netfs-2000  [000] 4.000000: fscache_relinquish: c=00000002 V=00000001 r=3 U=1 f=3d rt=0\n"))
	f.Add([]byte("[   14.002515]    netfs-2000      0.....    0us : cachefiles_ref: c=00000002 o=00000001 u=1 PUT detach\n" +
		"[   14.002515]    netfs-2000      0.....    1us : fscache_cookie: c=00000002 PUT obj   r=0\n"))
	f.Add([]byte("# step column: x\n      3            netfs-2000  [000] 4.000000: fscache_active: c=00000002 USE r=1 a=0 c=1\nCPU:1 [LOST 3 EVENTS]\n"))
	f.Add([]byte("   netfs-2000    [000] .....     4.000000: fscache_cookie: c=00000002 PUT\nlru   r=3\n"))
	f.Add([]byte("a-1 (2) [000] ..... 1.000000: fscache_cookie: c=00000002 GET lru   r=3\nx- [1] 1.000001: b: c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range strings.Split(string(data), "\n") {
			sameAsRegexp(t, l)
		}
		rep, err := CheckTrace(bytes.NewReader(data), Options{})
		if err != nil {
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, v := range rep.Violations {
			if v.Line < 1 || v.Line > lines {
				t.Fatalf("violation at line %d of %d: %v", v.Line, lines, v)
			}
		}
		p, err := ReadPattern(bytes.NewReader(data))
		if err == nil {
			names := make([]string, len(p.Events))
			texts := make([]string, len(p.Events))
			for i, e := range p.Events {
				names[i], texts[i] = e.Event, strings.ReplaceAll(e.Shape, "=#", "=1")
			}
			p.MatchEvents(names, texts)
		}
	})
}

// sameAsRegexp: when the hand-written parser reads a line, the regexp
// reads it the same way.
func sameAsRegexp(t *testing.T, l string) {
	t.Helper()
	f, ok := parseCtx(l)
	if !ok {
		return
	}
	m := ctxRE.FindStringSubmatch(l)
	if m == nil {
		t.Fatalf("%q: parseCtx reads %+v, the regexp nothing", l, f)
	}
	pid, _ := strconv.ParseInt(m[2], 10, 32)
	cpu, _ := strconv.Atoi(m[3])
	secs, _ := strconv.ParseInt(m[5], 10, 64)
	us, _ := strconv.ParseInt(m[6], 10, 64)
	if strings.TrimSpace(m[1]) != f.comm || int32(pid) != f.pid || cpu != f.cpu || secs*1_000_000+us != f.us ||
		m[4] != f.flags || m[7] != f.event || m[8] != f.text {
		t.Fatalf("%q: parseCtx reads %+v, the regexp %q", l, f, m[1:])
	}
}

// TestFastParse: the hand-written parser agrees with the regexp on every
// line of rendered runs and on the hand-written cases, and reads every
// rendered event line.
func TestFastParse(t *testing.T) {
	lines := []string{
		"     Web Content-3141    (   3100) [003] d..1.  1234.567890: fscache_access: c=0000000a BEGIN io_read r=2 a=1",
		"         netfs-0-2000  [001] 4.000010: fscache_volume: V=00000001 GET cook  u=2",
		"  x-1 [01] 0.000001: e:",
	}
	for _, l := range lines {
		if _, ok := parseCtx(l); !ok {
			t.Errorf("%q not read", l)
		}
		sameAsRegexp(t, l)
	}
}
