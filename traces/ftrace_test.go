package traces

import (
	"bytes"
	"strings"
	"testing"
)

// TestRenderFtraceGolden pins the three kernel layouts of the hand-made
// trace (go test ./traces -run TestRenderFtraceGolden -update rewrites
// them; read the diff).
func TestRenderFtraceGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		o    FtraceOptions
	}{
		{"hand.kernel.ftrace", FtraceOptions{Layout: LayoutFtrace}},
		{"hand.kernel.trace-cmd", FtraceOptions{Layout: LayoutTraceCmd}},
		{"hand.kernel.oops", FtraceOptions{Layout: LayoutOops}},
		{"hand.kernel.ftrace-sim-steps", FtraceOptions{Layout: LayoutFtrace, SimEvents: true, StepColumn: true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderFtrace(&b, handTrace(), tc.o); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

// TestTaskOf: pids are never 0 and one per thread, comms cut to 15
// bytes, a timer callback's thread is ksoftirqd in softirq context.
func TestTaskOf(t *testing.T) {
	seen := map[int32]int32{}
	for id := int32(0); id < 3000; id++ {
		comm := "netfs"
		if id%2 == 0 {
			comm = "kworker/u4:1"
		}
		tk := TaskOf(id, comm, false)
		if tk.PID == 0 {
			t.Fatalf("thread %d has pid 0", id)
		}
		if o, dup := seen[tk.PID]; dup {
			t.Fatalf("threads %d and %d share pid %d", o, id, tk.PID)
		}
		seen[tk.PID] = id
	}
	if tk := TaskOf(3, "fscache_cookie_lru_timed_out", true); tk.Comm != "ksoftirqd/1" || tk.flags() != "..s.." {
		t.Errorf("timer thread: %+v", tk)
	}
	if tk := TaskOf(4, "a-very-long-command-name", false); tk.Comm != "a-very-long-com" {
		t.Errorf("comm not cut to 15 bytes: %q", tk.Comm)
	}
	if tk := TaskOf(-1, "-", false); tk.Comm != "<idle>" || tk.PID != 0 {
		t.Errorf("no thread: %+v", tk)
	}
	if got := latMark(150_000); got != '!' || latMark(5_000) != ' ' || latMark(2_000_000_000) != '$' {
		t.Errorf("latMark: %c", got)
	}
	if !strings.HasPrefix(LayoutNames[LayoutOops], "oops") {
		t.Error("layout names out of order")
	}
}
