package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputNeverReplacesSpecialFiles: render --html, shrink --out, run
// --trace and explore --out refuse to write over a FIFO, a character
// device, a symlink or a directory, and over their own input (also under
// another name, a hard link): exit 2, one line on stderr, the target left as
// it was.
func TestOutputNeverReplacesSpecialFiles(t *testing.T) {
	trace := failingTrace(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	victim := writeFile(t, dir, "victim", "precious\n")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	subdir := filepath.Join(dir, "subdir")
	if err := os.Mkdir(subdir, 0o755); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.trace.jsonl")
	if err := os.Link(trace, hard); err != nil {
		t.Fatal(err)
	}
	// /dev/null is a character device every test machine has; as root the
	// old code replaced it with a regular file.
	devNull := "/dev/null"
	type target struct{ name, path, want string }
	targets := []target{
		{"fifo", fifo, "is a FIFO"},
		{"chardev", devNull, "is a device"},
		{"symlink", link, "is a symbolic link"},
		{"dir", subdir, "is a directory"},
	}
	for _, tg := range targets {
		cmds := map[string][]string{
			"render": {"render", "--html", tg.path, trace},
			"shrink": {"shrink", "--attempts", "5", "--out", tg.path, trace},
			"run":    {"run", "--scenario", "lru-vs-relinquish", "--trace", tg.path},
		}
		for name, args := range cmds {
			t.Run(name+"/"+tg.name, func(t *testing.T) {
				before, _ := os.Lstat(tg.path)
				code, out, errs := runCLI(args...)
				if code != exitUsage || !strings.Contains(errs, tg.want) || strings.Count(errs, "\n") != 1 {
					t.Fatalf("exit %d, want %d and one line saying %q:\nstdout: %s\nstderr: %s", code, exitUsage, tg.want, out, errs)
				}
				after, err := os.Lstat(tg.path)
				if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
					t.Fatalf("%s was replaced: %v -> %v (%v)", tg.path, before.Mode(), after, err)
				}
			})
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Fatalf("the symlink's target was overwritten: %q", b)
	}
	// Output = input, by the same name or by a hard link.
	orig, _ := os.ReadFile(trace)
	for _, args := range [][]string{
		{"render", "--html", trace, trace},
		{"render", "--html", hard, trace},
		{"shrink", "--attempts", "5", "--out", trace, trace},
		{"shrink", "--attempts", "5", "--out", hard, trace},
	} {
		code, out, errs := runCLI(args...)
		if code != exitUsage || !strings.Contains(errs, "is the input") {
			t.Errorf("%q: exit %d, want %d and 'is the input':\n%s%s", args, code, exitUsage, out, errs)
		}
		if b, _ := os.ReadFile(trace); string(b) != string(orig) {
			t.Fatalf("%q overwrote its input", args)
		}
	}
	// explore --out naming a file that is not a directory: the failure's
	// trace cannot be written, exit 2 like the other commands.
	code, out, errs := runCLI("explore", "--scenario", "lru-vs-relinquish", "--bugs", "lru-discard-no-redispatch", "--executions", "50", "--out", victim)
	if code != exitUsage || !strings.Contains(errs, "cannot write the trace") {
		t.Errorf("explore --out FILE: exit %d, want %d:\n%s%s", code, exitUsage, out, errs)
	}
	// A regular file or a new path is fine.
	for _, p := range []string{filepath.Join(dir, "new.html"), victim} {
		if code, out, errs := runCLI("render", "--html", p, trace); code != exitPass {
			t.Errorf("render --html %s: exit %d:\n%s%s", p, code, out, errs)
		}
	}
}
