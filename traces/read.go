package traces

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/sim"
)

// ReadOptions configure Read.
type ReadOptions struct {
	// KnownScenario reports whether a scenario name exists; a trace of an
	// unknown scenario is an error. Nil accepts any name.
	KnownScenario func(name string) bool
	// MaxLineBytes bounds one line (default 64 MiB).
	MaxLineBytes int
}

// DefaultMaxLineBytes bounds a line when ReadOptions.MaxLineBytes is 0.
const DefaultMaxLineBytes = 64 << 20

// Error is a problem with a trace file: a one-line message naming the
// problem and, when it is in a line, the line number (from 1).
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func lineErr(line int, format string, args ...any) error {
	return &Error{Line: line, Msg: oneLine(fmt.Sprintf(format, args...))}
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// ReadFile reads and validates the trace at path. Errors name the file.
func ReadFile(path string, opts ReadOptions) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Read(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read reads and validates a trace. It never panics: a file that is not a
// whole, well-formed trace gives an *Error (or the reader's I/O error).
func Read(r io.Reader, opts ReadOptions) (*Trace, error) {
	max := opts.MaxLineBytes
	if max <= 0 {
		max = DefaultMaxLineBytes
	}
	br := bufio.NewReaderSize(r, 1<<16)
	t := &Trace{}
	n := 0 // lines read
	var lastStep int64
	haveVerdict := false
	for {
		line, cut, err := readLine(br, max)
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil && err != io.EOF {
			if errors.Is(err, errLineTooLong) {
				return nil, lineErr(n+1, "longer than %d bytes", max)
			}
			return nil, err
		}
		n++
		if cut {
			return nil, lineErr(n, "cut off: the file ends in the middle of this line (truncated)")
		}
		if haveVerdict {
			return nil, lineErr(n, "unexpected line after the verdict line")
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			return nil, lineErr(n, "empty line")
		}
		if b := bytes.TrimLeft(line, " \t"); b[0] != '{' {
			return nil, lineErr(n, "malformed JSON: want an object, got %s", preview(b))
		}
		switch n {
		case 1:
			if err := readHeader(line, &t.Header, opts); err != nil {
				return nil, err
			}
		case 2:
			l, err := readLogLine(line, t.Header.Version)
			if err != nil {
				return nil, err
			}
			t.Log = l
		default:
			var probe struct {
				Verdict *string `json:"verdict"`
				Event   *string `json:"event"`
			}
			if err := json.Unmarshal(line, &probe); err != nil {
				return nil, lineErr(n, "malformed JSON: %v", err)
			}
			switch {
			case probe.Verdict != nil:
				if t.Header.Version == 1 {
					// Version 1 did not record them.
					t.Verdict.Preemptions, t.Verdict.Switches = -1, -1
				}
				if err := readVerdict(n, line, &t.Verdict, len(t.Events)); err != nil {
					return nil, err
				}
				haveVerdict = true
			case probe.Event != nil:
				var e Event
				if err := json.Unmarshal(line, &e); err != nil {
					return nil, lineErr(n, "malformed event: %v", err)
				}
				if e.Event == "" {
					return nil, lineErr(n, "event has no name")
				}
				if e.Thread < -1 {
					return nil, lineErr(n, "event thread %d: want -1 or a thread id", e.Thread)
				}
				if e.Step < lastStep {
					return nil, lineErr(n, "event at step %d after one at step %d: events out of order", e.Step, lastStep)
				}
				lastStep = e.Step
				t.Events = append(t.Events, e)
			default:
				return nil, lineErr(n, "neither an event (no \"event\" field) nor the verdict (no \"verdict\" field)")
			}
		}
		if err == io.EOF {
			break
		}
	}
	switch {
	case n == 0:
		return nil, &Error{Msg: "empty file: not a fscachesim trace"}
	case n == 1:
		return nil, lineErr(2, "missing decision log: the file ends after the header (truncated)")
	case !haveVerdict:
		return nil, lineErr(n+1, "missing verdict: the file ends after %d events (truncated)", len(t.Events))
	}
	return t, nil
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its newline. cut is true when the input
// ended before a newline: a truncated file.
func readLine(br *bufio.Reader, max int) (line []byte, cut bool, err error) {
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > max+1 {
			return nil, false, errLineTooLong
		}
		line = append(line, frag...)
		switch err {
		case nil:
			return line[:len(line)-1], false, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			return line, len(line) > 0, io.EOF
		default:
			return nil, false, err
		}
	}
}

func preview(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return fmt.Sprintf("%q", b)
}

func readHeader(line []byte, h *Header, opts ReadOptions) error {
	var probe struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		return lineErr(1, "malformed JSON in the header: %v", err)
	}
	if probe.Format == nil {
		return lineErr(1, "no \"format\" field: not a fscachesim trace")
	}
	if *probe.Format != FormatName {
		return lineErr(1, "format %q: not a fscachesim trace (want %q)", *probe.Format, FormatName)
	}
	if err := json.Unmarshal(line, h); err != nil {
		return lineErr(1, "malformed header: %v", err)
	}
	if h.Version < OldestVersion || h.Version > Version {
		return lineErr(1, "trace format version %d is not supported: this fscachesim reads versions %d to %d", h.Version, OldestVersion, Version)
	}
	if h.Scenario == "" {
		return lineErr(1, "the header names no scenario")
	}
	if opts.KnownScenario != nil && !opts.KnownScenario(h.Scenario) {
		return lineErr(1, "unknown scenario %q: not built into this fscachesim (see 'fscachesim list')", h.Scenario)
	}
	if h.MaxSteps < 0 {
		return lineErr(1, "max_steps %d is negative", h.MaxSteps)
	}
	if h.Options == nil {
		h.Options = map[string]string{}
	}
	return nil
}

func readLogLine(line []byte, version int) (sim.Log, error) {
	var probe struct {
		Decisions *string `json:"decisions"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		return nil, lineErr(2, "malformed JSON in the decision log line: %v", err)
	}
	if probe.Decisions == nil {
		return nil, lineErr(2, "no \"decisions\" field: line 2 must be the decision log")
	}
	var ll LogLine
	if err := json.Unmarshal(line, &ll); err != nil {
		return nil, lineErr(2, "malformed decision log line: %v", err)
	}
	// Count before parsing: a repeat count ("0*16000000") must not make a
	// damaged line allocate a huge log.
	if n, ok := countDecisions(ll.Decisions); ok && n != ll.Count {
		return nil, lineErr(2, "the decision log has %d decisions but the line says count %d", n, ll.Count)
	} else if ok && n > MaxDecisions {
		return nil, lineErr(2, "the decision log has %d decisions, more than %d", n, MaxDecisions)
	}
	l, err := sim.ParseLog(ll.Decisions)
	if err != nil {
		return nil, lineErr(2, "the decision log does not parse: %v", err)
	}
	got := (&Trace{Log: l}).LogLine()
	switch {
	case got.Count != ll.Count:
		return nil, lineErr(2, "the decision log has %d decisions but the line says count %d", got.Count, ll.Count)
	case got.Threads != ll.Threads:
		return nil, lineErr(2, "the decision log has %d thread choices but the line says threads %d", got.Threads, ll.Threads)
	case got.Values != ll.Values:
		return nil, lineErr(2, "the decision log has %d values but the line says values %d", got.Values, ll.Values)
	case got.Faults != ll.Faults:
		return nil, lineErr(2, "the decision log has %d faults but the line says faults %d", got.Faults, ll.Faults)
	case version == 1 && got.ChoiceSwitches != ll.V1Preemptions:
		return nil, lineErr(2, "the decision log has %d thread choices that switch thread but the line says preemptions %d", got.ChoiceSwitches, ll.V1Preemptions)
	case version > 1 && got.ChoiceSwitches != ll.ChoiceSwitches:
		return nil, lineErr(2, "the decision log has %d thread choices that switch thread but the line says choice_switches %d", got.ChoiceSwitches, ll.ChoiceSwitches)
	}
	return l, nil
}

// MaxDecisions bounds the decision log a reader accepts.
const MaxDecisions = 1 << 24

// countDecisions counts the decisions of a printable log without building
// it; ok is false when a token does not parse (ParseLog then says why).
func countDecisions(s string) (n int, ok bool) {
	for _, tok := range strings.Fields(s) {
		_, rep, has := strings.Cut(tok, "*")
		if !has {
			n++
			continue
		}
		r, err := strconv.ParseUint(rep, 10, 32)
		if err != nil || r > MaxDecisions {
			return 0, false
		}
		n += int(r)
		if n > MaxDecisions {
			return n, true
		}
	}
	return n, true
}

func readVerdict(n int, line []byte, v *Verdict, events int) error {
	if err := json.Unmarshal(line, v); err != nil {
		return lineErr(n, "malformed verdict: %v", err)
	}
	switch v.Verdict {
	case VerdictPass, VerdictStepBound, VerdictDiverged:
	case VerdictFail:
		if v.Class == "" || v.Check == "" {
			return lineErr(n, "a fail verdict needs a class and a check")
		}
	default:
		return lineErr(n, "verdict %q: want pass, fail, step-bound or diverged", v.Verdict)
	}
	if v.Events != events {
		return lineErr(n, "the verdict counts %d events but the trace has %d (truncated or edited)", v.Events, events)
	}
	if len(v.Hash) != 16 || strings.Trim(v.Hash, "0123456789abcdef") != "" {
		return lineErr(n, "hash %q: want 16 lower-case hex digits", v.Hash)
	}
	if v.Objects == nil {
		v.Objects = []string{}
	}
	return nil
}
