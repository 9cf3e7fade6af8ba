package mutate

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ModelDirs are the packages mutated, relative to the module root.
var ModelDirs = []string{"model/fscache", "model/cachefiles", "model/cachefilesd"}

// skipFiles are files of those packages that hold no behaviour to mutate:
// the tracepoint formats and the read-only views the checker reads (a
// mutant there breaks the observer, not the model).
var skipFiles = map[string]bool{"events.go": true, "views.go": true}

// Operators lists every mutation operator, in the order the enumeration
// tries them at one place. Doc says what each does.
var Operators = []struct{ Name, Doc string }{
	{"drop-lock-pair", "remove a lock and its unlock (Lock/Unlock, DownRead/UpRead, DownWrite/UpWrite, BitSpinLock/BitSpinUnlock) from one statement list"},
	{"shrink-critical-section", "move an unlock above the statement before it"},
	{"tas-to-test", "TestAndSet/TestAndClear becomes a plain Test (the bit is not changed)"},
	{"tas-to-set", "TestAndSet/TestAndClear becomes a plain Set/Clear that reports the bit was clear/set"},
	{"tas-split", "TestAndSet/TestAndClear becomes a Test then a Set/Clear: two steps, not atomic"},
	{"drop-wake", "remove a wake-up (sim.WakeUpVar, sim.WakeUpBit, a wake* helper); sim.ClearAndWakeUpBit keeps its clear"},
	{"wake-other-family", "wake the other family: WakeUpVar becomes WakeUpBit (bit 0) and WakeUpBit/ClearAndWakeUpBit wake the var"},
	{"drop-ref", "remove a reference get or put (Get*/Put*/get*/put*/grab, dget*/dput*, ref.Inc/ref.Dec as a statement); a Get used as a value returns its object without the ref"},
	{"drop-access", "remove an access or operation begin/end (Begin*Access/End*Access/*Operation as a statement); a Begin*Access used as a value is true without the access"},
	{"if-drop-cond", "remove one operand of an if condition's && or || chain"},
	{"if-negate", "negate an if condition"},
	{"swap-shared", "swap two adjacent statements that each call into the simulated kernel (touch shared state)"},
	{"drop-recheck", "after a wait, go on without re-checking: the goto/continue that re-checks is not taken, or a wait that ends a loop body breaks out"},
	{"wait-unbounded", "a bounded wait (WaitVarEventTimeout, WaitOnBitTimeout) waits without a bound and reports success"},
	{"wait-bounded", "an unbounded wait (WaitVarEvent, WaitOnBit) gives up after 1 s of virtual time"},
	{"off-by-one", "a comparison < <= > >= becomes its neighbour (< to <=, <= to <, ...)"},
	{"const-change", "an integer constant n becomes n+1 (not in trace arguments or messages)"},
}

// OperatorNames lists the operator names.
func OperatorNames() []string {
	n := make([]string, len(Operators))
	for i, o := range Operators {
		n[i] = o.Name
	}
	return n
}

// Mutant is one change to one model file.
type Mutant struct {
	// ID is stable: file:line:col:operator, with /k when the operator
	// makes more than one change at that place.
	ID       string `json:"id"`
	File     string `json:"file"` // relative to the module root
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Operator string `json:"operator"`
	Diff     string `json:"diff"` // one line: what changed
	// Func is the declaration the change is in: a function ("name"), a
	// method ("(*T).name" or "T.name"), or a package-level "const name" /
	// "var name" (its spec's first name). With the file, operator and
	// diff it makes the mutant's line-free key (Key).
	Func  string `json:"func"`
	edits []edit
}

type edit struct {
	start, end int
	text       string
}

// Apply returns src with m's change made.
func (m *Mutant) Apply(src []byte) []byte {
	es := slices.Clone(m.edits)
	slices.SortFunc(es, func(a, b edit) int { return b.start - a.start })
	out := slices.Clone(src)
	for _, e := range es {
		out = slices.Concat(out[:e.start], []byte(e.text), out[e.end:])
	}
	return out
}

// Enumerate lists every mutant of the model under root (the module root),
// in a deterministic order: by file path, then by position, then by
// operator.
func Enumerate(root string) ([]Mutant, error) {
	var all []Mutant
	for _, dir := range ModelDirs {
		names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("no Go files in %s: run from the fscachesim module root (or give --root)", filepath.Join(root, dir))
		}
		slices.Sort(names)
		for _, name := range names {
			base := filepath.Base(name)
			if strings.HasSuffix(base, "_test.go") || skipFiles[base] {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				return nil, err
			}
			ms, err := EnumerateFile(filepath.ToSlash(filepath.Join(dir, base)), src)
			if err != nil {
				return nil, err
			}
			all = append(all, ms...)
		}
	}
	return all, nil
}

// EnumerateFile lists the mutants of one file; rel is its path relative to
// the module root (it goes into the ids).
func EnumerateFile(rel string, src []byte) ([]Mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	e := &enumerator{fset: fset, src: src, rel: rel, opIndex: map[string]int{}, forBody: map[*ast.BlockStmt]bool{}}
	for i, o := range Operators {
		e.opIndex[o.Name] = i
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body == nil || d.Name.Name == "String" {
				continue
			}
			e.fn = funcDeclName(d)
			e.walk(d.Body, nil)
		case *ast.GenDecl:
			if d.Tok == token.CONST || d.Tok == token.VAR {
				for _, sp := range d.Specs {
					e.fn = d.Tok.String()
					if vs, ok := sp.(*ast.ValueSpec); ok && len(vs.Names) > 0 {
						e.fn += " " + vs.Names[0].Name
					}
					e.walk(sp, []ast.Node{d})
				}
			}
		}
	}
	slices.SortStableFunc(e.out, func(a, b Mutant) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Col != b.Col {
			return a.Col - b.Col
		}
		return e.opIndex[a.Operator] - e.opIndex[b.Operator]
	})
	// Ids: file:line:col:op, numbered when an operator makes several
	// mutants at one place.
	count := map[string]int{}
	for i := range e.out {
		m := &e.out[i]
		m.ID = fmt.Sprintf("%s:%d:%d:%s", m.File, m.Line, m.Col, m.Operator)
		count[m.ID]++
	}
	seen := map[string]int{}
	for i := range e.out {
		m := &e.out[i]
		if count[m.ID] > 1 {
			base := m.ID
			seen[base]++
			m.ID = fmt.Sprintf("%s/%d", base, seen[base])
		}
	}
	return e.out, nil
}

type enumerator struct {
	fset    *token.FileSet
	src     []byte
	rel     string
	opIndex map[string]int
	forBody map[*ast.BlockStmt]bool
	out     []Mutant
	fn      string // the declaration being walked (Mutant.Func)
}

// funcDeclName is a function's name, with its receiver type for a method:
// "name", "(*T).name" or "T.name" (type parameters left out).
func funcDeclName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	star := false
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = true, s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	name := exprString(t)
	if star {
		return "(*" + name + ")." + d.Name.Name
	}
	return name + "." + d.Name.Name
}

func (e *enumerator) off(p token.Pos) int { return e.fset.Position(p).Offset }

func (e *enumerator) text(n ast.Node) string { return string(e.src[e.off(n.Pos()):e.off(n.End())]) }

func (e *enumerator) add(op string, at ast.Node, diff string, edits ...edit) {
	p := e.fset.Position(at.Pos())
	e.out = append(e.out, Mutant{File: e.rel, Line: p.Line, Col: p.Column, Operator: op, Diff: diff, Func: e.fn, edits: edits})
}

// replace is the edit that replaces node n by text.
func (e *enumerator) replace(n ast.Node, text string) edit {
	return edit{e.off(n.Pos()), e.off(n.End()), text}
}

// short is a node's text on one line, clipped.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}

// walk visits n; stack holds n's ancestors.
func (e *enumerator) walk(n ast.Node, stack []ast.Node) {
	ast.Inspect(n, func(x ast.Node) bool {
		if x == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		e.visit(x, stack)
		stack = append(stack, x)
		return true
	})
}

func (e *enumerator) visit(x ast.Node, stack []ast.Node) {
	switch x := x.(type) {
	case *ast.ForStmt:
		e.forBody[x.Body] = true
	case *ast.RangeStmt:
		e.forBody[x.Body] = true
	case *ast.BlockStmt:
		e.stmtList(x.List, x)
	case *ast.CaseClause:
		e.stmtList(x.Body, nil)
	case *ast.CommClause:
		e.stmtList(x.Body, nil)
	case *ast.IfStmt:
		e.ifCond(x)
	case *ast.CallExpr:
		e.call(x, stack)
	case *ast.BinaryExpr:
		if inExcluded(stack) {
			return
		}
		if to, ok := offByOne[x.Op]; ok {
			p := e.off(x.OpPos)
			e.out = append(e.out, Mutant{File: e.rel, Line: e.fset.Position(x.OpPos).Line, Col: e.fset.Position(x.OpPos).Column,
				Operator: "off-by-one", Diff: short(e.text(x)) + "  ->  " + x.Op.String() + " becomes " + to, Func: e.fn,
				edits: []edit{{p, p + len(x.Op.String()), to}}})
		}
	case *ast.BasicLit:
		if x.Kind != token.INT || inExcluded(stack) {
			return
		}
		v, err := strconv.ParseInt(x.Value, 0, 64)
		if err != nil {
			return
		}
		e.add("const-change", x, fmt.Sprintf("%s  ->  %d", x.Value, v+1), e.replace(x, strconv.FormatInt(v+1, 10)))
	}
}

var offByOne = map[token.Token]string{token.LSS: "<=", token.LEQ: "<", token.GTR: ">=", token.GEQ: ">"}

// inExcluded reports whether a node under stack is part of a trace event, a
// message or an index: changing it alters what is printed, not what the
// model does.
func inExcluded(stack []ast.Node) bool {
	for _, a := range stack {
		switch a := a.(type) {
		case *ast.CompositeLit:
			if t, ok := a.Type.(*ast.SelectorExpr); ok && t.Sel.Name == "Event" {
				return true
			}
		case *ast.CallExpr:
			if _, name := callName(a); excludedCalls[name] {
				return true
			}
		case *ast.IndexExpr, *ast.SliceExpr:
			return true
		}
	}
	return false
}

var excludedCalls = map[string]bool{"Emit": true, "Sprintf": true, "Errorf": true, "Fprintf": true, "warn": true, "notice": true, "mark": true, "Bug": true, "trace": true, "traceAccess": true, "traceActive": true, "see": true}

// callName is the called function's receiver text (or package) and name.
func callName(c *ast.CallExpr) (recv, name string) {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return "", f.Name
	case *ast.SelectorExpr:
		return exprString(f.X), f.Sel.Name
	}
	return "", ""
}

// exprString prints the simple expressions receivers are made of.
func exprString(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.UnaryExpr:
		return x.Op.String() + exprString(x.X)
	case *ast.StarExpr:
		return "*" + exprString(x.X)
	case *ast.ParenExpr:
		return "(" + exprString(x.X) + ")"
	}
	return "?"
}

// stmtCall is the call a statement consists of, if it is a call statement
// (looking through a label).
func stmtCall(s ast.Stmt) *ast.CallExpr {
	if l, ok := s.(*ast.LabeledStmt); ok {
		s = l.Stmt
	}
	if es, ok := s.(*ast.ExprStmt); ok {
		if c, ok := es.X.(*ast.CallExpr); ok {
			return c
		}
	}
	return nil
}

// unlabel is the statement under a label.
func unlabel(s ast.Stmt) ast.Stmt {
	if l, ok := s.(*ast.LabeledStmt); ok {
		return l.Stmt
	}
	return s
}

var unlockOf = map[string]string{"Lock": "Unlock", "DownRead": "UpRead", "DownWrite": "UpWrite", "BitSpinLock": "BitSpinUnlock"}

func isUnlock(name string) bool {
	return name == "Unlock" || name == "UpRead" || name == "UpWrite" || name == "BitSpinUnlock"
}

// lockKey identifies what a lock or unlock call locks: its receiver, or
// for a bit spinlock its flags and bit.
func (e *enumerator) lockKey(c *ast.CallExpr) string {
	recv, name := callName(c)
	if name == "BitSpinLock" || name == "BitSpinUnlock" {
		if len(c.Args) >= 3 {
			return e.text(c.Args[1]) + "#" + e.text(c.Args[2])
		}
	}
	return recv
}

var (
	waitRe   = regexp.MustCompile(`^(WaitVarEvent|WaitVarEventTimeout|WaitOnBit|WaitOnBitTimeout|Wait)$`)
	wakeRe   = regexp.MustCompile(`^(WakeUpVar|WakeUpBit|[wW]ake[A-Z]\w*)$`)
	refRe    = regexp.MustCompile(`^(Get|Put|get|put|grab|Grab|dget|dput)([A-Z]\w*)?$`)
	accessRe = regexp.MustCompile(`^(Begin|End|begin|end)\w*(Access|Operation)(Unchecked)?$`)
)

// containsWait reports whether s calls a wait.
func containsWait(s ast.Stmt) bool {
	found := false
	ast.Inspect(s, func(x ast.Node) bool {
		if c, ok := x.(*ast.CallExpr); ok {
			if _, name := callName(c); waitRe.MatchString(name) {
				found = true
			}
		}
		if _, ok := x.(*ast.FuncLit); ok {
			return false
		}
		return !found
	})
	return found
}

// observesOnly reports whether s is a call that only records what
// happened — a tracepoint, a kernel log line, a coverage mark; by the
// model's naming, every trace* and emit* helper (fscache's trace, see,
// traceAccess; cachefiles' emit, emitState, emitWarn, traceVFSError,
// traceCoherency, ...) — and
// changes nothing a thread or a check reads. Moving such a statement
// across another (swap-shared) or across an unlock
// (shrink-critical-section) changes the trace, not the kernel's
// behaviour: those mutants would be survivors to argue away one by one.
//
// An if statement counts too when all it does is observe: no init, no
// else, a condition over local variables and constants only (no call, no
// field, no dereference or index: it reads no shared state), and a body
// of such calls only.
func observesOnly(s ast.Stmt) bool {
	if is, ok := unlabel(s).(*ast.IfStmt); ok {
		if is.Init != nil || is.Else != nil || len(is.Body.List) == 0 || !localOnly(is.Cond) {
			return false
		}
		for _, b := range is.Body.List {
			if !observesOnly(b) {
				return false
			}
		}
		return true
	}
	c := stmtCall(unlabel(s))
	if c == nil {
		return false
	}
	_, name := callName(c)
	return excludedCalls[name] || name == "printCookie" ||
		strings.HasPrefix(name, "trace") || strings.HasPrefix(name, "emit")
}

// localOnly reports whether x is built of identifiers, literals and
// unary/binary operators only.
func localOnly(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return localOnly(x.X)
	case *ast.UnaryExpr:
		return x.Op != token.AND && localOnly(x.X)
	case *ast.BinaryExpr:
		return localOnly(x.X) && localOnly(x.Y)
	}
	return false
}

// callsWithThread reports whether n contains a call with the thread t as
// an argument (a call into the simulated kernel).
func callsWithThread(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if c, ok := x.(*ast.CallExpr); ok {
			for _, a := range c.Args {
				if id, ok := a.(*ast.Ident); ok && id.Name == "t" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// touchesShared reports whether s is a plain statement (call, assignment
// that defines nothing, ++/--) that calls into the simulated kernel: a
// call with the thread t as an argument.
func touchesShared(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ExprStmt, *ast.IncDecStmt:
	case *ast.AssignStmt:
		if s.Tok == token.DEFINE {
			return false
		}
	default:
		return false
	}
	return callsWithThread(s)
}

// stmtList applies the operators that work on a statement list.
func (e *enumerator) stmtList(list []ast.Stmt, block *ast.BlockStmt) {
	for i, s := range list {
		c := stmtCall(s)
		inner := unlabel(s)
		var name string
		if c != nil {
			_, name = callName(c)
		}
		// drop-lock-pair: the first matching unlock after the lock.
		if u, ok := unlockOf[name]; ok {
			key := e.lockKey(c)
			for j := i + 1; j < len(list); j++ {
				c2 := stmtCall(list[j])
				if c2 == nil {
					continue
				}
				if _, n2 := callName(c2); n2 == u && e.lockKey(c2) == key {
					e.add("drop-lock-pair", inner, fmt.Sprintf("%s ... %s (line %d)  ->  both removed", short(e.text(c)), short(e.text(c2)), e.fset.Position(c2.Pos()).Line),
						e.replace(inner, ""), e.replace(unlabel(list[j]), ""))
					break
				}
			}
		}
		// shrink-critical-section: swap an unlock with the statement
		// before it, unless that is its lock, a label or a branch.
		if isUnlock(name) && i > 0 && s == inner {
			prev := list[i-1]
			pc := stmtCall(prev)
			_, pn := "", ""
			if pc != nil {
				_, pn = callName(pc)
			}
			_, isLabel := prev.(*ast.LabeledStmt)
			_, isBranch := prev.(*ast.BranchStmt)
			_, isDecl := prev.(*ast.DeclStmt)
			if _, isLock := unlockOf[pn]; !isLock && !isLabel && !isBranch && !isDecl && !isDefine(prev) && !observesOnly(prev) {
				e.add("shrink-critical-section", s, fmt.Sprintf("%s moved above %s", short(e.text(s)), short(e.text(prev))),
					e.replace(prev, e.text(s)), e.replace(s, e.text(prev)))
			}
		}
		// Statement-level drops of wakes, refs and accesses.
		if c != nil {
			e.dropStmt(inner, c, name)
		}
		// swap-shared: adjacent statements that both touch shared state.
		if i+1 < len(list) && s == inner {
			next := list[i+1]
			nc := stmtCall(next)
			_, nn := "", ""
			if nc != nil {
				_, nn = callName(nc)
			}
			_, l1 := unlockOf[name]
			_, l2 := unlockOf[nn]
			if touchesShared(s) && touchesShared(next) && !l1 && !l2 && !isUnlock(name) && !isUnlock(nn) && !observesOnly(s) && !observesOnly(next) {
				e.add("swap-shared", s, fmt.Sprintf("%s <-> %s", short(e.text(s)), short(e.text(next))),
					e.replace(s, e.text(next)), e.replace(next, e.text(s)))
			}
		}
		// drop-recheck: the first goto/continue after a wait is not
		// taken; a wait that ends a for body breaks out.
		if containsWait(inner) {
			found := false
			for j := i + 1; j < len(list); j++ {
				if b, ok := list[j].(*ast.BranchStmt); ok && (b.Tok == token.GOTO || b.Tok == token.CONTINUE) {
					e.add("drop-recheck", b, fmt.Sprintf("%s after the wait at line %d  ->  not taken", e.text(b), e.fset.Position(s.Pos()).Line),
						e.replace(b, "if false { "+e.text(b)+" }"))
					found = true
					break
				}
			}
			if !found && i == len(list)-1 && block != nil && e.isForBody(block) {
				end := e.off(s.End())
				e.add("drop-recheck", s, "wait at the end of a loop body  ->  break out without re-checking", edit{end, end, "; break"})
			}
		}
	}
}

// isForBody reports whether b is the body of a for or range statement.
func (e *enumerator) isForBody(b *ast.BlockStmt) bool { return e.forBody[b] }

func isDefine(s ast.Stmt) bool {
	a, ok := s.(*ast.AssignStmt)
	return ok && a.Tok == token.DEFINE
}

// dropStmt applies the operators that remove or change one call statement.
func (e *enumerator) dropStmt(s ast.Stmt, c *ast.CallExpr, name string) {
	recv, _ := callName(c)
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
		recv = e.text(sel.X)
	}
	txt := e.text(c)
	switch {
	case name == "ClearAndWakeUpBit" && len(c.Args) == 3:
		f, bit := e.text(c.Args[1]), e.text(c.Args[2])
		e.add("drop-wake", s, short(txt)+"  ->  clear only", e.replace(s, fmt.Sprintf("(%s).Clear(%s, %s)", f, e.text(c.Args[0]), bit)))
		e.add("wake-other-family", s, short(txt)+"  ->  clear, then WakeUpVar", e.replace(s, fmt.Sprintf("(%s).Clear(%s, %s); %s.WakeUpVar(%s, %s)", f, e.text(c.Args[0]), bit, recv, e.text(c.Args[0]), f)))
	case wakeRe.MatchString(name):
		e.add("drop-wake", s, short(txt)+"  ->  removed", e.replace(s, ""))
		if name == "WakeUpBit" && len(c.Args) == 3 {
			e.add("wake-other-family", s, short(txt)+"  ->  WakeUpVar", e.replace(s, fmt.Sprintf("%s.WakeUpVar(%s, %s)", recv, e.text(c.Args[0]), e.text(c.Args[1]))))
		}
		if name == "WakeUpVar" && len(c.Args) == 2 {
			e.add("wake-other-family", s, short(txt)+"  ->  WakeUpBit bit 0", e.replace(s, fmt.Sprintf("%s.WakeUpBit(%s, %s, 0)", recv, e.text(c.Args[0]), e.text(c.Args[1]))))
		}
	case refRe.MatchString(name) || ((name == "Inc" || name == "Dec") && strings.HasSuffix(recv, "ref")):
		e.add("drop-ref", s, short(txt)+"  ->  removed", e.replace(s, ""))
	case accessRe.MatchString(name):
		e.add("drop-access", s, short(txt)+"  ->  removed", e.replace(s, ""))
	}
}

// call applies the operators that change a call wherever it is.
func (e *enumerator) call(c *ast.CallExpr, stack []ast.Node) {
	recv, name := callName(c)
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
		recv = e.text(sel.X)
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = e.text(a)
	}
	_, asStmt := parentOf(stack).(*ast.ExprStmt)
	switch name {
	case "TestAndSet", "TestAndClear":
		if len(args) != 2 {
			return
		}
		plain, ret := "Set", "false"
		if name == "TestAndClear" {
			plain, ret = "Clear", "true"
		}
		e.add("tas-to-test", c, short(e.text(c))+"  ->  "+recv+".Test(...)", e.replace(c, fmt.Sprintf("%s.Test(%s, %s)", recv, args[0], args[1])))
		e.add("tas-to-set", c, short(e.text(c))+"  ->  "+recv+"."+plain+"(...), reports "+ret,
			e.replace(c, fmt.Sprintf("func() bool { %s.%s(%s, %s); return %s }()", recv, plain, args[0], args[1], ret)))
		e.add("tas-split", c, short(e.text(c))+"  ->  "+recv+".Test then ."+plain,
			e.replace(c, fmt.Sprintf("func() bool { old := %s.Test(%s, %s); %s.%s(%s, %s); return old }()", recv, args[0], args[1], recv, plain, args[0], args[1])))
	case "WaitVarEventTimeout":
		if len(args) == 5 {
			e.add("wait-unbounded", c, short(e.text(c))+"  ->  WaitVarEvent, true",
				e.replace(c, fmt.Sprintf("func() bool { %s.WaitVarEvent(%s, %s, %s, %s); return true }()", recv, args[0], args[1], args[2], args[4])))
		}
	case "WaitOnBitTimeout":
		if len(args) == 5 {
			e.add("wait-unbounded", c, short(e.text(c))+"  ->  WaitOnBit, true",
				e.replace(c, fmt.Sprintf("func() bool { %s.WaitOnBit(%s, %s, %s, %s); return true }()", recv, args[0], args[1], args[2], args[3])))
		}
	case "WaitVarEvent":
		if len(args) == 4 && asStmt {
			e.add("wait-bounded", c, short(e.text(c))+"  ->  WaitVarEventTimeout 1s",
				e.replace(c, fmt.Sprintf("%s.WaitVarEventTimeout(%s, %s, %s, %s.Second, %s)", recv, args[0], args[1], args[2], recv, args[3])))
		}
	case "WaitOnBit":
		if len(args) == 4 && asStmt {
			e.add("wait-bounded", c, short(e.text(c))+"  ->  WaitOnBitTimeout 1s",
				e.replace(c, fmt.Sprintf("%s.WaitOnBitTimeout(%s, %s, %s, %s, %s.Second)", recv, args[0], args[1], args[2], args[3], recv)))
		}
	}
	if asStmt {
		return
	}
	// A Get used as a value gives back its object without the ref; a
	// Begin*Access used as a value succeeds without the access.
	switch {
	case strings.HasPrefix(name, "Get") && refRe.MatchString(name) && len(args) >= 2 && args[0] == "t":
		e.add("drop-ref", c, short(e.text(c))+"  ->  "+args[1], e.replace(c, args[1]))
	case accessRe.MatchString(name) && strings.HasPrefix(strings.ToLower(name), "begin") && strings.Contains(name, "Access"):
		e.add("drop-access", c, short(e.text(c))+"  ->  true", e.replace(c, "true"))
	}
}

func parentOf(stack []ast.Node) ast.Node {
	if len(stack) == 0 {
		return nil
	}
	return stack[len(stack)-1]
}

// ifCond applies the condition operators to an if statement.
func (e *enumerator) ifCond(s *ast.IfStmt) {
	cond := s.Cond
	e.add("if-negate", cond, "if "+short(e.text(cond))+"  ->  if !(...)", e.replace(cond, "!("+e.text(cond)+")"))
	b, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok || (b.Op != token.LAND && b.Op != token.LOR) {
		return
	}
	var ops []ast.Expr
	var flatten func(x ast.Expr)
	flatten = func(x ast.Expr) {
		if bb, ok := x.(*ast.BinaryExpr); ok && bb.Op == b.Op {
			flatten(bb.X)
			flatten(bb.Y)
			return
		}
		ops = append(ops, x)
	}
	flatten(b)
	for k := range ops {
		var rest []string
		for j, o := range ops {
			if j != k {
				rest = append(rest, e.text(o))
			}
		}
		e.add("if-drop-cond", cond, fmt.Sprintf("if %s  ->  without %s", short(e.text(cond)), short(e.text(ops[k]))),
			e.replace(cond, strings.Join(rest, " "+b.Op.String()+" ")))
	}
}
