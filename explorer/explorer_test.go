package explorer

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/scenarios"
	"github.com/fscachesim/fscachesim/sched"
	"github.com/fscachesim/fscachesim/sim"
)

// TestDeterminismAcrossWorkers: the summary (Perf aside) is the same for 1,
// 2 and 4 workers, and for 4 workers on one OS thread, with no failure, with
// the first failure of a planted bug, and with every distinct failure.
func TestDeterminismAcrossWorkers(t *testing.T) {
	cases := []struct {
		name      string
		cfg       Config
		wantCheck string // "" = no failure
	}{
		{"default-scenarios", Config{Seed: 1, Executions: 300}, ""},
		{"lru-vs-relinquish/first", Config{Scenarios: scenario(t, "lru-vs-relinquish"), Bugs: relinquishBug, Seed: 7, Executions: 2000}, "I-2"},
		{"lru-vs-relinquish/keep-going", Config{Scenarios: scenario(t, "lru-vs-relinquish"), Bugs: relinquishBug, Seed: 7, Executions: 300, KeepGoing: true}, "I-2"},
		{"lru-vs-use/keep-going", Config{Scenarios: scenario(t, "lru-vs-use"), Bugs: useBug, Seed: 3, Executions: 300, KeepGoing: true}, "I-9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := func(w int) Summary {
				c := tc.cfg
				c.Workers = w
				return Run(context.Background(), c)
			}
			want := run(1)
			if tc.wantCheck == "" {
				if want.Failed != 0 || want.Executions != tc.cfg.Executions || want.Stopped != StopExecutions {
					t.Fatalf("want %d passing executions, got %s", tc.cfg.Executions, want.Line())
				}
			} else {
				if len(want.Failures) == 0 || want.Failures[0].Check != tc.wantCheck {
					t.Fatalf("want a %s failure, got %s", tc.wantCheck, want.Line())
				}
				if !tc.cfg.KeepGoing && (want.Stopped != StopFirstFailure || want.Executions != want.Failures[0].Index+1) {
					t.Fatalf("first-failure run should stop right after its failure: %s", want.Line())
				}
			}
			t.Log(want.Line())
			for _, w := range []int{2, 4} {
				sameSummary(t, "workers 1 vs "+string(rune('0'+w)), want, run(w))
			}
			withGOMAXPROCS(1, func() { sameSummary(t, "workers 4 on GOMAXPROCS=1", want, run(4)) })
		})
	}
}

// TestFirstFailureIsLowestIndex makes the lowest failing execution the
// slowest, so that on several workers higher failing indices finish first;
// the summary must still report the lowest, with exactly the executions
// below it counted.
func TestFirstFailureIsLowestIndex(t *testing.T) {
	s := synthetic("planted", func(seed uint64) bool { return seed%4 == 1 && seed >= 5 })
	for _, w := range []int{1, 2, 4} {
		c := Config{Scenarios: []scenarios.Scenario{s}, Executions: 200, Workers: w}
		c.Attach = func(k *sim.Kernel, _ *scenarios.World) {
			if k.Seed() == 5 { // index 5: the first failure
				time.Sleep(100 * time.Millisecond)
			}
		}
		got := Run(context.Background(), c)
		if len(got.Failures) != 1 || got.Failures[0].Index != 5 || got.Executions != 6 || got.End != 6 || got.Failed != 1 {
			t.Fatalf("workers %d: want the failure at index 5 after 6 executions, got %s %+v", w, got.Line(), got.Failures)
		}
		if w > 1 && got.Perf.Ran <= got.Executions {
			t.Logf("workers %d: no execution above the failure finished first (ran %d)", w, got.Perf.Ran)
		}
	}
}

// TestBudgetRunsAPrefix: a time budget stops after a machine-dependent
// number of executions, but they are the prefix [0, n), and the summary is
// that of a run bounded to n executions.
func TestBudgetRunsAPrefix(t *testing.T) {
	slow := synthetic("slow", func(seed uint64) bool { return seed%10 == 3 })
	c := Config{Scenarios: []scenarios.Scenario{slow}, Seed: 0, Budget: 150 * time.Millisecond, Workers: 3, KeepGoing: true}
	c.Attach = func(k *sim.Kernel, _ *scenarios.World) { time.Sleep(time.Millisecond) }
	got := Run(context.Background(), c)
	if got.Stopped != StopBudget || got.Executions == 0 || got.End != got.Executions {
		t.Fatalf("want a budget stop after a prefix, got %s", got.Line())
	}
	c.Budget, c.Executions, c.Workers = 0, got.Executions, 1
	want := Run(context.Background(), c)
	want.Stopped = StopBudget
	// The configured bounds differ on purpose; the rest must not.
	want.Limit, want.Budget = got.Limit, got.Budget
	sameSummary(t, "budget vs bounded", want, got)
	if want.Failed != (got.Executions+6)/10 {
		t.Fatalf("want %d failing executions, got %d", (got.Executions+6)/10, want.Failed)
	}
}

// TestShardsMergeToOneRun: three shards over the first 300 indices merge
// into the summary of one run over them.
func TestShardsMergeToOneRun(t *testing.T) {
	relinquish := scenario(t, "lru-vs-relinquish")
	late := synthetic("late", func(seed uint64) bool { return seed == 101 || seed == 150 || seed == 250 })
	cases := []struct {
		name string
		cfg  Config
	}{
		{"default-scenarios", Config{Seed: 11}},
		{"lru-vs-relinquish/keep-going", Config{Scenarios: relinquish, Bugs: relinquishBug, Seed: 5, KeepGoing: true}},
		{"lru-vs-relinquish/first", Config{Scenarios: relinquish, Bugs: relinquishBug, Seed: 5}},
		// Shards 2 and 0 fail later than shard 1 (index 101): the merge
		// drops their failures and the executions above 101.
		{"synthetic/first", Config{Scenarios: []scenarios.Scenario{late}}},
	}
	const n = 3
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			c.Executions, c.Workers = 300, 2
			whole := Run(context.Background(), c)
			var parts []Summary
			for i := int64(n - 1); i >= 0; i-- { // any order
				c.Shard = Shard{I: i, N: n}
				p := Run(context.Background(), c)
				if p.Shard != c.Shard {
					t.Fatalf("shard %v reported as %v", c.Shard, p.Shard)
				}
				parts = append(parts, p)
			}
			merged, err := Merge(parts)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(whole.Line())
			if !c.KeepGoing && whole.Failed > 0 {
				// A first-failure merge has no coverage (see Summary).
				if merged.Coverage != nil {
					t.Fatalf("a first-failure merge reports coverage")
				}
				whole.Coverage = nil
			} else if c.Scenarios == nil && (whole.Coverage == nil || len(whole.Coverage.Rows) == 0) {
				t.Fatalf("the default scenarios took no transition row: %s", whole.Line())
			}
			sameSummary(t, "merged shards vs one run", whole, merged)
		})
	}
}

func TestMergeRejects(t *testing.T) {
	c := Config{Scenarios: []scenarios.Scenario{synthetic("ok", func(uint64) bool { return false })}, Executions: 20}
	shard := func(i, n int64, seed uint64) Summary {
		c := c
		c.Shard, c.Seed = Shard{i, n}, seed
		return Run(context.Background(), c)
	}
	cases := []struct {
		name   string
		shards []Summary
		want   string
	}{
		{"none", nil, "no summary"},
		{"missing", []Summary{shard(0, 3, 0), shard(2, 3, 0)}, "every shard"},
		{"twice", []Summary{shard(0, 2, 0), shard(0, 2, 0)}, "every shard"},
		{"other-seed", []Summary{shard(0, 2, 0), shard(1, 2, 9)}, "seed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Merge(tc.shards); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error about %q, got %v", tc.want, err)
			}
		})
	}
}

// TestFailureReportReplays: a reported failure re-runs to the same
// execution from its scenario, seed and strategy name (what the replay
// command passes), and from its decision log.
func TestFailureReportReplays(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		bugs     model.Bugs
	}{{"lru-vs-relinquish", relinquishBug}, {"lru-vs-use", useBug}} {
		t.Run(tc.scenario, func(t *testing.T) {
			sum := Run(context.Background(), Config{Scenarios: scenario(t, tc.scenario), Bugs: tc.bugs, Seed: 40, Executions: 2000})
			if len(sum.Failures) != 1 {
				t.Fatalf("want one failure: %s", sum.Line())
			}
			f := sum.Failures[0]
			wantCmd := "go run ./cmd/fscachesim run --scenario " + f.Scenario + " --seed " + itoa(f.Seed) + " --strategy " + f.Strategy + " --bugs " + tc.bugs.Names()
			if f.Replay != wantCmd || f.Seed != 40+uint64(f.Index) || f.Count != 1 || f.Schedule != f.Log.String() || f.Schedule == "" {
				t.Fatalf("report: %+v\nwant replay %q", f, wantCmd)
			}
			var spec StrategySpec
			for _, p := range DefaultPortfolio() {
				if p.Name == f.Strategy {
					spec = p
				}
			}
			s := scenario(t, tc.scenario)[0]
			for _, st := range []sim.Strategy{spec.New(), &sched.Replay{Log: f.Log, Strict: true}} {
				res, _, _ := scenarios.Execute(s, tc.bugs, sim.Options{Seed: f.Seed, Strategy: st, MaxSteps: f.MaxSteps, Memory: spec.Memory})
				if res.Outcome != sim.OutcomeFail || res.Failure.Check != f.Check || res.Failure.Msg != f.Msg || hex(res.Hash) != f.Hash {
					t.Fatalf("%s: re-run gave %v %v %s, want %s %s", st.Name(), res.Outcome, res.Failure, hex(res.Hash), f.Msg, f.Hash)
				}
			}
			// The replay command is the lead's to swap.
			c := Config{Scenarios: scenario(t, tc.scenario), Bugs: tc.bugs, Seed: 40, Executions: 2000}
			c.ReplayCommand = func(f *FailureReport) string { return "fscachesim replay trace-" + itoa(f.Seed) }
			if got := Run(context.Background(), c).Failures[0].Replay; got != "fscachesim replay trace-"+itoa(f.Seed) {
				t.Fatalf("custom replay command: %q", got)
			}
		})
	}
}

// TestFailureKinds: outcomes without a sim.Failure (the step bound) and a
// panic outside the simulated threads are reported as failures with a
// class of their own.
func TestFailureKinds(t *testing.T) {
	panics := scenarios.Scenario{Name: "panics", Setup: func(k *sim.Kernel, w *scenarios.World) {
		if k.Seed() == 2 {
			panic("setup broke")
		}
		k.Spawn("t", func(t *sim.Thread) { t.Yield() })
	}}
	cases := []struct {
		name              string
		cfg               Config
		class, check, msg string
		index             int64
	}{
		{"step-bound", Config{Scenarios: scenario(t, "lru-vs-relinquish"), MaxSteps: 10, Executions: 5}, "step-bound", "max-steps", "the step bound of # steps was hit before the world drained", 0},
		{"panic", Config{Scenarios: []scenarios.Scenario{panics}, Executions: 5}, "panic", "harness", "panic outside the simulated threads: setup broke", 2},
		{"invariant", Config{Scenarios: []scenarios.Scenario{synthetic("planted", func(s uint64) bool { return s == 3 })}, Executions: 5}, "invariant", "planted", "planted failure at seed # (#)", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Run(context.Background(), tc.cfg)
			if len(s.Failures) != 1 {
				t.Fatalf("want one failure: %s", s.Line())
			}
			f := s.Failures[0]
			if f.Class != tc.class || f.Check != tc.check || NormalizeMsg(f.Msg) != tc.msg || f.Index != tc.index {
				t.Fatalf("got %s [%s] %q at %d, want %s [%s] %q at %d", f.Class, f.Check, NormalizeMsg(f.Msg), f.Index, tc.class, tc.check, tc.msg, tc.index)
			}
			if tc.class == "step-bound" && f.MaxSteps != 10 && !strings.Contains(f.Replay, "--max-steps 10") {
				t.Fatalf("replay without the step bound: %s", f.Replay)
			}
		})
	}
}

func TestNormalizeMsg(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cookie c=00000003 r=2 freed at step 118", "cookie c=# r=# freed at step #"},
		{"cookie c=0000abcd", "cookie c=#"},
		{"ptr 0xc000123abc deref", "ptr # deref"},
		{"thread lru-worker3 and netfs", "thread lru-worker# and netfs"},
		{"dead beef face", "dead beef face"},
		{"state QUIESCENT,\n  flags IS_HASHED", "state QUIESCENT, flags IS_HASHED"},
		{"[netfs waits on cookie 7 since step 40]", "[netfs waits on cookie # since step #]"},
	}
	for _, tc := range cases {
		if got := NormalizeMsg(tc.in); got != tc.want {
			t.Errorf("NormalizeMsg(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if Signature("oops", "oops", "lru-vs-use", "at 0x1f") != "oops|oops|lru-vs-use|at #" {
		t.Errorf("signature: %q", Signature("oops", "oops", "lru-vs-use", "at 0x1f"))
	}
}

// TestKeepGoingDeduplicates: distinct signatures are kept once each, the
// lowest index and the count of executions sharing it.
func TestKeepGoingDeduplicates(t *testing.T) {
	two := scenarios.Scenario{Name: "two", Setup: func(k *sim.Kernel, w *scenarios.World) {
		seed := k.Seed()
		k.Spawn("t", func(t *sim.Thread) {
			switch seed % 6 {
			case 1:
				t.Bug("A", "cookie c=%08x broke at step %d", seed, seed*3)
			case 4:
				t.Bug("B", "other")
			}
		})
	}}
	s := Run(context.Background(), Config{Scenarios: []scenarios.Scenario{two}, Executions: 60, KeepGoing: true, Workers: 3})
	if s.Failed != 20 || len(s.Failures) != 2 || s.Executions != 60 || s.Stopped != StopExecutions {
		t.Fatalf("want 20 failing executions with 2 signatures: %s", s.Line())
	}
	for i, want := range []struct {
		check        string
		index, count int64
	}{{"A", 1, 10}, {"B", 4, 10}} {
		if f := s.Failures[i]; f.Check != want.check || f.Index != want.index || f.Count != want.count {
			t.Fatalf("failure %d: %s at %d x%d, want %s at %d x%d", i, f.Check, f.Index, f.Count, want.check, want.index, want.count)
		}
	}
}

func TestCountsFollowTheRotation(t *testing.T) {
	s := Run(context.Background(), Config{Seed: 3, Executions: 101, Workers: 2})
	p, n := len(s.Strategies), len(s.Scenarios)
	scen, strat := tally(Shard{0, 1}, 101, p, n)
	for i := range s.Scenarios {
		if s.Scenarios[i].Executions != scen[i] {
			t.Errorf("scenario %s: %d executions, the rotation gives %d", s.Scenarios[i].Name, s.Scenarios[i].Executions, scen[i])
		}
	}
	for i := range s.Strategies {
		if s.Strategies[i].Executions != strat[i] {
			t.Errorf("strategy %s: %d executions, the rotation gives %d", s.Strategies[i].Name, s.Strategies[i].Executions, strat[i])
		}
	}
	c := Config{Seed: 3}.Normalize()
	if x := c.At(int64(p) + 2); x.Strategy.Name != c.Portfolio[2].Name || x.Scenario.Name != c.Scenarios[1].Name || x.Seed != 3+uint64(p)+2 {
		t.Errorf("At(P+2) = %s %s %d", x.Scenario.Name, x.Strategy.Name, x.Seed)
	}
}

func TestProgress(t *testing.T) {
	var calls atomic.Int64
	var last int64
	c := Config{Scenarios: []scenarios.Scenario{synthetic("slow", func(uint64) bool { return false })}, Executions: 60, Workers: 2, ProgressEvery: 10 * time.Millisecond}
	c.Attach = func(*sim.Kernel, *scenarios.World) { time.Sleep(2 * time.Millisecond) }
	c.Progress = func(p Progress) {
		calls.Add(1)
		if p.Executions < last || len(p.Strategies) != len(DefaultPortfolio()) || p.Line() == "" {
			t.Errorf("progress %+v after %d", p, last)
		}
		last = p.Executions
	}
	s := Run(context.Background(), c)
	if calls.Load() == 0 {
		t.Fatalf("no progress call in %.2fs", s.Perf.Seconds)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := Run(ctx, Config{Executions: 100})
	if s.Executions != 0 || s.Stopped != StopCancelled || s.End != 0 {
		t.Fatalf("cancelled run: %s", s.Line())
	}
}

func TestValidate(t *testing.T) {
	misnamed := StrategySpec{Name: "pct:9", New: func() sim.Strategy { return &sched.PCT{Depth: 2} }}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"empty-scenarios", Config{Scenarios: []scenarios.Scenario{}}, "no scenario"},
		{"empty-portfolio", Config{Portfolio: []StrategySpec{}}, "empty strategy portfolio"},
		{"misnamed", Config{Portfolio: []StrategySpec{misnamed}}, `calls itself "pct:2"`},
		{"shard", Config{Shard: Shard{3, 3}}, "shard 3 of 3"},
		{"negative", Config{Executions: -1}, "executions -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error about %q, got %v", tc.want, err)
			}
			defer func() {
				if recover() == nil {
					t.Fatal("Run did not panic")
				}
			}()
			Run(context.Background(), tc.cfg)
		})
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestSummaryJSON pins the JSON field names and their order.
func TestSummaryJSON(t *testing.T) {
	s := Run(context.Background(), Config{Scenarios: []scenarios.Scenario{synthetic("p", func(s uint64) bool { return s == 1 })}, Executions: 3, Workers: 1})
	s.Perf = Perf{}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{`"seed"`, `"bugs"`, `"max_steps"`, `"keep_going"`, `"shard"`, `"executions"`, `"end"`, `"stopped"`, `"failed"`, `"scenarios"`, `"strategies"`, `"failures"`,
		`"index"`, `"scenario"`, `"strategy"`, `"outcome"`, `"class"`, `"check"`, `"msg"`, `"step"`, `"thread"`, `"thread_name"`, `"steps"`, `"decisions"`, `"hash"`, `"schedule"`, `"signature"`, `"count"`, `"replay"`,
		`"perf"`, `"workers"`, `"seconds"`, `"exec_per_sec"`, `"ran"`}
	at := 0
	js := string(b)
	for _, k := range keys {
		i := strings.Index(js[at:], k)
		if i < 0 {
			t.Fatalf("key %s missing or out of order in %s", k, js)
		}
		at += i
	}
	if strings.Contains(js, `"Log"`) {
		t.Fatalf("the decision log leaked into JSON: %s", js)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func hex(h uint64) string { return fmt.Sprintf("%016x", h) }
