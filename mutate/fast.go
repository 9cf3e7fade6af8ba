package mutate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// What makes one mutant cheap (docs/mutation.md, "Cost"):
//
//   - typeChecker: each mutated package is type-checked (go/types, its
//     imports read from the export data the go command already built) before
//     anything is built; a mutant that does not type-check is classified
//     does-not-compile in milliseconds, without a build.
//   - coverage: the original probe binary is built with -cover over the
//     three model packages and its probe records which blocks of code any
//     execution of the budget ran. A mutant all of whose edits lie in
//     blocks no execution ran cannot change any of those executions (they
//     are deterministic and reach the mutated code never), so it is
//     equivalent under this budget without being built or probed:
//     outcome equivalent, check "not-reached".
//   - the mutant binary is mutate/probecmd (the probe and what it
//     imports, nothing else of the tool), linked without symbol tables,
//     built with the shared build cache so only the mutated package and
//     its dependents are compiled.

// ProbeCmd is the main package each mutant is built as.
const ProbeCmd = "./mutate/probecmd"

// goPackage is what 'go list -json' says of a package.
type goPackage struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
}

// listPackages runs 'go list -export -deps' of the model packages in root:
// the export data of every package they import (built into the shared
// cache if it is not there) and the files of the model packages.
func listPackages(ctx context.Context, root, tmp string) (map[string]*goPackage, error) {
	args := []string{"list", "-export", "-deps", "-json=ImportPath,Dir,Export,GoFiles"}
	for _, d := range ModelDirs {
		args = append(args, "./"+d)
	}
	cmd := goCommand(ctx, root, tmp, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, firstLine(stderr.Bytes()))
	}
	pkgs := map[string]*goPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %v", err)
		}
		pkgs[p.ImportPath] = &p
	}
	return pkgs, nil
}

// typeChecker type-checks a model package with one file replaced.
type typeChecker struct {
	mu     sync.Mutex
	fset   *token.FileSet
	pkgs   map[string]*goPackage // by import path
	byDir  map[string]*goPackage // model packages by directory relative to the root
	parsed map[string]*ast.File  // unmutated files by absolute path
	imp    types.Importer
}

func newTypeChecker(root string, pkgs map[string]*goPackage) *typeChecker {
	tc := &typeChecker{fset: token.NewFileSet(), pkgs: pkgs, byDir: map[string]*goPackage{}, parsed: map[string]*ast.File{}}
	for _, p := range pkgs {
		if rel, err := filepath.Rel(root, p.Dir); err == nil && slices.Contains(ModelDirs, filepath.ToSlash(rel)) {
			tc.byDir[filepath.ToSlash(rel)] = p
		}
	}
	tc.imp = importer.ForCompiler(tc.fset, "gc", func(path string) (io.ReadCloser, error) {
		p := tc.pkgs[path]
		if p == nil || p.Export == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(p.Export)
	})
	return tc
}

// check type-checks the package of rel (a model file relative to the
// root) with rel's source replaced by src. It returns the first error
// ("file:line:col: message"), or "" when the package type-checks.
func (tc *typeChecker) check(rel string, src []byte) (string, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	p := tc.byDir[filepath.ToSlash(filepath.Dir(rel))]
	if p == nil {
		return "", fmt.Errorf("type check: no package for %s", rel)
	}
	var files []*ast.File
	found := false
	for _, name := range p.GoFiles {
		path := filepath.Join(p.Dir, name)
		if name == filepath.Base(rel) {
			found = true
			f, err := parser.ParseFile(tc.fset, path, src, parser.SkipObjectResolution)
			if err != nil {
				return shortErr(err.Error(), p.Dir), nil
			}
			files = append(files, f)
			continue
		}
		f := tc.parsed[path]
		if f == nil {
			var err error
			if f, err = parser.ParseFile(tc.fset, path, nil, parser.SkipObjectResolution); err != nil {
				return "", fmt.Errorf("type check: %v", err)
			}
			tc.parsed[path] = f
		}
		files = append(files, f)
	}
	if !found {
		return "", fmt.Errorf("type check: %s is not among the package's files %v", rel, p.GoFiles)
	}
	var first error
	conf := types.Config{Importer: tc.imp, Error: func(err error) {
		if first == nil {
			first = err
		}
	}}
	conf.Check(p.ImportPath, tc.fset, files, nil)
	if first != nil {
		return shortErr(first.Error(), p.Dir), nil
	}
	return "", nil
}

// shortErr makes an error's file name relative to the package directory's
// parent parent (model/x/file.go), as the compiler would print it.
func shortErr(msg, dir string) string {
	root := filepath.Dir(filepath.Dir(dir))
	return short140(strings.ReplaceAll(msg, root+string(filepath.Separator), ""))
}

// coverage is which blocks of the model's files the original's probe ran.
type coverage struct {
	// zero holds, per file relative to the root, the byte ranges of the
	// blocks no execution ran.
	zero map[string][][2]int
}

// readCoverage converts the probe's coverage counters (written to covDir)
// to text with 'go tool covdata textfmt' and keeps the blocks that never
// ran, as byte ranges of the model files under root. modPath is the module
// path (file names in the profile are import paths).
func readCoverage(ctx context.Context, root, modPath, covDir, tmp string) (*coverage, error) {
	prof := filepath.Join(tmp, "cover.txt")
	cmd := goCommand(ctx, root, tmp, "tool", "covdata", "textfmt", "-i="+covDir, "-o="+prof)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go tool covdata: %v: %s", err, firstLine(out))
	}
	f, err := os.Open(prof)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type block struct{ sl, sc, el, ec int }
	counts := map[string]map[block]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		// file:sl.sc,el.ec nstmts count
		colon := strings.LastIndex(line, ":")
		fields := strings.Fields(line[colon+1:])
		if colon < 0 || len(fields) != 3 {
			return nil, fmt.Errorf("coverage profile: bad line %q", line)
		}
		var b block
		if _, err := fmt.Sscanf(fields[0], "%d.%d,%d.%d", &b.sl, &b.sc, &b.el, &b.ec); err != nil {
			return nil, fmt.Errorf("coverage profile: bad line %q", line)
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("coverage profile: bad line %q", line)
		}
		file, ok := strings.CutPrefix(line[:colon], modPath+"/")
		if !ok {
			continue
		}
		if counts[file] == nil {
			counts[file] = map[block]int{}
		}
		counts[file][b] += n
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(counts) == 0 {
		return nil, errors.New("coverage profile: no block of the model")
	}
	c := &coverage{zero: map[string][][2]int{}}
	for file, bs := range counts {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			return nil, err
		}
		lines := lineOffsets(src)
		for b, n := range bs {
			if n > 0 || b.sl > len(lines) || b.el > len(lines) {
				continue
			}
			c.zero[file] = append(c.zero[file], [2]int{lines[b.sl-1] + b.sc - 1, lines[b.el-1] + b.ec - 1})
		}
	}
	return c, nil
}

// lineOffsets is the byte offset of each line's start.
func lineOffsets(src []byte) []int {
	offs := []int{0}
	for i, b := range src {
		if b == '\n' {
			offs = append(offs, i+1)
		}
	}
	return offs
}

// unreached reports whether every edit of m lies inside one block that no
// execution of the original's probe ran. Edits outside every block
// (package-level declarations, case expressions) or across blocks count
// as reached: the mutant is built and probed.
func (c *coverage) unreached(m Mutant, src []byte) bool {
	if c == nil || len(m.edits) == 0 {
		return false
	}
	zero := c.zero[m.File]
	for _, e := range m.edits {
		s, t := e.start, e.end
		for s < t && isSpace(src[s]) {
			s++
		}
		for t > s && isSpace(src[t-1]) {
			t--
		}
		if !slices.ContainsFunc(zero, func(b [2]int) bool { return b[0] <= s && t <= b[1] }) {
			return false
		}
	}
	return true
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
