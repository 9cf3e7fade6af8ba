package explorer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TTF is how long an exploration takes to find its first failure, over
// several base seeds: the explorer's sensitivity to a planted bug.
type TTF struct {
	Scenarios string `json:"scenarios"` // scenario names, comma-separated
	Bugs      string `json:"bugs"`
	Strategy  string `json:"strategy"` // the strategy, or "portfolio(a,b,...)"
	Workers   int    `json:"workers"`
	Cap       int64  `json:"cap"` // execution bound of each run
	// Runs holds one entry per base seed, in the order given.
	Runs  []TTFRun `json:"runs"`
	Found int      `json:"found"` // runs that found a failure within Cap
	// MedianExecutions and MedianWall are the medians over every run, a
	// run that found nothing counting as longer than any that did; -1 if
	// half the runs or more found nothing. Executions are a function of
	// the seeds; wall time depends on the machine.
	MedianExecutions int64         `json:"median_executions"`
	MedianWall       time.Duration `json:"median_wall"`
}

// TTFRun is one exploration from one base seed.
type TTFRun struct {
	Seed       uint64        `json:"seed"`
	Found      bool          `json:"found"`
	Executions int64         `json:"executions"` // up to and including the first failure
	Wall       time.Duration `json:"wall"`
	Check      string        `json:"check,omitempty"` // the failure's check
}

// TimeToFailure explores cfg in first-failure mode once per base seed (cfg.Seed is
// replaced by each in turn), each run bounded by cfg.Executions, and
// reports the executions and wall time to the first failure.
func TimeToFailure(ctx context.Context, cfg Config, bases []uint64) TTF {
	cfg.KeepGoing = false
	cfg = cfg.Normalize()
	t := TTF{Bugs: cfg.Bugs.Names(), Workers: cfg.Workers, Cap: cfg.Executions}
	var scen, strat []string
	for _, s := range cfg.Scenarios {
		scen = append(scen, s.Name)
	}
	for _, p := range cfg.Portfolio {
		strat = append(strat, p.Name)
	}
	t.Scenarios = strings.Join(scen, ",")
	t.Strategy = strat[0]
	if len(strat) > 1 {
		t.Strategy = "portfolio(" + strings.Join(strat, ",") + ")"
	}
	for _, b := range bases {
		cfg.Seed = b
		start := time.Now()
		s := Run(ctx, cfg)
		run := TTFRun{Seed: b, Executions: s.Executions, Wall: time.Since(start)}
		if len(s.Failures) > 0 {
			run.Found, run.Check = true, s.Failures[0].Check
			t.Found++
		}
		t.Runs = append(t.Runs, run)
	}
	t.MedianExecutions, t.MedianWall = -1, -1
	if len(t.Runs) > 0 && 2*t.Found > len(t.Runs) {
		// Runs that found nothing sort last: the median is among the found.
		execs := make([]int64, 0, len(t.Runs))
		walls := make([]time.Duration, 0, len(t.Runs))
		for _, r := range t.Runs {
			if r.Found {
				execs = append(execs, r.Executions)
				walls = append(walls, r.Wall)
			}
		}
		slices.Sort(execs)
		slices.Sort(walls)
		m := (len(t.Runs) - 1) / 2 // the lower median of all runs
		t.MedianExecutions, t.MedianWall = execs[m], walls[m]
	}
	return t
}

// Row is the TTF as one table row: strategy, found/runs, median
// executions, median wall time.
func (t *TTF) Row() string {
	med, wall := "-", "-"
	if t.MedianExecutions >= 0 {
		med = fmt.Sprint(t.MedianExecutions)
		wall = t.MedianWall.Round(10 * time.Microsecond).String()
	}
	return fmt.Sprintf("%-26s %-26s %-44s %2d/%-2d %8s %10s", t.Scenarios, t.Bugs, t.Strategy, t.Found, len(t.Runs), med, wall)
}
