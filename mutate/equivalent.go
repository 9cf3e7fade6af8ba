package mutate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// EquivalentFile is the reviewed list of mutants argued equivalent, relative
// to the module root: mutants that survive the explorer although the kernel
// behaves the same, each with its one-line argument (docs/mutation.md, "The
// equivalent-by-argument list").
const EquivalentFile = "mutate/equivalent.txt"

// ArguedCodes are the category codes an entry of the list may carry, with
// what each means.
var ArguedCodes = map[string]string{
	"EQ":        "equivalent by argument: the kernel behaves the same",
	"EQ-MARK":   "the changed condition guards only a coverage mark",
	"EQ-OBS":    "moves only a tracepoint, log line or coverage mark",
	"EQ-OBS-CF": "moves only one of cachefiles' own trace or log helpers",
	"HARNESS":   "simulator plumbing (trace elision, where disk operations yield), not kernel code",
	"DOUBLE":    "inside the in-memory backend (a test double) where no kernel path sees it",
}

// Argued is one entry of the list. A mutant is named by a key without line
// numbers, so that edits elsewhere in the file do not break it: its file,
// the declaration it is in (Mutant.Func), its operator and its one-line
// diff (line references in it, "(line 374)", ignored), plus Nth when
// several mutants of that declaration share operator and diff (the n-th of
// them in the file's order, from 1).
type Argued struct {
	File, Func, Operator, Diff string
	Nth                        int // 0: not given (the key must then be unique)
	Code                       string
	Why                        string
	// Was is where the argument was first made (an id of an older
	// commit); only for the reader.
	Was string
	// Line is the entry's first line in the list file (for messages).
	Line int
}

// EquivList is the parsed list.
type EquivList struct {
	Path    string
	Entries []Argued
}

var lineRef = regexp.MustCompile(`\bline \d+\b`)

// normDiff is a diff with its line references made line-free.
func normDiff(d string) string {
	return lineRef.ReplaceAllString(strings.Join(strings.Fields(d), " "), "line N")
}

// Key is m's line-free key (without the ordinal): file, declaration,
// operator and diff.
func (m *Mutant) Key() string {
	return m.File + "|" + m.Func + "|" + m.Operator + "|" + normDiff(m.Diff)
}

func (a *Argued) key() string {
	return a.File + "|" + a.Func + "|" + a.Operator + "|" + normDiff(a.Diff)
}

// LoadEquivalent reads the list at path; a missing file is an empty list.
func LoadEquivalent(path string) (*EquivList, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &EquivList{Path: path}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseEquivalent(path, data)
}

// DefaultEquivalent is root's own list (EquivalentFile).
func DefaultEquivalent(root string) (*EquivList, error) {
	return LoadEquivalent(filepath.Join(root, filepath.FromSlash(EquivalentFile)))
}

// ParseEquivalent parses the list: entries of "field: value" lines,
// separated by blank lines; '#' starts a comment line. Fields: file, func,
// operator, diff, code and why are required; nth and was are optional.
func ParseEquivalent(path string, data []byte) (*EquivList, error) {
	l := &EquivList{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var cur *Argued
	seen := map[string]bool{}
	n := 0
	finish := func() error {
		if cur == nil {
			return nil
		}
		a := cur
		cur = nil
		for _, f := range []struct{ name, v string }{{"file", a.File}, {"func", a.Func}, {"operator", a.Operator}, {"diff", a.Diff}, {"code", a.Code}, {"why", a.Why}} {
			if f.v == "" {
				return fmt.Errorf("%s:%d: the entry has no %s", path, a.Line, f.name)
			}
		}
		if _, ok := ArguedCodes[a.Code]; !ok {
			codes := make([]string, 0, len(ArguedCodes))
			for c := range ArguedCodes {
				codes = append(codes, c)
			}
			slices.Sort(codes)
			return fmt.Errorf("%s:%d: unknown code %q (want one of %s)", path, a.Line, a.Code, strings.Join(codes, ", "))
		}
		if !slices.Contains(OperatorNames(), a.Operator) {
			return fmt.Errorf("%s:%d: unknown operator %q", path, a.Line, a.Operator)
		}
		k := a.key() + "#" + strconv.Itoa(a.Nth)
		if seen[k] {
			return fmt.Errorf("%s:%d: the same mutant is listed twice", path, a.Line)
		}
		seen[k] = true
		l.Entries = append(l.Entries, *a)
		return nil
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"field: value\", got %q", path, n, line)
		}
		v = strings.TrimSpace(v)
		if cur == nil {
			cur = &Argued{Line: n}
		}
		var dst *string
		switch strings.TrimSpace(name) {
		case "file":
			dst = &cur.File
		case "func":
			dst = &cur.Func
		case "operator":
			dst = &cur.Operator
		case "diff":
			dst = &cur.Diff
		case "code":
			dst = &cur.Code
		case "why":
			dst = &cur.Why
		case "was":
			dst = &cur.Was
		case "nth":
			k, err := strconv.Atoi(v)
			if err != nil || k < 1 || cur.Nth != 0 {
				return nil, fmt.Errorf("%s:%d: bad or repeated nth %q (want a number from 1)", path, n, v)
			}
			cur.Nth = k
			continue
		default:
			return nil, fmt.Errorf("%s:%d: unknown field %q", path, n, name)
		}
		if *dst != "" {
			return nil, fmt.Errorf("%s:%d: field %s given twice in one entry", path, n, name)
		}
		*dst = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return l, nil
}

// Match finds each entry's mutant in all (the full enumeration). It
// returns the entries by mutant id, and a problem for each entry that
// matches no mutant (stale: the code changed, or the mutant is no longer
// generated), that matches several without an nth to choose, or whose
// mutant another entry names too. A list with problems still classifies
// the mutants its other entries match.
func (l *EquivList) Match(all []Mutant) (map[string]Argued, []string) {
	byKey := map[string][]int{}
	for i := range all {
		k := all[i].Key()
		byKey[k] = append(byKey[k], i)
	}
	out := map[string]Argued{}
	var problems []string
	for _, a := range l.Entries {
		ms := byKey[a.key()]
		where := fmt.Sprintf("%s:%d (%s in %s, %s: %s)", l.Path, a.Line, a.Operator, a.Func, a.File, a.Diff)
		var m *Mutant
		switch {
		case len(ms) == 0:
			problems = append(problems, "stale entry "+where+": no mutant has this file, func, operator and diff any more; read the argument again against the code and fix or remove the entry")
			continue
		case a.Nth == 0 && len(ms) > 1:
			problems = append(problems, fmt.Sprintf("ambiguous entry %s: %d mutants match; say which with nth: 1..%d", where, len(ms), len(ms)))
			continue
		case a.Nth > len(ms):
			problems = append(problems, fmt.Sprintf("stale entry %s: nth %d but only %d mutant(s) match", where, a.Nth, len(ms)))
			continue
		case a.Nth == 0:
			m = &all[ms[0]]
		default:
			m = &all[ms[a.Nth-1]]
		}
		if prev, ok := out[m.ID]; ok {
			problems = append(problems, fmt.Sprintf("entry %s names %s, which the entry at line %d names too", where, m.ID, prev.Line))
			continue
		}
		out[m.ID] = a
	}
	return out, problems
}
