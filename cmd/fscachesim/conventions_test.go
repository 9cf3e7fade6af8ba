package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestConventions: --version, 'help CMD' is 'CMD --help', help goes to
// stdout, extra arguments are refused, --executions 0 is refused.
func TestConventions(t *testing.T) {
	code, out, errs := runCLI("--version")
	if code != exitPass || out != "fscachesim "+Version+"\n" || errs != "" {
		t.Errorf("--version: exit %d %q %q", code, out, errs)
	}
	for _, cmd := range []string{"explore", "run", "merge", "replay", "shrink", "render"} {
		c1, o1, e1 := runCLI(cmd, "--help")
		c2, o2, e2 := runCLI("help", cmd)
		if c1 != exitPass || c2 != exitPass || e1 != "" || e2 != "" || o1 == "" || o1 != o2 {
			t.Errorf("%s --help (exit %d, stderr %q) and help %s (exit %d, stderr %q) differ or are not on stdout:\n%s\n----\n%s", cmd, c1, e1, cmd, c2, e2, o1, o2)
		}
	}
	if code, out, _ := runCLI("help"); code != exitPass || !strings.Contains(out, "Usage:") {
		t.Errorf("help: exit %d %q", code, out)
	}
	refused := [][]string{
		{"list", "extra"},
		{"bugs", "extra"},
		{"version", "extra"},
		{"help", "nosuch"},
		{"help", "run", "extra"},
		{"explore", "extra"},
		{"explore", "--executions", "0"},
		{"explore", "--exhaustive", "--scenario", "lru-vs-use", "--executions", "0"},
	}
	for _, args := range refused {
		code, out, errs := runCLI(args...)
		if code != exitUsage || out != "" || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, want %d, nothing on stdout and one line on stderr:\nstdout: %s\nstderr: %s", args, code, exitUsage, out, errs)
		}
	}
}

// TestReplayExitCodes: replay gives each outcome its own exit code, and
// --help documents them.
func TestReplayExitCodes(t *testing.T) {
	_, help, _ := runCLI("replay", "--help")
	for _, c := range []int{exitPass, exitFailure, exitUsage, exitInternal, exitReplayDiffers, exitReplayNowPasses} {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(string(rune('0'+c))) + ` `).MatchString(help) {
			t.Errorf("replay --help does not document exit %d:\n%s", c, help)
		}
	}
	reproduced := failingTrace(t)
	b, _ := os.ReadFile(reproduced)
	lines := strings.Split(string(b), "\n")
	lines[9] = regexp.MustCompile(`"text":"[^"]*"`).ReplaceAllString(lines[9], `"text":"c=00000002 PUT lru   r=99"`)
	diverged := writeFile(t, t.TempDir(), "diverged.trace.jsonl", strings.Join(lines, "\n"))
	// The same failing trace with the bug switch off: the replay passes.
	fixed := writeFile(t, t.TempDir(), "fixed.trace.jsonl", strings.Replace(string(b), `"bugs":"lru-discard-no-redispatch"`, `"bugs":""`, 1))
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{reproduced, exitFailure, "identical"},
		{diverged, exitReplayDiffers, "the replay differs from the trace"},
		{fixed, exitReplayNowPasses, "the replayed run passes"},
	} {
		code, out, errs := runCLI("replay", tc.path)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("replay %s: exit %d, want %d and %q:\n%s%s", tc.path, code, tc.code, tc.want, out, errs)
		}
	}
}

// TestDivergenceNamesTheField: an event whose thread id, object or time
// differs (fields the compact line shows partly or not at all) is reported
// with the field's name and both values.
func TestDivergenceNamesTheField(t *testing.T) {
	path := failingTrace(t)
	b, _ := os.ReadFile(path)
	for _, tc := range []struct{ re, repl, want string }{
		{`"obj":\d+`, `"obj":77`, "obj: 77 -> 1"},
		{`"thread":(\d+)`, `"thread":9`, "thread: 9 -> "},
		{`"time_ns":(\d+)`, `"time_ns":10000000001`, "time_ns: 10000000001 -> "},
	} {
		lines := strings.Split(string(b), "\n")
		lines[9] = regexp.MustCompile(tc.re).ReplaceAllString(lines[9], tc.repl)
		p := writeFile(t, t.TempDir(), "x.trace.jsonl", strings.Join(lines, "\n"))
		code, out, errs := runCLI("replay", p)
		if code != exitReplayDiffers || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want %d and %q:\n%s%s", tc.repl, code, exitReplayDiffers, tc.want, out, errs)
		}
	}
}
