package kernelc

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// csrc holds the project's own C: the stand-in headers (csrc/include), the
// simulated kernel (kc_sched.c), the in-memory backend and the driver.
//
//go:embed csrc
var csrc embed.FS

// KernelFiles are the four files compiled unchanged from the tree.
var KernelFiles = []string{
	"fs/netfs/fscache_cookie.c",
	"fs/netfs/fscache_volume.c",
	"fs/netfs/fscache_cache.c",
	"fs/netfs/fscache_io.c",
}

// TreeHeaders are the headers taken from the tree as they are; every other
// header those files include is one of the project's stand-ins.
var TreeHeaders = []string{
	"fs/netfs/internal.h",
	"include/linux/fscache.h",
	"include/linux/fscache-cache.h",
	"include/linux/netfs.h",
	"include/linux/list_bl.h",
	"include/trace/events/fscache.h",
	"include/trace/events/netfs.h",
}

// glueFiles are the project's C files linked with the kernel objects into
// the archive; mainFile is kc-run's main, linked only into kc-run.
var glueFiles = []string{"kc_sched.c", "kc_backend.c", "kc_driver.c"}

// viewSymbols are the tree's static lists, hash tables and LRU globals the
// checker's views read (kc_go_views in kc_sched.c): objcopy makes them
// global in the kernel object so the glue can name them. A tree that renamed
// one still builds (the glue's references are weak); csim then refuses to
// run the whole checker on it.
var viewSymbols = []string{"fscache_cookie_hash", "fscache_volume_hash", "fscache_volumes",
	"fscache_caches", "fscache_cookie_lru", "fscache_cookie_lru_work", "fscache_cookie_lru_lock"}

const mainFile = "kc_main.c"

// CFlags are the flags every C file is compiled with. The kernel's objects
// get -fno-common so their globals land in sections the build renames (the
// simulator restores them before each execution).
var CFlags = []string{"-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-O2", "-g", "-fno-strict-aliasing", "-fno-common"}

// ASanFlags are added to CFlags by Options.ASan.
var ASanFlags = []string{"-fsanitize=address", "-fno-omit-frame-pointer", "-DKC_ASAN"}

// ErrBadTree is wrapped by every error that is the tree's fault (missing,
// incomplete, or not compiling against the stand-ins), as opposed to a
// missing compiler or an unwritable output directory.
var ErrBadTree = errors.New("unfit kernel tree")

// Options says what to build and where.
type Options struct {
	Src string // the kernel tree (its top directory)
	Out string // the build directory; "" means DefaultOutDir(hash)
	CC  string // the C compiler; "" means $CC or gcc
	// Module is the fscachesim module's source directory, or "": with it,
	// Build also links kc-sim (package kernelc/csim/kcsim: the C build
	// under sim's strategies, which `fscachesim diff` runs) with `go build`.
	Module string
	// ASan builds every object with AddressSanitizer (gcc
	// -fsanitize=address): kc-run then reports out-of-bounds accesses and,
	// kfree freeing at once, uses after free by ASan's own checks. kc-sim
	// is not built (cgo would need go build -asan).
	ASan bool
}

// Manifest records what a build compiled; a trace of the C build carries it.
type Manifest struct {
	TreeVersion  string            `json:"tree_version"`   // from the tree's Makefile, e.g. 6.12.118
	TreeHash     string            `json:"tree_hash"`      // sha256 of the compiled tree files (path, NUL, content, NUL...)
	StandinHash  string            `json:"standin_hash"`   // sha256 of the project's C and headers
	Files        map[string]string `json:"files"`          // tree file -> its sha256
	CFlags       []string          `json:"cflags"`         //
	Compiler     string            `json:"compiler"`       // first line of `cc --version`
	Archive      string            `json:"archive"`        // libkernelc.a: kernel objects + glue, for the cgo link
	Runner       string            `json:"runner"`         // kc-run: the C-build driver executable
	ASan         bool              `json:"asan,omitempty"` // built with -fsanitize=address
	Sim          string            `json:"sim,omitempty"`  // kc-sim: the C build under sim's strategies (built when Options.Module is set)
	SourceOrigin string            `json:"source_origin"`  // the tree directory as given
}

// Build compiles the four fscache files of the tree at opts.Src, unchanged,
// against the stand-in headers, links them with the simulated kernel, the
// in-memory backend and the driver, and writes the archive, the runner and
// manifest.json into the build directory.
func Build(opts Options) (*Manifest, error) {
	src, err := filepath.Abs(opts.Src)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory (want a Linux source tree, e.g. Debian's linux-source-6.12 unpacked)", ErrBadTree, opts.Src)
	}
	cflags := CFlags
	var ldflags []string
	if opts.ASan {
		cflags = append(append([]string{}, CFlags...), ASanFlags...)
		ldflags = []string{"-fsanitize=address"}
	}
	m := &Manifest{Files: map[string]string{}, CFlags: cflags, SourceOrigin: opts.Src, ASan: opts.ASan}
	treeFiles := append(append([]string{}, KernelFiles...), TreeHeaders...)
	sort.Strings(treeFiles)
	contents := map[string][]byte{}
	all := sha256.New()
	for _, f := range treeFiles {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return nil, fmt.Errorf("%w: %s has no %s (fscachesim compiles %s against the tree's own %s)", ErrBadTree, opts.Src, f, strings.Join(KernelFiles, ", "), strings.Join(TreeHeaders, ", "))
		}
		contents[f] = b
		h := sha256.Sum256(b)
		m.Files[f] = hex.EncodeToString(h[:])
		fmt.Fprintf(all, "%s\x00%s\x00", f, b)
	}
	m.TreeHash = hex.EncodeToString(all.Sum(nil))
	m.TreeVersion = treeVersion(src)
	m.StandinHash, err = standinHash()
	if err != nil {
		return nil, err
	}

	out := opts.Out
	if out == "" {
		if out, err = DefaultOutDir(m.TreeHash, m.StandinHash); err != nil {
			return nil, err
		}
		if opts.ASan {
			out += "-asan"
		}
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	cc := opts.CC
	if cc == "" {
		cc = os.Getenv("CC")
	}
	if cc == "" {
		cc = "gcc"
	}
	ver, err := exec.Command(cc, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("no C compiler: %s --version: %v (install gcc, e.g. apt-get install gcc)", cc, err)
	}
	m.Compiler = strings.SplitN(string(ver), "\n", 2)[0]

	// Stage: the tree files as they are, and the project's C, in a fresh
	// directory, so nothing else from the tree can be picked up.
	stage := filepath.Join(out, "stage")
	obj := filepath.Join(out, "obj")
	if err := os.RemoveAll(stage); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(obj); err != nil {
		return nil, err
	}
	for f, b := range contents {
		if err := writeFile(filepath.Join(stage, "tree", f), b); err != nil {
			return nil, err
		}
	}
	err = fs.WalkDir(csrc, "csrc", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := csrc.ReadFile(p)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(stage, p), b)
	})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(obj, 0o755); err != nil {
		return nil, err
	}
	incs := []string{"-I", filepath.Join(stage, "csrc", "include"), "-I", filepath.Join(stage, "tree", "include")}
	var kobjs []string
	for _, f := range KernelFiles {
		o := filepath.Join(obj, strings.TrimSuffix(filepath.Base(f), ".c")+".o")
		args := append(append(append([]string{}, cflags...), incs...), "-c", f, "-o", o)
		if msg, err := runIn(filepath.Join(stage, "tree"), cc, args...); err != nil {
			return nil, fmt.Errorf("%w: %s does not compile against fscachesim's stand-in headers (made for Linux 6.12; this tree is %s): %s", ErrBadTree, f, m.TreeVersion, firstError(msg, err))
		}
		kobjs = append(kobjs, o)
	}
	// One relocatable object for the kernel code, its writable sections
	// renamed so the linker brackets them (__start_kc_kdata...).
	kernel := filepath.Join(obj, "kc_kernel.o")
	if msg, err := run("ld", append([]string{"-r", "-o", kernel}, kobjs...)...); err != nil {
		return nil, fmt.Errorf("ld -r: %s", firstError(msg, err))
	}
	ocargs := []string{"--rename-section", ".data=kc_kdata", "--rename-section", ".data.rel.local=kc_kdatarel", "--rename-section", ".bss=kc_kbss"}
	for _, s := range viewSymbols {
		ocargs = append(ocargs, "--globalize-symbol="+s)
	}
	if msg, err := run("objcopy", append(ocargs, kernel)...); err != nil {
		return nil, fmt.Errorf("objcopy: %s", firstError(msg, err))
	}
	objs := []string{kernel}
	for _, g := range glueFiles {
		o := filepath.Join(obj, strings.TrimSuffix(g, ".c")+".o")
		args := append(append(append([]string{}, cflags...), incs...), "-c", g, "-o", o)
		if msg, err := runIn(filepath.Join(stage, "csrc"), cc, args...); err != nil {
			return nil, fmt.Errorf("%w: fscachesim's glue %s does not compile against this tree's headers (made for Linux 6.12; this tree is %s): %s", ErrBadTree, g, m.TreeVersion, firstError(msg, err))
		}
		objs = append(objs, o)
	}
	m.Archive = filepath.Join(out, "libkernelc.a")
	os.Remove(m.Archive)
	if msg, err := run("ar", append([]string{"rcs", m.Archive}, objs...)...); err != nil {
		return nil, fmt.Errorf("ar: %s", firstError(msg, err))
	}
	mainObj := filepath.Join(obj, "kc_main.o")
	args := append(append(append([]string{}, cflags...), incs...), "-c", mainFile, "-o", mainObj)
	if msg, err := runIn(filepath.Join(stage, "csrc"), cc, args...); err != nil {
		return nil, fmt.Errorf("%w: fscachesim's glue %s does not compile against this tree's headers: %s", ErrBadTree, mainFile, firstError(msg, err))
	}
	m.Runner = filepath.Join(out, "kc-run")
	if msg, err := run(cc, append(append([]string{"-o", m.Runner, mainObj}, objs...), ldflags...)...); err != nil {
		return nil, fmt.Errorf("link: %s", firstError(msg, err))
	}
	if opts.Module != "" && !opts.ASan {
		m.Sim = filepath.Join(out, "kc-sim")
		// go build leaves an output it thinks up to date alone, and the
		// archive's content is not part of what it compares: remove it.
		os.Remove(m.Sim)
		cmd := exec.Command("go", "build", "-tags", "fscachesim_kernelc", "-o", m.Sim, "./kernelc/csim/kcsim")
		cmd.Dir = opts.Module
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "CC="+cc, "CGO_LDFLAGS=-L"+out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build kc-sim in %s: %s", opts.Module, firstError(string(msg), err))
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// DefaultOutDir is where a build goes unless told: under the user's cache
// directory (never in the repository), one directory per tree and stand-in
// version.
func DefaultOutDir(treeHash, standinHash string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the build (%v): pass --out DIR", err)
	}
	return filepath.Join(dir, "fscachesim", "kernelc", treeHash[:16]+"-"+standinHash[:8]), nil
}

// ReadManifest reads the manifest.json a Build wrote into dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a kernel build (run 'fscachesim kernel build --src DIR' first): %v", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %v", dir, err)
	}
	return &m, nil
}

var makeVar = regexp.MustCompile(`(?m)^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*=[ \t]*(\S*)`)

// treeVersion reads VERSION.PATCHLEVEL.SUBLEVEL from the tree's Makefile.
func treeVersion(src string) string {
	b, err := os.ReadFile(filepath.Join(src, "Makefile"))
	if err != nil {
		return "unknown (no Makefile)"
	}
	v := map[string]string{}
	for _, m := range makeVar.FindAllStringSubmatch(string(b), -1) {
		if _, seen := v[m[1]]; !seen {
			v[m[1]] = m[2]
		}
	}
	if v["VERSION"] == "" {
		return "unknown"
	}
	return v["VERSION"] + "." + v["PATCHLEVEL"] + "." + v["SUBLEVEL"] + v["EXTRAVERSION"]
}

func standinHash() (string, error) {
	h := sha256.New()
	var names []string
	err := fs.WalkDir(csrc, "csrc", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := csrc.ReadFile(n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", n, b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func run(name string, args ...string) (string, error) { return runIn("", name, args...) }

// runIn runs a tool in dir: the compiler runs where the sources are, with
// relative names, so __FILE__ (in WARN and BUG findings) does not depend on
// where the build directory is.
func runIn(dir, name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// firstError picks the compiler's first error line, or the whole failure.
func firstError(msg string, err error) string {
	for _, l := range strings.Split(msg, "\n") {
		if strings.Contains(l, "error") {
			return strings.TrimSpace(l)
		}
	}
	if s := strings.TrimSpace(msg); s != "" {
		return strings.SplitN(s, "\n", 2)[0]
	}
	return err.Error()
}
