package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// DecisionKind says what a recorded choice was.
type DecisionKind uint8

const (
	DecThread DecisionKind = iota // which thread ran (V = thread id, N = how many were enabled)
	DecValue                      // a random value (V in [0, N))
	DecFault                      // a yes/no (V = 1 for yes)
)

// Decision is one recorded choice. Only real choices are recorded: a step
// with one enabled thread, or a value drawn from a range of one, is not.
type Decision struct {
	Kind DecisionKind
	V    uint32
	N    uint32
}

// Log is the decision log of an execution. Together with the scenario and
// its options, it alone reproduces the execution.
type Log []Decision

// String is the log's compact printable form: a thread choice is its id
// ("3"), a run of the same thread "3*5", a value "=2/6" (2 out of [0,6)),
// a fault "!" (yes) or "." (no). Tokens are separated by spaces.
func (l Log) String() string {
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		d := l[i]
		switch d.Kind {
		case DecThread:
			n := 1
			for i+n < len(l) && l[i+n].Kind == DecThread && l[i+n].V == d.V {
				n++
			}
			b.WriteString(strconv.FormatUint(uint64(d.V), 10))
			if n > 1 {
				b.WriteByte('*')
				b.WriteString(strconv.Itoa(n))
				i += n - 1
			}
		case DecValue:
			fmt.Fprintf(&b, "=%d/%d", d.V, d.N)
		case DecFault:
			if d.V != 0 {
				b.WriteByte('!')
			} else {
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}

// ParseLog reads the printable form written by Log.String. Thread choices
// parse with N = 0 (the count of enabled threads is not printed).
func ParseLog(s string) (Log, error) {
	var l Log
	for _, tok := range strings.Fields(s) {
		switch {
		case tok == "!":
			l = append(l, Decision{Kind: DecFault, V: 1})
		case tok == ".":
			l = append(l, Decision{Kind: DecFault})
		case strings.HasPrefix(tok, "="):
			v, n, ok := strings.Cut(tok[1:], "/")
			if !ok {
				return nil, fmt.Errorf("decision %q: a value is written =V/N", tok)
			}
			vv, err1 := strconv.ParseUint(v, 10, 32)
			nn, err2 := strconv.ParseUint(n, 10, 32)
			if err1 != nil || err2 != nil || vv >= nn {
				return nil, fmt.Errorf("decision %q: want =V/N with V < N", tok)
			}
			l = append(l, Decision{Kind: DecValue, V: uint32(vv), N: uint32(nn)})
		default:
			id, rep, hasRep := strings.Cut(tok, "*")
			v, err := strconv.ParseUint(id, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("decision %q: not a thread id, value or fault", tok)
			}
			n := uint64(1)
			if hasRep {
				n, err = strconv.ParseUint(rep, 10, 32)
				if err != nil || n == 0 || n > 1<<24 {
					return nil, fmt.Errorf("decision %q: bad repeat count", tok)
				}
			}
			for ; n > 0; n-- {
				l = append(l, Decision{Kind: DecThread, V: uint32(v)})
			}
		}
	}
	return l, nil
}

// Threads counts the thread choices in the log.
func (l Log) Threads() int {
	n := 0
	for _, d := range l {
		if d.Kind == DecThread {
			n++
		}
	}
	return n
}

// Preemptions counts the thread choices that switch away from the thread
// chosen just before.
func (l Log) Preemptions() int {
	n, last := 0, int64(-1)
	for _, d := range l {
		if d.Kind != DecThread {
			continue
		}
		if last >= 0 && int64(d.V) != last {
			n++
		}
		last = int64(d.V)
	}
	return n
}
