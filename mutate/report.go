package mutate

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// outcomeOrder is the order outcomes are listed in.
var outcomeOrder = []string{Killed, Survived, Timeout, Equivalent, ArguedEquivalent, NoCompile}

// WriteTable prints the report: one row per mutant (id, operator, the
// one-line diff, outcome, check, executions), then the counts by operator
// and by file, then the score.
func (r *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tOPERATOR\tDIFF\tOUTCOME\tCHECK\tEXECUTIONS")
	for _, x := range r.Results {
		check := x.Check
		if x.Outcome == NoCompile || x.Outcome == Timeout {
			check = "-"
		}
		if check == "" {
			check = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", x.ID, x.Operator, x.Diff, x.Outcome, check, x.Executions)
	}
	tw.Flush()
	fmt.Fprintln(w)
	r.writeGroups(w, "operator", func(x Result) string { return x.Operator })
	fmt.Fprintln(w)
	r.writeGroups(w, "file", func(x Result) string { return x.File })
	fmt.Fprintln(w)
	for _, p := range r.ListProblems {
		fmt.Fprintf(w, "warning: %s\n", p)
	}
	if len(r.ArguedKilled) > 0 {
		fmt.Fprintf(w, "WARNING: %d mutant(s) argued equivalent in %s were killed, so their arguments are wrong: %s\n", len(r.ArguedKilled), EquivalentFile, strings.Join(r.ArguedKilled, ", "))
	}
	fmt.Fprintln(w, r.Line())
}

// writeGroups prints the outcome counts and score per group.
func (r *Report) writeGroups(w io.Writer, what string, key func(Result) string) {
	groups := map[string]map[string]int{}
	var names []string
	for _, x := range r.Results {
		k := key(x)
		if groups[k] == nil {
			groups[k] = map[string]int{}
			names = append(names, k)
		}
		groups[k][x.Outcome]++
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\tscore\n", strings.ToUpper(what), strings.Join(outcomeOrder, "\t"))
	for _, n := range names {
		fmt.Fprintf(tw, "%s", n)
		for _, o := range outcomeOrder {
			fmt.Fprintf(tw, "\t%d", groups[n][o])
		}
		fmt.Fprintf(tw, "\t%s\n", pct(groups[n]))
	}
	tw.Flush()
}

func pct(c map[string]int) string {
	all := 0
	for _, n := range c {
		all += n
	}
	if all-c[Equivalent]-c[ArguedEquivalent]-c[NoCompile] <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*Score(c))
}

// Line is the summary line: counts and score.
func (r *Report) Line() string {
	var p []string
	for _, o := range outcomeOrder {
		p = append(p, fmt.Sprintf("%d %s", r.Counts[o], o))
	}
	sh := ""
	if r.Shard.N > 1 {
		sh = fmt.Sprintf(", shard %d/%d", r.Shard.I, r.Shard.N)
	}
	if r.Interrupted {
		sh += ", INTERRUPTED: only the mutants listed"
	}
	return fmt.Sprintf("mutation score %s (killed / (all - equivalent - equivalent-argued - does-not-compile)) over %d of %d mutants (%s%s), budget %d executions, seed %d: %s",
		pct(r.Counts), len(r.Results), r.Total, r.Selection, sh, r.Executions, r.Seed, strings.Join(p, ", "))
}

// Merge combines the reports of the shards of one run into the report of
// the whole. Every shard is needed, once, and they must agree on the
// budget, seed, selection and original.
func Merge(parts []Report) (*Report, error) {
	if len(parts) == 0 {
		return nil, errors.New("no report to merge")
	}
	first := parts[0]
	n := first.Shard.N
	if n < 1 {
		return nil, errors.New("merge: a report has no shard (want the output of 'fscachesim mutate --json')")
	}
	seen := make([]bool, n)
	m := &Report{Executions: first.Executions, Seed: first.Seed, MaxSteps: first.MaxSteps, Scenarios: first.Scenarios, Selection: first.Selection, Shard: Shard{0, 1},
		Total: first.Total, Baseline: first.Baseline, BaseSecs: first.BaseSecs, Coverage: first.Coverage}
	for _, p := range parts {
		if p.Shard.N != n || p.Executions != first.Executions || p.Seed != first.Seed || p.MaxSteps != first.MaxSteps || p.Scenarios != first.Scenarios ||
			p.Selection != first.Selection || p.Baseline != first.Baseline || p.Total != first.Total || p.Coverage != first.Coverage {
			return nil, fmt.Errorf("merge: shard %d/%d is not of the same run as shard %d/%d (budget, seed, scenarios, selection, shard count or original differ)", p.Shard.I, p.Shard.N, first.Shard.I, n)
		}
		if p.Interrupted {
			return nil, fmt.Errorf("merge: shard %d/%d was interrupted: run it again", p.Shard.I, n)
		}
		if p.Shard.I < 0 || p.Shard.I >= n || seen[p.Shard.I] {
			return nil, fmt.Errorf("merge: shard %d/%d is given twice or is out of range", p.Shard.I, n)
		}
		seen[p.Shard.I] = true
		m.Results = append(m.Results, p.Results...)
		m.ArguedKilled = append(m.ArguedKilled, p.ArguedKilled...)
		if len(m.ListProblems) == 0 {
			m.ListProblems = p.ListProblems
		}
		m.SchemaMutants += p.SchemaMutants
		m.SchemaSecs += p.SchemaSecs
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("merge: shard %d/%d is missing", i, n)
		}
	}
	slices.SortFunc(m.Results, func(a, b Result) int { return a.Index - b.Index })
	slices.Sort(m.ArguedKilled)
	m.tally()
	return m, nil
}
