package ftrace

import (
	"bytes"
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
	f.Fuzz(func(t *testing.T, data []byte) {
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
