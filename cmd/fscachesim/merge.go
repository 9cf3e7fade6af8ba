package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fscachesim/fscachesim/explorer"
)

const mergeHelp = `Usage: fscachesim merge [flags] SUMMARY.json...

Merge the JSON summaries of the shards of one exploration (each written by
'fscachesim explore --shard I/N --json') into the summary of the whole: the
same totals, per-scenario and per-strategy counts and failures as one
unsharded run over the same executions. Every shard is needed, once.

Examples:
  for i in 0 1 2 3; do fscachesim explore --executions 100000 --shard $i/4 --json > s$i.json; done
  fscachesim merge s0.json s1.json s2.json s3.json
  fscachesim merge --json s*.json > all.json

Flags:
`

// mergeCmd is 'merge'.
func mergeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the merged summary as JSON on stdout, e.g. --json > all.json")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), mergeHelp)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 no shard found a failure, 1 a check failed, 2 usage error or bad summary file.\n")
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "fscachesim merge: name the summaries to merge (files written by 'fscachesim explore --shard I/N --json')")
		return exitUsage
	}
	var parts []explorer.Summary
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "fscachesim merge: %s\n", oneLine(err.Error()))
			return exitUsage
		}
		var s explorer.Summary
		if err := json.Unmarshal(data, &s); err != nil || s.Shard.N < 1 {
			fmt.Fprintf(stderr, "fscachesim merge: %s: not an exploration summary (want the output of 'fscachesim explore --json')\n", path)
			return exitUsage
		}
		if err := s.Validate(); err != nil {
			fmt.Fprintf(stderr, "fscachesim merge: %s: %s\n", path, oneLine(err.Error()))
			return exitUsage
		}
		parts = append(parts, s)
	}
	m, err := explorer.Merge(parts)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim %s\n", oneLine(err.Error()))
		return exitUsage
	}
	report := stdout
	if *asJSON {
		report = stderr
	}
	for _, f := range m.Failures {
		fmt.Fprintf(report, "FAIL %s seed=%d strategy=%s: %s [%s] %s\n  replay: %s\n", f.Scenario, f.Seed, f.Strategy, f.Class, f.Check, oneLine(f.Msg), f.Replay)
	}
	fmt.Fprintln(report, m.Line())
	if m.Coverage != nil {
		fmt.Fprintln(report, m.Coverage.Line())
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(m); err != nil {
			fmt.Fprintf(stderr, "fscachesim merge: %v\n", err)
			return exitInternal
		}
	}
	if m.Failed > 0 {
		return exitFailure
	}
	return exitPass
}
