package ftrace

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Record is one event line of a kernel trace.
type Record struct {
	Line    int    // line number (1-based) where the event starts
	EndLine int    // last line it spans (a wrapped line joined with the next)
	Layout  string // "ftrace", "trace-cmd" or "oops"
	Comm    string // as printed (the oops layout cuts it to 8 bytes)
	PID     int32
	CPU     int
	Flags   string // the irq/preempt columns, "" when the layout has none
	TimeUS  int64  // timestamp in microseconds (the oops layout's is relative to the buffer start)
	Step    int64  // the simulator step of a step column, -1 for none
	Event   string // tracepoint name
	Text    string // the printed fields
}

// StepColumnMarker starts the comment line that announces a step column:
// the first field of each event line is then the simulator step.
const StepColumnMarker = "# step column:"

// Note is something the reader tolerated: a wrapped line it joined, a
// truncated line it dropped, lost events the kernel reported.
type Note struct {
	Line int
	Msg  string
}

func (n Note) String() string { return fmt.Sprintf("line %d: %s", n.Line, n.Msg) }

// MaxLine is the longest line the reader keeps; the rest of a longer
// line is dropped and reported.
const MaxLine = 4096

// ErrBinary and ErrEmpty are the errors of input that is not a trace.
var (
	ErrBinary = errors.New("binary data, not a text trace")
	ErrEmpty  = errors.New("empty input")
)

var (
	// comm-pid [(tgid)] [cpu] [flags] secs.usecs: name: fields
	ctxRE = regexp.MustCompile(`^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d{1,4})\]\s+(?:([.a-zA-Z0-9]{4,6})\s+)?(\d+)\.(\d{6}):\s+([a-z][a-z0-9_]*): ?(.*)$`)
	// latency format: %8.8s-%-7d %3d<flags> %4lldus<mark>: name: fields
	latRE = regexp.MustCompile(`^\s*(.{0,8}?)-(\d+)\s+(\d+)([.a-zA-Z][.a-zA-Z0-9]{3,5})\s+(\d+)us.:\s+([a-z][a-z0-9_]*): ?(.*)$`)
	// a printk prefix: [   12.345678] or <4>[ 12.3]
	dmesgRE = regexp.MustCompile(`^(?:<\d>)?\[\s*\d+\.\d+\]\s?`)
	lostRE  = regexp.MustCompile(`CPU:\s*\d+ \[LOST (\d+ )?EVENTS\]`)
	// fscachesim's annotated text ends each line with "  # step N"
	stepSuffixRE = regexp.MustCompile(`  # step (\d+)$`)
)

// Reader reads the event lines of a kernel trace in any of the three
// layouts, one at a time, keeping nothing but the current line.
type Reader struct {
	br      *bufio.Reader
	line    int
	bytes   int64
	stepCol bool
	layout  string
	notes   []Note
	nNotes  int
	pending *Record // a record whose fields look cut, waiting for a continuation
	pendRaw string
	peeked  bool
	started bool
	// Progress, when set, is called every ProgressEvery bytes read.
	Progress      func(bytes int64, lines int)
	ProgressEvery int64
	nextProgress  int64
	// Complete reports whether an event's fields are whole; the reader
	// joins a line whose fields are not with the next line. Nil: every
	// event is whole.
	Complete func(event, text string) bool
	unknown  int
	matched  int
}

// MaxNotes bounds the notes a Reader keeps (it still counts the rest).
const MaxNotes = 200

// NewReader reads a trace from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 1<<16), ProgressEvery: 16 << 20}
}

// Lines is the number of lines read so far; Bytes the bytes.
func (r *Reader) Lines() int   { return r.line }
func (r *Reader) Bytes() int64 { return r.bytes }

// Notes are the tolerated oddities so far (at most MaxNotes), and
// NotesTotal how many there were.
func (r *Reader) Notes() []Note   { return r.notes }
func (r *Reader) NotesTotal() int { return r.nNotes }

// Matched is the number of event lines parsed (of any event).
func (r *Reader) Matched() int { return r.matched }

// Layout is the layout of the last event line ("" before the first).
func (r *Reader) Layout() string { return r.layout }

func (r *Reader) note(line int, format string, a ...any) {
	r.nNotes++
	if len(r.notes) < MaxNotes {
		r.notes = append(r.notes, Note{line, fmt.Sprintf(format, a...)})
	}
}

// readLine returns the next line without its newline; ok is false at EOF.
func (r *Reader) readLine() (string, bool, error) {
	var buf []byte
	long := false
	for {
		frag, err := r.br.ReadSlice('\n')
		r.bytes += int64(len(frag))
		if len(buf)+len(frag) <= MaxLine {
			buf = append(buf, frag...)
		} else {
			if len(buf) < MaxLine {
				buf = append(buf, frag[:MaxLine-len(buf)]...)
			}
			long = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(buf) == 0 {
				return "", false, nil
			}
		} else if err != nil {
			return "", false, err
		}
		break
	}
	r.line++
	if r.Progress != nil && r.bytes >= r.nextProgress {
		r.nextProgress = r.bytes + r.ProgressEvery
		if r.line > 1 {
			r.Progress(r.bytes, r.line)
		}
	}
	if !r.started {
		r.started = true
		if bytes.IndexByte(buf, 0) >= 0 || (!utf8.Valid(buf) && !long) {
			return "", false, fmt.Errorf("line 1: %w", ErrBinary)
		}
	} else if bytes.IndexByte(buf, 0) >= 0 {
		return "", false, fmt.Errorf("line %d: %w", r.line, ErrBinary)
	}
	if long {
		r.note(r.line, "line longer than %d bytes: the rest was dropped", MaxLine)
	}
	s := strings.TrimRight(string(buf), "\r\n")
	return s, true, nil
}

// parseLine parses one line (its printk prefix, if any, removed).
func (r *Reader) parseLine(s string, line int) (*Record, bool) {
	layout := "ftrace"
	if loc := dmesgRE.FindStringIndex(s); loc != nil {
		s = s[loc[1]:]
		layout = "oops"
	}
	if strings.HasPrefix(s, StepColumnMarker) {
		r.stepCol = true
		return nil, false
	}
	if strings.HasPrefix(s, "cpus=") {
		r.layout = "trace-cmd"
		return nil, false
	}
	if strings.HasPrefix(s, "#") {
		return nil, false
	}
	if m := lostRE.FindStringSubmatch(s); m != nil {
		r.note(line, "the kernel lost events here (%s): histories may have gaps", strings.TrimSpace(m[0]))
		return nil, false
	}
	step := int64(-1)
	if r.stepCol {
		t := strings.TrimLeft(s, " ")
		i := strings.IndexByte(t, ' ')
		if i > 0 {
			if n, err := strconv.ParseInt(t[:i], 10, 64); err == nil {
				step, s = n, t[i+1:]
			}
		}
	}
	if layout == "oops" {
		if rec := r.parseLat(s, line, step); rec != nil {
			return rec, true
		}
	}
	if f, ok := parseCtx(s); ok {
		if layout != "oops" && (f.flags == "" || r.layout == "trace-cmd") {
			layout = "trace-cmd"
		}
		if strings.Contains(f.text, "  # step ") {
			if sm := stepSuffixRE.FindStringSubmatchIndex(f.text); sm != nil {
				step, _ = strconv.ParseInt(f.text[sm[2]:sm[3]], 10, 64)
				f.text = f.text[:sm[0]]
			}
		}
		return &Record{Line: line, EndLine: line, Layout: layout, Comm: f.comm, PID: f.pid, CPU: f.cpu,
			Flags: f.flags, TimeUS: f.us, Step: step, Event: f.event, Text: f.text}, true
	}
	if m := ctxRE.FindStringSubmatch(s); m != nil {
		pid, _ := strconv.ParseInt(m[2], 10, 32)
		cpu, _ := strconv.Atoi(m[3])
		secs, _ := strconv.ParseInt(m[5], 10, 64)
		us, _ := strconv.ParseInt(m[6], 10, 64)
		if layout != "oops" && (m[4] == "" || r.layout == "trace-cmd") {
			layout = "trace-cmd"
		}
		text := m[8]
		if sm := stepSuffixRE.FindStringSubmatchIndex(text); sm != nil {
			step, _ = strconv.ParseInt(text[sm[2]:sm[3]], 10, 64)
			text = text[:sm[0]]
		}
		return &Record{Line: line, EndLine: line, Layout: layout, Comm: strings.TrimSpace(m[1]), PID: int32(pid), CPU: cpu,
			Flags: m[4], TimeUS: secs*1_000_000 + us, Step: step, Event: m[7], Text: text}, true
	}
	if rec := r.parseLat(s, line, step); rec != nil {
		return rec, true
	}
	return nil, false
}

// parseLat parses a line of the latency format (an oops dump).
func (r *Reader) parseLat(s string, line int, step int64) *Record {
	if !strings.Contains(s, "us") {
		return nil
	}
	m := latRE.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	pid, _ := strconv.ParseInt(m[2], 10, 32)
	cpu, _ := strconv.Atoi(m[3])
	us, _ := strconv.ParseInt(m[5], 10, 64)
	return &Record{Line: line, EndLine: line, Layout: "oops", Comm: strings.TrimSpace(m[1]), PID: int32(pid), CPU: cpu,
		Flags: m[4], TimeUS: us, Step: step, Event: m[6], Text: m[7]}
}

// Next returns the next event line, or nil at the end of the input.
// Lines that are not events (headers, other kernel messages) are skipped;
// an event line whose fields are cut (a mail archive wrapped it) is joined
// with the next line when that makes it whole, and dropped with a note
// when nothing does.
func (r *Reader) Next() (*Record, error) {
	for {
		s, ok, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if !ok {
			if p := r.pending; p != nil {
				r.pending = nil
				r.note(p.Line, "%s line cut short (%q): dropped", p.Event, clip(p.Text, 60))
			}
			return nil, nil
		}
		rec, isEvent := r.parseLine(s, r.line)
		if p := r.pending; p != nil {
			r.pending = nil
			cont := strings.TrimSpace(dmesgRE.ReplaceAllString(s, ""))
			if !isEvent && cont != "" && !strings.HasPrefix(cont, "#") {
				for _, sep := range []string{"", " "} {
					text := p.Text + sep + cont
					if r.complete(p.Event, text) {
						p.Text, p.EndLine = text, r.line
						r.note(p.Line, "wrapped line joined with line %d", r.line)
						return p, nil
					}
				}
			}
			r.note(p.Line, "%s line cut short (%q): dropped", p.Event, clip(p.Text, 60))
		}
		if !isEvent {
			continue
		}
		r.matched++
		r.layout = rec.Layout
		if !r.complete(rec.Event, rec.Text) {
			r.pending = rec
			continue
		}
		return rec, nil
	}
}

func (r *Reader) complete(event, text string) bool {
	if r.Complete == nil {
		return true
	}
	return r.Complete(event, text)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
