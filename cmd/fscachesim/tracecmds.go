package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/traces"
)

const replayHelp = `Usage: fscachesim replay [flags] PATH

Re-run the trace at PATH with a strict replay of its decision log and
compare the run with the trace, event by event. It reports "identical", or
the first event that differs (the code changed since the trace was written).

Exit status:
  0 the run matches the trace and passes
  1 the run matches the trace and fails its check again (reproduced; the
    failure is printed)
  4 the run differs from the trace (the first difference is printed, field
    by field: the code changed since the trace was written)
  5 the trace recorded a failure and the run now passes (fixed, or the
    trace was edited)
  2 PATH is missing or not a valid trace
  3 internal error

Examples:
  fscachesim replay fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl
  fscachesim replay --events 40 fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl

Flags:
`

const shrinkHelp = `Usage: fscachesim shrink [flags] PATH

Minimise the failing trace at PATH while the same check still fails: first
fewer preemptions, then fewer decisions (delta debugging over the decision
log), then simpler random values. Every candidate is a re-run; the number of
re-runs is bounded (--attempts), never the time, so the result is the same
on every machine. Writes the smaller trace and prints how much smaller it is.

Exit status: 0 shrunk (the result may be the trace itself if nothing could
go); 1 the trace no longer fails when re-run; 2 PATH is missing, not a valid
trace, or a trace that passes.

Examples:
  fscachesim shrink fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl
  fscachesim shrink --attempts 2000 --out /tmp/small.trace.jsonl fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl

Flags:
`

const renderHelp = `Usage: fscachesim render [flags] PATH

Print the trace at PATH as text, or draw it as a self-contained HTML page
(one swimlane per thread, the failure marked, the cookie state diagram with
the transitions the run took).

Text formats: sim (the default) prints every event, the simulator's own
too, in the style of the kernel's ftrace ("comm-pid [cpu] ..... secs.usecs:
event: fields"), pid = thread id, CPU = pid % 2, with "  # step N" at the
end of the line and the failure marked; steps prints "step time thread
event: fields". The kernel's own layouts, line for line, with only the
kernel's tracepoints (docs/ftrace.md): ftrace is /sys/kernel/tracing/trace,
trace-cmd is 'trace-cmd report', oops is the ftrace_dump_on_oops console
dump; 'fscachesim check-trace' reads all three.

Examples:
  fscachesim render fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl
  fscachesim render --format steps fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl
  fscachesim render --format ftrace fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl > lru.trace
  fscachesim render --html /tmp/lru.html fscachesim-traces/lru-vs-relinquish-seed2-random.trace.jsonl

Flags:
`

// Replay's own exit codes (replayHelp), beside exitPass (matches, passes),
// exitFailure (matches, fails again), exitUsage and exitInternal.
const (
	exitReplayDiffers   = 4 // the run differs from the trace
	exitReplayNowPasses = 5 // the trace failed, the run passes
)

// traceFlags makes the flag set of a command that takes one trace path.
func traceFlags(cmd, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help)
		fs.PrintDefaults()
	}
	return fs
}

// parseTraceArgs parses flags (which may come before or after the path)
// and returns the one path; code is the exit code when ok is false.
func parseTraceArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (path string, code int, ok bool) {
	var paths []string
	for {
		if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
			return "", code, false
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(paths) {
	case 0:
		fmt.Fprintf(stderr, "fscachesim %s: missing trace path (see 'fscachesim %s -h')\n", fs.Name(), fs.Name())
		return "", exitUsage, false
	case 1:
		return paths[0], 0, true
	}
	fmt.Fprintf(stderr, "fscachesim %s: one trace path, got %d: %q\n", fs.Name(), len(paths), paths)
	return "", exitUsage, false
}

// parseFlags parses args into fs. On -h it prints the command's help on
// stdout and returns exit 0; on a bad flag it prints one line on stderr
// and returns exit 2.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case err == nil:
		fs.SetOutput(stderr)
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return exitPass, false
	}
	fs.SetOutput(stderr)
	fmt.Fprintf(stderr, "fscachesim %s: %s (see 'fscachesim %s -h')\n", fs.Name(), oneLine(err.Error()), fs.Name())
	return exitUsage, false
}

// readTrace reads and validates a trace, knowing the built-in scenarios.
func readTrace(path string) (*traces.Trace, error) {
	return traces.ReadFile(path, traces.ReadOptions{KnownScenario: func(name string) bool {
		_, err := scenarios.Get(name)
		return err == nil
	}})
}

func badInput(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "fscachesim %s: %s\n", cmd, oneLine(err.Error()))
	return exitUsage
}

func replayCmd(args []string, stdout, stderr io.Writer) int {
	fs := traceFlags("replay", replayHelp, stderr)
	nEvents := fs.Int("events", 12, "how many of the last events to print when the replayed run fails, e.g. --events 40")
	path, code, ok := parseTraceArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	t, err := readTrace(path)
	if err != nil {
		return badInput(stderr, "replay", err)
	}
	fmt.Fprintf(stdout, "replay %s\n", traces.Summary(t))
	if t.Header.Tool != Version {
		fmt.Fprintf(stdout, "  (written by fscachesim %s; this is %s)\n", t.Header.Tool, Version)
	}
	rep, err := traces.Replay(t, runner)
	if err != nil {
		return badInput(stderr, "replay", err)
	}
	fmt.Fprintf(stdout, "%s\n", rep.Explain())
	v := rep.Got.Verdict
	switch {
	case v.Verdict == traces.VerdictPass && rep.Identical:
		fmt.Fprintf(stdout, "PASS %s\n", traces.VerdictLine(v))
		return exitPass
	case v.Verdict == traces.VerdictPass && t.Failed():
		fmt.Fprintf(stdout, "the replayed run passes, but the trace recorded: %s\n", traces.VerdictLine(t.Verdict))
		return exitReplayNowPasses
	case v.Verdict == traces.VerdictPass:
		fmt.Fprintf(stdout, "the replayed run passes, but differs from the trace (%s)\n", traces.VerdictLine(t.Verdict))
		return exitReplayDiffers
	}
	code = exitFailure
	if !rep.Identical {
		code = exitReplayDiffers
	}
	fmt.Fprintf(stdout, "FAIL %s\n", traces.VerdictLine(v))
	if f := rep.Result.Failure; f != nil {
		for _, w := range f.Waiters {
			fmt.Fprintf(stdout, "    %s waits on %s since step %d\n", w.Name, w.What, w.Since)
		}
		if f.Stack != "" {
			fmt.Fprintf(stdout, "  stack:\n%s\n", indent(f.Stack, "    "))
		}
	}
	evs := rep.Got.Events
	if *nEvents >= 0 && len(evs) > *nEvents {
		evs = evs[len(evs)-*nEvents:]
	}
	fmt.Fprintf(stdout, "  last events:\n")
	for i := range evs {
		fmt.Fprintf(stdout, "    %s\n", traces.CompactLine(&evs[i]))
	}
	return code
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}

func shrinkCmd(args []string, stdout, stderr io.Writer) int {
	fs := traceFlags("shrink", shrinkHelp, stderr)
	out := fs.String("out", "", "where to write the shrunk trace, e.g. --out /tmp/small.trace.jsonl (default: PATH with .trace.jsonl replaced by .shrunk.trace.jsonl)")
	attempts := fs.Int("attempts", traces.DefaultShrinkAttempts, "most re-runs to make, e.g. --attempts 2000")
	path, code, ok := parseTraceArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if *attempts < 1 {
		fmt.Fprintf(stderr, "fscachesim shrink: --attempts must be at least 1\n")
		return exitUsage
	}
	t, err := readTrace(path)
	if err != nil {
		return badInput(stderr, "shrink", err)
	}
	if !t.Failed() {
		return badInput(stderr, "shrink", fmt.Errorf("%s: %w (verdict %s)", path, traces.ErrNotFailing, t.Verdict.Verdict))
	}
	dst := *out
	if dst == "" {
		dst = strings.TrimSuffix(strings.TrimSuffix(path, ".jsonl"), ".trace") + ".shrunk.trace.jsonl"
	}
	if err := traces.CheckOutput(dst, path); err != nil {
		return badInput(stderr, "shrink", err)
	}
	fmt.Fprintf(stdout, "shrink %s\n  %s\n", traces.Summary(t), traces.VerdictLine(t.Verdict))
	small, st, err := traces.Shrink(t, runner, traces.ShrinkOptions{MaxAttempts: *attempts})
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim shrink: %s\n", oneLine(err.Error()))
		return exitFailure
	}
	if err := writeTrace(dst, small); err != nil {
		fmt.Fprintf(stderr, "fscachesim shrink: cannot write the trace: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	fmt.Fprintf(stdout, "shrunk: %s\n", st)
	if st.Bounded {
		fmt.Fprintf(stdout, "  stopped at its attempt bound (%d re-runs): a further shrink could go smaller (--attempts %d, or shrink the result)\n", st.MaxAttempts, 2*st.MaxAttempts)
	}
	fmt.Fprintf(stdout, "  %s\n", traces.VerdictLine(small.Verdict))
	fmt.Fprintf(stdout, "  schedule: %s\n", clip(small.Log.String(), 160))
	fmt.Fprintf(stdout, "  trace: %s\n", dst)
	fmt.Fprintf(stdout, "  replay: %s replay %s\n", selfCommand(), dst)
	return exitPass
}

func renderCmd(args []string, stdout, stderr io.Writer) int {
	fs := traceFlags("render", renderHelp, stderr)
	format := fs.String("format", "sim", "text format: sim (the simulator's annotated ftrace-style text), ftrace (/sys/kernel/tracing/trace), trace-cmd (trace-cmd report), oops (ftrace_dump_on_oops) or steps, e.g. --format trace-cmd")
	simEvents := fs.Bool("sim-events", false, "with ftrace, trace-cmd or oops: print the simulator's own events too (state changes, marks, spawn/exit, timers), e.g. --format ftrace --sim-events")
	stepCol := fs.Bool("step-column", false, "with ftrace, trace-cmd or oops: a first column with the simulator step, e.g. --format oops --step-column")
	htmlOut := fs.String("html", "", "write a self-contained HTML page there instead of printing text, e.g. --html /tmp/lru.html")
	path, code, ok := parseTraceArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	layout, kernelLayout := traces.ParseLayout(*format)
	name := *format
	if name == "sim" {
		name = "ftrace"
	}
	tf, err := traces.ParseTextFormat(name)
	kernelLayout = kernelLayout && *format != "sim"
	if err != nil && !kernelLayout {
		return badInput(stderr, "render", fmt.Errorf("unknown text format %q: want sim, ftrace, trace-cmd, oops or steps", *format))
	}
	if (*simEvents || *stepCol) && !kernelLayout {
		return badInput(stderr, "render", fmt.Errorf("--sim-events and --step-column go with --format ftrace, trace-cmd or oops"))
	}
	t, err := readTrace(path)
	if err != nil {
		return badInput(stderr, "render", err)
	}
	if *htmlOut != "" {
		if err := traces.CheckOutput(*htmlOut, path); err != nil {
			return badInput(stderr, "render", err)
		}
		err := traces.WriteFileAtomic(*htmlOut, func(w io.Writer) error { return traces.RenderHTML(w, t, traces.HTMLOptions{}) })
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim render: cannot write %s: %s\n", *htmlOut, oneLine(err.Error()))
			return exitUsage
		}
		fmt.Fprintf(stdout, "wrote %s\n", *htmlOut)
		return exitPass
	}
	render := func() error { return traces.RenderText(stdout, t, tf) }
	if kernelLayout {
		render = func() error {
			return traces.RenderFtrace(stdout, t, traces.FtraceOptions{Layout: layout, SimEvents: *simEvents, StepColumn: *stepCol})
		}
	}
	if err := render(); err != nil {
		fmt.Fprintf(stderr, "fscachesim render: %s\n", oneLine(err.Error()))
		return exitInternal
	}
	return exitPass
}

// helpCmd is 'help [COMMAND]': the usage, or the command's --help.
func helpCmd(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(stdout, usage)
		return exitPass
	case len(args) > 1:
		fmt.Fprintf(stderr, "fscachesim help: one command, got %q\n", args)
		return exitUsage
	}
	switch c := args[0]; {
	case c == "list" || c == "bugs" || c == "alloc-sites" || c == "version" || c == "help":
		fmt.Fprint(stdout, usage)
		return exitPass
	case strings.HasPrefix(c, "-"):
		fmt.Fprintf(stderr, "fscachesim help: name a command, not %q (see 'fscachesim --help')\n", c)
		return exitUsage
	}
	// Every other command has flags and a --help; an unknown one is
	// refused by run.
	return run([]string{args[0], "--help"}, stdout, stderr)
}
