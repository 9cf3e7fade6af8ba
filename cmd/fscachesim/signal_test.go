package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/explorer"
)

// buildTool builds the fscachesim binary into a temporary directory, for
// tests that need a real process (signals).
func buildTool(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fscachesim")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestExploreInterrupted: SIGINT or SIGTERM during a long --keep-going
// exploration stops it with its results: the traces of the failures found
// so far are written, the summary is printed marked as interrupted with the
// executed prefix, --json is a complete summary, and the exit code is 130
// (SIGINT) or 143 (SIGTERM).
func TestExploreInterrupted(t *testing.T) {
	bin := buildTool(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, "explore", "--scenario", "lru-vs-relinquish,lru-vs-use", "--bugs", "lru-discard-no-redispatch,use-no-clear-lru-discard",
				"--keep-going", "--executions", "1000000000", "--workers", "2", "--json", "--out", dir)
			// The header line (on stderr with --json) says it runs; give
			// it time to find failures, then interrupt.
			stdout, rest := interruptAfterFirstLine(t, cmd, "explore ", 700*time.Millisecond, tc.sig, tc.code)
			var sum explorer.Summary
			if err := json.Unmarshal(stdout, &sum); err != nil {
				t.Fatalf("--json output is not a summary: %v\n%q", err, stdout)
			}
			if sum.Stopped != explorer.StopCancelled || sum.Executions == 0 || sum.End != sum.Executions || len(sum.Failures) == 0 {
				t.Fatalf("want an interrupted summary of a prefix with failures, got %s", sum.Line())
			}
			errs := rest
			if !strings.Contains(errs, "interrupted by "+tc.name) || !strings.Contains(errs, "--executions "+itoa(sum.End)) {
				t.Errorf("the report does not say it was interrupted and how to rerun its prefix:\n%s", errs)
			}
			for _, f := range sum.Failures {
				p := filepath.Join(dir, traceName(f.Scenario, f.Seed, f.Strategy))
				if _, err := os.Stat(p); err != nil {
					t.Errorf("failure %s seed %d: no trace: %v", f.Scenario, f.Seed, err)
				}
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(tmp) > 0 {
				t.Errorf("temporary files left: %q", tmp)
			}
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// interruptAfterFirstLine starts cmd, waits for its first stderr line
// (which must begin with prefix: the command is running), lets it work for
// wait, sends sig and checks that it exits with code. It returns the
// command's stdout and the rest of its stderr.
func interruptAfterFirstLine(t *testing.T, cmd *exec.Cmd, prefix string, wait time.Duration, sig syscall.Signal, code int) ([]byte, string) {
	t.Helper()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderrPipe)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), prefix) {
		cmd.Process.Kill()
		t.Fatalf("no first line beginning %q: %q", prefix, sc.Text())
	}
	time.Sleep(wait)
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != code {
		t.Fatalf("exit %v, want %d\nstderr:\n%s", err, code, rest.String())
	}
	return stdout.Bytes(), rest.String()
}
