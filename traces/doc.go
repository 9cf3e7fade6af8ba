// Package traces is the trace file of a fscachesim execution: its format,
// an atomic writer, a validating reader, replay (re-run a trace and compare
// the event streams), shrink (minimise a failing trace's schedule while the
// same check still fails) and renderers: text in the style of the
// kernel's ftrace, the kernel's own layouts line for line (RenderFtrace:
// the tracing directory's trace file, trace-cmd report, the
// ftrace_dump_on_oops dump; package ftrace reads them back), and a
// self-contained HTML page with one swimlane per thread.
//
// A trace is JSON Lines (docs/trace-format.md): a header (format version,
// tool version, scenario, options, seed, strategy, bug switches, step
// bound), the decision log, one line per event and a verdict. The decision
// log alone reproduces the execution; the events are there to read, to
// render and to check that a replay still follows the same path.
//
// Imports: sim, ftrace (the list of the kernel's tracepoints), and model/fscache for the cookie state diagram of the HTML
// page. It does not import scenarios: whoever replays or shrinks a trace
// supplies a Runner that builds and runs the trace's scenario.
//
// Writing, reading and replaying a trace:
//
//	t, err := traces.FromRun(h, res, k) // k ran with sim.Options{Record: true}
//	err = traces.WriteFile("x.trace.jsonl", t)
//	t, err = traces.ReadFile("x.trace.jsonl", traces.ReadOptions{})
//	rep, err := traces.Replay(t, runner)
//	if !rep.Identical {
//		fmt.Println(rep.Explain())
//	}
package traces
