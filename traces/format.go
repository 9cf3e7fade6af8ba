package traces

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/fscachesim/fscachesim/sim"
)

// FormatName is the "format" field of every trace header.
const FormatName = "fscachesim-trace"

// Version is the trace format version this package writes; it reads
// OldestVersion to Version. A change that an older reader would misread
// bumps it; new fields that an older reader may ignore do not. Version 2:
// "preemptions" means the CHESS count everywhere (the verdict's
// preemptions, with the run's switches beside it); the log line's count of
// thread choices that switch thread, called preemptions in version 1, is
// choice_switches.
const Version = 2

// OldestVersion is the oldest trace format version this package reads.
const OldestVersion = 1

// Verdict values, one per sim.Outcome.
const (
	VerdictPass      = "pass"
	VerdictFail      = "fail"
	VerdictStepBound = "step-bound"
	VerdictDiverged  = "diverged"
)

// Header is line 1 of a trace: what ran. Together with the decision log it
// reproduces the execution.
type Header struct {
	Format   string `json:"format"`   // FormatName
	Version  int    `json:"version"`  // Version
	Tool     string `json:"tool"`     // version of the tool that wrote it
	Scenario string `json:"scenario"` // scenario name
	// Options are further settings that change the execution (scenario
	// parameters, the checker set), as name/value strings; the Runner
	// interprets them. JSON writes them sorted by name. OptMemory is the
	// only one so far.
	Options  map[string]string `json:"options"`
	Seed     uint64            `json:"seed"`
	Strategy string            `json:"strategy"` // the strategy that found the execution ("pct:2")
	Bugs     string            `json:"bugs"`     // historical-bug switches on, comma-separated
	MaxSteps int64             `json:"max_steps"`
	// Shrunk is set on a trace written by Shrink: how big it was before.
	Shrunk *ShrinkInfo `json:"shrunk,omitempty"`
}

// ShrinkInfo records what a shrunk trace was shrunk from.
type ShrinkInfo struct {
	DecisionsBefore   int `json:"decisions_before"`
	PreemptionsBefore int `json:"preemptions_before"`
	Attempts          int `json:"attempts"`
}

// LogLine is line 2: the decision log in the printable form of
// sim.Log.String, and counts a reader checks it against.
type LogLine struct {
	Decisions string `json:"decisions"`
	Count     int    `json:"count"`   // every decision
	Threads   int    `json:"threads"` // thread choices
	Values    int    `json:"values"`  // random values
	Faults    int    `json:"faults"`  // yes/no choices
	// ChoiceSwitches counts the thread choices that pick another thread
	// than the choice before (sim.Log.Preemptions): a check of the log,
	// not the run's switches (the verdict has those).
	ChoiceSwitches int `json:"choice_switches"`
	// V1Preemptions is the same count under its version 1 name, read
	// only.
	V1Preemptions int `json:"preemptions,omitempty"`
}

// Event is one tracepoint hit (lines 3 .. n-1).
type Event struct {
	Step   int64  `json:"step"`
	TimeNS int64  `json:"time_ns"`
	Thread int32  `json:"thread"` // -1: outside any thread (the scheduler)
	Comm   string `json:"comm"`   // the thread's name, "-" for none
	Event  string `json:"event"`  // tracepoint name ("fscache_cookie")
	Obj    uint32 `json:"obj"`    // main object's debug id (c=, V=, C=, o=); 0 for none
	Text   string `json:"text"`   // the tracepoint's printed fields, padding kept
}

// Thread names one simulated thread of the run.
type Thread struct {
	ID   int32  `json:"id"`
	Comm string `json:"comm"`
}

// Waiter is one blocked thread of a deadlock.
type Waiter struct {
	Thread int32  `json:"thread"`
	Comm   string `json:"comm"`
	What   string `json:"what"`
	Since  int64  `json:"since"`
}

// Verdict is the last line: how the run ended.
type Verdict struct {
	Verdict    string   `json:"verdict"` // pass, fail, step-bound or diverged
	Class      string   `json:"class"`   // failure class ("invariant"); "" unless fail
	Check      string   `json:"check"`   // failed check ("I-2", "deadlock"); "" unless fail
	Msg        string   `json:"msg"`     // failure message, or why the run diverged or was bounded
	Step       int64    `json:"step"`    // step of the failure; the last step otherwise
	Thread     int32    `json:"thread"`  // failing thread, -1 for none
	ThreadName string   `json:"thread_name,omitempty"`
	Objects    []string `json:"objects"`
	Waiters    []Waiter `json:"waiters,omitempty"`
	Steps      int64    `json:"steps"`  // steps taken
	Events     int      `json:"events"` // event lines in the trace
	TimeNS     int64    `json:"time_ns"`
	Hash       string   `json:"hash"` // running hash of steps and events, 16 hex digits
	// Preemptions is the run's CHESS preemption count (sim.Result:
	// switches away from a thread that could go on); Switches every change
	// of the running thread, so Preemptions <= Switches. -1 in a version
	// 1 trace, which did not record them.
	Preemptions int      `json:"preemptions"`
	Switches    int      `json:"switches"`
	Threads     []Thread `json:"threads"`
	// Visualization is the path of porcupine's HTML visualisation of the
	// failing history, relative to the trace's directory, when one was
	// written.
	Visualization string `json:"visualization,omitempty"`
}

// Trace is a whole trace file.
type Trace struct {
	Header  Header
	Log     sim.Log
	Events  []Event
	Verdict Verdict
}

// Failed reports whether the trace's run failed a check.
func (t *Trace) Failed() bool { return t.Verdict.Verdict == VerdictFail }

// LogLine computes line 2 from t.Log.
func (t *Trace) LogLine() LogLine {
	l := LogLine{Decisions: t.Log.String(), Count: len(t.Log), Threads: t.Log.Threads(), ChoiceSwitches: t.Log.Preemptions()}
	for _, d := range t.Log {
		switch d.Kind {
		case sim.DecValue:
			l.Values++
		case sim.DecFault:
			l.Faults++
		}
	}
	return l
}

// OptMemory is the run option that names the memory model a run used
// (sim.MemoryModel's name: "tso", "weak"); absent, the run was
// sequentially consistent.
const OptMemory = "memory"

// NewHeader fills in the format fields of a header.
func NewHeader(tool, scenario string, seed uint64, strategy, bugs string, maxSteps int64) Header {
	return Header{Format: FormatName, Version: Version, Tool: tool, Scenario: scenario, Options: map[string]string{},
		Seed: seed, Strategy: strategy, Bugs: bugs, MaxSteps: maxSteps}
}

// VerdictOf turns a run's result into a verdict (without the counts and
// threads FromRun adds).
func VerdictOf(res sim.Result) Verdict {
	v := Verdict{Verdict: res.Outcome.String(), Step: res.Steps, Thread: -1, Objects: []string{},
		Steps: res.Steps, TimeNS: int64(res.Time), Hash: HashString(res.Hash), Preemptions: res.Preemptions, Switches: res.Switches}
	switch res.Outcome {
	case sim.OutcomeFail:
		if f := res.Failure; f != nil {
			v.Class, v.Check, v.Msg, v.Step, v.Thread, v.ThreadName = f.Class.String(), f.Check, f.Msg, f.Step, f.Thread, f.ThreadName
			v.Objects = append(v.Objects, f.Objects...)
			for _, w := range f.Waiters {
				v.Waiters = append(v.Waiters, Waiter{Thread: w.Thread, Comm: w.Name, What: w.What, Since: w.Since})
			}
		}
	case sim.OutcomeDiverged:
		v.Msg = res.Diverged
	case sim.OutcomeBound:
		v.Msg = "the step bound was hit after " + strconv.FormatInt(res.Steps, 10) + " steps"
	}
	return v
}

// FileLog is a copy of l as a trace file holds it: the printable form does
// not keep how many threads were enabled at a thread choice, so N is 0.
func FileLog(l sim.Log) sim.Log {
	out := slices.Clone(l)
	for i := range out {
		if out[i].Kind == sim.DecThread {
			out[i].N = 0
		}
	}
	return out
}

// HashString prints an event-stream hash as the trace stores it.
func HashString(h uint64) string { return fmt.Sprintf("%016x", h) }

// FromRun makes the trace of a finished run. k must have run with
// sim.Options{Record: true}: the trace needs every event.
func FromRun(h Header, res sim.Result, k *sim.Kernel) (*Trace, error) {
	evs := k.Events()
	if int64(len(evs)) != res.Events {
		return nil, fmt.Errorf("the run kept %d of its %d events: run it with sim.Options{Record: true}", len(evs), res.Events)
	}
	if h.Options == nil {
		h.Options = map[string]string{}
	}
	t := &Trace{Header: h, Log: FileLog(k.Log()), Events: make([]Event, len(evs)), Verdict: VerdictOf(res)}
	for i := range evs {
		e := &evs[i]
		t.Events[i] = Event{Step: e.Step, TimeNS: int64(e.Time), Thread: e.Thread, Comm: k.ThreadName(e.Thread),
			Event: e.Type.Name(), Obj: e.Obj, Text: e.Text()}
	}
	t.Verdict.Events = len(evs)
	t.Verdict.Threads = []Thread{}
	for _, th := range k.Threads() {
		t.Verdict.Threads = append(t.Verdict.Threads, Thread{ID: th.ID(), Comm: th.Name()})
	}
	return t, nil
}

// Encode writes t as JSON Lines.
func Encode(w io.Writer, t *Trace) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	h := t.Header
	if h.Options == nil {
		h.Options = map[string]string{}
	}
	if err := enc.Encode(&h); err != nil {
		return err
	}
	ll := t.LogLine()
	if err := enc.Encode(&ll); err != nil {
		return err
	}
	for i := range t.Events {
		if err := enc.Encode(&t.Events[i]); err != nil {
			return err
		}
	}
	v := t.Verdict
	v.Events = len(t.Events)
	if v.Objects == nil {
		v.Objects = []string{}
	}
	if v.Threads == nil {
		v.Threads = []Thread{}
	}
	return enc.Encode(&v)
}

// WriteFile writes t to path atomically (see WriteFileAtomic).
func WriteFile(path string, t *Trace) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return Encode(w, t) })
}

// ErrInterrupted is returned by WriteFileAtomic after RemoveTempFiles ran.
var ErrInterrupted = errors.New("interrupted: the file was not written")

// temps are the temporary files being written, for RemoveTempFiles.
var temps struct {
	sync.Mutex
	paths       map[string]bool
	interrupted bool
}

// WriteFileAtomic writes a file through write so that path either keeps
// its old content or gets the whole new content: it writes a temporary file
// in the same directory, syncs it and renames it over path only after a
// complete write. On any error the temporary file is removed. A signal
// handler that calls RemoveTempFiles before exiting leaves no temporary
// file behind either.
//
// It writes only to a new path or over a regular file: CheckOutput refuses
// anything else (a device, a FIFO, a symlink, a directory), and the check
// is made again just before the rename.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	if err := CheckOutput(path); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	temps.Lock()
	if temps.interrupted {
		temps.Unlock()
		f.Close()
		os.Remove(tmp)
		return ErrInterrupted
	}
	if temps.paths == nil {
		temps.paths = map[string]bool{}
	}
	temps.paths[tmp] = true
	temps.Unlock()
	defer func() {
		temps.Lock()
		delete(temps.paths, tmp)
		temps.Unlock()
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	temps.Lock()
	defer temps.Unlock()
	if temps.interrupted {
		return ErrInterrupted
	}
	if err = CheckOutput(path); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ErrUnsafeOutput is wrapped by CheckOutput's errors: the output path is
// not a new path nor a regular file, or it is one of the inputs.
var ErrUnsafeOutput = errors.New("refusing to write there")

// CheckOutput reports whether path may be replaced by an output file: it
// must not exist or be a regular file (not a symlink, which is never
// followed, nor a device, FIFO, socket or directory), and it must not be
// the same file as any of inputs (compared with os.SameFile, so another
// name of the same file is caught too). Every command that writes a file
// checks its path with it, before the work and again before the rename.
func CheckOutput(path string, inputs ...string) error {
	if path == "" {
		return fmt.Errorf("%w: empty output path", ErrUnsafeOutput)
	}
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	m := st.Mode()
	switch {
	case m&os.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symbolic link (write to a new path or a regular file)", ErrUnsafeOutput, path)
	case m.IsDir():
		return fmt.Errorf("%w: %s is a directory", ErrUnsafeOutput, path)
	case m&os.ModeNamedPipe != 0:
		return fmt.Errorf("%w: %s is a FIFO", ErrUnsafeOutput, path)
	case m&os.ModeDevice != 0:
		return fmt.Errorf("%w: %s is a device", ErrUnsafeOutput, path)
	case !m.IsRegular():
		return fmt.Errorf("%w: %s is not a regular file", ErrUnsafeOutput, path)
	}
	for _, in := range inputs {
		ist, err := os.Stat(in)
		if err == nil && os.SameFile(st, ist) {
			return fmt.Errorf("%w: %s is the input %s (it would be overwritten)", ErrUnsafeOutput, path, in)
		}
	}
	return nil
}

// RemoveTempFiles removes the temporary files of writes in progress and
// makes every later WriteFileAtomic fail with ErrInterrupted. A Ctrl-C
// handler calls it just before exiting, so an interrupted write leaves
// neither a partial file nor a temporary one.
func RemoveTempFiles() {
	temps.Lock()
	defer temps.Unlock()
	temps.interrupted = true
	paths := make([]string, 0, len(temps.paths))
	for p := range temps.paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		os.Remove(p)
	}
}
