package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckTraceCommand: render a failing run (bug switch on) in each
// kernel layout and check it: exit 1 with the violation; the healthy run
// of the same seed exits 0; unreadable input exits 2 with one line.
func TestCheckTraceCommand(t *testing.T) {
	dir := t.TempDir()
	bad := failingTrace(t)
	good := filepath.Join(dir, "good.trace.jsonl")
	if code, out, errs := runCLI("run", "--scenario", "lru-vs-relinquish", "--seed", "2", "--trace", good); code != exitPass {
		t.Fatalf("run: %d %s %s", code, out, errs)
	}
	for _, layout := range []string{"ftrace", "trace-cmd", "oops"} {
		for _, c := range []struct {
			trace string
			code  int
		}{{bad, exitFailure}, {good, exitPass}} {
			code, text, errs := runCLI("render", "--format", layout, c.trace)
			if code != exitPass {
				t.Fatalf("render --format %s: %d %s", layout, code, errs)
			}
			p := writeFile(t, dir, layout+".txt", text)
			code, out, errs := runCLI("check-trace", "--quiet", p)
			if code != c.code {
				t.Fatalf("check-trace of %s (%s): exit %d, want %d:\n%s%s", c.trace, layout, code, c.code, out, errs)
			}
			if c.code == exitFailure && !strings.Contains(out, "[relinquish-end]") {
				t.Errorf("check-trace does not name the rule:\n%s", out)
			}
			code, out, _ = runCLI("check-trace", "--json", "--quiet", p)
			var rep struct {
				Valid      bool
				Violations []struct{ Line int }
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Valid != (c.code == exitPass) || code != c.code {
				t.Errorf("--json: exit %d, %v, %s", code, err, out)
			}
		}
	}
	for name, content := range map[string]string{
		"empty.txt":  "",
		"binary.bin": "\x7fELF\x00\x00\x01\n",
		"other.txt":  "          <idle>-0       [001] d.h..   100.000001: sched_waking: comm=x pid=5\n",
	} {
		p := writeFile(t, dir, name, content)
		code, out, errs := runCLI("check-trace", p)
		if code != exitUsage || out != "" || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2, nothing, one line", name, code, out, errs)
		}
	}
	if code, _, _ := runCLI("check-trace", filepath.Join(dir, "missing")); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, errs := runCLI("render", "--step-column", good); code != exitUsage || !strings.Contains(errs, "--format ftrace") {
		t.Errorf("render --step-column without a kernel layout: %d %s", code, errs)
	}
	if code, _, errs := runCLI("render", "--format", "nope", good); code != exitUsage || !strings.Contains(errs, "trace-cmd") {
		t.Errorf("render --format nope: %d %s", code, errs)
	}
}
