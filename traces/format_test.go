package traces

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   *Trace
	}{
		{"synthetic-fail", failingTrace(t, 4)},
		{"synthetic-any", runTrace(t, 7, 2)},
		{"hand", handTrace()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.trace.jsonl")
			if err := WriteFile(path, tc.tr); err != nil {
				t.Fatal(err)
			}
			got, err := ReadFile(path, ReadOptions{KnownScenario: func(string) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.tr, got, cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("round trip changed the trace (-want +got):\n%s", d)
			}
			// Writing what was read gives the same bytes.
			b1, _ := os.ReadFile(path)
			if b2 := encode(t, got); !bytes.Equal(b1, b2) {
				t.Fatalf("re-encoding differs:\n%s\n---\n%s", b1, b2)
			}
		})
	}
}

// TestFormatLines pins the shape of each line, padding in texts included.
func TestFormatLines(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(string(encode(t, handTrace())), "\n"), "\n")
	want := map[int]string{
		0: `{"format":"fscachesim-trace","version":2,"tool":"0.1.0-test","scenario":"lru-vs-relinquish","options":{},"seed":2,"strategy":"pct:2","bugs":"lru-discard-no-redispatch","max_steps":100000}`,
		1: `{"decisions":"0*3 1 0 1*2 =1/3 . 2*2 0","count":12,"threads":10,"values":1,"faults":1,"choice_switches":5}`,
		4: `{"step":36,"time_ns":0,"thread":0,"comm":"netfs","event":"fscache_cookie","obj":2,"text":"c=00000002 NEW acq   r=1"}`,
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], w)
		}
	}
	last := lines[len(lines)-1]
	for _, f := range []string{`"verdict":"fail"`, `"class":"invariant"`, `"check":"I-2"`, `"hash":"0123456789abcdef"`, `"objects":["c=00000002"]`, `"visualization":`} {
		if !strings.Contains(last, f) {
			t.Errorf("verdict line lacks %s: %s", f, last)
		}
	}
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestEncodeWriterError(t *testing.T) {
	tr := handTrace()
	full := len(encode(t, tr))
	for _, n := range []int{0, 10, full / 2, full - 1} {
		if err := Encode(&failingWriter{n: n}, tr); err == nil {
			t.Errorf("Encode into a writer failing after %d of %d bytes: no error", n, full)
		}
	}
}

// dirEntries lists a directory, temporary files included.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileAtomic(t *testing.T) {
	tr := handTrace()
	good := encode(t, tr)
	t.Run("ok", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.trace.jsonl")
		if err := WriteFile(path, tr); err != nil {
			t.Fatal(err)
		}
		if got := dirEntries(t, dir); !cmp.Equal(got, []string{"a.trace.jsonl"}) {
			t.Fatalf("directory holds %q", got)
		}
		b, _ := os.ReadFile(path)
		if !bytes.Equal(b, good) {
			t.Fatal("content differs from Encode")
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
			t.Fatalf("mode %v, want 0644", fi.Mode().Perm())
		}
	})
	t.Run("write-error-new-file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.trace.jsonl")
		err := WriteFileAtomic(path, func(w io.Writer) error {
			w.Write(good[:len(good)/2])
			return errors.New("boom")
		})
		if err == nil || err.Error() != "boom" {
			t.Fatalf("err %v, want boom", err)
		}
		if got := dirEntries(t, dir); len(got) != 0 {
			t.Fatalf("a failed write left %q", got)
		}
	})
	t.Run("write-error-keeps-old-file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.trace.jsonl")
		os.WriteFile(path, []byte("old\n"), 0o644)
		err := WriteFileAtomic(path, func(w io.Writer) error {
			// More than the buffer, so part of it reaches the file.
			w.Write(bytes.Repeat([]byte("x"), 200000))
			return errors.New("boom")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if b, _ := os.ReadFile(path); string(b) != "old\n" {
			t.Fatalf("old file changed to %d bytes", len(b))
		}
		if got := dirEntries(t, dir); !cmp.Equal(got, []string{"a.trace.jsonl"}) {
			t.Fatalf("directory holds %q", got)
		}
	})
	t.Run("missing-dir", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteFile(filepath.Join(dir, "no", "such", "a.jsonl"), tr); err == nil {
			t.Fatal("no error writing into a missing directory")
		}
		if got := dirEntries(t, dir); len(got) != 0 {
			t.Fatalf("directory holds %q", got)
		}
	})
	t.Run("path-is-a-dir", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "d"), 0o755)
		if err := WriteFile(filepath.Join(dir, "d"), tr); err == nil {
			t.Fatal("renaming over a directory: no error")
		}
		if got := dirEntries(t, dir); !cmp.Equal(got, []string{"d"}) {
			t.Fatalf("directory holds %q", got)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		// What the Ctrl-C handler does: RemoveTempFiles in the middle of
		// a write. The write fails, nothing is left, later writes fail.
		defer resetInterrupted()
		dir := t.TempDir()
		path := filepath.Join(dir, "a.trace.jsonl")
		err := WriteFileAtomic(path, func(w io.Writer) error {
			w.Write(good)
			if got := dirEntries(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], ".a.trace.jsonl.tmp-") {
				t.Errorf("during the write the directory holds %q, want one temporary file", got)
			}
			RemoveTempFiles()
			return nil
		})
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("err %v, want ErrInterrupted", err)
		}
		if got := dirEntries(t, dir); len(got) != 0 {
			t.Fatalf("an interrupted write left %q", got)
		}
		if err := WriteFile(path, tr); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("a write after the interrupt: err %v", err)
		}
		if got := dirEntries(t, dir); len(got) != 0 {
			t.Fatalf("a write after the interrupt left %q", got)
		}
	})
}

func resetInterrupted() {
	temps.Lock()
	temps.interrupted = false
	temps.Unlock()
}
