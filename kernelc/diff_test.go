package kernelc

import (
	"strings"
	"testing"
)

func TestDiffStreams(t *testing.T) {
	a := []string{"fscache_cache: C=00000001 NEW acq   r=1", "fscache_volume: V=00000001 NEW acq   u=1"}
	if d := DiffStreams(a, a); d != nil {
		t.Errorf("equal streams: %+v", d)
	}
	b := []string{a[0], "fscache_volume: V=00000001 NEW acq   u=2"}
	if d := DiffStreams(a, b); d == nil || d.Index != 1 || d.Go != a[1] || d.C != b[1] {
		t.Errorf("second line differs: %+v", d)
	}
	if d := DiffStreams(a, a[:1]); d == nil || d.Index != 1 || d.C != "" {
		t.Errorf("C stream shorter: %+v", d)
	}
}

// TestTwinsRun: every Go twin runs clean under the sequential schedule and
// emits only kernel tracepoints (the diff's Go side).
func TestTwinsRun(t *testing.T) {
	for _, name := range TwinNames() {
		lines, res, err := RunTwin(name, Sequential())
		if err != nil || res.Outcome.String() != "pass" || len(lines) < 40 {
			t.Fatalf("%s: %v %v %v, %d tracepoints", name, err, res.Outcome, res.Failure, len(lines))
		}
		for _, l := range lines {
			ev, _, _ := strings.Cut(l, ":")
			if !KernelTracepoint(ev) {
				t.Fatalf("%s: %q is not a kernel tracepoint", name, l)
			}
		}
	}
	if _, _, err := RunTwin("nosuch", Sequential()); err == nil {
		t.Error("RunTwin(nosuch): no error")
	}
}
