package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"list"}, exitPass, "lru-vs-relinquish"},
		{[]string{"bugs"}, exitPass, "lru-discard-no-redispatch"},
		{[]string{"version"}, exitPass, "fscachesim "},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"explore", "--scenario", "nosuch"}, exitUsage, "unknown scenario"},
		{[]string{"explore", "--bugs", "nosuch"}, exitUsage, "unknown bug switch"},
		{[]string{"explore", "--strategy", "pct:9"}, exitUsage, "bad strategy"},
		{[]string{"explore", "--executions", "50"}, exitPass, "0 failed"},
		{[]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--strategy", "random", "--out", "TMP"}, exitFailure, "replay: go run ./cmd/fscachesim replay TMP/"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			tmp := t.TempDir()
			for i, a := range tc.args {
				tc.args[i] = strings.ReplaceAll(a, "TMP", tmp)
			}
			tc.out = strings.ReplaceAll(tc.out, "TMP", tmp)
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("output lacks %q:\n%s%s", tc.out, out.String(), errb.String())
			}
		})
	}
}

// TestReplayCommand: the printed replay command reproduces the failure.
func TestReplayCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--strategy", "pct:2", "--out", t.TempDir()}, &out, &errb); code != exitFailure {
		t.Fatalf("explore exit %d:\n%s", code, out.String())
	}
	i := strings.Index(out.String(), "replay: go run ./cmd/fscachesim ")
	if i < 0 {
		t.Fatalf("no replay line:\n%s", out.String())
	}
	line := strings.TrimSpace(strings.SplitN(out.String()[i+len("replay: go run ./cmd/fscachesim "):], "\n", 2)[0])
	var out2 bytes.Buffer
	if code := run(strings.Fields(line), &out2, &errb); code != exitFailure {
		t.Fatalf("replay %q exit %d:\n%s", line, code, out2.String())
	}
	if n := strings.Count(out.String(), "replay: "); n != 1 {
		t.Fatalf("%d replay commands, want exactly one:\n%s", n, out.String())
	}
	failure := failureLine(t, out.String())
	if !strings.Contains(out2.String(), "FAIL "+failure) || !strings.Contains(out2.String(), "identical: ") {
		t.Fatalf("replay did not reproduce %q identically:\n%s", failure, out2.String())
	}
}

// failureLine is the line after "FAIL ..." in a failure report: the
// failure itself.
func failureLine(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "FAIL ") && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	t.Fatalf("no FAIL block:\n%s", out)
	return ""
}
