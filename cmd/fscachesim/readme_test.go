package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEExamples runs the README's walkthrough commands (explore with
// the LRU bug, shrink, explore without it) and checks that the tool prints
// what the README shows: the failure block line for line, and each "#   "
// output comment, where "..." stands for the rest of a line (timings).
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	t.Chdir(t.TempDir())
	run1 := func(cmdline string) string {
		args := strings.Fields(strings.TrimPrefix(cmdline, "go run ./cmd/fscachesim "))
		_, out, errs := runCLI(args...)
		return out + errs
	}
	// The failure block follows the explore command's prose.
	out := run1("go run ./cmd/fscachesim explore --scenario lru-vs-relinquish --bugs lru-discard-no-redispatch")
	m := regexp.MustCompile("(?s)```\n(FAIL .*?)```").FindStringSubmatch(text)
	if m == nil {
		t.Fatal("the README has no failure block")
	}
	if !strings.Contains(out, m[1]) {
		t.Errorf("the README's failure block is not what the tool prints:\nREADME:\n%s\ntool:\n%s", m[1], out)
	}
	// Each command followed by "#   " comments: the comments are lines of
	// its output.
	cmds := regexp.MustCompile(`(?m)^(go run ./cmd/fscachesim (?:shrink|explore) [^\n]*)\n((?:#   [^\n]*\n)+)`).FindAllStringSubmatch(text, -1)
	if len(cmds) < 2 {
		t.Fatalf("want the shrink and explore examples with their output, found %d", len(cmds))
	}
	for _, c := range cmds {
		out := run1(c[1])
		for _, want := range strings.Split(strings.TrimSuffix(c[2], "\n"), "\n") {
			want = strings.TrimPrefix(want, "#   ")
			re := "(?m)^" + strings.ReplaceAll(regexp.QuoteMeta(want), regexp.QuoteMeta("..."), ".*") + "$"
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("%s: the README says %q; the tool prints:\n%s", c[1], want, out)
			}
		}
	}
}
