package lint

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What the lint walks and what it leaves alone, in one place.
var (
	// lintRoots are the trees walked, relative to the module root,
	// subpackages included. A root that does not exist yet is skipped.
	lintRoots = []string{"model", "sim", "sched"}

	// exemptFiles own what every other file must go through, so they may
	// use what the lint forbids elsewhere. Keep this list short: a new
	// entry needs the same reason as these.
	exemptFiles = map[string]string{
		"sim/thread.go": "owns the coroutines (iter.Pull)",
		"sim/rand.go":   "owns the random source",
	}
)

// Files of sim's future goroutine build mode, which runs simulated threads
// as real goroutines, are exempt too: a name ending in gortSuffix, or a
// //go:build line that builds the file only with gortTag set.
const (
	gortSuffix = "_gort.go"
	gortTag    = "fscachesim_gort"
)

// The problems, each with what to use instead.
const (
	useSimTime = "use sim.Kernel.Now / Thread.Sleep / sim.Timer instead"
	useSimRand = "use sim.Rand / Kernel.Rand instead"
	useSpawn   = "use Kernel.Spawn instead"
	useWait    = "use sim wait/wake instead"
	useSimSync = "use sim.SpinLock/Mutex/Atomic instead"
	mapOrder   = "map order reaches execution: sort the keys first"
)

var (
	// wallClock are the functions of package time that read or wait on
	// the wall clock. Types and constants (time.Duration) are fine.
	wallClock = []string{"Now", "Sleep", "After", "Since", "Until", "Tick", "NewTimer", "NewTicker", "AfterFunc"}
	// randImports are banned in model/ and sim/.
	randImports = []string{"math/rand", "math/rand/v2", "crypto/rand"}
	// modelImports are banned in model/ only: the model talks to the
	// world through sim.
	modelImports = []string{"sync", "sync/atomic", "os"}
	// sortFuncs are the calls that, made on a slice right after a loop
	// that collected it from a map, take the map's order away.
	sortFuncs = map[string][]string{
		"slices": {"Sort", "SortFunc", "SortStableFunc"},
		"sort":   {"Sort", "Stable", "Slice", "SliceStable", "Strings", "Ints", "Float64s"},
	}
	// mapIters are the iterators over a map, ranged over like the map.
	mapIters = map[string][]string{"maps": {"Keys", "Values", "All"}}
)

// A problem is one line of the lint's report.
type problem struct {
	pos token.Position // Filename is relative to the module root
	msg string
}

func (p problem) String() string { return fmt.Sprintf("%s:%d: %s", p.pos.Filename, p.pos.Line, p.msg) }

// fileLinter lints one file. Its info may be empty (a file outside this
// platform's build is not type-checked); the rules then fall back to the
// file's imports, and the map rule, which needs types, finds nothing.
type fileLinter struct {
	fset     *token.FileSet
	file     *ast.File
	info     *types.Info
	inModel  bool
	imports  map[string]string // local name -> import path
	problems []problem
}

func lintFile(fset *token.FileSet, rel string, f *ast.File, info *types.Info) []problem {
	l := &fileLinter{fset: fset, file: f, info: info, inModel: rel == "model" || strings.HasPrefix(rel, "model/"), imports: map[string]string{}}
	l.checkImports()
	ast.Inspect(f, l.visit)
	slices.SortStableFunc(l.problems, func(a, b problem) int { return a.pos.Offset - b.pos.Offset })
	return l.problems
}

func (l *fileLinter) report(n ast.Node, format string, args ...any) {
	p := problem{pos: l.fset.Position(n.Pos()), msg: fmt.Sprintf(format, args...)}
	if !slices.ContainsFunc(l.problems, func(q problem) bool { return q.pos.Line == p.pos.Line && q.msg == p.msg }) {
		l.problems = append(l.problems, p)
	}
}

func (l *fileLinter) checkImports() {
	for _, spec := range l.file.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		name := path.Base(p)
		if strings.HasPrefix(name, "v") && strings.Contains(p, "/") && strings.Trim(name[1:], "0123456789") == "" {
			name = path.Base(path.Dir(p)) // math/rand/v2 is package rand
		}
		if spec.Name != nil {
			name = spec.Name.Name
		}
		l.imports[name] = p
		switch {
		case slices.Contains(randImports, p):
			l.report(spec, "import %q: %s", p, useSimRand)
		case l.inModel && slices.Contains(modelImports, p):
			l.report(spec, "import %q in model/: %s", p, useSimSync)
		}
	}
}

func (l *fileLinter) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.GoStmt:
		l.report(n, "go statement: %s", useSpawn)
	case *ast.SelectStmt:
		l.report(n, "select statement: %s", useWait)
	case *ast.ChanType:
		l.report(n, "channel type: %s", useWait)
	case *ast.SendStmt:
		l.report(n, "channel send: %s", useWait)
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			l.report(n, "channel receive: %s", useWait)
		}
	case *ast.Ident:
		// With type information every reference to a function is an
		// identifier: time.Now's Now, or Now itself after a dot import.
		if fn, ok := l.info.Uses[n].(*types.Func); ok {
			pkg, name := pkgFunc(fn)
			l.checkFunc(n, pkg, name)
		}
	case *ast.SelectorExpr:
		if l.info.Uses[n.Sel] == nil { // no type information here
			pkg, name := l.funcOf(n)
			l.checkFunc(n, pkg, name)
		}
	case *ast.BlockStmt:
		l.checkRanges(n.List)
	case *ast.CaseClause:
		l.checkRanges(n.Body)
	case *ast.CommClause:
		l.checkRanges(n.Body)
	}
	return true
}

func (l *fileLinter) checkFunc(n ast.Node, pkg, name string) {
	if pkg == "time" && slices.Contains(wallClock, name) {
		l.report(n, "time.%s: %s", name, useSimTime)
	}
}

// pkgFunc names a package-level function ("time", "Now"); methods and
// builtins give "".
func pkgFunc(fn *types.Func) (pkg, name string) {
	if fn.Pkg() == nil || fn.Signature().Recv() != nil {
		return "", ""
	}
	return fn.Pkg().Path(), fn.Name()
}

// funcOf names the package-level function e refers to, from type
// information where there is some and from the file's imports where not.
func (l *fileLinter) funcOf(e ast.Expr) (pkg, name string) {
	switch e := ast.Unparen(e).(type) {
	case *ast.IndexExpr: // explicit instantiation: slices.Sort[[]string]
		return l.funcOf(e.X)
	case *ast.IndexListExpr:
		return l.funcOf(e.X)
	case *ast.Ident:
		if fn, ok := l.info.Uses[e].(*types.Func); ok {
			return pkgFunc(fn)
		}
	case *ast.SelectorExpr:
		if fn, ok := l.info.Uses[e.Sel].(*types.Func); ok {
			return pkgFunc(fn)
		}
		if x, ok := e.X.(*ast.Ident); ok && l.info.Uses[x] == nil && l.info.Uses[e.Sel] == nil {
			if p, ok := l.imports[x.Name]; ok {
				return p, e.Sel.Name
			}
		}
	}
	return "", ""
}

// checkRanges flags the map ranges in one statement list. The statements
// after a range are where the slice it collected must be sorted.
func (l *fileLinter) checkRanges(list []ast.Stmt) {
	for i, s := range list {
		for ls, ok := s.(*ast.LabeledStmt); ok; ls, ok = s.(*ast.LabeledStmt) {
			s = ls.Stmt
		}
		r, ok := s.(*ast.RangeStmt)
		if !ok {
			continue
		}
		what := l.mapRange(r)
		if what == "" || l.orderless(r) || l.collectedThenSorted(r, list[i+1:]) {
			continue
		}
		l.report(r, "range over %s: %s", what, mapOrder)
	}
}

// mapRange describes what r ranges over if that is a map or an iterator
// over one, and is "" otherwise.
func (l *fileLinter) mapRange(r *ast.RangeStmt) string {
	x := ast.Unparen(r.X)
	if tv, ok := l.info.Types[x]; ok && tv.Type != nil && isMap(tv.Type) {
		return "map " + types.ExprString(x)
	}
	if call, ok := x.(*ast.CallExpr); ok {
		if pkg, name := l.funcOf(call.Fun); slices.Contains(mapIters[pkg], name) {
			return types.ExprString(x)
		}
	}
	return ""
}

// isMap reports whether t is a map, or a type parameter that may be one.
func isMap(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Map:
		return true
	case *types.Interface: // a type parameter's constraint
		for i := 0; i < u.NumEmbeddeds(); i++ {
			e := u.EmbeddedType(i)
			if un, ok := e.(*types.Union); ok {
				for j := 0; j < un.Len(); j++ {
					if isMap(un.Term(j).Type()) {
						return true
					}
				}
			} else if isMap(e) {
				return true
			}
		}
	}
	return false
}

// orderless reports whether the range carries a //sim:orderless comment,
// on its line or the line above. One without a reason is a problem of its
// own.
func (l *fileLinter) orderless(r *ast.RangeStmt) bool {
	line := l.fset.Position(r.Pos()).Line
	for _, cg := range l.file.Comments {
		for _, c := range cg.List {
			cl := l.fset.Position(c.Slash).Line
			if cl != line && cl != line-1 {
				continue
			}
			why, ok := strings.CutPrefix(c.Text, "//sim:orderless")
			if !ok || (why != "" && why[0] != ' ' && why[0] != '\t') {
				continue
			}
			if strings.TrimSpace(why) == "" {
				l.report(c, "//sim:orderless without a reason: say why map order cannot matter here")
			}
			return true
		}
	}
	return false
}

// collectedThenSorted reports whether r's body only appends to slices and
// each of those slices is sorted in the statements that follow, before
// anything else touches it.
func (l *fileLinter) collectedThenSorted(r *ast.RangeStmt, after []ast.Stmt) bool {
	dsts, ok := l.collects(r.Body.List, nil)
	if !ok || len(dsts) == 0 {
		return false
	}
	for _, s := range dsts {
		if !l.sortedNext(s, after) {
			return false
		}
	}
	return true
}

// collects returns the slices the statements append to, and false if the
// statements do anything but append, filter (if) and continue.
func (l *fileLinter) collects(list []ast.Stmt, into []string) ([]string, bool) {
	for _, s := range list {
		ok := true
		switch s := s.(type) {
		case *ast.AssignStmt:
			var dst string
			dst, ok = l.appendTo(s)
			if ok && !slices.Contains(into, dst) {
				into = append(into, dst)
			}
		case *ast.IfStmt:
			into, ok = l.collects(s.Body.List, into)
			if ok && s.Else != nil {
				into, ok = l.collects([]ast.Stmt{s.Else}, into)
			}
			ok = ok && s.Init == nil
		case *ast.BlockStmt:
			into, ok = l.collects(s.List, into)
		case *ast.BranchStmt:
			ok = s.Tok == token.CONTINUE && s.Label == nil
		case *ast.EmptyStmt:
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	return into, true
}

// appendTo returns s in "s = append(s, ...)".
func (l *fileLinter) appendTo(a *ast.AssignStmt) (string, bool) {
	if a.Tok != token.ASSIGN || len(a.Lhs) != 1 || len(a.Rhs) != 1 {
		return "", false
	}
	call, ok := a.Rhs[0].(*ast.CallExpr)
	if !ok || len(call.Args) < 1 {
		return "", false
	}
	fun, ok := call.Fun.(*ast.Ident)
	if !ok || fun.Name != "append" {
		return "", false
	}
	if obj := l.info.Uses[fun]; obj != nil {
		if _, builtin := obj.(*types.Builtin); !builtin {
			return "", false
		}
	}
	dst := types.ExprString(a.Lhs[0])
	return dst, types.ExprString(call.Args[0]) == dst
}

func (l *fileLinter) sortedNext(s string, after []ast.Stmt) bool {
	for _, st := range after {
		if l.sorts(st, s) {
			return true
		}
		if mentions(st, s) {
			return false
		}
	}
	return false
}

// sorts reports whether st is a sort of s: slices.Sort(s),
// sort.Strings(s), sort.Sort(byName(s)) and the like.
func (l *fileLinter) sorts(st ast.Stmt, s string) bool {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return false
	}
	if pkg, name := l.funcOf(call.Fun); !slices.Contains(sortFuncs[pkg], name) {
		return false
	}
	arg := ast.Unparen(call.Args[0])
	if conv, ok := arg.(*ast.CallExpr); ok && len(conv.Args) == 1 {
		arg = conv.Args[0]
	}
	return types.ExprString(arg) == s
}

func mentions(n ast.Node, s string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident, *ast.SelectorExpr:
			if types.ExprString(n.(ast.Expr)) == s {
				found = true
			}
		}
		return !found
	})
	return found
}

// exempt says why the file rel is not linted, or "" if it is.
func exempt(rel string, src []byte) string {
	if why, ok := exemptFiles[rel]; ok {
		return why
	}
	if strings.HasSuffix(rel, gortSuffix) {
		return "goroutine build mode (" + gortSuffix + ")"
	}
	if !inBuild(rel, src) && inBuild(rel, src, gortTag) {
		return "goroutine build mode (//go:build " + gortTag + ")"
	}
	return ""
}

// inBuild reports whether the file rel with contents src is part of its
// package on this platform with the given build tags.
func inBuild(rel string, src []byte, tags ...string) bool {
	ctx := build.Default
	ctx.BuildTags = tags
	ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(src)), nil }
	ok, err := ctx.MatchFile(path.Dir(rel), path.Base(rel))
	return err == nil && ok
}

// srcFile is one parsed non-test file.
type srcFile struct {
	rel   string // slash path from the module root
	src   []byte
	ast   *ast.File
	built bool // part of the package on this platform, without extra tags
}

// loader parses and type-checks the module's packages from source, and
// imports the standard library through the compiler's export data (faster
// than from source: the whole lint test takes about a second) and other
// modules from source.
type loader struct {
	fset     *token.FileSet
	root     string // module root directory
	modPath  string
	std      types.Importer
	fallback types.Importer // from source, when export data fails
	dirs     map[string][]*srcFile
	deps     map[string]*types.Package // module packages checked for import; nil while in progress
	errs     []error                   // type errors, logged but not fatal
}

func newLoader(t testing.TB) *loader {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(root)
		if up == root {
			t.Fatal("no go.mod above the lint test")
		}
		root = up
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var modPath string
	for _, line := range strings.Split(string(mod), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			modPath = strings.Trim(strings.TrimSpace(p), `"`)
			break
		}
	}
	if modPath == "" {
		t.Fatalf("%s/go.mod: no module line", root)
	}
	fset := token.NewFileSet()
	return &loader{
		fset: fset, root: root, modPath: modPath,
		std:  importer.Default(),
		dirs: map[string][]*srcFile{}, deps: map[string]*types.Package{},
	}
}

func (l *loader) Import(p string) (*types.Package, error) {
	if p == l.modPath || strings.HasPrefix(p, l.modPath+"/") {
		return l.importLocal(p)
	}
	pkg, err := l.std.Import(p)
	if err != nil { // export data covers the standard library, not other modules

		if l.fallback == nil {
			l.fallback = importer.ForCompiler(l.fset, "source", nil)
		}
		pkg, err = l.fallback.Import(p)
	}
	return pkg, err
}

func (l *loader) importLocal(p string) (*types.Package, error) {
	if pkg, ok := l.deps[p]; ok {
		if pkg == nil {
			return nil, fmt.Errorf("import cycle through %s", p)
		}
		return pkg, nil
	}
	l.deps[p] = nil
	rel := strings.TrimPrefix(strings.TrimPrefix(p, l.modPath), "/")
	files, err := l.dir(rel)
	if err != nil {
		delete(l.deps, p)
		return nil, err
	}
	pkg := l.check(p, files, nil, true)
	l.deps[p] = pkg
	return pkg, nil
}

// check type-checks the built files of one package. Type errors are kept
// for the log, not fatal: the package and whatever information could be had
// are used.
func (l *loader) check(p string, files []*srcFile, info *types.Info, ignoreBodies bool) *types.Package {
	var asts []*ast.File
	for _, f := range files {
		if f.built {
			asts = append(asts, f.ast)
		}
	}
	conf := types.Config{
		Importer:         l,
		IgnoreFuncBodies: ignoreBodies,
		Error:            func(err error) { l.errs = append(l.errs, err) },
	}
	pkg, _ := conf.Check(p, l.fset, asts, info)
	return pkg
}

// dir parses the non-test .go files of the directory rel (slash path from
// the module root), once.
func (l *loader) dir(rel string) ([]*srcFile, error) {
	if files, ok := l.dirs[rel]; ok {
		return files, nil
	}
	ents, err := os.ReadDir(filepath.Join(l.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	var files []*srcFile
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := l.parse(path.Join(rel, name), nil)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	l.dirs[rel] = files
	return files, nil
}

// parse parses one file; src nil means read it from the tree.
func (l *loader) parse(rel string, src []byte) (*srcFile, error) {
	if src == nil {
		var err error
		if src, err = os.ReadFile(filepath.Join(l.root, filepath.FromSlash(rel))); err != nil {
			return nil, err
		}
	}
	f, err := parser.ParseFile(l.fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return &srcFile{rel: rel, src: src, ast: f, built: inBuild(rel, src)}, nil
}

// lintPackage type-checks the files of one package and lints the ones not
// exempt.
func (l *loader) lintPackage(p string, files []*srcFile) (problems []problem, linted int) {
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	l.check(p, files, info, false)
	for _, f := range files {
		if exempt(f.rel, f.src) != "" {
			continue
		}
		fi := info
		if !f.built {
			fi = &types.Info{}
		}
		problems = append(problems, lintFile(l.fset, f.rel, f.ast, fi)...)
		linted++
	}
	return problems, linted
}

// lintCases test the lint itself: each snippet, put at file (which decides
// the rules and exemptions), must give exactly the problems in want (by
// "line: start of message"), and a clean snippet none, so the lint cannot
// pass by finding nothing.
var lintCases = []struct {
	name string
	file string
	src  string
	want []string
}{
	{
		name: "wall-clock",
		file: "model/fscache/x.go",
		src: `package fscache

import "time"

func f() {
	_ = time.Now()
	time.Sleep(time.Second)
	<-time.After(time.Second)
	_ = time.Since(time.Time{})
	_ = time.Tick(time.Second)
	_ = time.NewTimer(time.Second)
	_ = time.NewTicker(time.Second)
	time.AfterFunc(time.Second, func() {})
	now := time.Now
	_ = now
}
`,
		want: []string{
			"6: time.Now: use sim.Kernel.Now / Thread.Sleep / sim.Timer instead",
			"7: time.Sleep:", "8: channel receive:", "8: time.After:", "9: time.Since:", "10: time.Tick:",
			"11: time.NewTimer:", "12: time.NewTicker:", "13: time.AfterFunc:", "14: time.Now:",
		},
	},
	{
		name: "wall-clock-renamed-and-dot-import",
		file: "sim/vfs/x.go",
		src: `package vfs

import (
	. "time"
	clock "time"
)

var a, b = clock.Now(), Since(Time{})
`,
		want: []string{"8: time.Now:", "8: time.Since:"},
	},
	{
		name: "wall-clock-without-types",
		file: "sim/x.go",
		src: `package sim

import "time"

var broken int = "type error"

func f() { time.Sleep(undefined) }
`,
		want: []string{"7: time.Sleep:"},
	},
	{
		name: "random-imports",
		file: "sim/x.go",
		src: `package sim

import (
	crand "crypto/rand"
	"math/rand"
	r2 "math/rand/v2"
)

var _, _, _ = crand.Reader, rand.Int, r2.Int
`,
		want: []string{
			`4: import "crypto/rand": use sim.Rand / Kernel.Rand instead`,
			`5: import "math/rand":`, `6: import "math/rand/v2":`,
		},
	},
	{
		name: "goroutines-and-channels",
		file: "model/cachefiles/x.go",
		src: `package cachefiles

func f(done chan struct{}) {
	go func() {}()
	select {
	case done <- struct{}{}:
	default:
	}
}
`,
		want: []string{
			"3: channel type: use sim wait/wake instead", "4: go statement: use Kernel.Spawn instead",
			"5: select statement: use sim wait/wake instead", "6: channel send:",
		},
	},
	{
		name: "sync-and-os-in-model",
		file: "model/fscache/x.go",
		src: `package fscache

import (
	"os"
	"sync"
	"sync/atomic"
)

var (
	mu sync.Mutex
	n  atomic.Int64
	_  = os.Getenv
)
`,
		want: []string{
			`4: import "os" in model/: use sim.SpinLock/Mutex/Atomic instead`,
			`5: import "sync" in model/:`, `6: import "sync/atomic" in model/:`,
		},
	},
	{
		name: "map-ranges",
		file: "model/fscache/x.go",
		src: `package fscache

import (
	"maps"
	"slices"
)

type cookies map[string]int

func f[M ~map[int]bool](m map[string]int, c cookies, g M, use func(string)) {
	for k := range m {
		use(k)
	}
	for range c {
	}
	for k := range g {
		_ = k
	}
	for k := range maps.Keys(m) {
		use(k)
	}
	var keys []string
	for k := range m { // collected but never sorted
		keys = append(keys, k)
	}
	use(keys[0])
	var late []string
	for k := range m { // used before it is sorted
		late = append(late, k)
	}
	use(late[0])
	slices.Sort(late)
	var seen []string
	for k := range m { // does more than collect
		use(k)
		seen = append(seen, k)
	}
	slices.Sort(seen)
	//sim:orderless
	for range m {
	}
}
`,
		want: []string{
			"11: range over map m: map order reaches execution: sort the keys first",
			"14: range over map c:", "16: range over map g:", "19: range over maps.Keys(m):",
			"23: range over map m:", "28: range over map m:", "34: range over map m:",
			"39: //sim:orderless without a reason",
		},
	},
	{
		name: "map-of-sim-types",
		file: "model/fscache/x.go",
		src: `package fscache

import "github.com/fscachesim/fscachesim/sim"

func f(byName map[string]*sim.Thread, k *sim.Kernel) {
	for _, t := range byName {
		t.Yield()
	}
	_ = k
}
`,
		want: []string{"6: range over map byName:"},
	},
	{
		name: "not-in-this-build",
		file: "sim/x.go",
		src: `//go:build ignore

package sim

import "time"

func f() { go f(); time.Sleep(0) }
`,
		want: []string{"7: go statement:", "7: time.Sleep:"},
	},
	{
		name: "not-the-gort-build",
		file: "sim/x.go",
		src: `//go:build !fscachesim_gort

package sim

func f() { go f() }
`,
		want: []string{"5: go statement:"},
	},
	{
		name: "clean",
		file: "model/fscache/x.go",
		src: `package fscache

import (
	"maps"
	"slices"
	"sort"
	"time"
)

type clock struct{}

func (clock) Now() int { return 0 }

type byLen []string

func (b byLen) Len() int           { return len(b) }
func (b byLen) Less(i, j int) bool { return len(b[i]) < len(b[j]) }
func (b byLen) Swap(i, j int)      { b[i], b[j] = b[j], b[i] }

func f(m map[string]int, s []int, seq func(func(int) bool), t time.Time, use func(...string)) time.Duration {
	var time clock // shadows the package
	_ = time.Now()
	_ = t.After(t) // a method, not the wall clock
	for range s {
	}
	for range "abc" {
	}
	for range 3 {
	}
	for range seq {
	}
	var keys, big []string
	for k, v := range m {
		if v > 10 {
			big = append(big, k)
			continue
		}
		keys = append(keys, k)
	}
	n := 0
	slices.Sort(keys)
	sort.Sort(byLen(big))
	var a []string
	for k := range m {
		a = append(a, k)
	}
	sort.Strings(a)
	for k := range m { //sim:orderless summing: addition commutes
		n += m[k]
	}
	//sim:orderless only counts entries
	for range m {
		n++
	}
	use(slices.Sorted(maps.Keys(m))...)
	return 0
}
`,
	},
	{
		name: "sync-and-os-in-sim",
		file: "sim/x.go",
		src: `package sim

import (
	"os"
	"sync"
)

var (
	mu sync.Mutex
	_  = os.Getenv
)
`,
	},
	{
		name: "exempt-thread",
		file: "sim/thread.go",
		src:  "package sim\n\nimport \"math/rand\"\n\nfunc f() { go f(); _ = rand.Int() }\n",
	},
	{
		name: "exempt-rand",
		file: "sim/rand.go",
		src:  "package sim\n\nimport \"crypto/rand\"\n\nvar _ = rand.Reader\n",
	},
	{
		name: "exempt-gort-name",
		file: "sim/thread_gort.go",
		src:  "package sim\n\nfunc f(c chan int) { go f(c) }\n",
	},
	{
		name: "exempt-gort-tag",
		file: "sim/sched.go",
		src:  "//go:build fscachesim_gort\n\npackage sim\n\nfunc f(c chan int) { go f(c) }\n",
	},
}

func TestLintRules(t *testing.T) {
	l := newLoader(t)
	for _, tc := range lintCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := l.parse(tc.file, []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			var problems []problem
			if exempt(tc.file, f.src) == "" {
				info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
				l.check("lintcase/"+path.Dir(tc.file), []*srcFile{f}, info, false)
				if !f.built {
					info = &types.Info{}
				}
				problems = lintFile(l.fset, tc.file, f.ast, info)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.file+":"+tc.want[i])
			}
			if !ok {
				t.Errorf("got:\n\t%s\nwant (prefixes):\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

// TestLint runs the lint over model/ and sim/ and lists every problem.
func TestLint(t *testing.T) {
	start := time.Now()
	l := newLoader(t)
	var problems []problem
	files, pkgs := 0, 0
	for _, root := range lintRoots {
		top := filepath.Join(l.root, root)
		if _, err := os.Stat(top); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if name := d.Name(); p != top && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			rel, err := filepath.Rel(l.root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			src, err := l.dir(rel)
			if err != nil || len(src) == 0 {
				return err
			}
			ps, n := l.lintPackage(l.modPath+"/"+rel, src)
			problems = append(problems, ps...)
			files += n
			pkgs++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files == 0 {
		t.Fatalf("linted no files under %v in %s: the lint is looking in the wrong place", lintRoots, l.root)
	}
	for i, err := range l.errs {
		if i == 10 {
			t.Logf("... and %d more type errors", len(l.errs)-10)
			break
		}
		t.Logf("type error (not a lint problem; maps in code that does not type-check go unchecked): %v", err)
	}
	t.Logf("linted %d files in %d packages in %v", files, pkgs, time.Since(start).Round(time.Millisecond))
	if len(problems) > 0 {
		var b strings.Builder
		for _, p := range problems {
			fmt.Fprintf(&b, "\n%s", p)
		}
		t.Errorf("%d determinism problems (see STYLE.md, Boundaries and Determinism):%s", len(problems), b.String())
	}
}
