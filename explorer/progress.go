package explorer

import (
	"fmt"
	"strings"
	"time"
)

// Progress is a snapshot of a run in progress, for a status line. Unlike the
// Summary it depends on timing: executions finish out of order on several
// workers.
type Progress struct {
	Elapsed time.Duration `json:"elapsed"`
	// Executions counts the executions finished so far, in any order.
	Executions int64   `json:"executions"`
	ExecPerSec float64 `json:"exec_per_sec"`
	// Failed counts failing executions among those merged so far (every
	// index below the lowest still running); Distinct their signatures.
	Failed   int64 `json:"failed"`
	Distinct int   `json:"distinct"`
	// Strategies counts executions and failures by strategy among those
	// merged so far.
	Strategies []StrategyCount `json:"strategies"`
	// Coverage is nil until the model has a coverage measure.
	Coverage *Coverage `json:"coverage,omitempty"`
}

// Coverage is a coverage measure: how much of What the run has reached
// ("state transitions": 31 of 40).
type Coverage struct {
	What    string `json:"what"`
	Covered int64  `json:"covered"`
	Total   int64  `json:"total"`
}

// Line is the progress as one status line.
func (p *Progress) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%6.1fs %d executions (%.0f/s), %d failed", p.Elapsed.Seconds(), p.Executions, p.ExecPerSec, p.Failed)
	if p.Distinct > 1 {
		fmt.Fprintf(&b, " (%d distinct)", p.Distinct)
	}
	for i, s := range p.Strategies {
		sep := " "
		if i == 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s %d", sep, s.Name, s.Executions)
	}
	if c := p.Coverage; c != nil {
		fmt.Fprintf(&b, "; %s %d/%d", c.What, c.Covered, c.Total)
	}
	return b.String()
}
