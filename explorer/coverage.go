package explorer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/model/fscache"
)

// CoverageSummary is what the executions of a run reached, summed: the rows
// of the cookie transition table (fscache.Transitions) taken, the (cookie
// state × event) pairs seen, and the named marks ("relinquish arrived during
// LRU_DISCARDING"), each with how often. Maps marshal with sorted keys, so
// the JSON is the same on every machine.
type CoverageSummary struct {
	Rows  map[string]int64 `json:"rows"`  // transition id -> times taken
	Pairs map[string]int64 `json:"pairs"` // "STATE event" -> times seen
	Marks map[string]int64 `json:"marks"` // mark -> times reached
}

func newCoverageSummary() *CoverageSummary {
	return &CoverageSummary{Rows: map[string]int64{}, Pairs: map[string]int64{}, Marks: map[string]int64{}}
}

// fromChecker is the summary of cv.
func fromChecker(cv *checker.Coverage) *CoverageSummary {
	c := newCoverageSummary()
	for k, n := range cv.Rows {
		c.Rows[k] += n
	}
	for k, n := range cv.Pairs() {
		c.Pairs[k.State+" "+k.Event] += n
	}
	for k, n := range cv.Marks {
		c.Marks[k] += n
	}
	return c
}

// merge adds o's counts to c.
func (c *CoverageSummary) merge(o *CoverageSummary) {
	for k, n := range o.Rows {
		c.Rows[k] += n
	}
	for k, n := range o.Pairs {
		c.Pairs[k] += n
	}
	for k, n := range o.Marks {
		c.Marks[k] += n
	}
}

// coverageMeasure is the headline figure of cv, for progress lines.
func coverageMeasure(cv *checker.Coverage) *Coverage { return rowsMeasure(len(cv.Missing())) }

// rowsMeasure is the transition rows covered when missing of them are not.
func rowsMeasure(missing int) *Coverage {
	n := int64(len(fscache.Transitions))
	return &Coverage{What: "transitions", Covered: n - int64(missing), Total: n}
}

// Missing lists the transition rows never taken, in table order.
func (c *CoverageSummary) Missing() []string {
	var out []string
	for _, tr := range fscache.Transitions {
		if c.Rows[tr.ID] == 0 {
			out = append(out, tr.ID)
		}
	}
	return out
}

// Measure is the headline figure: transition rows taken of the table.
func (c *CoverageSummary) Measure() *Coverage { return rowsMeasure(len(c.Missing())) }

// Line is the coverage in one line: rows taken (and which not), pairs and
// marks reached.
func (c *CoverageSummary) Line() string {
	m := c.Measure()
	s := fmt.Sprintf("coverage: %d/%d transition rows", m.Covered, m.Total)
	if miss := c.Missing(); len(miss) > 0 {
		s += " (never: " + strings.Join(miss, " ") + ")"
	}
	marks := make([]string, 0, len(c.Marks))
	for k := range c.Marks {
		marks = append(marks, k)
	}
	slices.Sort(marks)
	s += fmt.Sprintf(", %d state x event pairs, %d marks", len(c.Pairs), len(marks))
	if len(marks) > 0 {
		s += " (" + strings.Join(marks, "; ") + ")"
	}
	return s
}
