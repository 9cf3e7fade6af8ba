package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/mutate"
	"github.com/fscachesim/fscachesim/sim"
)

const mutateHelp = `Usage: fscachesim mutate [flags]
       fscachesim mutate list [flags]
       fscachesim mutate merge [--json] REPORT.json...
       fscachesim mutate probe [flags]

Mutation testing of the model: how many deliberately broken versions of
model/fscache, model/cachefiles and model/cachefilesd the explorer catches.
Each mutant is one change made on the Go syntax tree (the operators: 'fscachesim
mutate list --operators'). For each, mutate builds this tool with the one file
replaced (go build -overlay of the small probe command mutate/probecmd: the
tree is not copied or touched; it needs the go command and is run from the
module root, or --root; most mutants are built together into one binary
that picks the mutant when it starts, a mutant schema), runs the mutant's
probe — the first --executions executions of 'fscachesim explore --seed S'
over the default mix (every race scenario and the random generator), with
every check on, stopping at the first failure — and classifies it:

  killed            a check failed (which, after how many executions: the count
                    is deterministic)
  survived          every execution passed
  equivalent        every execution passed and ran exactly as the original's:
                    the digest of the simulator's per-execution running hashes
                    (events, schedule, random draws, shared accesses, timers),
                    in execution order, equals the original's
                    (or, check not-reached, no execution of the budget runs
                    the mutated code: decided from the original's coverage,
                    without building the mutant; --no-coverage builds it)
  timeout           no verdict within --timeout of wall time
  does-not-compile  the mutant does not type-check (go/types, before any
                    build) or does not build (reported, not fatal)
  equivalent-argued it survived, and the reviewed list mutate/equivalent.txt
                    (--equivalent) argues it equivalent: its check column
                    is the list's category code; a listed mutant that is
                    killed stays killed and is reported as a wrong argument;
                    a stale list entry (no mutant matches it) is a warning

The score is killed / (all - equivalent - equivalent-argued - does-not-compile).

Examples:
  fscachesim mutate --sample 10 --seed 1 --executions 2000
  fscachesim mutate --file cookie.go --operator drop-wake,drop-lock-pair
  fscachesim mutate --id model/fscache/cookie.go:499:2:drop-ref
  fscachesim mutate --shard 0/4 --json > m0.json    (then: fscachesim mutate merge m*.json)
  fscachesim mutate list --file volume.go

Flags:
`

// mutateCmd is 'mutate'.
func mutateCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "list":
			return mutateList(args[1:], stdout, stderr)
		case "merge":
			return mutateMerge(args[1:], stdout, stderr)
		case "probe":
			return mutateProbe(args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	sf := selectionFlags(fs)
	executions := fs.Int64("executions", mutate.DefaultExecutions, "the probe's budget per mutant, in executions over the default mix, e.g. --executions 2000 (the default costs about a minute of one core for a survivor)")
	pseed := fs.Uint64("probe-seed", 1, "the probe's base seed (explore's --seed), e.g. --probe-seed 7")
	maxSteps := fs.Int64("max-steps", sim.DefaultMaxSteps, "step bound of one execution, e.g. --max-steps 5000")
	timeout := fs.Duration("timeout", 0, "wall time allowed to one mutant's probe before it is classified timeout, e.g. --timeout 5m (default: five times the original's probe time plus a minute)")
	jobs := fs.Int("jobs", 1, "mutants built and probed at once, e.g. --jobs 2")
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout (for CI and 'fscachesim mutate merge'); progress goes to stderr")
	noCoverage := fs.Bool("no-coverage", false, "build and probe every mutant that type-checks, also those whose code no execution of the budget runs (by default they are equivalent, check not-reached, without a build)")
	scen := fs.String("scenario", "", "probe these scenarios (comma-separated names, see 'fscachesim list') instead of the default mix, e.g. --scenario ondemand-chaos,ondemand-daemon-close-vs-read for the on-demand code, which the default mix does not run")
	eqFile := equivalentFlag(fs)
	noSchema := fs.Bool("no-schema", false, "build every mutant alone (by default the mutants that fit are built into one binary and chosen at run time: see docs/mutation.md)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), mutateHelp)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 the run completed (whatever the score), 2 usage error, 3 the original does not build or fails its own probe, 130/143 interrupted by SIGINT/SIGTERM (the report of the mutants finished so far is printed, marked INTERRUPTED).\n")
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fscachesim mutate: %s\n", oneLine(fmt.Sprintf(format, a...)))
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if *executions < 1 {
		return fail("--executions must be at least 1")
	}
	if *maxSteps < 1 {
		return fail("--max-steps must be at least 1")
	}
	if *jobs < 1 {
		return fail("--jobs must be at least 1")
	}
	if *timeout < 0 {
		return fail("--timeout must not be negative")
	}
	if _, err := mutate.LookupScenarios(*scen); err != nil {
		return fail("%v", err)
	}
	var scenNames []string
	if *scen != "" {
		scenNames = strings.Split(*scen, ",")
	}
	all, picks, sel, code := sf.resolve(stderr)
	if code != 0 {
		return code
	}
	argued, problems, err := loadArgued(*eqFile, *sf.root, all)
	if err != nil {
		return fail("%v", err)
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "fscachesim mutate: warning: %s\n", p)
	}
	cfg := mutate.Config{Root: *sf.root, Executions: *executions, Seed: *pseed, MaxSteps: *maxSteps, Timeout: *timeout, Jobs: *jobs, Log: stderr, NoCoverage: *noCoverage, NoSchema: *noSchema, Scenarios: scenNames, Argued: argued}
	// The first SIGINT or SIGTERM stops the running build or probe; Run
	// removes its temporary directory and returns what finished, which is
	// reported, and the exit code says which signal it was.
	ctx, sig := interruptible()
	rep, err := mutate.Run(ctx, cfg, picks, len(all), sel)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim mutate: %s\n", oneLine(err.Error()))
		return exitInternal
	}
	rep.ListProblems = problems
	code = writeMutateReport(rep, *asJSON, stdout, stderr)
	if s := sig(); s != nil && rep.Interrupted && code == exitPass {
		fmt.Fprintf(stderr, "fscachesim mutate: interrupted by %s: %d of %d mutant(s) have a verdict\n", signalName(s), len(rep.Results), len(picks))
		return signalExit(s)
	}
	return code
}

func writeMutateReport(rep *mutate.Report, asJSON bool, stdout, stderr io.Writer) int {
	if asJSON {
		fmt.Fprintln(stderr, rep.Line())
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "fscachesim mutate: cannot write the JSON report: %v\n", err)
			return exitInternal
		}
		return exitPass
	}
	rep.WriteTable(stdout)
	return exitPass
}

// selFlags are the flags that pick mutants (mutate and mutate list).
type selFlags struct {
	root, file, operator, id, shard *string
	sample                          *int
	seed                            *uint64
	fs                              *flag.FlagSet
}

func selectionFlags(fs *flag.FlagSet) *selFlags {
	return &selFlags{
		fs:       fs,
		root:     fs.String("root", ".", "the fscachesim module root whose model is mutated, e.g. --root ~/src/fscachesim"),
		file:     fs.String("file", "", "only mutants of files whose path contains one of these, comma-separated, e.g. --file cookie.go,volume.go"),
		operator: fs.String("operator", "", "only these operators, comma-separated, e.g. --operator drop-wake,tas-to-test (see 'fscachesim mutate list --operators')"),
		id:       fs.String("id", "", "exactly these mutants, comma-separated ids as 'mutate list' prints them, e.g. --id model/fscache/cookie.go:499:2:drop-ref"),
		shard:    fs.String("shard", "", "run part I of N of the selected mutants (the i-th with i mod N == I), e.g. --shard 0/4; combine the --json reports with 'fscachesim mutate merge'"),
		sample:   fs.Int("sample", 0, "pick this many of the selected mutants at random, reproducibly (with --seed), e.g. --sample 40"),
		seed:     fs.Uint64("seed", 1, "the seed of --sample, e.g. --seed 2"),
	}
}

// resolve enumerates and selects; code is non-zero on a usage error.
func (s *selFlags) resolve(stderr io.Writer) ([]mutate.Mutant, []mutate.Selected, mutate.Selection, int) {
	name := s.fs.Name()
	fail := func(format string, a ...any) ([]mutate.Mutant, []mutate.Selected, mutate.Selection, int) {
		fmt.Fprintf(stderr, "fscachesim %s: %s\n", name, oneLine(fmt.Sprintf(format, a...)))
		return nil, nil, mutate.Selection{}, exitUsage
	}
	sel := mutate.Selection{Files: splitList(*s.file), Operators: splitList(*s.operator), IDs: splitList(*s.id), Sample: *s.sample, Seed: *s.seed}
	if *s.sample < 0 {
		return fail("--sample must be at least 1")
	}
	if len(sel.IDs) > 0 && (len(sel.Files) > 0 || len(sel.Operators) > 0 || sel.Sample > 0) {
		return fail("--id names the mutants: --file, --operator and --sample do not apply")
	}
	if *s.shard != "" {
		i, n, ok := strings.Cut(*s.shard, "/")
		a, err1 := strconv.Atoi(i)
		b, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || b < 1 || a < 0 || a >= b {
			return fail("bad --shard %q: want I/N with 0 <= I < N, e.g. --shard 0/4", *s.shard)
		}
		sel.Shard = mutate.Shard{I: a, N: b}
	}
	all, err := mutate.Enumerate(*s.root)
	if err != nil {
		return fail("%v", err)
	}
	picks, err := mutate.Select(all, sel)
	if err != nil {
		return fail("%v", err)
	}
	return all, picks, sel, 0
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// equivalentFlag is --equivalent (mutate and mutate list).
func equivalentFlag(fs *flag.FlagSet) *string {
	return fs.String("equivalent", "", "the reviewed list of mutants argued equivalent (default: the root's "+mutate.EquivalentFile+"; 'none' for no list), e.g. --equivalent my-equivalent.txt")
}

// loadArgued reads the reviewed list (file, or the root's own) and matches
// it against the full enumeration.
func loadArgued(file, root string, all []mutate.Mutant) (map[string]mutate.Argued, []string, error) {
	var l *mutate.EquivList
	var err error
	switch file {
	case "none":
		return nil, nil, nil
	case "":
		l, err = mutate.DefaultEquivalent(root)
	default:
		if _, serr := os.Stat(file); serr != nil {
			return nil, nil, fmt.Errorf("--equivalent: %v", serr)
		}
		l, err = mutate.LoadEquivalent(file)
	}
	if err != nil {
		return nil, nil, err
	}
	argued, problems := l.Match(all)
	return argued, problems, nil
}

// mutateList is 'mutate list'.
func mutateList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutate list", flag.ContinueOnError)
	sf := selectionFlags(fs)
	ops := fs.Bool("operators", false, "list the operators instead of the mutants")
	eqFile := equivalentFlag(fs)
	onlyArgued := fs.Bool("argued", false, "list only the mutants the reviewed list argues equivalent, each with its code and argument")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fscachesim mutate list [flags]\n\nList the mutants (id, the one-line diff, and for those the reviewed list argues equivalent\n'equivalent-argued CODE') that 'fscachesim mutate' with the same flags would run, in order.\nThe list's stale or ambiguous entries are reported on stderr.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fscachesim mutate list: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *ops {
		for _, o := range mutate.Operators {
			fmt.Fprintf(stdout, "%-24s %s\n", o.Name, o.Doc)
		}
		return exitPass
	}
	all, picks, _, code := sf.resolve(stderr)
	if code != 0 {
		return code
	}
	argued, problems, err := loadArgued(*eqFile, *sf.root, all)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim mutate list: %s\n", oneLine(err.Error()))
		return exitUsage
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "fscachesim mutate list: warning: %s\n", p)
	}
	n, na := 0, 0
	for _, p := range picks {
		a, ok := argued[p.ID]
		switch {
		case ok && *onlyArgued:
			fmt.Fprintf(stdout, "%s\t%s\t%s %s: %s\n", p.ID, p.Diff, mutate.ArguedEquivalent, a.Code, a.Why)
		case ok:
			fmt.Fprintf(stdout, "%s\t%s\t%s %s\n", p.ID, p.Diff, mutate.ArguedEquivalent, a.Code)
		case *onlyArgued:
			continue
		default:
			fmt.Fprintf(stdout, "%s\t%s\n", p.ID, p.Diff)
		}
		n++
		if ok {
			na++
		}
	}
	fmt.Fprintf(stderr, "%d of %d mutants (%d argued equivalent)\n", n, len(all), na)
	return exitPass
}

// mutateMerge is 'mutate merge'.
func mutateMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutate merge", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the merged report as JSON on stdout")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fscachesim mutate merge [--json] REPORT.json...\n\nMerge the --json reports of the shards of one mutation run (every shard, once).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "fscachesim mutate merge: name the reports to merge (files written by 'fscachesim mutate --shard I/N --json')")
		return exitUsage
	}
	var parts []mutate.Report
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim mutate merge: %s\n", oneLine(err.Error()))
			return exitUsage
		}
		var r mutate.Report
		if err := json.Unmarshal(data, &r); err != nil || r.Shard.N < 1 {
			fmt.Fprintf(stderr, "fscachesim mutate merge: %s: not a mutation report (want the output of 'fscachesim mutate --json')\n", path)
			return exitUsage
		}
		parts = append(parts, r)
	}
	m, err := mutate.Merge(parts)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim %s\n", oneLine(err.Error()))
		return exitUsage
	}
	return writeMutateReport(m, *asJSON, stdout, stderr)
}

// mutateProbe is 'mutate probe': what each mutant runs (mutate/probecmd
// runs the same).
func mutateProbe(args []string, stdout, stderr io.Writer) int {
	return mutate.ProbeMain(args, stdout, stderr)
}
