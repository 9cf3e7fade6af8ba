package ftrace

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Options say how CheckTrace reads and judges a trace.
type Options struct {
	// Partial: the capture may stop anywhere; the end-of-trace rules are
	// not applied.
	Partial bool
	// Progress, when set, is called every 16 MiB read.
	Progress func(bytes int64, lines int)
}

// Report is the result of checking one trace.
type Report struct {
	Lines      int            `json:"lines"`
	Bytes      int64          `json:"bytes"`
	EventLines int            `json:"event_lines"` // lines of any event
	Events     int            `json:"events"`      // fscache and cachefiles events checked
	Layout     string         `json:"layout"`
	Objects    map[string]int `json:"objects"` // by kind: c, V, C, o
	Notes      []string       `json:"notes"`
	NotesTotal int            `json:"notes_total"`
	Violations []Violation    `json:"violations"`
	Total      int            `json:"violations_total"`
}

// Valid reports whether no rule was broken.
func (r *Report) Valid() bool { return r.Total == 0 }

// ErrNoEvents is returned for input with no fscache or cachefiles event.
var ErrNoEvents = errors.New("no fscache or cachefiles events")

// CheckTrace reads a trace in any of the three layouts and checks it. It
// keeps per-object state only, not the lines, so memory grows with the
// number of objects, not with the size of the trace. The error is for
// input that is not a trace at all (empty, binary, no fscache or
// cachefiles event, a read error).
func CheckTrace(in io.Reader, o Options) (*Report, error) {
	rd := NewReader(in)
	rd.Complete = Complete
	rd.Progress = o.Progress
	c := NewChecker()
	c.Partial = o.Partial
	for {
		rec, err := rd.Next()
		if err != nil {
			return nil, err
		}
		if rec == nil {
			break
		}
		c.Add(rec)
	}
	if rd.Lines() == 0 {
		return nil, ErrEmpty
	}
	if c.Events == 0 {
		return nil, fmt.Errorf("%w in %d lines (%d lines of other events)", ErrNoEvents, rd.Lines(), rd.Matched())
	}
	c.Finish()
	rep := &Report{Lines: rd.Lines(), Bytes: rd.Bytes(), EventLines: rd.Matched(), Events: c.Events, Layout: rd.Layout(),
		Objects: c.Kinds, Notes: []string{}, NotesTotal: rd.NotesTotal(), Violations: c.Violations(), Total: c.Total()}
	if rep.Violations == nil {
		rep.Violations = []Violation{}
	}
	for _, n := range rd.Notes() {
		rep.Notes = append(rep.Notes, n.String())
	}
	return rep, nil
}

// WriteText prints a report for a person.
func (r *Report) WriteText(w io.Writer, name string) {
	fmt.Fprintf(w, "%s: %d lines, %d events checked (%s layout): %d cookies, %d volumes, %d caches, %d cachefiles objects\n",
		name, r.Lines, r.Events, r.Layout, r.Objects["c"], r.Objects["V"], r.Objects["C"], r.Objects["o"])
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if r.NotesTotal > len(r.Notes) {
		fmt.Fprintf(w, "  note: %d more notes not shown\n", r.NotesTotal-len(r.Notes))
	}
	for _, v := range r.Violations {
		fmt.Fprintf(w, "%s\n", v)
	}
	if r.Total > len(r.Violations) {
		fmt.Fprintf(w, "%d more violations not shown\n", r.Total-len(r.Violations))
	}
	if r.Valid() {
		fmt.Fprintf(w, "VALID: no rule broken\n")
	} else {
		fmt.Fprintf(w, "INVALID: %d violations\n", r.Total)
	}
}

// WriteJSON prints a report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Valid bool `json:"valid"`
		*Report
	}{r.Valid(), r})
}
