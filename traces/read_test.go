package traces

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// corruption is a way to damage a valid trace, and the error it must give.
type corruption struct {
	name  string
	apply func(lines []string) []string // lines without their newlines
	raw   func(b []byte) []byte         // or on the bytes
	want  string
}

func known(name string) bool { return name == "lru-vs-relinquish" || name == lostUpdateScenario }

var corruptions = []corruption{
	{name: "empty", raw: func(b []byte) []byte { return nil }, want: "empty file: not a fscachesim trace"},
	{name: "not-json", raw: func(b []byte) []byte { return []byte("hello world\n") }, want: `line 1: malformed JSON: want an object, got "hello world"`},
	{name: "json-array", apply: func(l []string) []string { l[0] = "[1,2]"; return l }, want: "line 1: malformed JSON: want an object"},
	{name: "header-malformed", apply: func(l []string) []string { l[0] = l[0][:40]; return l }, want: "line 1: malformed JSON in the header"},
	{name: "no-format", apply: func(l []string) []string { l[0] = `{"version":1}`; return l }, want: `line 1: no "format" field: not a fscachesim trace`},
	{name: "wrong-format", apply: func(l []string) []string {
		l[0] = strings.Replace(l[0], "fscachesim-trace", "chrome-trace", 1)
		return l
	}, want: `line 1: format "chrome-trace": not a fscachesim trace (want "fscachesim-trace")`},
	{name: "wrong-version", apply: func(l []string) []string {
		l[0] = strings.Replace(l[0], `"version":2`, `"version":3`, 1)
		return l
	}, want: "line 1: trace format version 3 is not supported: this fscachesim reads versions 1 to 2"},
	{name: "version-string", apply: func(l []string) []string {
		l[0] = strings.Replace(l[0], `"version":2`, `"version":"2"`, 1)
		return l
	}, want: "line 1: malformed header: json: cannot unmarshal string"},
	{name: "unknown-scenario", apply: func(l []string) []string {
		l[0] = strings.Replace(l[0], `"scenario":"lru-vs-relinquish"`, `"scenario":"no-such"`, 1)
		return l
	}, want: `line 1: unknown scenario "no-such": not built into this fscachesim`},
	{name: "no-scenario", apply: func(l []string) []string {
		l[0] = strings.Replace(l[0], `"scenario":"lru-vs-relinquish"`, `"scenario":""`, 1)
		return l
	}, want: "line 1: the header names no scenario"},
	{name: "only-header", apply: func(l []string) []string { return l[:1] }, want: "line 2: missing decision log: the file ends after the header (truncated)"},
	{name: "log-missing", apply: func(l []string) []string { l[1] = `{"count":3}`; return l }, want: `line 2: no "decisions" field`},
	{name: "log-garbled", apply: func(l []string) []string {
		l[1] = strings.Replace(l[1], "0*3 1", "0*3 x", 1)
		return l
	}, want: `line 2: the decision log does not parse: decision "x": not a thread id, value or fault`},
	{name: "log-bad-value", apply: func(l []string) []string {
		l[1] = strings.Replace(l[1], "=1/3", "=3/3", 1)
		return l
	}, want: `line 2: the decision log does not parse: decision "=3/3"`},
	{name: "log-count", apply: func(l []string) []string {
		l[1] = strings.Replace(l[1], `"count":12`, `"count":13`, 1)
		return l
	}, want: "line 2: the decision log has 12 decisions but the line says count 13"},
	{name: "log-choice-switches", apply: func(l []string) []string {
		l[1] = strings.Replace(l[1], `"choice_switches":5`, `"choice_switches":0`, 1)
		return l
	}, want: "line 2: the decision log has 5 thread choices that switch thread but the line says choice_switches 0"},
	{name: "v1-log-preemptions", apply: func(l []string) []string {
		l[0] = strings.Replace(l[0], `"version":2`, `"version":1`, 1)
		l[1] = strings.Replace(l[1], `"choice_switches":5`, `"preemptions":4`, 1)
		return l
	}, want: "line 2: the decision log has 5 thread choices that switch thread but the line says preemptions 4"},
	{name: "event-malformed", apply: func(l []string) []string { l[4] = `{"step":36,"event":`; return l }, want: "line 5: malformed JSON: unexpected end of JSON input"},
	{name: "event-bad-type", apply: func(l []string) []string {
		l[4] = strings.Replace(l[4], `"step":36`, `"step":"36"`, 1)
		return l
	}, want: "line 5: malformed event: json: cannot unmarshal string"},
	{name: "event-no-name", apply: func(l []string) []string {
		l[4] = strings.Replace(l[4], `"event":"fscache_cookie"`, `"event":""`, 1)
		return l
	}, want: "line 5: event has no name"},
	{name: "event-neither", apply: func(l []string) []string { l[4] = `{"step":36}`; return l }, want: `line 5: neither an event (no "event" field) nor the verdict`},
	{name: "event-order", apply: func(l []string) []string {
		l[4] = strings.Replace(l[4], `"step":36`, `"step":1`, 1)
		return l
	}, want: "line 5: event at step 1 after one at step 34: events out of order"},
	{name: "event-thread", apply: func(l []string) []string {
		l[4] = strings.Replace(l[4], `"thread":0`, `"thread":-7`, 1)
		return l
	}, want: "line 5: event thread -7"},
	{name: "empty-line", apply: func(l []string) []string { l[4] = ""; return l }, want: "line 5: empty line"},
	{name: "event-dropped", apply: func(l []string) []string { return append(l[:4], l[5:]...) }, want: "the verdict counts 18 events but the trace has 17 (truncated or edited)"},
	{name: "no-verdict", apply: func(l []string) []string { return l[:len(l)-1] }, want: "line 21: missing verdict: the file ends after 18 events (truncated)"},
	{name: "cut-off", raw: func(b []byte) []byte { return b[:len(b)-30] }, want: "line 21: cut off: the file ends in the middle of this line (truncated)"},
	{name: "cut-off-event", raw: func(b []byte) []byte { return b[:bytes.Index(b, []byte(`NEW acq   r=1"`))] }, want: "line 5: cut off"},
	{name: "no-final-newline", raw: func(b []byte) []byte { return b[:len(b)-1] }, want: "line 21: cut off"},
	{name: "after-verdict", apply: func(l []string) []string { return append(l, l[3]) }, want: "line 22: unexpected line after the verdict line"},
	{name: "verdict-value", apply: func(l []string) []string {
		l[len(l)-1] = strings.Replace(l[len(l)-1], `"verdict":"fail"`, `"verdict":"meh"`, 1)
		return l
	}, want: `line 21: verdict "meh": want pass, fail, step-bound or diverged`},
	{name: "verdict-no-check", apply: func(l []string) []string {
		l[len(l)-1] = strings.Replace(l[len(l)-1], `"check":"I-2"`, `"check":""`, 1)
		return l
	}, want: "line 21: a fail verdict needs a class and a check"},
	{name: "verdict-hash", apply: func(l []string) []string {
		l[len(l)-1] = strings.Replace(l[len(l)-1], `"hash":"0123456789abcdef"`, `"hash":"xyz"`, 1)
		return l
	}, want: `line 21: hash "xyz": want 16 lower-case hex digits`},
	{name: "verdict-malformed", apply: func(l []string) []string {
		l[len(l)-1] = strings.Replace(l[len(l)-1], `"steps":170`, `"steps":-`, 1)
		return l
	}, want: "line 21: malformed JSON"},
	{name: "binary", raw: func(b []byte) []byte { return []byte("\x00\x01\x02{\n") }, want: "line 1: malformed JSON: want an object"},
}

func corrupt(t testing.TB, c corruption, good []byte) []byte {
	if c.raw != nil {
		return c.raw(bytes.Clone(good))
	}
	lines := strings.Split(strings.TrimSuffix(string(good), "\n"), "\n")
	return []byte(strings.Join(c.apply(lines), "\n") + "\n")
}

func TestReadErrors(t *testing.T) {
	good := encode(t, handTrace())
	if _, err := Read(bytes.NewReader(good), ReadOptions{KnownScenario: known}); err != nil {
		t.Fatalf("the uncorrupted trace: %v", err)
	}
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			tr, err := Read(bytes.NewReader(corrupt(t, c, good)), ReadOptions{KnownScenario: known})
			if err == nil {
				t.Fatalf("no error; read %d events", len(tr.Events))
			}
			if tr != nil {
				t.Error("a trace with the error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q\nwant it to contain %q", msg, c.want)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestReadLineTooLong(t *testing.T) {
	good := encode(t, handTrace())
	_, err := Read(bytes.NewReader(good), ReadOptions{MaxLineBytes: 100})
	if err == nil || !strings.Contains(err.Error(), "line 1: longer than 100 bytes") {
		t.Fatalf("err %v", err)
	}
}

func TestReadFileNamesThePath(t *testing.T) {
	_, err := ReadFile("testdata/no-such.trace.jsonl", ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "testdata/no-such.trace.jsonl") {
		t.Fatalf("err %v", err)
	}
}

// FuzzReadTrace: whatever the bytes, Read returns a trace or an error,
// never both, never panics; a trace it returns encodes to bytes that read
// back to the same trace.
func FuzzReadTrace(f *testing.F) {
	good := encode(f, handTrace())
	f.Add(good)
	f.Add(encode(f, failingTrace(f, 2)))
	f.Add(encode(f, runTrace(f, 3, 0)))
	for _, c := range corruptions {
		f.Add(corrupt(f, c, good))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Read(bytes.NewReader(b), ReadOptions{KnownScenario: known})
		if (tr == nil) == (err == nil) {
			t.Fatalf("trace %v and error %v", tr != nil, err)
		}
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, tr); err != nil {
			t.Fatal(err)
		}
		tr2, err := Read(&buf, ReadOptions{KnownScenario: known})
		if err != nil {
			t.Fatalf("a trace read from the fuzz input does not read back: %v", err)
		}
		if d := cmp.Diff(tr, tr2, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("read, write, read changed the trace:\n%s", d)
		}
	})
}

// TestReadVersion1: a version 1 trace (the log line's count named
// preemptions, no counts in the verdict) still reads, its preemption and
// switch counts unknown (-1, printed "?"), and replays without a
// difference on them.
func TestReadVersion1(t *testing.T) {
	tr := failingTrace(t, 3)
	lines := strings.Split(strings.TrimSuffix(string(encode(t, tr)), "\n"), "\n")
	lines[0] = strings.Replace(lines[0], `"version":2`, `"version":1`, 1)
	lines[1] = strings.Replace(lines[1], `"choice_switches":`, `"preemptions":`, 1)
	last := len(lines) - 1
	lines[last] = regexp.MustCompile(`,"preemptions":\d+,"switches":\d+`).ReplaceAllString(lines[last], "")
	old, err := Read(strings.NewReader(strings.Join(lines, "\n")+"\n"), ReadOptions{KnownScenario: known})
	if err != nil {
		t.Fatal(err)
	}
	if old.Verdict.Preemptions != -1 || old.Verdict.Switches != -1 || !strings.Contains(Summary(old), "? preemptions, ? switches") {
		t.Fatalf("version 1 counts %d %d: %s", old.Verdict.Preemptions, old.Verdict.Switches, Summary(old))
	}
	rep, err := Replay(old, lostUpdate)
	if err != nil || !rep.Identical {
		t.Fatalf("a version 1 trace does not replay identically: %v %v", err, rep.VerdictDiffs)
	}
}
