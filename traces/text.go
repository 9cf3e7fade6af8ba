package traces

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
)

// TextFormat selects a text rendering.
type TextFormat int

const (
	// Ftrace prints each event as the kernel's ftrace prints it in
	// /sys/kernel/tracing/trace (5.17 and later), followed by "  # step N":
	//
	//	    kworker/u4:3-4       [000] .....    10.000000: fscache_cookie: c=00000002 PUT lru   r=3  # step 139
	Ftrace TextFormat = iota
	// Steps prints one compact line per event: step, virtual time, thread,
	// event and fields, as the tool's failure reports do:
	//
	//	   139 10.000000 kworker/u4:3   fscache_cookie: c=00000002 PUT lru   r=3
	Steps
)

// ParseTextFormat reads "ftrace" or "steps".
func ParseTextFormat(s string) (TextFormat, error) {
	switch s {
	case "ftrace":
		return Ftrace, nil
	case "steps":
		return Steps, nil
	}
	return 0, fmt.Errorf("unknown text format %q: want ftrace or steps", s)
}

// NumCPUs is how many CPUs the ftrace rendering spreads threads over: a
// thread runs on CPU id % NumCPUs.
const NumCPUs = 2

// taskCommLen is the kernel's TASK_COMM_LEN: a comm has at most 15 bytes.
const taskCommLen = 16

// CompactLine is the compact form of one event (the Steps format, without
// the trailing newline).
func CompactLine(e *Event) string {
	return fmt.Sprintf("%6d %s %-14s %s: %s", e.Step, sim.Time(e.TimeNS), e.Comm, e.Event, e.Text)
}

// FtraceLine is one event as ftrace prints it, without the step suffix.
// The context follows trace_print_context(): "%16s-%-7d [%03d] " for comm,
// pid and CPU, the five irq/preempt flag columns, then " %5lu.%06lu: " for
// the timestamp and "name: " for the event. The pid is the thread id; an
// event outside any thread prints as the idle task, <idle>-0 on CPU 0.
// The flag columns are "....." except in a timer callback's thread, which
// runs in softirq context: "..s..".
func FtraceLine(e *Event, softirq bool) string {
	comm, pid, cpu := e.Comm, e.Thread, int32(0)
	if pid < 0 {
		comm, pid = "<idle>", 0
	} else {
		cpu = pid % NumCPUs
	}
	if len(comm) > taskCommLen-1 {
		comm = comm[:taskCommLen-1]
	}
	ns := e.TimeNS
	if ns < 0 {
		ns = 0
	}
	secs, usecs := ns/int64(sim.Second), (ns%int64(sim.Second))/int64(sim.Microsecond)
	flags := "....."
	if softirq && e.Thread >= 0 {
		flags = "..s.."
	}
	return fmt.Sprintf("%16s-%-7d [%03d] %s %5d.%06d: %s: %s", comm, pid, cpu, flags, secs, usecs, e.Event, e.Text)
}

// TimerThreads are the threads that run timer callbacks (softirq context):
// the pids of the trace's sim_timer_expire events ("callback=f pid=3").
func TimerThreads(evs []Event) map[int32]bool {
	out := map[int32]bool{}
	for i := range evs {
		if evs[i].Event != "sim_timer_expire" {
			continue
		}
		if pid, ok := textPid(evs[i].Text); ok {
			out[pid] = true
		}
	}
	return out
}

// textPid finds "pid=N" in an event's text.
func textPid(text string) (int32, bool) {
	i := strings.Index(text, "pid=")
	if i < 0 {
		return 0, false
	}
	j := i + 4
	for j < len(text) && text[j] >= '0' && text[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(text[i+4:j], 10, 32)
	return int32(n), err == nil
}

const ftraceHeader = `# tracer: nop
#
# entries-in-buffer/entries-written: %d/%d   #P:%d
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`

// RenderText writes t in format f: a comment block naming the run, the
// events, a "# ---- FAIL" line after the last event at or before the
// failing step, and the verdict as a comment.
func RenderText(w io.Writer, t *Trace, f TextFormat) error {
	bw := bufio.NewWriter(w)
	h := t.Header
	bugs := h.Bugs
	if bugs == "" {
		bugs = "none"
	}
	n := len(t.Events)
	switch f {
	case Ftrace:
		fmt.Fprintf(bw, ftraceHeader, n, n, NumCPUs)
	case Steps:
		fmt.Fprintf(bw, "#   step time      thread         event: fields\n")
	}
	fmt.Fprintf(bw, "# fscachesim %s: scenario %s seed %d strategy %s bugs %s; %d decisions, %s\n",
		h.Tool, h.Scenario, h.Seed, h.Strategy, bugs, len(t.Log), PreemptionsText(t.Verdict))
	if f == Ftrace {
		fmt.Fprintf(bw, "# each line ends with the simulator step it was emitted at (# step N); pid = thread id, CPU = pid %% %d\n", NumCPUs)
	}
	v := t.Verdict
	marked := v.Verdict != VerdictFail
	softirq := TimerThreads(t.Events)
	for i := range t.Events {
		e := &t.Events[i]
		if !marked && e.Step > v.Step {
			writeFailMarker(bw, v)
			marked = true
		}
		switch f {
		case Ftrace:
			bw.WriteString(FtraceLine(e, softirq[e.Thread]))
			bw.WriteString("  # step ")
			bw.WriteString(strconv.FormatInt(e.Step, 10))
		default:
			bw.WriteString(CompactLine(e))
		}
		bw.WriteByte('\n')
	}
	if !marked {
		writeFailMarker(bw, v)
	}
	fmt.Fprintf(bw, "# verdict: %s\n", VerdictLine(v))
	return bw.Flush()
}

func writeFailMarker(w io.Writer, v Verdict) {
	fmt.Fprintf(w, "# ---- FAIL %s\n", oneLine(VerdictLine(v)))
}

// VerdictLine is the verdict in one line, as the tool prints a failure:
// "invariant [I-2] at step 168 in kworker/u4:4: message".
func VerdictLine(v Verdict) string {
	switch v.Verdict {
	case VerdictFail:
		who := v.ThreadName
		if who == "" {
			who = "-"
		}
		return oneLine(fmt.Sprintf("%s [%s] at step %d in %s: %s", v.Class, v.Check, v.Step, who, v.Msg))
	case VerdictPass:
		return fmt.Sprintf("pass after %d steps, %d events, time %s, hash %s", v.Steps, v.Events, sim.Time(v.TimeNS), v.Hash)
	default:
		msg := v.Msg
		if msg == "" {
			msg = "-"
		}
		return oneLine(fmt.Sprintf("%s after %d steps: %s", v.Verdict, v.Steps, msg))
	}
}

// Summary is a short description of the trace's run for reports.
func Summary(t *Trace) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s seed=%d strategy=%s", t.Header.Scenario, t.Header.Seed, t.Header.Strategy)
	if t.Header.Bugs != "" {
		fmt.Fprintf(&b, " bugs=%s", t.Header.Bugs)
	}
	fmt.Fprintf(&b, " max-steps=%d: %d decisions, %s, %d steps, %d events",
		t.Header.MaxSteps, len(t.Log), PreemptionsText(t.Verdict), t.Verdict.Steps, len(t.Events))
	return b.String()
}

// PreemptionsText is "N preemptions, M switches": the run's CHESS
// preemption count (what an exhaustive search's bound limits) and its
// thread switches; "?" for a version 1 trace, which did not record them.
// Every command and the HTML page print the counts this way.
func PreemptionsText(v Verdict) string {
	n := func(c int) string {
		if c < 0 {
			return "?"
		}
		return strconv.Itoa(c)
	}
	return n(v.Preemptions) + " preemptions, " + n(v.Switches) + " switches"
}
