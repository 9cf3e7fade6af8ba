package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/fscachesim/fscachesim/kernelc"
)

const diffHelp = `Usage: fscachesim diff --build DIR [--scenario NAME]

Run the same operation script on the Go model and on the kernel's own
fscache C (a build made by 'fscachesim kernel build' inside the source tree,
which links its kc-sim), both under the sequential schedule (the lowest
enabled thread runs until it blocks or ends), and compare their streams of
the kernel's fscache tracepoints (include/trace/events/fscache.h) line by
line. For each scenario it prints "same" with the count, or the first
differing line of each side. The differences that remain on Linux 6.12 are
listed and explained in docs/kernel-c.md.

Scenarios (the C driver's, each with a Go twin): ` + "%s" + `

Exit codes: 0 the streams are the same, 1 a difference, 2 usage error or not
a build, 3 internal error.

Flags:
`

// diffCmd is 'diff'.
func diffCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	build := fs.String("build", "", "a build directory written by 'kernel build' (with kc-sim)")
	scenario := fs.String("scenario", "", "one scenario (default: every one)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), diffHelp, strings.Join(kernelc.TwinNames(), ", "))
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *build == "" || fs.NArg() != 0 {
		fmt.Fprintf(stderr, "fscachesim diff: want --build DIR and nothing else (see 'fscachesim diff -h')\n")
		return exitUsage
	}
	m, err := kernelc.ReadManifest(*build)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim diff: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	if m.Sim == "" {
		fmt.Fprintf(stderr, "fscachesim diff: %s has no kc-sim: rebuild it with 'fscachesim kernel build' inside the fscachesim source tree\n", *build)
		return exitUsage
	}
	names := kernelc.TwinNames()
	if *scenario != "" {
		if _, ok := kernelc.Twins[*scenario]; !ok {
			fmt.Fprintf(stderr, "fscachesim diff: no scenario %q (want one of %s)\n", *scenario, strings.Join(names, ", "))
			return exitUsage
		}
		names = []string{*scenario}
	}
	fmt.Fprintf(stdout, "kernel Linux %s tree-sha256 %s, schedule sequential\n", m.TreeVersion, m.TreeHash)
	code := exitPass
	for _, name := range names {
		goLines, res, err := kernelc.RunTwin(name, kernelc.Sequential())
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim diff: %s\n", oneLine(err.Error()))
			return exitInternal
		}
		out, err := exec.Command(m.Sim, "-scenario", name, "-strategy", "sequential").Output()
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			fmt.Fprintf(stderr, "fscachesim diff: %s -scenario %s: %s\n", m.Sim, name, oneLine(err.Error()))
			return exitInternal
		}
		var cLines []string
		cVerdict := ""
		for _, l := range strings.Split(string(out), "\n") {
			ev, _, _ := strings.Cut(l, ":")
			switch {
			case kernelc.KernelTracepoint(ev):
				cLines = append(cLines, l)
			case strings.HasPrefix(l, "verdict "):
				cVerdict = strings.TrimPrefix(l, "verdict ")
			}
		}
		d := kernelc.DiffStreams(goLines, cLines)
		if d == nil {
			fmt.Fprintf(stdout, "%s: same: %d tracepoints (Go model %v, C %s)\n", name, len(goLines), res.Outcome, cVerdict)
			continue
		}
		code = exitFailure
		fmt.Fprintf(stdout, "%s: first difference at tracepoint %d (%d equal before it; %d Go, %d C in all)\n  Go model: %s\n  kernel C: %s\n",
			name, d.Index, d.Equal, d.NGo, d.N, orEnd(d.Go), orEnd(d.C))
	}
	return code
}

func orEnd(s string) string {
	if s == "" {
		return "(end of stream)"
	}
	return s
}
