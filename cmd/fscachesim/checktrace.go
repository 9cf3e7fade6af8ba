package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/fscachesim/fscachesim/ftrace"
)

const checkTraceHelp = `Usage: fscachesim check-trace [flags] FILE|-

Read a kernel trace of fscache and cachefiles (the tracing directory's
trace file, 'trace-cmd report' output, or an ftrace_dump_on_oops console
dump; '-' reads stdin) and check it against the model's rules a trace can
show: ref counts against each reason, n_accesses, n_active, the cookie's
work item, relinquish reaching x-rlq and the last put, key collisions, the
life of cachefiles objects. Each violation names its line, the object, the
rule and the lines involved. Lines of other events are ignored; wrapped or
cut lines are tolerated and reported. See docs/ftrace.md.

Exit status: 0 valid; 1 a rule is broken; 2 the input is unreadable (empty,
binary, no fscache or cachefiles event) or bad flags.

Examples:
  fscachesim check-trace /tmp/fscache.trace
  trace-cmd report | fscachesim check-trace -
  fscachesim check-trace --json --partial dmesg.txt

Flags:
`

func checkTraceCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := traceFlags("check-trace", checkTraceHelp, stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON, e.g. --json")
	partial := fs.Bool("partial", false, "the capture may stop anywhere: skip the end-of-trace rules (relinquish-end), e.g. --partial")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr (one every 16 MiB read), e.g. --quiet")
	path, code, ok := parseTraceArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	in := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return badInput(stderr, "check-trace", err)
		}
		defer f.Close()
		in = f
	}
	opts := ftrace.Options{Partial: *partial}
	if !*quiet {
		opts.Progress = func(n int64, lines int) {
			fmt.Fprintf(stderr, "check-trace: %d MiB, %d lines read\n", n>>20, lines)
		}
	}
	rep, err := ftrace.CheckTrace(in, opts)
	if err != nil {
		if errors.Is(err, ftrace.ErrEmpty) || errors.Is(err, ftrace.ErrBinary) || errors.Is(err, ftrace.ErrNoEvents) {
			return badInput(stderr, "check-trace", fmt.Errorf("%s: %w", path, err))
		}
		return badInput(stderr, "check-trace", fmt.Errorf("%s: cannot read: %w", path, err))
	}
	if *asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			return exitInternal
		}
	} else {
		rep.WriteText(stdout, path)
	}
	if !rep.Valid() {
		return exitFailure
	}
	return exitPass
}
