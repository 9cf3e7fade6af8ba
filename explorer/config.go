package explorer

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// DefaultExecutions is the execution bound when a Config sets neither
// Executions nor Budget.
const DefaultExecutions = 10000

// DefaultProgressEvery is the interval between Progress calls when
// Config.ProgressEvery is zero.
const DefaultProgressEvery = 200 * time.Millisecond

// PCTSteps is the expected execution length the default portfolio gives
// PCT. The command line builds "pct:D" with the same value, so a failure
// found here replays there.
const PCTSteps = 400

// StrategySpec names a strategy and makes a fresh instance of it.
//
// New is called once per execution. The strategy must be a function of the
// seed it is started with and nothing else: state carried from one
// execution to the next would make execution i depend on which worker ran
// it, and on what that worker ran before. A search that remembers where it
// has been across executions (bounded exhaustive search) does not fit the
// portfolio; run it on its own.
//
// Name is what the replay command passes as --strategy, so it must be what
// the command line parses back to the same strategy, and what New's
// strategy reports as its Name.
//
// Memory is the memory model the execution runs with (sim/weakmem.go).
// An entry with a weak model names it after a '+' ("pos+weak"), so the
// name alone still rebuilds the entry (SplitMemory).
type StrategySpec struct {
	Name   string
	New    func() sim.Strategy
	Memory sim.MemoryModel
}

// DefaultPortfolio is random walk, PCT of depths 1 to 4 and POS, then POS
// and random walk again in the weak-memory mode, in that rotation: a
// quarter of the executions run with store buffers, where a missing
// barrier can show.
func DefaultPortfolio() []StrategySpec {
	p := []StrategySpec{{Name: "random", New: func() sim.Strategy { return &sched.RandomWalk{} }}}
	for d := 1; d <= 4; d++ {
		p = append(p, PCTSpec(d))
	}
	p = append(p, POSSpec())
	return append(p, WithMemory(POSSpec(), sim.MemWeak), WithMemory(p[0], sim.MemWeak))
}

// WithMemory is spec run with memory model m, named "NAME+MODEL".
func WithMemory(spec StrategySpec, m sim.MemoryModel) StrategySpec {
	base, _, _ := SplitMemory(spec.Name)
	spec.Memory = m
	spec.Name = base
	if m != sim.MemSC {
		spec.Name += "+" + m.String()
	}
	return spec
}

// SplitMemory splits a portfolio entry's name into the strategy's name and
// the memory model: "pos+weak" is pos with sim.MemWeak, "pos" is pos with
// sim.MemSC.
func SplitMemory(name string) (string, sim.MemoryModel, error) {
	base, mem, ok := strings.Cut(name, "+")
	if !ok {
		return name, sim.MemSC, nil
	}
	m, err := sim.ParseMemoryModel(mem)
	if err == nil && m == sim.MemSC {
		err = fmt.Errorf("strategy %q: sc is the default, drop the +sc", name)
	}
	return base, m, err
}

// POSSpec is partial order sampling.
func POSSpec() StrategySpec {
	return StrategySpec{Name: "pos", New: func() sim.Strategy { return &sched.POS{} }}
}

// PCTSpec is PCT of depth d with the command line's step estimate.
func PCTSpec(d int) StrategySpec {
	return StrategySpec{Name: "pct:" + strconv.Itoa(d), New: func() sim.Strategy { return &sched.PCT{Depth: d, Steps: PCTSteps} }}
}

// Shard selects part of the execution index space: shard I of N runs
// exactly the indices i with i mod N == I. The zero Shard is the whole
// space ({0, 1}).
type Shard struct {
	I int64 `json:"i"`
	N int64 `json:"n"`
}

func (s Shard) norm() Shard {
	if s.N == 0 {
		return Shard{0, 1}
	}
	return s
}

// index is the global execution index of the shard's k-th execution.
func (s Shard) index(k int64) int64 { return s.I + k*s.N }

// below is how many of the shard's indices are less than end.
func (s Shard) below(end int64) int64 {
	if end <= s.I {
		return 0
	}
	return (end - s.I + s.N - 1) / s.N
}

// Config is one exploration.
type Config struct {
	// Scenarios are explored in rotation (see At); default
	// scenarios.Default().
	Scenarios []scenarios.Scenario
	// Bugs are the historical-bug switches, the same for every execution.
	Bugs model.Bugs
	// Portfolio is the strategy rotation; default DefaultPortfolio().
	Portfolio []StrategySpec
	// Seed is the base seed: execution i runs with master seed Seed+i.
	Seed uint64
	// Executions bounds the global index range: the run covers the
	// indices [0, Executions) of its shard. Zero means no bound from the
	// count (then Budget bounds the run; if both are zero,
	// DefaultExecutions).
	Executions int64
	// Budget bounds the wall time; zero means none. How many executions
	// fit in a budget depends on the machine, but the indices run are
	// always a prefix of the shard's indices, so the result for that
	// prefix is the same on every machine.
	Budget time.Duration
	// MaxSteps is the step bound of one execution (sim.Options.MaxSteps);
	// zero means sim.DefaultMaxSteps. Hitting it is a failure
	// ("step-bound"), never a silent truncation.
	MaxSteps int64
	// Workers is how many executions run at once; zero means
	// runtime.GOMAXPROCS(0) (every core the process may use). The result
	// does not depend on it.
	Workers int
	// KeepGoing collects every distinct failure (see Signature) instead of
	// stopping at the first.
	KeepGoing bool
	// Shard runs part of the index space; the zero value runs all of it.
	Shard Shard
	// Progress, if set, is called from the goroutine that called Run at
	// most once every ProgressEvery while the run goes on.
	Progress func(Progress)
	// ProgressEvery is the interval between Progress calls; zero means
	// DefaultProgressEvery.
	ProgressEvery time.Duration
	// Attach, if set, runs after the world of an execution is built and
	// before it runs: checkers attach their hooks to k here. It is called
	// from several goroutines at once, each time with a new kernel and
	// world.
	Attach func(k *sim.Kernel, w *scenarios.World)
	// ReplayCommand makes FailureReport.Replay; default RunCommand.
	ReplayCommand func(f *FailureReport) string
}

// Execution says what execution index i runs.
type Execution struct {
	Index    int64
	Scenario scenarios.Scenario
	Strategy StrategySpec
	Seed     uint64
}

// At is execution index i of c: master seed c.Seed+i, strategy
// Portfolio[i mod P], scenario Scenarios[(i div P) mod S], with P
// strategies and S scenarios. Consecutive indices go round the portfolio on
// one scenario, then move to the next scenario, so every (scenario,
// strategy) pair comes up once in every P·S indices and every seed is used
// once. c must have its defaults applied (see Normalize).
func (c *Config) At(i int64) Execution {
	p, s := int64(len(c.Portfolio)), int64(len(c.Scenarios))
	return Execution{Index: i, Scenario: c.Scenarios[(i/p)%s], Strategy: c.Portfolio[i%p], Seed: c.Seed + uint64(i)}
}

// Normalize returns c with its defaults filled in: the scenarios, the
// portfolio, the step bound, the worker count, the shard, the replay
// command and the execution bound.
func (c Config) Normalize() Config {
	if c.Scenarios == nil {
		c.Scenarios = scenarios.Default()
	}
	if c.Portfolio == nil {
		c.Portfolio = DefaultPortfolio()
	}
	if c.MaxSteps <= 0 {
		c.MaxSteps = sim.DefaultMaxSteps
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	c.Shard = c.Shard.norm()
	if c.ReplayCommand == nil {
		c.ReplayCommand = RunCommand
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = DefaultProgressEvery
	}
	if c.Executions == 0 && c.Budget == 0 {
		c.Executions = DefaultExecutions
	}
	return c
}

// Validate reports what is wrong with c (after Normalize): no scenario, a
// strategy without a name or constructor or whose strategy names itself
// differently, a bad shard, a negative bound.
func (c Config) Validate() error {
	c = c.Normalize()
	var errs []error
	if len(c.Scenarios) == 0 {
		errs = append(errs, errors.New("no scenario to explore"))
	}
	for _, s := range c.Scenarios {
		if s.Setup == nil {
			errs = append(errs, fmt.Errorf("scenario %q has no Setup", s.Name))
		}
	}
	if len(c.Portfolio) == 0 {
		errs = append(errs, errors.New("empty strategy portfolio"))
	}
	for _, p := range c.Portfolio {
		switch {
		case p.Name == "" || p.New == nil:
			errs = append(errs, fmt.Errorf("strategy %q: a portfolio entry needs a name and a constructor", p.Name))
		case p.New().Name() != strings.TrimSuffix(p.Name, "+"+p.Memory.String()) || p.Memory == sim.MemSC && strings.Contains(p.Name, "+"):
			errs = append(errs, fmt.Errorf("strategy %q: its strategy calls itself %q with memory model %s, so the replay command would not rebuild it", p.Name, p.New().Name(), p.Memory))
		}
	}
	if c.Shard.N < 1 || c.Shard.I < 0 || c.Shard.I >= c.Shard.N {
		errs = append(errs, fmt.Errorf("shard %d of %d: want 0 <= i < n", c.Shard.I, c.Shard.N))
	}
	if c.Executions < 0 {
		errs = append(errs, fmt.Errorf("executions %d: want at least 0", c.Executions))
	}
	if c.Budget < 0 {
		errs = append(errs, fmt.Errorf("budget %s: want at least 0", c.Budget))
	}
	return errors.Join(errs...)
}

// RunCommand is the default replay command of a failure: the command
// line's run subcommand with the scenario, seed, strategy, step bound (when
// not the default) and bug switches.
func RunCommand(f *FailureReport) string {
	s := fmt.Sprintf("go run ./cmd/fscachesim run --scenario %s --seed %d --strategy %s", f.Scenario, f.Seed, f.Strategy)
	if f.MaxSteps != sim.DefaultMaxSteps {
		s += fmt.Sprintf(" --max-steps %d", f.MaxSteps)
	}
	if f.Bugs != "" {
		s += " --bugs " + f.Bugs
	}
	return s
}
