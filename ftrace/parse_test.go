package ftrace

import (
	"strings"
	"testing"
)

// TestParseLines: lines in the shapes the kernel and trace-cmd print them,
// written from the print formats (trace_print_context with and without the
// tgid column, trace_print_lat_context, printk prefixes with and without a
// log level), including comms with spaces and dashes.
func TestParseLines(t *testing.T) {
	cases := []struct {
		line         string
		layout, comm string
		pid          int32
		cpu          int
		flags        string
		us           int64
		event, text  string
	}{
		{"    kworker/u4:3-4       [000] .....    10.000000: fscache_cookie: c=00000002 PUT lru   r=3",
			"ftrace", "kworker/u4:3", 4, 0, ".....", 10_000_000, "fscache_cookie", "c=00000002 PUT lru   r=3"},
		{"     Web Content-3141    (   3100) [003] d..1.  1234.567890: fscache_access: c=0000000a BEGIN io_read r=2 a=1",
			"ftrace", "Web Content", 3141, 3, "d..1.", 1_234_567_890, "fscache_access", "c=0000000a BEGIN io_read r=2 a=1"},
		{"         netfs-0-2000  [001] 4.000010: fscache_volume: V=00000001 GET cook  u=2",
			"trace-cmd", "netfs-0", 2000, 1, "", 4_000_010, "fscache_volume", "V=00000001 GET cook  u=2"},
		{"[  441.253286] kworker/-57        1d..2.  423us : cachefiles_ref: c=00000003 o=00000001 u=1 PUT detach",
			"oops", "kworker/", 57, 1, "d..2.", 423, "cachefiles_ref", "c=00000003 o=00000001 u=1 PUT detach"},
		{"<4>[   12.000001]   <idle>-0         0..s.. 1000000us!: fscache_cookie: c=00000002 -   lrudo r=3",
			"oops", "<idle>", 0, 0, "..s..", 1_000_000, "fscache_cookie", "c=00000002 -   lrudo r=3"},
		{"[   14.002536] kworker/-101       1.....    3us$: fscache_cookie: c=00000002 PQ  work  r=2",
			"oops", "kworker/", 101, 1, ".....", 3, "fscache_cookie", "c=00000002 PQ  work  r=2"},
	}
	for _, c := range cases {
		r := NewReader(strings.NewReader(c.line + "\n"))
		rec, err := r.Next()
		if err != nil || rec == nil {
			t.Errorf("%q: not read (%v)", c.line, err)
			continue
		}
		if rec.Layout != c.layout || rec.Comm != c.comm || rec.PID != c.pid || rec.CPU != c.cpu || rec.Flags != c.flags ||
			rec.TimeUS != c.us || rec.Event != c.event || rec.Text != c.text {
			t.Errorf("%q:\n got %+v", c.line, *rec)
		}
	}
	for _, other := range []string{
		"# tracer: nop",
		"[   14.001011] Dumping ftrace buffer:",
		"[   14.001018] ---------------------------------",
		"[   20.1] BUG: kernel NULL pointer dereference, address: 0000000000000008",
		"cpus=4",
		"",
	} {
		if rec, err := NewReader(strings.NewReader(other + "\n")).Next(); rec != nil || err != nil {
			t.Errorf("%q read as an event: %+v %v", other, rec, err)
		}
	}
}
