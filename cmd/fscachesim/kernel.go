package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/fscachesim/fscachesim/kernelc"
)

const kernelHelp = `Usage: fscachesim kernel build --src DIR [--out DIR] [--asan]
       fscachesim kernel run --build DIR [-- RUNNER-FLAGS]
       fscachesim kernel explore --build DIR --scenario S [--strategy random|pct|pos] [--seeds N] [--bug B] [-o TRACE]
       fscachesim kernel replay --build DIR TRACE
       fscachesim kernel shrink --build DIR -o OUT TRACE

Run the kernel's own fscache C code under fscachesim's simulated kernel
(docs/kernel-c.md).

'build' compiles fs/netfs/fscache_{cookie,volume,cache,io}.c from the kernel
tree DIR, unchanged, against fscachesim's stand-in headers (the tree's own
linux/fscache.h, fscache-cache.h, netfs.h, list_bl.h, fs/netfs/internal.h and
trace/events/{fscache,netfs}.h are used as they are), links them with the
simulated kernel, an in-memory backend and the driver, and prints the build
directory (default: under the user cache directory, never the repository)
with the tree's version and the hash of the compiled files. Run inside the
fscachesim source tree, it also links kc-sim (the C build under sim's
strategies, for 'fscachesim diff') with go build.

'run' runs the driver of a build: RUNNER-FLAGS are its own
  -seed N -runs N -quiet -scenario life|two-users|lru-vs-use|lru-vs-io|lru-wait|lru-io-wait
  -replay 0,1,...
  -max-steps N -bug use-after-relinquish|heap-overflow

'explore', 'replay' and 'shrink' run the C build under sim's strategies with
every check of package checker on (through kc-sim, which 'build' links
inside the source tree): 'explore' runs seeds 0..N-1 and writes the first
failing run as a trace whose header names the kernel tree (its version and
the sha256 of the compiled files); 'replay' re-runs such a trace (exit 0 if
identical, 1 if not) and 'shrink' writes a shorter one failing the same
check. A trace of another tree is refused (exit 2).

Examples:
  fscachesim kernel build --src /usr/src/linux-source-6.12
  fscachesim kernel run --build ~/.cache/fscachesim/kernelc/XXXX -- -seed 7
  fscachesim kernel run --build DIR -- -runs 10000 -quiet -scenario two-users

Flags:
`

// kernelCmd is 'kernel'.
func kernelCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "build" && args[0] != "run" && !kernelSimCmds[args[0]]) {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, kernelHelp)
			return exitPass
		}
		fmt.Fprintf(stderr, "fscachesim kernel: want 'build', 'run', 'explore', 'replay' or 'shrink' (see 'fscachesim kernel -h')\n")
		return exitUsage
	}
	fs := flag.NewFlagSet("kernel "+args[0], flag.ContinueOnError)
	src := fs.String("src", "", "build: the kernel source tree, e.g. /usr/src/linux-source-6.12")
	out := fs.String("out", "", "build: the build directory (default: under the user cache directory)")
	build := fs.String("build", "", "run: a build directory written by 'kernel build'")
	asan := fs.Bool("asan", false, "build: compile with AddressSanitizer (gcc -fsanitize=address); kc-run only, no kc-sim")
	scenario := fs.String("scenario", "", "explore: the C driver's scenario (life, two-users, lru-vs-use, lru-vs-io, lru-wait, lru-io-wait)")
	strategy := fs.String("strategy", "random", "explore: random, pct or pos")
	seeds := fs.Int("seeds", 1000, "explore: how many seeds (0..N-1)")
	traceOut := fs.String("o", "", "explore, shrink: the trace to write")
	bug := fs.String("bug", "", "explore: the C driver's bug switch (use-after-relinquish)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), kernelHelp)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 pass, 1 a finding, 2 usage error or unfit tree, 3 internal error (no compiler).\n")
	}
	if code, ok := parseFlags(fs, args[1:], stdout, stderr); !ok {
		return code
	}
	switch args[0] {
	case "build":
		if *src == "" || fs.NArg() != 0 {
			fmt.Fprintf(stderr, "fscachesim kernel build: want --src DIR and nothing else (see 'fscachesim kernel -h')\n")
			return exitUsage
		}
		m, err := kernelc.Build(kernelc.Options{Src: *src, Out: *out, Module: moduleDir(), ASan: *asan})
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim kernel build: %s\n", oneLine(err.Error()))
			if errors.Is(err, kernelc.ErrBadTree) {
				return exitUsage
			}
			return exitInternal
		}
		fmt.Fprintf(stdout, "tree %s (Linux %s), sha256 of the compiled files %s\n", m.SourceOrigin, m.TreeVersion, m.TreeHash)
		fmt.Fprintf(stdout, "runner %s\narchive %s\n", m.Runner, m.Archive)
		if m.Sim != "" {
			fmt.Fprintf(stdout, "sim %s\n", m.Sim)
		} else if m.ASan {
			fmt.Fprintf(stdout, "sim: not built (an AddressSanitizer build has kc-run only)\n")
		} else {
			fmt.Fprintf(stdout, "sim: not built (run 'kernel build' inside the fscachesim source tree, with Go, to link kc-sim for 'fscachesim diff')\n")
		}
		return exitPass
	case "explore", "replay", "shrink":
		return kernelSim(args[0], *build, *scenario, *strategy, *bug, *seeds, *traceOut, fs.Args(), stdout, stderr)
	default:
		if *build == "" {
			fmt.Fprintf(stderr, "fscachesim kernel run: want --build DIR (see 'fscachesim kernel -h')\n")
			return exitUsage
		}
		m, err := kernelc.ReadManifest(*build)
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim kernel run: %s\n", oneLine(err.Error()))
			return exitUsage
		}
		fmt.Fprintf(stdout, "kernel Linux %s tree-sha256 %s\n", m.TreeVersion, m.TreeHash)
		cmd := exec.Command(m.Runner, fs.Args()...)
		cmd.Stdout = stdout
		cmd.Stderr = stderr
		err = cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return exitPass
		case errors.As(err, &ee) && ee.ExitCode() == 1:
			return exitFailure
		case errors.As(err, &ee) && ee.ExitCode() == 2:
			return exitUsage
		}
		fmt.Fprintf(stderr, "fscachesim kernel run: %s: %s\n", m.Runner, oneLine(err.Error()))
		return exitInternal
	}
}

// moduleDir is the fscachesim module's source directory when the command
// runs inside it (go env GOMOD names our go.mod), else "".
func moduleDir() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return ""
	}
	gomod := strings.TrimSpace(string(out))
	b, err := os.ReadFile(gomod)
	if err != nil || !strings.HasPrefix(string(b), "module github.com/fscachesim/fscachesim\n") {
		return ""
	}
	return filepath.Dir(gomod)
}

// kernelSimCmds are the kernel subcommands that run kc-sim.
var kernelSimCmds = map[string]bool{"explore": true, "replay": true, "shrink": true}

// kernelSim is 'kernel explore|replay|shrink': kc-sim of the build, told
// the build's tree so its traces name it and it refuses another's.
func kernelSim(what, build, scenario, strategy, bug string, seeds int, out string, args []string, stdout, stderr io.Writer) int {
	if build == "" {
		fmt.Fprintf(stderr, "fscachesim kernel %s: want --build DIR (see 'fscachesim kernel -h')\n", what)
		return exitUsage
	}
	m, err := kernelc.ReadManifest(build)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim kernel %s: %s\n", what, oneLine(err.Error()))
		return exitUsage
	}
	if m.Sim == "" {
		fmt.Fprintf(stderr, "fscachesim kernel %s: the build %s has no kc-sim (run 'kernel build' inside the fscachesim source tree)\n", what, build)
		return exitUsage
	}
	sargs := []string{"-tree", m.TreeVersion + " " + m.TreeHash}
	switch what {
	case "explore":
		if scenario == "" || len(args) != 0 || seeds < 1 {
			fmt.Fprintf(stderr, "fscachesim kernel explore: want --scenario S, --seeds N > 0 and no arguments (see 'fscachesim kernel -h')\n")
			return exitUsage
		}
		sargs = append(sargs, "-explore", fmt.Sprint(seeds), "-scenario", scenario, "-strategy", strategy, "-bug", bug)
		if out != "" {
			sargs = append(sargs, "-o", out)
		}
	case "replay":
		if len(args) != 1 {
			fmt.Fprintf(stderr, "fscachesim kernel replay: want one TRACE (see 'fscachesim kernel -h')\n")
			return exitUsage
		}
		sargs = append(sargs, "-replay", args[0])
	default:
		if len(args) != 1 || out == "" {
			fmt.Fprintf(stderr, "fscachesim kernel shrink: want -o OUT and one TRACE (see 'fscachesim kernel -h')\n")
			return exitUsage
		}
		sargs = append(sargs, "-shrink", args[0], "-o", out)
	}
	cmd := exec.Command(m.Sim, sargs...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return exitPass
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return exitFailure
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		return exitUsage
	}
	fmt.Fprintf(stderr, "fscachesim kernel %s: %s: %s\n", what, m.Sim, oneLine(err.Error()))
	return exitInternal
}
