package traces

import (
	"fmt"
	"strings"

	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// Runner builds the world of the trace's scenario from its header, runs it
// once under strat with sim.Options{Seed: h.Seed, MaxSteps: h.MaxSteps,
// Record: true, Strategy: strat} and returns the result and the kernel
// (whose Events, Log and ThreadName the trace is made from). An error means
// the header cannot be run (an unknown scenario, bug switch or option).
//
// The tool supplies it (cmd/fscachesim builds scenarios.Prepare): traces
// does not import scenarios.
type Runner func(h Header, strat sim.Strategy) (sim.Result, *sim.Kernel, error)

// Diff is the first event where a replay differs from its trace.
type Diff struct {
	Index     int    // index of the event in the streams
	Step      int64  // step of the expected event (of the replayed one past the trace's end)
	Want, Got string // the events as compact lines; "" past the end of a stream
	// Fields names each event field that differs with both values
	// ("thread: 3 -> 4"), so that a difference the compact line does not
	// show (the thread id, the object, the time below a microsecond) is
	// still named. Empty past the end of a stream.
	Fields []string
}

// eventFields lists the fields of want and got that differ, as
// "name: want -> got".
func eventFields(want, got *Event) []string {
	var out []string
	f := func(name string, a, b any) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %v -> %v", name, a, b))
		}
	}
	f("step", want.Step, got.Step)
	f("time_ns", want.TimeNS, got.TimeNS)
	f("thread", want.Thread, got.Thread)
	f("comm", fmt.Sprintf("%q", want.Comm), fmt.Sprintf("%q", got.Comm))
	f("event", want.Event, got.Event)
	f("obj", want.Obj, got.Obj)
	f("text", fmt.Sprintf("%q", want.Text), fmt.Sprintf("%q", got.Text))
	return out
}

func (d *Diff) String() string {
	want, got := d.Want, d.Got
	if want == "" {
		want = "(end of the trace's events)"
	}
	if got == "" {
		got = "(end of the replay's events)"
	}
	s := fmt.Sprintf("first difference at event %d (step %d):\n  expected: %s\n  got:      %s", d.Index, d.Step, want, got)
	if len(d.Fields) > 0 {
		s += "\n  differing fields (expected -> got): " + strings.Join(d.Fields, ", ")
	}
	return s
}

// ReplayReport is what a replay found.
type ReplayReport struct {
	Got    *Trace      // the replayed run as a trace
	Result sim.Result  // the replayed run's result
	Kernel *sim.Kernel // the replayed run
	// Identical: the same events, verdict and hash as the trace.
	Identical bool
	// Diff is the first differing event, nil when the event streams match.
	Diff *Diff
	// VerdictDiffs lists the verdict fields that differ ("check: I-2 -> I-6").
	VerdictDiffs []string
}

// Explain says in a few lines how the replay differs from the trace, or
// that it does not.
func (r *ReplayReport) Explain() string {
	if r.Identical {
		return fmt.Sprintf("identical: %d events, verdict %s, hash %s", len(r.Got.Events), r.Got.Verdict.Verdict, r.Got.Verdict.Hash)
	}
	var b strings.Builder
	b.WriteString("the replay differs from the trace (the code changed since it was written, or the run is not deterministic)")
	if r.Got.Verdict.Verdict == VerdictDiverged {
		fmt.Fprintf(&b, "\n  the decision log no longer fits the run: %s", r.Got.Verdict.Msg)
	}
	if r.Diff != nil {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(r.Diff.String(), "\n", "\n  "))
	} else {
		b.WriteString("\n  the events are the same")
	}
	for _, d := range r.VerdictDiffs {
		b.WriteString("\n  verdict ")
		b.WriteString(d)
	}
	return b.String()
}

// Replay re-runs t with a strict replay of its decision log and compares
// the run with the trace.
func Replay(t *Trace, run Runner) (*ReplayReport, error) {
	res, k, err := run(t.Header, &sched.Replay{Log: t.Log, Strict: true})
	if err != nil {
		return nil, err
	}
	got, err := FromRun(t.Header, res, k)
	if err != nil {
		return nil, err
	}
	got.Verdict.Visualization = t.Verdict.Visualization
	r := &ReplayReport{Got: got, Result: res, Kernel: k}
	r.Diff, r.VerdictDiffs = Compare(t, got)
	r.Identical = r.Diff == nil && len(r.VerdictDiffs) == 0
	return r, nil
}

// Compare finds the first event where got differs from want, and the
// verdict fields that differ.
func Compare(want, got *Trace) (*Diff, []string) {
	var diff *Diff
	n := max(len(want.Events), len(got.Events))
	for i := 0; i < n; i++ {
		var w, g string
		step := int64(0)
		if i < len(got.Events) {
			g, step = CompactLine(&got.Events[i]), got.Events[i].Step
		}
		if i < len(want.Events) {
			w, step = CompactLine(&want.Events[i]), want.Events[i].Step
		}
		if w != g || (i < len(want.Events) && i < len(got.Events) && want.Events[i] != got.Events[i]) {
			diff = &Diff{Index: i, Step: step, Want: w, Got: g}
			if i < len(want.Events) && i < len(got.Events) {
				diff.Fields = eventFields(&want.Events[i], &got.Events[i])
			}
			break
		}
	}
	var vd []string
	wv, gv := want.Verdict, got.Verdict
	field := func(name, a, b string) {
		if a != b {
			vd = append(vd, fmt.Sprintf("%s: %q -> %q", name, a, b))
		}
	}
	field("verdict", wv.Verdict, gv.Verdict)
	field("class", wv.Class, gv.Class)
	field("check", wv.Check, gv.Check)
	field("msg", wv.Msg, gv.Msg)
	field("step", fmt.Sprint(wv.Step), fmt.Sprint(gv.Step))
	field("thread", fmt.Sprint(wv.Thread), fmt.Sprint(gv.Thread))
	field("steps", fmt.Sprint(wv.Steps), fmt.Sprint(gv.Steps))
	field("hash", wv.Hash, gv.Hash)
	if wv.Preemptions >= 0 { // a version 1 trace did not record them
		field("preemptions", fmt.Sprint(wv.Preemptions), fmt.Sprint(gv.Preemptions))
		field("switches", fmt.Sprint(wv.Switches), fmt.Sprint(gv.Switches))
	}
	return diff, vd
}
