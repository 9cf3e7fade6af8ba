package mutate

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Mutant schemata: many mutants in one binary, chosen when it starts.
//
// Building a mutant alone recompiles the mutated package and every package
// that imports it (the go command has no early cut-off: the dependents are
// recompiled even when only a function body changed), then links: about
// three seconds of CPU, most of it in the dependents. A schema build pays
// that once for all the mutants of a run that it can hold. For each such
// mutant, the function it changes is copied, with the mutant's edits made,
// under a new name (F becomes F__mutantK, K the mutant's number: its
// enumeration index + 1), and the original function gets a dispatch on its
// first line:
//
//	func (c *T) F(t *sim.Thread, x int) error { switch fscachesimMutant { case 17: return c.F__mutant17(t, x) }
//
// fscachesimMutant is a package variable, read once from the environment
// variable FSCACHESIM_MUTANT (a file the overlay adds to each mutated
// package). With it unset the binary is the original; set to K, it is
// mutant K and nothing else. The copies are appended to the end of the
// file, so no line of the original moves. A run checks that the schema
// binary with no mutant chosen gives the original's digest before it
// trusts it, and falls back to building each mutant alone if the schema
// does not build or does not match.
//
// A mutant goes into the schema only when all its edits lie inside one
// function declaration that is not generic, not an init function, and
// whose receiver and parameters are all named (so the dispatch can pass
// them on); the others are built alone.

// MutantEnv is the environment variable a schema binary reads.
const MutantEnv = "FSCACHESIM_MUTANT"

// schemaVar is the package variable holding the chosen mutant.
const schemaVar = "fscachesimMutant"

// schemaFile is the file added to each package holding mutants.
const schemaFile = "zz_fscachesim_mutant.go"

// schemaFunc is a function that holds mutants.
type schemaFunc struct {
	decl  *ast.FuncDecl
	cases []string // "case K: return ..."
}

// schemaPlan holds the overlay files of a schema: the mutated files'
// new contents and the variable files, by absolute path, and which mutants
// (by number) it holds.
type schemaPlan struct {
	files map[string][]byte
	holds map[int]bool
}

// planSchema puts into one schema as many of picks as it can (see above).
// srcs are the original sources by file (relative to root).
func planSchema(root string, picks []Selected, srcs map[string][]byte) (*schemaPlan, error) {
	type fileState struct {
		fset   *token.FileSet
		f      *ast.File
		funcs  map[*ast.FuncDecl]*schemaFunc
		copies []string
	}
	files := map[string]*fileState{}
	plan := &schemaPlan{files: map[string][]byte{}, holds: map[int]bool{}}
	for _, p := range picks {
		src := srcs[p.File]
		fs := files[p.File]
		if fs == nil {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, p.File, src, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			fs = &fileState{fset: fset, f: f, funcs: map[*ast.FuncDecl]*schemaFunc{}}
			files[p.File] = fs
		}
		off := func(pos token.Pos) int { return fs.fset.Position(pos).Offset }
		var fd *ast.FuncDecl
		for _, d := range fs.f.Decls {
			if d, ok := d.(*ast.FuncDecl); ok && d.Body != nil && slices.IndexFunc(p.edits, func(e edit) bool { return e.start < off(d.Pos()) || e.end > off(d.End()) }) < 0 {
				fd = d
			}
		}
		if fd == nil || len(p.edits) == 0 {
			continue
		}
		call, ok := forwardCall(fd, p.Index+1)
		if !ok {
			continue
		}
		// The copy: the declaration's text with the mutant's edits and the
		// new name.
		start := off(fd.Pos())
		name := off(fd.Name.Pos())
		es := []edit{{name - start, name - start + len(fd.Name.Name), call.name}}
		for _, e := range p.edits {
			es = append(es, edit{e.start - start, e.end - start, e.text})
		}
		m := Mutant{edits: es}
		fs.copies = append(fs.copies, string(m.Apply(src[start:off(fd.End())])))
		sf := fs.funcs[fd]
		if sf == nil {
			sf = &schemaFunc{decl: fd}
			fs.funcs[fd] = sf
		}
		sf.cases = append(sf.cases, call.stmt)
		plan.holds[p.Index+1] = true
	}
	pkgs := map[string]string{} // directory -> package name
	for rel, fs := range files {
		if len(fs.funcs) == 0 {
			continue
		}
		src := srcs[rel]
		var es []edit
		for fd, sf := range fs.funcs {
			at := fs.fset.Position(fd.Body.Lbrace).Offset + 1
			es = append(es, edit{at, at, " switch " + schemaVar + " { " + strings.Join(sf.cases, "; ") + " };"})
		}
		m := Mutant{edits: es}
		out := m.Apply(src)
		for _, c := range fs.copies {
			out = append(out, "\n"+c+"\n"...)
		}
		abs := filepath.Join(root, filepath.FromSlash(rel))
		plan.files[abs] = out
		pkgs[filepath.Dir(abs)] = fs.f.Name.Name
	}
	for dir, name := range pkgs {
		plan.files[filepath.Join(dir, schemaFile)] = []byte(fmt.Sprintf(`package %s

import (
	"os"
	"strconv"
)

// %s is the mutant this binary runs (0: none), from $%s.
var %s = func() int { n, _ := strconv.Atoi(os.Getenv(%q)); return n }()
`, name, schemaVar, MutantEnv, schemaVar, MutantEnv))
	}
	return plan, nil
}

// forwarded is the new name of a mutant's copy of a function and the case
// that calls it.
type forwarded struct{ name, stmt string }

// forwardCall is the dispatch case of mutant k in fd, or false when fd
// cannot hold a mutant (generic, init, or an unnamed receiver or
// parameter).
func forwardCall(fd *ast.FuncDecl, k int) (forwarded, bool) {
	if fd.Name.Name == "init" || fd.Type.TypeParams != nil {
		return forwarded{}, false
	}
	name := fd.Name.Name + "__mutant" + strconv.Itoa(k)
	callee := name
	if fd.Recv != nil {
		if len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 || fd.Recv.List[0].Names[0].Name == "_" {
			return forwarded{}, false
		}
		rt := fd.Recv.List[0].Type
		if s, ok := rt.(*ast.StarExpr); ok {
			rt = s.X
		}
		if _, ok := rt.(*ast.Ident); !ok {
			return forwarded{}, false // a generic receiver
		}
		callee = fd.Recv.List[0].Names[0].Name + "." + name
	}
	var args []string
	for _, f := range fd.Type.Params.List {
		if len(f.Names) == 0 {
			return forwarded{}, false
		}
		for _, n := range f.Names {
			if n.Name == "_" {
				return forwarded{}, false
			}
			a := n.Name
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				a += "..."
			}
			args = append(args, a)
		}
	}
	call := callee + "(" + strings.Join(args, ", ") + ")"
	if fd.Type.Results == nil || len(fd.Type.Results.List) == 0 {
		return forwarded{name, "case " + strconv.Itoa(k) + ": " + call + "; return"}, true
	}
	return forwarded{name, "case " + strconv.Itoa(k) + ": return " + call}, true
}

// writeOverlay writes plan's files under dir and the overlay that maps
// them in, and returns the overlay's path.
func (plan *schemaPlan) writeOverlay(dir string) (string, error) {
	repl := map[string]string{}
	i := 0
	for abs, data := range plan.files {
		p := filepath.Join(dir, strconv.Itoa(i)+"_"+filepath.Base(abs))
		i++
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", err
		}
		repl[abs] = p
	}
	return writeOverlayFile(dir, repl)
}
