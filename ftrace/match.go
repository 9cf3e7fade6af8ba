package ftrace

import (
	"fmt"
	"io"
	"strings"
)

// A Pattern is the fscache and cachefiles events of an imported trace, in
// order, with the object ids and backing inode numbers taken out: a run
// matches it when its own events contain these, in the same order, for
// some one-to-one mapping of the ids.
type Pattern struct {
	Events []PatEvent
	Lines  int // lines read
}

// PatEvent is one event of a pattern: the tracepoint, the text with each id
// replaced by a slot, and the ids in slot order with their kinds.
type PatEvent struct {
	Line  int
	Event string
	Shape string   // the text with ids as "c=#", "B=#"
	Kinds []string // kind of each id ("c", "V", "C", "o", "B")
	IDs   []string // the id values as printed
}

// idKinds are the keys whose values are ids, by kind; the inode keys all
// map to kind B.
var idKinds = map[string]string{"c": "c", "V": "V", "C": "C", "o": "o", "B": "B", "dB": "B", "sB": "B", "iB": "B"}

// Shape splits an event's text into its shape and ids. The second c= of
// fscache_active is n_active, not an id; c=00000000 (no cookie) and
// o=ffffffff (no object) are kept as they are.
func Shape(event, text string) (shape string, kinds, ids []string) {
	var b strings.Builder
	nc := 0
	for _, w := range strings.SplitAfter(text, " ") {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			b.WriteString(w)
			continue
		}
		kind, isID := idKinds[k]
		if k == "c" {
			nc++
			if event == "fscache_active" && nc == 2 {
				isID = false
			}
		}
		if event == "cachefiles_coherency" && k == "c" {
			isID = false
		}
		val := strings.TrimRight(v, " ")
		if !isID || val == "00000000" || val == "ffffffff" || val == "0" {
			b.WriteString(w)
			continue
		}
		b.WriteString(k + "=#" + v[len(val):])
		kinds = append(kinds, kind)
		ids = append(ids, val)
	}
	return b.String(), kinds, ids
}

// ReadPattern reads a trace in any of the three layouts and keeps its
// kernel fscache and cachefiles events as a pattern.
func ReadPattern(in io.Reader) (*Pattern, error) {
	rd := NewReader(in)
	rd.Complete = Complete
	p := &Pattern{}
	for {
		r, err := rd.Next()
		if err != nil {
			return nil, err
		}
		if r == nil {
			break
		}
		if !IsKernelEvent(r.Event) {
			continue
		}
		shape, kinds, ids := Shape(r.Event, r.Text)
		p.Events = append(p.Events, PatEvent{Line: r.Line, Event: r.Event, Shape: shape, Kinds: kinds, IDs: ids})
	}
	p.Lines = rd.Lines()
	if p.Lines == 0 {
		return nil, ErrEmpty
	}
	if len(p.Events) == 0 {
		return nil, fmt.Errorf("%w in %d lines", ErrNoEvents, p.Lines)
	}
	return p, nil
}

// Match is a found embedding of a pattern in a run's events.
type Match struct {
	At      []int             // index in the run's events of each pattern event
	Mapping map[string]string // "c=00000042" (imported) -> "c=00000002" (the run's)
}

// MatchEvents looks for the pattern in a run's kernel events (name and
// text of each, in order): each pattern event matched, in order, to a
// later run event of the same tracepoint and shape, with a one-to-one
// mapping of ids kept for the whole match. It takes the first fit for
// each event (greedy) and backtracks to the next fit when a later event
// finds none, within a bounded number of tries.
func (p *Pattern) MatchEvents(names, texts []string) (*Match, bool) {
	run := make([]PatEvent, len(names))
	for j := range names {
		run[j].Event = names[j]
		run[j].Shape, run[j].Kinds, run[j].IDs = Shape(names[j], texts[j])
	}
	fwd := map[string]string{}
	back := map[string]string{}
	at := make([]int, len(p.Events))
	budget := 20*len(names) + 100000
	var try func(i, from int) bool
	try = func(i, from int) bool {
		if i == len(p.Events) {
			return true
		}
		pe := &p.Events[i]
		for j := from; j < len(names); j++ {
			if budget--; budget < 0 {
				return false
			}
			if names[j] != pe.Event {
				continue
			}
			shape, kinds, ids := run[j].Shape, run[j].Kinds, run[j].IDs
			if shape != pe.Shape || len(ids) != len(pe.IDs) {
				continue
			}
			var added []string
			ok := true
			for k := range ids {
				if kinds[k] != pe.Kinds[k] {
					ok = false
					break
				}
				from, to := pe.Kinds[k]+"="+pe.IDs[k], kinds[k]+"="+ids[k]
				if m, seen := fwd[from]; seen {
					if m != to {
						ok = false
						break
					}
					continue
				}
				if _, taken := back[to]; taken {
					ok = false
					break
				}
				fwd[from], back[to] = to, from
				added = append(added, from)
			}
			if ok {
				at[i] = j
				if try(i+1, j+1) {
					return true
				}
			}
			for _, a := range added {
				delete(back, fwd[a])
				delete(fwd, a)
			}
		}
		return false
	}
	if !try(0, 0) {
		return nil, false
	}
	m := &Match{At: at, Mapping: map[string]string{}}
	for k, v := range fwd {
		m.Mapping[k] = v
	}
	return m, true
}
