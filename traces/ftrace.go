package traces

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/ftrace"
)

// Layout is one of the kernel's ways of printing a trace buffer.
type Layout int

const (
	// LayoutFtrace is /sys/kernel/tracing/trace (kernel/trace/trace.c:
	// print_func_help_header_irq and trace_print_context): the header
	// block, then "%16s-%-7d [%03d] <5 flags> %5lu.%06lu: name: fields".
	LayoutFtrace Layout = iota
	// LayoutTraceCmd is what `trace-cmd report` prints (its man page):
	// "cpus=N", then "%16s-%-5d [%03d] secs.usecs: name: fields".
	LayoutTraceCmd
	// LayoutOops is the console dump of ftrace_dump_on_oops
	// (ftrace_dump_one): printk lines "[secs.usecs] " framing the buffer
	// in the latency format of trace_print_lat_context,
	// "%8.8s-%-7d %3d<5 flags> %4lluus<mark>: name: fields".
	LayoutOops
)

// LayoutNames are the --format names of the layouts, in Layout order.
var LayoutNames = []string{"ftrace", "trace-cmd", "oops"}

// ParseLayout reads a layout's name.
func ParseLayout(s string) (Layout, bool) {
	for i, n := range LayoutNames {
		if n == s {
			return Layout(i), true
		}
	}
	return 0, false
}

func (l Layout) String() string {
	if int(l) < len(LayoutNames) {
		return LayoutNames[l]
	}
	return "layout(" + strconv.Itoa(int(l)) + ")"
}

// FtraceOptions say how RenderFtrace prints a trace.
type FtraceOptions struct {
	Layout Layout
	// SimEvents keeps the simulator's own events (state changes, coverage
	// marks, thread spawn and exit, timer expiry, log lines); without it
	// only the kernel's fscache and cachefiles tracepoints are printed.
	SimEvents bool
	// StepColumn puts the simulator step of each event in a first column
	// (announced by a "# step column" comment line the importer reads).
	StepColumn bool
}

// BootNS is the uptime at which a rendered trace's virtual time 0 falls:
// a real trace's timestamps count from boot.
const BootNS = 4_000_000_000

// Task is a simulated thread as a kernel trace shows it.
type Task struct {
	Comm    string
	PID     int32
	CPU     int
	Softirq bool // it runs a timer callback: softirq context
}

// TaskOf maps a simulated thread to the task a kernel trace would show:
// a real-looking pid, one per thread and never 0 (kworkers low, like the
// kernel's early-forked workers; other tasks from 2000), the comm cut to
// TASK_COMM_LEN-1 bytes, a timer callback's thread as "ksoftirqd/<cpu>"
// in softirq context, and a CPU assigned round-robin by thread id. Events
// outside any thread are the idle task, <idle>-0.
func TaskOf(thread int32, comm string, softirq bool) Task {
	if thread < 0 {
		return Task{Comm: "<idle>", PID: 0, CPU: 0}
	}
	cpu := int(thread) % NumCPUs
	pid := 2000 + thread
	if strings.HasPrefix(comm, "kworker/") && thread < 1900 {
		pid = 100 + thread
	}
	if softirq {
		comm = "ksoftirqd/" + strconv.Itoa(cpu)
	}
	if len(comm) > taskCommLen-1 {
		comm = comm[:taskCommLen-1]
	}
	return Task{Comm: comm, PID: pid, CPU: cpu, Softirq: softirq}
}

// flags are the five irq/preempt columns of trace_print_lat_fmt.
func (tk Task) flags() string {
	if tk.Softirq {
		return "..s.."
	}
	return "....."
}

// KernelTimes gives each event a timestamp in microseconds since boot:
// BootNS plus the virtual time, made strictly increasing (events of one
// virtual instant are a microsecond apart), as a per-CPU ring buffer merged
// by timestamp would show them.
func KernelTimes(evs []Event, keep func(*Event) bool) []int64 {
	out := make([]int64, len(evs))
	last := int64(-1)
	for i := range evs {
		if !keep(&evs[i]) {
			out[i] = -1
			continue
		}
		us := (BootNS + evs[i].TimeNS) / 1000
		if us <= last {
			us = last + 1
		}
		out[i], last = us, us
	}
	return out
}

// latMark is trace_find_mark: the character after a latency-format
// timestamp for the gap to the next event.
func latMark(deltaNS int64) byte {
	switch {
	case deltaNS > 1_000_000_000:
		return '$'
	case deltaNS > 100_000_000:
		return '@'
	case deltaNS > 10_000_000:
		return '*'
	case deltaNS > 1_000_000:
		return '#'
	case deltaNS > 100_000:
		return '!'
	case deltaNS > 10_000:
		return '+'
	}
	return ' '
}

// RenderFtrace writes t's events in one of the kernel's layouts.
func RenderFtrace(w io.Writer, t *Trace, o FtraceOptions) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	keep := func(e *Event) bool { return o.SimEvents || ftrace.IsKernelEvent(e.Event) }
	times := KernelTimes(t.Events, keep)
	n := 0
	lastUS := int64(BootNS / 1000)
	for _, us := range times {
		if us >= 0 {
			n++
			lastUS = us
		}
	}
	softirq := TimerThreads(t.Events)
	annotated := o.SimEvents || o.StepColumn
	dmesgUS := lastUS + 1000 // the oops dump's printk time
	pre := ""
	prefix := func() string {
		if o.Layout != LayoutOops {
			return ""
		}
		s := fmt.Sprintf("[%5d.%06d] ", dmesgUS/1_000_000, dmesgUS%1_000_000)
		dmesgUS += 7
		return s
	}
	switch o.Layout {
	case LayoutFtrace:
		fmt.Fprintf(bw, ftraceHeader, n, n, NumCPUs)
	case LayoutTraceCmd:
		fmt.Fprintf(bw, "cpus=%d\n", NumCPUs)
	case LayoutOops:
		bw.WriteString(prefix() + "Dumping ftrace buffer:\n")
	}
	if annotated && o.Layout != LayoutTraceCmd {
		h := t.Header
		fmt.Fprintf(bw, "%s# fscachesim %s: scenario %s seed %d strategy %s bugs %s\n", prefix(), h.Tool, h.Scenario, h.Seed, h.Strategy, orDash(h.Bugs))
	}
	if o.StepColumn {
		fmt.Fprintf(bw, "%s%s the first field of each event line is the simulator step\n", prefix(), ftrace.StepColumnMarker)
	}
	if o.Layout == LayoutOops {
		if n == 0 {
			bw.WriteString(prefix() + "   (ftrace buffer empty)\n")
			return bw.Flush()
		}
		bw.WriteString(prefix() + "---------------------------------\n")
	}
	startUS := int64(BootNS / 1000)
	next := func(i int) int64 {
		for j := i + 1; j < len(times); j++ {
			if times[j] >= 0 {
				return times[j]
			}
		}
		return times[i]
	}
	for i := range t.Events {
		us := times[i]
		if us < 0 {
			continue
		}
		e := &t.Events[i]
		tk := TaskOf(e.Thread, e.Comm, softirq[e.Thread])
		pre = prefix()
		bw.WriteString(pre)
		if o.StepColumn {
			fmt.Fprintf(bw, "%7d ", e.Step)
		}
		switch o.Layout {
		case LayoutFtrace:
			fmt.Fprintf(bw, "%16s-%-7d [%03d] %s %5d.%06d: ", tk.Comm, tk.PID, tk.CPU, tk.flags(), us/1_000_000, us%1_000_000)
		case LayoutTraceCmd:
			fmt.Fprintf(bw, "%16s-%-5d [%03d] %d.%06d: ", tk.Comm, tk.PID, tk.CPU, us/1_000_000, us%1_000_000)
		case LayoutOops:
			comm := tk.Comm
			if len(comm) > 8 {
				comm = comm[:8]
			}
			fmt.Fprintf(bw, "%8s-%-7d %3d%s %4dus%c: ", comm, tk.PID, tk.CPU, tk.flags(), us-startUS, latMark((next(i)-us)*1000))
		}
		bw.WriteString(e.Event)
		bw.WriteString(": ")
		bw.WriteString(e.Text)
		bw.WriteByte('\n')
	}
	if o.Layout == LayoutOops {
		bw.WriteString(prefix() + "---------------------------------\n")
	}
	if annotated && o.Layout != LayoutTraceCmd {
		fmt.Fprintf(bw, "%s# verdict: %s\n", prefix(), VerdictLine(t.Verdict))
	}
	return bw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
