package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fscachesim/fscachesim/mutate"
	"github.com/fscachesim/fscachesim/scenarios"
)

// TestMutateUsage: bad flags of mutate and its subcommands give one line
// on stderr and exit 2.
func TestMutateUsage(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"mutate", "--sample", "-1"}, "--sample"},
		{[]string{"mutate", "--shard", "2/2"}, "bad --shard"},
		{[]string{"mutate", "--executions", "0"}, "--executions"},
		{[]string{"mutate", "--jobs", "0"}, "--jobs"},
		{[]string{"mutate", "--frob"}, "flag provided but not defined"},
		{[]string{"mutate", "extra"}, "unexpected argument"},
		{[]string{"mutate", "--root", "../..", "--operator", "nope"}, "unknown operator"},
		{[]string{"mutate", "--root", "../..", "--id", "nope"}, "no mutant"},
		{[]string{"mutate", "--root", "../..", "--id", "x", "--sample", "3"}, "do not apply"},
		{[]string{"mutate", "--root", "/nonexistent"}, "no Go files"},
		{[]string{"mutate", "merge"}, "name the reports"},
		{[]string{"mutate", "merge", "/nonexistent.json"}, "nonexistent.json"},
		{[]string{"mutate", "probe", "--executions", "0"}, "want --executions"},
		{[]string{"mutate", "list", "--root", "../..", "--file", "nosuchfile"}, "no mutant matches"},
		{[]string{"mutate", "list", "--root", "../..", "--equivalent", "/nonexistent.txt"}, "--equivalent"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, exitUsage, errb.String())
			}
			msg := errb.String()
			if strings.Count(strings.TrimRight(msg, "\n"), "\n") != 0 || !strings.Contains(msg, tc.msg) {
				t.Fatalf("stderr %q: want one line containing %q", msg, tc.msg)
			}
		})
	}
}

// TestMutateSample is the small sample CI runs to keep the tool working:
// two mutants picked by --sample at a small budget, as JSON (shard 0/1, so
// that merge takes it); every mutant gets an outcome and the score follows
// from the counts. It also lists the operators. (Merging real shards is
// TestMerge in package mutate.)
func TestMutateSample(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"mutate", "list", "--root", "../..", "--operators"}, &out, &errb); code != exitPass || !strings.Contains(out.String(), "drop-lock-pair") {
		t.Fatalf("list --operators: exit %d\n%s%s", code, out.String(), errb.String())
	}
	dir := t.TempDir()
	var paths []string
	for _, sh := range []string{"0/1"} {
		out.Reset()
		errb.Reset()
		code := run([]string{"mutate", "--root", "../..", "--sample", "2", "--seed", "5", "--executions", "30", "--jobs", "2", "--shard", sh, "--json"}, &out, &errb)
		if code != exitPass {
			t.Fatalf("mutate --shard %s: exit %d\n%s", sh, code, errb.String())
		}
		p := filepath.Join(dir, strings.ReplaceAll(sh, "/", "of")+".json")
		if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out.Reset()
	errb.Reset()
	if code := run(append([]string{"mutate", "merge", "--json"}, paths...), &out, &errb); code != exitPass {
		t.Fatalf("merge: exit %d\n%s", code, errb.String())
	}
	var rep mutate.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Shard.N != 1 {
		t.Fatalf("merged %d results, shard %+v; want 2, whole", len(rep.Results), rep.Shard)
	}
	valid := map[string]bool{mutate.Killed: true, mutate.Survived: true, mutate.Equivalent: true, mutate.NoCompile: true, mutate.Timeout: true}
	for _, r := range rep.Results {
		if !valid[r.Outcome] {
			t.Errorf("%s: outcome %q", r.ID, r.Outcome)
		}
		if r.Outcome == mutate.Killed && (r.Check == "" || r.Executions < 1 || r.Executions > 30+int64(len(scenarios.Liveness()))) {
			t.Errorf("%s: killed without a check or with %d executions", r.ID, r.Executions)
		}
	}
	if rep.Score != mutate.Score(rep.Counts) {
		t.Errorf("score %v, counts %v", rep.Score, rep.Counts)
	}
	out.Reset()
	if code := run(append([]string{"mutate", "merge"}, paths...), &out, &errb); code != exitPass || !strings.Contains(out.String(), "mutation score") {
		t.Fatalf("merge table: exit %d\n%s", code, out.String())
	}
	t.Log(out.String())
}

// TestMutateInterrupted: SIGINT or SIGTERM while mutate builds stops it:
// the running go command is stopped, the temporary directory
// ($TMPDIR/fscachesim-mutate-*, with the go command's own temporary files)
// is removed, the report of what finished is printed marked interrupted
// (--json: "interrupted": true), and the exit code is 130 or 143.
func TestMutateInterrupted(t *testing.T) {
	bin := buildTool(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(bin, "mutate", "--root", "../..", "--sample", "3", "--seed", "1", "--executions", "100000", "--json")
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			// Let the go command start, then interrupt.
			stdout, rest := interruptAfterFirstLine(t, cmd, "listing the model's packages", 500*time.Millisecond, tc.sig, tc.code)
			var rep mutate.Report
			if err := json.Unmarshal(stdout, &rep); err != nil {
				t.Fatalf("--json output is not a report: %v\n%q", err, stdout)
			}
			if !rep.Interrupted || !strings.Contains(rest, "INTERRUPTED") {
				t.Fatalf("the report is not marked interrupted: %+v\nstderr:\n%s", rep, rest)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
				t.Fatalf("left behind in TMPDIR: %q", left)
			}
		})
	}
}

// TestMutateScenarioOption: --scenario sets what the probe runs, and so
// what is in the mutation tool's reach. A mutant of the on-demand
// request's put (model/cachefiles/ondemand.go) is not reached by an
// fscache-only scenario (equivalent, not-reached) and is killed as a
// use-after-free when the probe runs ondemand-chaos; an unknown name is a
// usage error. (The default mix reaches it since the on-demand scenarios
// joined it, through "ondemand".)
func TestMutateScenarioOption(t *testing.T) {
	const id = "model/cachefiles/ondemand.go:274:5:if-negate"
	outcome := func(extra ...string) mutate.Result {
		t.Helper()
		var out, errb bytes.Buffer
		args := append([]string{"mutate", "--root", "../..", "--id", id, "--executions", "30", "--json"}, extra...)
		if code := run(args, &out, &errb); code != exitPass {
			t.Fatalf("%v: exit %d\n%s", args, code, errb.String())
		}
		var rep mutate.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
			t.Fatalf("%v: report %v, %d results", args, err, len(rep.Results))
		}
		return rep.Results[0]
	}
	if r := outcome("--scenario", "lru-vs-use"); r.Outcome != mutate.Equivalent || r.Check != "not-reached" {
		t.Fatalf("--scenario lru-vs-use: %s (%s), want equivalent (not-reached): the id may have moved", r.Outcome, r.Check)
	}
	if r := outcome("--scenario", "ondemand-chaos"); r.Outcome != mutate.Killed || r.Check != "use-after-free" {
		t.Fatalf("--scenario ondemand-chaos: %s (%s), want killed by use-after-free", r.Outcome, r.Check)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"mutate", "--root", "../..", "--scenario", "no-such-scenario"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "unknown scenario") {
		t.Fatalf("unknown scenario: exit %d, %q", code, errb.String())
	}
}

// TestMutateListArgued: 'mutate list' marks the mutants the reviewed list
// argues equivalent (and --argued prints only them, with the argument);
// a list with a stale entry is reported on stderr, not fatal.
func TestMutateListArgued(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"mutate", "list", "--root", "../..", "--file", "fscache/cookie.go"}, &out, &errb); code != exitPass {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "\t"+mutate.ArguedEquivalent+" EQ\n") || strings.Contains(errb.String(), "warning") {
		t.Fatalf("list: no argued mark, or a warning:\n%s\n%s", out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"mutate", "list", "--root", "../..", "--argued"}, &out, &errb); code != exitPass {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	l, err := mutate.DefaultEquivalent("../..")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(l.Entries) || !strings.Contains(lines[0], mutate.ArguedEquivalent+" ") {
		t.Fatalf("--argued printed %d lines for %d entries:\n%s", len(lines), len(l.Entries), out.String())
	}
	stale := filepath.Join(t.TempDir(), "eq.txt")
	if err := os.WriteFile(stale, []byte("file: model/fscache/cookie.go\nfunc: gone\noperator: if-negate\ndiff: if x  ->  if !(...)\ncode: EQ\nwhy: w\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"mutate", "list", "--root", "../..", "--file", "fscache/cookie.go", "--equivalent", stale}, &out, &errb); code != exitPass {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: stale entry "+stale+":1") || strings.Contains(out.String(), mutate.ArguedEquivalent) {
		t.Fatalf("stale list: stderr %q", errb.String())
	}
}
