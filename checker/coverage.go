package checker

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
)

// Coverage counts what runs reached: the rows of the transition table
// (fscache.Transitions) taken, the (cookie state × event kind) pairs seen,
// and the named marks (fscache_mark events, e.g. "relinquish arrived during
// LRU_DISCARDING"). A Checker fills one per run; Merge adds runs together.
// Printing sorts every key, so the text is the same on every machine.
type Coverage struct {
	Runs  int
	Rows  map[string]int64 // transition id -> times taken
	Marks map[string]int64 // mark -> times reached
	pairs pairTable
}

// pairKey is a StateEvent as counted: no string is built per event.
type pairKey struct {
	state  int8 // -1: new
	typ    sim.EventType
	reason string
}

func (p pairKey) stateEvent() StateEvent {
	se := StateEvent{State: "new", Event: p.typ.Name()}
	if p.state >= 0 {
		se.State = fscache.CookieState(p.state).String()
	}
	if p.reason != "" {
		se.Event += " " + strings.TrimSpace(p.reason)
	}
	return se
}

// StateEvent is a cookie state and the kind of an event about the cookie
// that happened in it. State is the state's name, or "new" before T1.
// Event is the tracepoint and, for fscache_cookie, fscache_access and
// fscache_active, its reason ("fscache_cookie PUT relnq"); for
// fscache_cookie_state the row ("fscache_cookie_state T15"); for
// fscache_mark the mark.
type StateEvent struct {
	State string
	Event string
}

// NewCoverage is an empty coverage record.
func NewCoverage() *Coverage {
	// Sized for one run of a named scenario (up to 16 rows and 56 pairs;
	// the default scenarios reach 6-14 rows and 36-62 pairs), so that
	// counting seldom grows the maps, without making a run pay for a
	// bigger table than it fills: this record is allocated per execution.
	return &Coverage{Rows: make(map[string]int64, 16), Marks: map[string]int64{}, pairs: newPairTable(64)}
}

// Merge adds o's counts to cv.
func (cv *Coverage) Merge(o *Coverage) {
	cv.Runs += o.Runs
	for k, n := range o.Rows {
		cv.Rows[k] += n
	}
	for _, e := range o.pairs.entries {
		*cv.pairs.count(e.key) += e.n
	}
	for k, n := range o.Marks {
		cv.Marks[k] += n
	}
}

// notePair counts the event e about the cookie of tr in the state the
// checker last saw it in.
func (cv *Coverage) notePair(tr *cookieTrack, e *sim.Event) {
	k := pairKey{state: -1, typ: e.Type}
	if tr.seen {
		k.state = int8(tr.state)
	}
	switch e.Type {
	case fscache.EvCookie, fscache.EvAccess, fscache.EvActive, fscache.EvCookieState, fscache.EvMark:
		k.reason = e.Str[0]
	}
	*cv.pairs.count(k)++
}

// Pairs is the (cookie state × event kind) counts.
func (cv *Coverage) Pairs() map[StateEvent]int64 {
	out := make(map[StateEvent]int64, len(cv.pairs.entries))
	for _, e := range cv.pairs.entries {
		out[e.key.stateEvent()] += e.n
	}
	return out
}

// RowsTaken lists the transition table's rows in table order, each with
// how often it was taken (0: never).
func (cv *Coverage) RowsTaken() []RowCount {
	out := make([]RowCount, 0, len(fscache.Transitions))
	for _, tr := range fscache.Transitions {
		out = append(out, RowCount{tr.ID, cv.Rows[tr.ID]})
	}
	return out
}

// RowCount is a row of the transition table and how often it was taken.
type RowCount struct {
	ID string
	N  int64
}

// Missing lists the rows never taken, in table order.
func (cv *Coverage) Missing() []string {
	var out []string
	for _, r := range cv.RowsTaken() {
		if r.N == 0 {
			out = append(out, r.ID)
		}
	}
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// String is a summary: rows taken out of the table (with the missing ones
// named), every row's count in table order, then the pairs and marks, each
// sorted.
func (cv *Coverage) String() string {
	var b strings.Builder
	rows := cv.RowsTaken()
	missing := cv.Missing()
	fmt.Fprintf(&b, "coverage over %d run(s): %d/%d transition rows taken", cv.Runs, len(rows)-len(missing), len(rows))
	if len(missing) > 0 {
		fmt.Fprintf(&b, " (never: %s)", strings.Join(missing, " "))
	}
	b.WriteString("\nrows:")
	for _, r := range rows {
		fmt.Fprintf(&b, " %s=%d", r.ID, r.N)
	}
	counts := cv.Pairs()
	pairs := make([]StateEvent, 0, len(counts))
	for k := range counts {
		pairs = append(pairs, k)
	}
	slices.SortFunc(pairs, func(a, b StateEvent) int {
		return cmp.Or(cmp.Compare(a.State, b.State), cmp.Compare(a.Event, b.Event))
	})
	fmt.Fprintf(&b, "\nstate x event pairs: %d", len(pairs))
	for _, p := range pairs {
		fmt.Fprintf(&b, "\n  %-14s %-40s %d", p.State, p.Event, counts[p])
	}
	marks := sortedKeys(cv.Marks)
	fmt.Fprintf(&b, "\nmarks: %d", len(marks))
	for _, m := range marks {
		fmt.Fprintf(&b, "\n  %-50s %d", m, cv.Marks[m])
	}
	return b.String()
}
