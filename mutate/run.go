package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Outcomes of a mutant.
const (
	Killed     = "killed"
	Survived   = "survived"
	Timeout    = "timeout"
	NoCompile  = "does-not-compile"
	Equivalent = "equivalent"
	// ArguedEquivalent is a survivor that the reviewed list
	// (EquivalentFile) argues equivalent: its check is the entry's code,
	// its detail the argument. It is left out of the score's denominator
	// like an equivalent one, but counted apart.
	ArguedEquivalent = "equivalent-argued"
	killedByExit     = "crash" // the mutant binary died without a verdict
	// NotReached is the check of an equivalent mutant decided by the
	// original's coverage: no execution of the budget runs its code.
	NotReached = "not-reached"
)

// Config is one mutation run.
type Config struct {
	// Root is the module root whose model is mutated.
	Root string
	// Executions is the probe's budget per mutant (DefaultExecutions if
	// zero); Seed its base seed (explore's --seed); MaxSteps its step
	// bound (zero: the simulator's default).
	Executions int64
	Seed       uint64
	MaxSteps   int64
	// Timeout bounds one mutant's probe in wall time; zero means five
	// times the original's probe time plus a minute. It only classifies a
	// mutant as timeout: nothing else depends on the clock.
	Timeout time.Duration
	// Jobs is how many mutants are built and probed at once (default 1).
	Jobs int
	// Log, if set, gets one line per mutant as it finishes.
	Log io.Writer
	// NoCoverage builds and probes every mutant that type-checks, even
	// one whose mutated code no execution of the original's probe runs.
	NoCoverage bool
	// NoSchema builds every mutant alone instead of as many as it can in
	// one schema binary (schema.go).
	NoSchema bool
	// Scenarios, if set, are the names of the scenarios the probe runs
	// instead of the default mix (and the liveness scenarios): e.g. the
	// on-demand scenarios, which the default mix leaves out.
	Scenarios []string
	// Argued are the mutants the reviewed list argues equivalent, by id
	// (EquivList.Match over the full enumeration): a survivor among them
	// is classified ArguedEquivalent; a killed one stays killed and is
	// reported (its argument is wrong).
	Argued map[string]Argued
}

// Result is what became of one mutant.
type Result struct {
	Mutant
	// Index is the mutant's position in the full enumeration (merge
	// orders by it).
	Index   int    `json:"index"`
	Outcome string `json:"outcome"`
	// Class and Check name the check that killed it; Executions is how
	// many executions ran (for a killed mutant, up to and including the
	// first failing one: executions-to-first-failure).
	Class      string `json:"class,omitempty"`
	Check      string `json:"check,omitempty"`
	Executions int64  `json:"executions,omitempty"`
	// Scenario, Strategy and Seed say which execution killed it.
	Scenario string `json:"scenario,omitempty"`
	Strategy string `json:"strategy,omitempty"`
	Seed     uint64 `json:"seed,omitempty"`
	// Detail is the failure message or the compiler's first error.
	Detail string `json:"detail,omitempty"`
	Digest string `json:"digest,omitempty"`
	// Seconds is the wall time of its build and probe (not compared).
	Seconds float64 `json:"seconds"`
}

// Report is a mutation run.
type Report struct {
	Executions int64  `json:"executions"`
	Seed       uint64 `json:"seed"`
	MaxSteps   int64  `json:"max_steps,omitempty"`
	// Scenarios is the probe's scenario list ("" = the default mix).
	Scenarios string  `json:"scenarios,omitempty"`
	Selection string  `json:"selection"`
	Shard     Shard   `json:"shard"`
	Total     int     `json:"total_mutants"` // in the whole enumeration
	Baseline  string  `json:"baseline_digest"`
	BaseSecs  float64 `json:"baseline_seconds"`
	// Coverage says whether mutants whose code no execution ran were
	// classified without a build (Config.NoCoverage unset).
	Coverage bool `json:"coverage"`
	// Interrupted is set when the run was stopped (SIGINT/SIGTERM) before
	// every selected mutant had a verdict: Results holds those that had.
	Interrupted bool `json:"interrupted,omitempty"`
	// SchemaMutants mutants were probed in one schema binary, built and
	// checked in SchemaSecs (not counted in their Seconds).
	SchemaMutants int      `json:"schema_mutants,omitempty"`
	SchemaSecs    float64  `json:"schema_seconds,omitempty"`
	Results       []Result `json:"results"`
	// ArguedKilled lists the mutants the reviewed list argues equivalent
	// that a check killed: their arguments are wrong.
	ArguedKilled []string `json:"argued_killed,omitempty"`
	// ListProblems are the reviewed list's stale or ambiguous entries.
	ListProblems []string       `json:"equivalent_list_problems,omitempty"`
	Counts       map[string]int `json:"counts"`
	Score        float64        `json:"score"`
}

// Shard is part I of N of the selected mutants (i mod N == I).
type Shard struct {
	I int `json:"i"`
	N int `json:"n"`
}

// Selection narrows the enumeration.
type Selection struct {
	IDs       []string // exact ids; nothing else applies when set
	Files     []string // a mutant's file must contain one of these
	Operators []string
	Sample    int // pick this many (0: all)
	Seed      uint64
	Shard     Shard
}

// String describes s for the report.
func (s Selection) String() string {
	var p []string
	if len(s.IDs) > 0 {
		p = append(p, "id="+strings.Join(s.IDs, ","))
	}
	if len(s.Files) > 0 {
		p = append(p, "file="+strings.Join(s.Files, ","))
	}
	if len(s.Operators) > 0 {
		p = append(p, "operator="+strings.Join(s.Operators, ","))
	}
	if s.Sample > 0 {
		p = append(p, fmt.Sprintf("sample=%d seed=%d", s.Sample, s.Seed))
	}
	if len(p) == 0 {
		return "all"
	}
	return strings.Join(p, " ")
}

// Selected is a mutant picked by Select with its enumeration index.
type Selected struct {
	Index int
	Mutant
}

// Select applies s to all (the full enumeration) and returns the picks in
// enumeration order. Sampling is reproducible: the same enumeration, seed
// and size pick the same mutants.
func Select(all []Mutant, s Selection) ([]Selected, error) {
	known := map[string]bool{}
	for _, n := range OperatorNames() {
		known[n] = true
	}
	for _, o := range s.Operators {
		if !known[o] {
			return nil, fmt.Errorf("unknown operator %q: want one of %s", o, strings.Join(OperatorNames(), ", "))
		}
	}
	var pick []Selected
	if len(s.IDs) > 0 {
		byID := map[string]int{}
		for i, m := range all {
			byID[m.ID] = i
		}
		for _, id := range s.IDs {
			i, ok := byID[id]
			if !ok {
				return nil, fmt.Errorf("no mutant %q (see 'fscachesim mutate list')", id)
			}
			pick = append(pick, Selected{i, all[i]})
		}
		slices.SortFunc(pick, func(a, b Selected) int { return a.Index - b.Index })
	} else {
		for i, m := range all {
			if len(s.Files) > 0 && !slices.ContainsFunc(s.Files, func(f string) bool { return strings.Contains(m.File, f) }) {
				continue
			}
			if len(s.Operators) > 0 && !slices.Contains(s.Operators, m.Operator) {
				continue
			}
			pick = append(pick, Selected{i, m})
		}
		if len(pick) == 0 {
			return nil, errors.New("no mutant matches --file and --operator")
		}
		if s.Sample > 0 && s.Sample < len(pick) {
			r := rand.New(rand.NewPCG(s.Seed, 0x6d7574616e74))
			for i := 0; i < s.Sample; i++ {
				j := i + r.IntN(len(pick)-i)
				pick[i], pick[j] = pick[j], pick[i]
			}
			pick = pick[:s.Sample]
			slices.SortFunc(pick, func(a, b Selected) int { return a.Index - b.Index })
		}
	}
	if s.Shard.N > 1 {
		var part []Selected
		for i, p := range pick {
			if i%s.Shard.N == s.Shard.I {
				part = append(part, p)
			}
		}
		pick = part
	}
	return pick, nil
}

// goTool is the go command to build with.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// Run classifies each selected mutant; total is the size of the full
// enumeration. First it lists the model's packages and their imports' export
// data (go list -export), builds the original probe binary with coverage
// over the model and probes it (the baseline digest, and which blocks the
// budget's executions run). Then, per mutant: type-check the mutated
// package (does-not-compile without a build), skip it when every edit lies
// in code no execution ran (equivalent, check not-reached), else build the
// probe binary with the mutated file (go build -overlay) and probe it.
//
// When ctx is cancelled (SIGINT/SIGTERM in the command) the running build
// or probe is stopped, the temporary directory is removed, and the report
// of the mutants finished so far is returned with Interrupted set. An
// error is returned only when the run as a whole cannot go on (the
// original does not build, or fails its own probe).
func Run(ctx context.Context, cfg Config, picks []Selected, total int, sel Selection) (*Report, error) {
	if cfg.Executions <= 0 {
		cfg.Executions = DefaultExecutions
	}
	if cfg.Jobs <= 0 {
		cfg.Jobs = 1
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, err
	}
	cfg.Root = root
	tmp, err := os.MkdirTemp("", "fscachesim-mutate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	rep := &Report{Executions: cfg.Executions, Seed: cfg.Seed, MaxSteps: cfg.MaxSteps, Scenarios: strings.Join(cfg.Scenarios, ","), Selection: sel.String(), Shard: sel.Shard, Total: total,
		Coverage: !cfg.NoCoverage}
	if rep.Shard.N == 0 {
		rep.Shard = Shard{0, 1}
	}
	interrupted := func() (*Report, error) {
		rep.Interrupted = true
		rep.tally()
		return rep, nil
	}
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format, a...)
		}
	}

	logf("listing the model's packages and building the original (with coverage: %v)\n", !cfg.NoCoverage)
	start := time.Now()
	pkgs, err := listPackages(ctx, root, tmp)
	if ctx.Err() != nil {
		return interrupted()
	}
	if err != nil {
		return nil, fmt.Errorf("the original does not build: %v", err)
	}
	modPath := ""
	for ip, p := range pkgs {
		if rel, err := filepath.Rel(root, p.Dir); err == nil && filepath.ToSlash(rel) == ModelDirs[0] {
			modPath = strings.TrimSuffix(ip, "/"+ModelDirs[0])
		}
	}
	if modPath == "" {
		return nil, fmt.Errorf("go list does not list %s under %s", ModelDirs[0], root)
	}
	tc := newTypeChecker(root, pkgs)
	orig := filepath.Join(tmp, "probe-original")
	var coverFlags []string
	if !cfg.NoCoverage {
		var cp []string
		for _, d := range ModelDirs {
			cp = append(cp, modPath+"/"+d)
		}
		// The main package must be among them, or the binary writes no
		// counters at all (go 1.26).
		cp = append(cp, modPath+"/"+strings.TrimPrefix(ProbeCmd, "./"))
		coverFlags = []string{"-cover", "-covermode=set", "-coverpkg=" + strings.Join(cp, ",")}
	}
	if out, err := build(ctx, root, tmp, "", orig, coverFlags...); err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return nil, fmt.Errorf("the original does not build: %s", firstLine(out))
	}
	covDir := ""
	if !cfg.NoCoverage {
		covDir = filepath.Join(tmp, "covdata")
		if err := os.MkdirAll(covDir, 0o755); err != nil {
			return nil, err
		}
	}
	pstart := time.Now()
	var covEnv []string
	if covDir != "" {
		covEnv = []string{"GOCOVERDIR=" + covDir}
	}
	base, err := probe(ctx, cfg, orig, 0, covEnv)
	if ctx.Err() != nil {
		return interrupted()
	}
	if err != nil {
		return nil, fmt.Errorf("the original's probe: %v", err)
	}
	if base.Failed {
		return nil, fmt.Errorf("the original fails its own probe: execution %d (%s, seed %d, %s): %s [%s] %s", base.Index, base.Scenario, base.Seed, base.Strategy, base.Class, base.Check, base.Msg)
	}
	rep.Baseline, rep.BaseSecs = base.Digest, time.Since(pstart).Seconds()
	var cov *coverage
	if !cfg.NoCoverage {
		if cov, err = readCoverage(ctx, root, modPath, covDir, tmp); err != nil {
			if ctx.Err() != nil {
				return interrupted()
			}
			return nil, fmt.Errorf("the original's coverage: %v", err)
		}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 5*time.Since(pstart) + time.Minute
	}
	logf("original: %d executions, digest %s, probe %.1fs (setup %.1fs); %d mutant(s) to run, timeout %s each\n", base.Executions, base.Digest, rep.BaseSecs, time.Since(start).Seconds(), len(picks), timeout.Round(time.Second))

	results := make([]Result, len(picks))
	finished := make([]bool, len(picks))
	var mu sync.Mutex
	done := 0
	record := func(i int, r Result) {
		if a, ok := cfg.Argued[r.ID]; ok {
			switch r.Outcome {
			case Survived:
				r.Outcome, r.Class, r.Check, r.Detail = ArguedEquivalent, "argued", a.Code, a.Why
			case Killed:
				r.Detail = "ARGUED EQUIVALENT in " + EquivalentFile + " but killed: the argument is wrong; " + r.Detail
			}
		}
		mu.Lock()
		results[i], finished[i] = r, true
		done++
		logf("[%d/%d] %s\n", done, len(picks), r.Line())
		mu.Unlock()
	}
	// Cheap verdicts first: the type check and the coverage.
	srcs := map[string][]byte{}
	var pending []int
	for i, p := range picks {
		if ctx.Err() != nil {
			break
		}
		src, ok := srcs[p.File]
		if !ok {
			src, err = os.ReadFile(filepath.Join(root, filepath.FromSlash(p.File)))
			if err != nil {
				return nil, err
			}
			srcs[p.File] = src
		}
		if r, ok := quickVerdict(tc, cov, p, src, base); ok {
			record(i, r)
			continue
		}
		pending = append(pending, i)
	}
	// One schema build for every pending mutant it can hold.
	var schemaBin string
	holds := map[int]bool{}
	if !cfg.NoSchema && len(pending) > 0 && ctx.Err() == nil {
		var ps []Selected
		for _, i := range pending {
			ps = append(ps, picks[i])
		}
		sstart := time.Now()
		bin, plan, msg := buildSchema(ctx, cfg, tmp, ps, srcs, base.Digest)
		rep.SchemaSecs = time.Since(sstart).Seconds()
		if bin != "" {
			schemaBin, holds = bin, plan.holds
			rep.SchemaMutants = len(plan.holds)
			logf("schema: %d of the %d mutants to build and probe in one binary (%.1fs)\n", len(plan.holds), len(pending), rep.SchemaSecs)
		} else if ctx.Err() == nil {
			logf("schema: not used (%s); every mutant is built alone\n", msg)
		}
	}
	next := 0
	var wg sync.WaitGroup
	for range cfg.Jobs {
		wg.Go(func() {
			for {
				mu.Lock()
				k := next
				next++
				mu.Unlock()
				if k >= len(pending) || ctx.Err() != nil {
					return
				}
				i := pending[k]
				var r Result
				if holds[picks[i].Index+1] {
					r = probeMutant(ctx, cfg, Result{Mutant: picks[i].Mutant, Index: picks[i].Index}, schemaBin, picks[i].Index+1, base.Digest, timeout)
				} else {
					r = buildAndProbe(ctx, cfg, tmp, i, picks[i], srcs[picks[i].File], base.Digest, timeout)
				}
				if ctx.Err() != nil {
					return // stopped half-way: not a verdict
				}
				record(i, r)
			}
		})
	}
	wg.Wait()
	for i, ok := range finished {
		if ok {
			rep.Results = append(rep.Results, results[i])
			if _, argued := cfg.Argued[results[i].ID]; argued && results[i].Outcome == Killed {
				rep.ArguedKilled = append(rep.ArguedKilled, results[i].ID)
			}
		}
	}
	if ctx.Err() != nil {
		return interrupted()
	}
	rep.tally()
	return rep, nil
}

// quickVerdict classifies p without building it, when it can: it does not
// type-check (does-not-compile), or no execution runs its code
// (equivalent, not-reached).
func quickVerdict(tc *typeChecker, cov *coverage, p Selected, src []byte, base ProbeResult) (Result, bool) {
	start := time.Now()
	r := Result{Mutant: p.Mutant, Index: p.Index}
	if msg, err := tc.check(p.File, p.Apply(src)); err != nil {
		r.Outcome, r.Class, r.Detail = NoCompile, "io", err.Error()
	} else if msg != "" {
		r.Outcome, r.Class, r.Detail = NoCompile, "types", msg
	} else if cov.unreached(p.Mutant, src) {
		r.Outcome, r.Class, r.Check, r.Executions, r.Digest = Equivalent, "coverage", NotReached, base.Executions, base.Digest
		r.Detail = "no execution of the budget runs the mutated code (the original's coverage)"
	} else {
		return r, false
	}
	r.Seconds = time.Since(start).Seconds()
	return r, true
}

// buildSchema builds the schema of ps (schema.go) and checks that with no
// mutant chosen it gives the original's digest. It returns the binary, or
// "" and why not.
func buildSchema(ctx context.Context, cfg Config, tmp string, ps []Selected, srcs map[string][]byte, baseDigest string) (string, *schemaPlan, string) {
	plan, err := planSchema(cfg.Root, ps, srcs)
	if err != nil {
		return "", nil, err.Error()
	}
	if len(plan.holds) < 2 {
		return "", nil, "fewer than two mutants fit"
	}
	dir := filepath.Join(tmp, "schema")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err.Error()
	}
	overlay, err := plan.writeOverlay(dir)
	if err != nil {
		return "", nil, err.Error()
	}
	bin := filepath.Join(dir, "probe-schema")
	if out, err := build(ctx, cfg.Root, tmp, overlay, bin); err != nil {
		return "", nil, "it does not build: " + firstLine(out)
	}
	r := probeMutant(ctx, cfg, Result{}, bin, 0, baseDigest, 0)
	if r.Outcome != Equivalent {
		return "", nil, fmt.Sprintf("with no mutant chosen it is not the original: %s %s", r.Outcome, r.Detail)
	}
	return bin, plan, ""
}

// buildAndProbe builds one mutant alone and probes it.
func buildAndProbe(ctx context.Context, cfg Config, tmp string, i int, p Selected, src []byte, baseDigest string, timeout time.Duration) (r Result) {
	start := time.Now()
	r = Result{Mutant: p.Mutant, Index: p.Index}
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	dir := filepath.Join(tmp, "m"+strconv.Itoa(i))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.Outcome, r.Class, r.Detail = NoCompile, "io", err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(cfg.Root, filepath.FromSlash(p.File))
	mutated := filepath.Join(dir, filepath.Base(path))
	err := os.WriteFile(mutated, p.Apply(src), 0o644)
	var overlay string
	if err == nil {
		overlay, err = writeOverlayFile(dir, map[string]string{path: mutated})
	}
	if err != nil {
		r.Outcome, r.Class, r.Detail = NoCompile, "io", err.Error()
		return r
	}
	bin := filepath.Join(dir, "probe-mutant")
	if out, err := build(ctx, cfg.Root, tmp, overlay, bin); err != nil {
		r.Outcome, r.Class, r.Detail = NoCompile, "build", firstLine(out)
		return r
	}
	return probeMutant(ctx, cfg, r, bin, 0, baseDigest, timeout)
}

// writeOverlayFile writes the go command's overlay file mapping each
// original path to its replacement, in dir.
func writeOverlayFile(dir string, repl map[string]string) (string, error) {
	overlay := filepath.Join(dir, "overlay.json")
	ov, err := json.Marshal(map[string]map[string]string{"Replace": repl})
	if err == nil {
		err = os.WriteFile(overlay, ov, 0o644)
	}
	return overlay, err
}

// probeMutant probes bin (with mutant k chosen, if k > 0: a schema) and
// classifies r by the verdict.
func probeMutant(ctx context.Context, cfg Config, r Result, bin string, k int, baseDigest string, timeout time.Duration) Result {
	start := time.Now()
	var env []string
	if k > 0 {
		env = []string{MutantEnv + "=" + strconv.Itoa(k)}
	}
	pr, err := probe(ctx, cfg, bin, timeout, env)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		r.Outcome, r.Detail = Timeout, fmt.Sprintf("no verdict within %s", timeout.Round(time.Second))
	case err != nil:
		r.Outcome, r.Class, r.Check, r.Detail = Killed, killedByExit, killedByExit, err.Error()
	case pr.Failed:
		r.Outcome, r.Class, r.Check, r.Detail = Killed, pr.Class, pr.Check, pr.Msg
		r.Executions, r.Scenario, r.Strategy, r.Seed = pr.Index+1, pr.Scenario, pr.Strategy, pr.Seed
	case pr.Digest == baseDigest:
		r.Outcome, r.Executions, r.Digest = Equivalent, pr.Executions, pr.Digest
	default:
		r.Outcome, r.Executions, r.Digest = Survived, pr.Executions, pr.Digest
	}
	r.Seconds += time.Since(start).Seconds()
	return r
}

// build builds the probe binary (mutate/probecmd), with an overlay if
// given, into out.
func build(ctx context.Context, root, tmp, overlay, out string, extra ...string) ([]byte, error) {
	args := []string{"build", "-buildvcs=false", "-ldflags=-s -w", "-o", out}
	args = append(args, extra...)
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, ProbeCmd)
	return goCommand(ctx, root, tmp, args...).CombinedOutput()
}

// goCommand is the go command with args, run in root. Its own temporary
// files go under tmp (GOTMPDIR), so an interrupted go command leaves
// nothing behind once tmp is removed; when ctx is cancelled it gets SIGINT,
// then SIGKILL 10 s later.
func goCommand(ctx context.Context, root, tmp string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTMPDIR="+tmp)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// probe runs the probe binary and decodes its verdict; with covDir, the
// binary's coverage counters are written there (GOCOVERDIR).
func probe(ctx context.Context, cfg Config, bin string, timeout time.Duration, env []string) (ProbeResult, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	args := []string{"--executions", strconv.FormatInt(cfg.Executions, 10), "--seed", strconv.FormatUint(cfg.Seed, 10)}
	if len(cfg.Scenarios) > 0 {
		args = append(args, "--scenario", strings.Join(cfg.Scenarios, ","))
	}
	if cfg.MaxSteps > 0 {
		args = append(args, "--max-steps", strconv.FormatInt(cfg.MaxSteps, 10))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return ProbeResult{}, ctx.Err()
	}
	var pr ProbeResult
	if jerr := json.Unmarshal(stdout.Bytes(), &pr); jerr != nil || pr.Digest == "" {
		msg := firstLine(stderr.Bytes())
		if err != nil {
			msg = err.Error() + ": " + msg
		}
		return ProbeResult{}, fmt.Errorf("the binary died without a verdict: %s", msg)
	}
	return pr, nil
}

func firstLine(b []byte) string {
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return short140(l)
		}
	}
	return "(no output)"
}

func short140(s string) string {
	if len(s) > 140 {
		return s[:137] + "..."
	}
	return s
}

// tally counts the outcomes and computes the score.
func (r *Report) tally() {
	r.Counts = map[string]int{}
	for _, x := range r.Results {
		r.Counts[x.Outcome]++
	}
	r.Score = Score(r.Counts)
}

// Score is killed / (all - equivalent - equivalent-argued -
// does-not-compile), 0 when nothing counts.
func Score(c map[string]int) float64 {
	all := 0
	for _, n := range c {
		all += n
	}
	d := all - c[Equivalent] - c[ArguedEquivalent] - c[NoCompile]
	if d <= 0 {
		return 0
	}
	return float64(c[Killed]) / float64(d)
}

// Line is a result on one line, for the progress log.
func (r Result) Line() string {
	s := fmt.Sprintf("%-9s %s %s: %s", r.Outcome, r.ID, r.Operator, r.Diff)
	switch r.Outcome {
	case Killed:
		s += fmt.Sprintf(" [%s after %d executions]", r.Check, r.Executions)
	case NoCompile, Timeout:
		s += " [" + r.Detail + "]"
	case ArguedEquivalent:
		s += " [" + r.Check + ": " + r.Detail + "]"
	}
	return s
}
