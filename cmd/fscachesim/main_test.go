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
		{[]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--strategy", "random"}, exitFailure, "replay: go run ./cmd/fscachesim run"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
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
	if code := run([]string{"explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--strategy", "pct:2"}, &out, &errb); code != exitFailure {
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
	first := strings.SplitN(out.String(), "\n", 3)[1]
	if !strings.Contains(out2.String(), first) {
		t.Fatalf("replay did not reproduce %q:\n%s", first, out2.String())
	}
}
