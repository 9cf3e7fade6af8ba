package traces

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

func TestReplayIdentical(t *testing.T) {
	for _, tr := range []*Trace{failingTrace(t, 5), runTrace(t, 11, 3)} {
		// Through the file, as the tool does it.
		got, err := Read(bytes.NewReader(encode(t, tr)), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Replay(got, lostUpdate)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Identical {
			t.Fatalf("replay of seed %d differs:\n%s", tr.Header.Seed, rep.Explain())
		}
		if rep.Got.Verdict.Verdict != tr.Verdict.Verdict || rep.Got.Verdict.Hash != tr.Verdict.Hash {
			t.Fatalf("verdict %+v, want %+v", rep.Got.Verdict, tr.Verdict)
		}
		if !strings.HasPrefix(rep.Explain(), "identical: ") {
			t.Fatalf("explain: %s", rep.Explain())
		}
	}
}

// TestReplayReportsFirstDifference tampers with the recorded events (as if
// the code had changed since the trace was written) and checks the replay
// names the first event that differs.
func TestReplayReportsFirstDifference(t *testing.T) {
	tr := failingTrace(t, 5)
	cases := []struct {
		name   string
		tamper func(tr *Trace)
		index  int
	}{
		{"text", func(tr *Trace) { tr.Events[7].Text = "p=00000009 i=99" }, 7},
		{"thread", func(tr *Trace) { tr.Events[3].Thread, tr.Events[3].Comm = 7, "bogus" }, 3},
		{"dropped", func(tr *Trace) { tr.Events = append(tr.Events[:4:4], tr.Events[5:]...) }, 4},
		{"extra-at-end", func(tr *Trace) { tr.Events = append(tr.Events, tr.Events[len(tr.Events)-1]) }, len(tr.Events)},
		{"truncated", func(tr *Trace) { tr.Events = tr.Events[:len(tr.Events)-2] }, len(tr.Events) - 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad, err := Read(bytes.NewReader(encode(t, tr)), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.tamper(bad)
			rep, err := Replay(bad, lostUpdate)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Identical || rep.Diff == nil {
				t.Fatalf("tampered trace replays identical")
			}
			if rep.Diff.Index != tc.index {
				t.Fatalf("first difference at event %d, want %d:\n%s", rep.Diff.Index, tc.index, rep.Explain())
			}
			ex := rep.Explain()
			if !strings.Contains(ex, "first difference at event") || !strings.Contains(ex, "expected: ") || !strings.Contains(ex, "got:      ") {
				t.Fatalf("explain:\n%s", ex)
			}
			t.Logf("\n%s", ex)
		})
	}
}

// TestReplayDivergedLog: a decision log that no longer fits the run (a
// thread that cannot run) makes a strict replay diverge, and the report
// says so.
func TestReplayDivergedLog(t *testing.T) {
	tr := failingTrace(t, 5)
	bad := *tr
	bad.Log = append(sim.Log(nil), tr.Log...)
	bad.Log[0].V = 9
	rep, err := Replay(&bad, lostUpdate)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Identical || rep.Got.Verdict.Verdict != VerdictDiverged {
		t.Fatalf("verdict %s, want diverged:\n%s", rep.Got.Verdict.Verdict, rep.Explain())
	}
	if ex := rep.Explain(); !strings.Contains(ex, "thread 9 is not enabled") || !strings.Contains(ex, `verdict: "fail" -> "diverged"`) {
		t.Fatalf("explain:\n%s", ex)
	}
}

func TestReplayRunnerError(t *testing.T) {
	tr := failingTrace(t, 1)
	tr.Header.Scenario = "nope"
	if _, err := Replay(tr, lostUpdate); err == nil {
		t.Fatal("no error from a runner that cannot run the header")
	}
}
