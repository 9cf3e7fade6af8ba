package checker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/fscachesim/fscachesim/checker"
	"github.com/fscachesim/fscachesim/sim"
)

// A history step: a client calls, commits or returns one operation. The
// order of steps is the execution order.
type hstep struct {
	client int
	name   string // the operation's name in this history
	what   byte   // 'c' call, 'm' commit, 'r' return
	op     checker.Op
	res    checker.OpResult
}

func call(client int, name string, op checker.Op) hstep {
	return hstep{client: client, name: name, what: 'c', op: op}
}
func commit(name string) hstep { return hstep{name: name, what: 'm'} }
func ret(name string, res checker.OpResult) hstep {
	return hstep{name: name, what: 'r', res: res}
}

// seq is a whole operation on its own (call, return) by client 0.
func seq(name string, op checker.Op, res checker.OpResult) []hstep {
	return []hstep{call(0, name, op), ret(name, res)}
}

func record(steps ...[]hstep) *checker.Recorder {
	r := checker.NewRecorder(nil)
	ids := map[string]int{}
	for _, group := range steps {
		for _, s := range group {
			switch s.what {
			case 'c':
				ids[s.name] = r.Call(s.client, s.op)
			case 'm':
				r.Commit(ids[s.name])
			case 'r':
				r.Return(ids[s.name], s.res)
			}
		}
	}
	return r
}

const (
	keyA = "afs,example.com,1000001a/inode-1"
	keyB = "afs,example.com,1000001a/inode-2"
)

func acq(key, aux string) checker.Op { return checker.Op{Kind: checker.OpAcquire, Key: key, Aux: aux} }
func wr(key string, off int64, data, aux string) checker.Op {
	return checker.Op{Kind: checker.OpWrite, Key: key, Off: off, Data: data, Aux: aux}
}
func rd(key string, off, n int64) checker.Op {
	return checker.Op{Kind: checker.OpRead, Key: key, Off: off, Len: n}
}
func inval(key, aux string) checker.Op {
	return checker.Op{Kind: checker.OpInvalidate, Key: key, Aux: aux}
}
func relinq(key string, retire bool) checker.Op {
	return checker.Op{Kind: checker.OpRelinquish, Key: key, Retire: retire}
}

var (
	ok   = checker.OpResult{}
	miss = checker.OpResult{Miss: true}
)

func got(data string) checker.OpResult { return checker.OpResult{Data: data} }

func TestLinearizability(t *testing.T) {
	cases := []struct {
		name     string
		hist     [][]hstep
		want     porcupine.CheckResult
		fastPath bool
		msg      string
	}{
		{"sequential write then read", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", "v1"), ok), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Ok, true, ""},
		{"a miss is always allowed", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", "v1"), ok), seq("r", rd(keyA, 0, 4), miss),
		}, porcupine.Ok, true, ""},
		{"another cookie's data", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("b", acq(keyB, "v1"), ok),
			seq("wa", wr(keyA, 0, "aaaa", ""), ok), seq("wb", wr(keyB, 0, "bbbb", ""), ok),
			seq("r", rd(keyA, 0, 4), got("bbbb")),
		}, porcupine.Illegal, false, "the last write there put 'a'"},
		{"stale data after an invalidation", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "old!", "v1"), ok), seq("i", inval(keyA, "v2"), ok),
			seq("r", rd(keyA, 0, 4), got("old!")),
		}, porcupine.Illegal, false, "nothing servable was written there"},
		{"data fetched under old coherency written after the invalidation", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("i", inval(keyA, "v2"), ok), seq("w", wr(keyA, 0, "old!", "v1"), ok),
			seq("r", rd(keyA, 0, 4), got("old!")),
		}, porcupine.Illegal, false, "nothing servable"},
		{"torn read of two concurrent writes", [][]hstep{
			seq("a", acq(keyA, "v1"), ok),
			{call(0, "w1", wr(keyA, 0, "aaaa", "")), call(1, "w2", wr(keyA, 0, "bbbb", "")), ret("w1", ok), ret("w2", ok)},
			seq("r", rd(keyA, 0, 4), got("aabb")),
		}, porcupine.Illegal, false, ""},
		{"read concurrent with the write it sees", [][]hstep{
			seq("a", acq(keyA, "v1"), ok),
			// The read returns before the write does: the witness (return
			// order) puts it first and fails; porcupine finds the order.
			{call(0, "w", wr(keyA, 0, "aaaa", "")), call(1, "r", rd(keyA, 0, 4)), ret("r", got("aaaa")), ret("w", ok)},
		}, porcupine.Ok, false, ""},
		{"concurrent operations with commit points", [][]hstep{
			seq("a", acq(keyA, "v1"), ok),
			{call(0, "w", wr(keyA, 0, "aaaa", "")), call(1, "r", rd(keyA, 0, 4)), commit("w"), commit("r"), ret("r", got("aaaa")), ret("w", ok)},
		}, porcupine.Ok, true, ""},
		{"a pending write may have happened", [][]hstep{
			seq("a", acq(keyA, "v1"), ok),
			{call(0, "w", wr(keyA, 0, "aaaa", ""))}, // never returns
			seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Ok, false, ""},
		{"data survives re-acquire under the same coherency", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok), seq("x", relinq(keyA, false), ok),
			seq("a2", acq(keyA, "v1"), ok), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Ok, true, ""},
		{"data served after re-acquire under new coherency", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok), seq("x", relinq(keyA, false), ok),
			seq("a2", acq(keyA, "v2"), ok), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Illegal, false, ""},
		{"a failed write of the same bytes leaves them servable", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok),
			seq("w2", wr(keyA, 0, "aaaa", ""), checker.OpResult{Err: "EIO"}), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Ok, true, ""},
		{"a failed write of other bytes may have torn them", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok),
			seq("w2", wr(keyA, 0, "abba", ""), checker.OpResult{Err: "EIO"}), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Illegal, false, "nothing servable was written there"},
		{"data served after a retiring relinquish", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok), seq("x", relinq(keyA, true), ok),
			seq("a2", acq(keyA, "v1"), ok), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Illegal, false, ""},
		{"two live cookies for one key", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("a2", acq(keyA, "v1"), ok),
		}, porcupine.Illegal, false, "acquired while a cookie with the same key is live"},
		{"data beyond a truncation", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok),
			seq("t", checker.Op{Kind: checker.OpResize, Key: keyA, Size: 2}, ok), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Illegal, false, ""},
		{"a failed write may be partial", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok),
			seq("w2", wr(keyA, 0, "bbbb", ""), checker.OpResult{Err: "EIO"}), seq("r", rd(keyA, 0, 4), got("bbbb")),
		}, porcupine.Illegal, false, ""},
		{"a write that did nothing", [][]hstep{
			seq("a", acq(keyA, "v1"), ok), seq("w", wr(keyA, 0, "aaaa", ""), ok),
			seq("w2", wr(keyA, 0, "bbbb", ""), checker.OpResult{Err: checker.ErrNoBufs}), seq("r", rd(keyA, 0, 4), got("aaaa")),
		}, porcupine.Ok, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := record(tc.hist...)
			viz := filepath.Join(t.TempDir(), "history.html")
			v, err := r.Check(checker.LinearOptions{VisualizePath: viz})
			if err != nil {
				t.Fatal(err)
			}
			if v.Result != tc.want || v.FastPath != tc.fastPath {
				t.Fatalf("got %s (fast path %v, %v), want %s (fast path %v)", v.Result, v.FastPath, v.Failure, tc.want, tc.fastPath)
			}
			if tc.want != porcupine.Illegal {
				if v.Failure != nil || v.VisualPath != "" {
					t.Fatalf("a %s history has a failure or a visualisation: %+v", v.Result, v)
				}
				return
			}
			f := v.Failure
			if f == nil || f.Class != sim.FailLinearizability || len(f.Objects) == 0 || !strings.Contains(f.Msg, tc.msg) {
				t.Fatalf("failure %+v, want linearizability naming the key and saying %q", f, tc.msg)
			}
			if v.VisualPath != viz {
				t.Fatalf("visualisation at %q, want %q", v.VisualPath, viz)
			}
			if b, err := os.ReadFile(viz); err != nil || !strings.Contains(string(b), "<html") {
				t.Fatalf("visualisation not written: %v", err)
			}
		})
	}
}

// TestLinearizabilityUnknown: a search that runs out of its budget is
// Unknown, not Illegal and not Ok.
func TestLinearizabilityUnknown(t *testing.T) {
	var calls, rets []hstep
	for i := 0; i < 6; i++ {
		name := string(rune('a' + i))
		calls = append(calls, call(i, name, wr(keyA, 0, strings.Repeat(name, 4), "")))
		rets = append(rets, ret(name, ok))
	}
	r := record(seq("acq", acq(keyA, "v1"), ok), calls, rets, seq("r", rd(keyA, 0, 4), got("zzzz")))
	v, err := r.Check(checker.LinearOptions{MaxModelSteps: 5})
	if err != nil {
		t.Fatal(err)
	}
	if v.Result != porcupine.Unknown || v.Failure != nil {
		t.Fatalf("got %+v, want Unknown without a failure", v)
	}
	v, _ = r.Check(checker.LinearOptions{})
	if v.Result != porcupine.Illegal {
		t.Fatalf("with the default budget: %s, want Illegal", v.Result)
	}
}

// TestRecorderSimClock: in a simulated run the recorder stamps operations
// with steps and virtual time, and a thread's consecutive operations are
// ordered even within one step.
func TestRecorderSimClock(t *testing.T) {
	k := sim.New(sim.Options{Seed: 1})
	r := checker.NewRecorder(k)
	k.Spawn("netfs", func(th *sim.Thread) {
		id := r.Call(int(th.ID()), acq(keyA, "v1"))
		r.Return(id, ok)
		id = r.Call(int(th.ID()), wr(keyA, 0, "aaaa", "")) // same step as the return above
		th.Sleep(sim.Millisecond)
		r.Return(id, ok)
		id = r.Call(int(th.ID()), rd(keyA, 0, 4))
		r.Return(id, got("aaaa"))
	})
	k.Run()
	h := r.History()
	if len(h) != 3 || h[0].Return >= h[1].Call || h[1].Return >= h[2].Call {
		t.Fatalf("history not ordered: %+v", h)
	}
	if meta := h[1].Metadata.(interface{ String() string }).String(); !strings.Contains(meta, "0.001000") {
		t.Fatalf("metadata %q lacks the virtual time", meta)
	}
	if v, err := r.Check(checker.LinearOptions{}); err != nil || v.Result != porcupine.Ok || !v.FastPath {
		t.Fatalf("got %+v %v", v, err)
	}
}
