package mutate

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fscachesim/fscachesim/explorer"
	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sim"
)

// DefaultExecutions is the probe's default budget: executions over the
// default mix (scenarios.Default(), which includes the random generator)
// under the default portfolio, in explore's index order. It is sized so
// that one surviving mutant costs about a minute of two cores (a probe is
// sequential: two minutes of one core, so 'mutate --jobs 2' finishes about
// one survivor a minute; measured at ~225 µs of CPU per execution,
// docs/mutation.md); killed mutants stop at their first failure.
const DefaultExecutions = 500000

// ProbeConfig is one probe: the first Executions executions of the
// explorer's index space over the default mix (Config.At with the default
// scenarios and portfolio, base seed Seed), run one after another.
type ProbeConfig struct {
	Executions int64
	Seed       uint64
	MaxSteps   int64
	// Scenarios overrides the default mix (tests use it to keep probes
	// short); nil means scenarios.Default().
	Scenarios []scenarios.Scenario
}

// ProbeResult is what a probe found. Digest folds, in execution order,
// every execution's index and the simulated kernel's running hash (which
// covers every event, every scheduling decision, every random draw, every
// step's shared access and every timer firing): two binaries whose probes
// ran the same executions with the same Digest ran identical executions.
type ProbeResult struct {
	Executions int64  `json:"executions"`
	Digest     string `json:"digest"`
	// Failed is set when an execution failed: the probe stops there.
	Failed   bool   `json:"failed"`
	Index    int64  `json:"index,omitempty"` // the failing execution's index
	Scenario string `json:"scenario,omitempty"`
	Strategy string `json:"strategy,omitempty"`
	Seed     uint64 `json:"seed,omitempty"`
	Class    string `json:"class,omitempty"`
	Check    string `json:"check,omitempty"`
	Msg      string `json:"msg,omitempty"`
}

// Probe runs c and stops at the first failing execution. It is what the
// mutant binaries run ('fscachesim mutate probe'): the same executions
// 'fscachesim explore --executions N --seed S' runs with the default mix,
// judged by the same checks, then (with the default mix) one execution of
// each liveness scenario (scenarios.Liveness), numbered N, N+1, ...; so a
// killed mutant's failure within N is explore's first failure on that
// binary.
func Probe(c ProbeConfig) ProbeResult {
	cfg := explorer.Config{Scenarios: c.Scenarios, Seed: c.Seed, MaxSteps: c.MaxSteps, Executions: c.Executions}.Normalize()
	var r ProbeResult
	d := uint64(fnvOffset)
	mix := func(v uint64) {
		for i := 0; i < 8; i++ {
			d = (d ^ (v & 0xff)) * fnvPrime
			v >>= 8
		}
	}
	// run runs execution x as number i of the probe; false when it failed.
	run := func(i int64, x explorer.Execution) bool {
		res := execute(x, cfg.MaxSteps)
		mix(uint64(i))
		mix(res.Hash)
		mix(uint64(res.Outcome))
		r.Executions = i + 1
		if res.Outcome == sim.OutcomePass {
			return true
		}
		r.Failed, r.Index, r.Scenario, r.Strategy, r.Seed = true, i, x.Scenario.Name, x.Strategy.Name, x.Seed
		r.Class, r.Check = res.Outcome.String(), res.Outcome.String()
		switch {
		case res.Outcome == sim.OutcomeBound:
			r.Class, r.Check = "step-bound", "max-steps"
			r.Msg = fmt.Sprintf("the step bound of %d steps was hit", cfg.MaxSteps)
		case res.Failure != nil:
			r.Class, r.Check, r.Msg = res.Failure.Class.String(), res.Failure.Check, res.Failure.Msg
		}
		return false
	}
	for i := int64(0); i < c.Executions; i++ {
		if !run(i, cfg.At(i)) {
			break
		}
	}
	// Then, with the default mix, one execution of each liveness scenario
	// (scenarios.Liveness: the cache must serve something), numbered after
	// the budget, under the portfolio's first strategy.
	if !r.Failed && c.Scenarios == nil {
		lc := explorer.Config{Scenarios: scenarios.Liveness(), Seed: c.Seed, MaxSteps: c.MaxSteps}.Normalize()
		for j := range lc.Scenarios {
			x := lc.At(int64(j) * int64(len(lc.Portfolio)))
			if !run(c.Executions+int64(j), x) {
				break
			}
		}
	}
	r.Digest = fmt.Sprintf("%016x", d)
	return r
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// execute runs one execution as the explorer does (every check on). A panic
// outside the simulated threads (a mutant can make one) is a failure of
// class "panic".
func execute(x explorer.Execution, maxSteps int64) (res sim.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = sim.Result{Outcome: sim.OutcomeFail, Failure: &sim.Failure{Class: sim.FailOops, Check: "harness", Msg: fmt.Sprintf("panic outside the simulated threads: %v", p)}}
		}
	}()
	res, _, _ = scenarios.Execute(x.Scenario, model.Bugs{}, sim.Options{Seed: x.Seed, Strategy: x.Strategy.New(), MaxSteps: maxSteps})
	return res
}

// ProbeMain is the command line of a probe ('fscachesim mutate probe' and
// mutate/probecmd): --executions N --seed S --max-steps M, the verdict as
// one JSON object on stdout. It returns the exit code: 0 when a verdict
// was printed (whatever it is), 2 on bad flags, 3 when it cannot write.
func ProbeMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutate probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	executions := fs.Int64("executions", DefaultExecutions, "executions to run, e.g. --executions 2000")
	seed := fs.Uint64("seed", 1, "base seed (explore's --seed)")
	maxSteps := fs.Int64("max-steps", sim.DefaultMaxSteps, "step bound of one execution")
	scen := fs.String("scenario", "", "comma-separated scenario names to run instead of the default mix, e.g. --scenario ondemand-chaos")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fscachesim mutate probe [flags]\n\nRun the first --executions executions of the default mix (as 'fscachesim explore --seed S' numbers them), one after another, stop at the first failure, and print the verdict and the digest of the executions' hashes as JSON. 'fscachesim mutate' runs it in each mutant.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *executions < 1 || *maxSteps < 1 {
		fmt.Fprintln(stderr, "fscachesim mutate probe: want --executions N (N >= 1), --seed S, --max-steps M (M >= 1) and no argument")
		return 2
	}
	ss, err := LookupScenarios(*scen)
	if err != nil {
		fmt.Fprintf(stderr, "fscachesim mutate probe: %v\n", err)
		return 2
	}
	r := Probe(ProbeConfig{Executions: *executions, Seed: *seed, MaxSteps: *maxSteps, Scenarios: ss})
	if err := json.NewEncoder(stdout).Encode(r); err != nil {
		return 3
	}
	return 0
}

// LookupScenarios resolves a comma-separated list of scenario names ("" is
// nil: the default mix), refusing an unknown or repeated name.
func LookupScenarios(list string) ([]scenarios.Scenario, error) {
	if list == "" {
		return nil, nil
	}
	var out []scenarios.Scenario
	seen := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		if seen[n] {
			return nil, fmt.Errorf("--scenario: %q given twice", n)
		}
		seen[n] = true
		s, err := scenarios.Get(n)
		if err != nil {
			return nil, fmt.Errorf("--scenario: %v", err)
		}
		out = append(out, s)
	}
	return out, nil
}
