package kernelc

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// kernelSrc is the kernel tree the tests build from. `make test` and CI set
// FSCACHESIM_KERNEL_SRC (.ci/kernel-src fetches Debian's linux-source-6.12
// once into a cache directory); a plain `go test` without it fails, saying
// how to get one, rather than skipping.
func kernelSrc(t *testing.T) string {
	t.Helper()
	src := os.Getenv("FSCACHESIM_KERNEL_SRC")
	if src == "" {
		t.Fatal("FSCACHESIM_KERNEL_SRC is not set: these tests build the kernel's own fscache C from a Linux 6.12 tree. " +
			"Run `make test` (it fetches one with .ci/kernel-src), or `export FSCACHESIM_KERNEL_SRC=$(bash .ci/kernel-src)`, " +
			"or point it at an unpacked linux-source-6.12")
	}
	return src
}

var (
	buildOnce sync.Once
	built     *Manifest
	buildErr  error
)

// theBuild builds the tree once for the whole package's tests.
func theBuild(t *testing.T) *Manifest {
	t.Helper()
	src := kernelSrc(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fscachesim-kernelc-test-")
		if err != nil {
			buildErr = err
			return
		}
		built, buildErr = Build(Options{Src: src, Out: dir})
	})
	if buildErr != nil {
		t.Fatalf("Build(%s): %v", src, buildErr)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != nil {
		os.RemoveAll(filepath.Dir(built.Runner))
	}
	os.Exit(code)
}

// runner runs the build's driver and returns its output and exit code.
func runner(t *testing.T, m *Manifest, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(m.Runner, args...).Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("%s %v: %v", m.Runner, args, err)
	return "", -1
}

func TestBuildManifest(t *testing.T) {
	m := theBuild(t)
	if len(m.TreeHash) != 64 || len(m.StandinHash) != 64 {
		t.Errorf("hashes %q %q: want sha256 hex", m.TreeHash, m.StandinHash)
	}
	if len(m.Files) != len(KernelFiles)+len(TreeHeaders) {
		t.Errorf("manifest lists %d files, want %d", len(m.Files), len(KernelFiles)+len(TreeHeaders))
	}
	if !strings.HasPrefix(m.TreeVersion, "6.12") {
		t.Errorf("tree version %q: the tests want a Linux 6.12 tree", m.TreeVersion)
	}
	got, err := ReadManifest(filepath.Dir(m.Runner))
	if err != nil || got.TreeHash != m.TreeHash {
		t.Errorf("ReadManifest: %v, hash %v, want %s", err, got, m.TreeHash)
	}
}

// TestLife runs one cookie's whole life on the kernel's code and checks the
// tracepoints show each stage, in order, and that nothing is left allocated.
func TestLife(t *testing.T) {
	m := theBuild(t)
	out, code := runner(t, m, "-seed", "1", "-scenario", "life")
	if code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, out)
	}
	stages := []string{
		"fscache_cache: C=00000001 NEW acq",        // fscache_acquire_cache
		"fscache_acquire: c=00000002",              // fscache_acquire_cookie
		"fscache_active: c=00000002 USE-m",         // fscache_use_cookie(will_modify)
		"fscache_cookie: c=00000002 -   activ",     // lookup done: ACTIVE
		"fscache_access: c=00000002 BEGIN io_writ", // a write waits for ACTIVE (a read may start while CREATING)
		"fscache_active: c=00000002 UNUSE",
		"fscache_cookie: c=00000002 -   lrudo", // the LRU timer fired, discard
		"fscache_cookie: c=00000002 -   x-lru", // the LRU discard withdrew it
		"fscache_relinquish: c=00000002",
		"fscache_cookie: c=00000002 -   x-rlq", // relinquished and withdrawn
		"fscache_volume: V=00000001 FREE",      // freed during the teardown's sleep...
		"fscache_cache: C=00000001 PUT vol   r=1",
		"fscache_cache: C=00000001 PUT relnq r=0", // ...before the cache is withdrawn
		"live_allocs 0 findings 0",
	}
	rest := out
	for _, s := range stages {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("no %q after the previous stage in:\n%s", s, out)
		}
		rest = rest[i+len(s):]
	}
}

// TestExploreShort is the short C-build exploration of `make test`: a few
// thousand random-walk executions of each scenario, every execution starting
// from the kernel objects' pristine globals; any WARN, BUG, refcount misuse,
// double free, crash, deadlock or leak fails it.
func TestExploreShort(t *testing.T) {
	m := theBuild(t)
	for _, sc := range []string{"life", "two-users", "lru-vs-use"} {
		out, code := runner(t, m, "-runs", "3000", "-quiet", "-scenario", sc)
		if code != 0 {
			t.Errorf("%s: exit %d:\n%s", sc, code, out)
		}
	}
}

// TestDeterminismAndReplay: the same seed gives the same execution byte for
// byte, and the printed decision list replays it under any seed.
func TestDeterminismAndReplay(t *testing.T) {
	m := theBuild(t)
	for _, sc := range []string{"life", "two-users"} {
		a, _ := runner(t, m, "-seed", "5", "-scenario", sc)
		b, _ := runner(t, m, "-seed", "5", "-scenario", sc)
		if a != b {
			t.Fatalf("%s: seed 5 twice differs", sc)
		}
		var decisions string
		for _, l := range strings.Split(a, "\n") {
			if d, ok := strings.CutPrefix(l, "decisions "); ok {
				decisions = d
			}
		}
		if decisions == "" {
			t.Fatalf("%s: no decision list in:\n%s", sc, a)
		}
		c, _ := runner(t, m, "-seed", "99", "-replay", decisions, "-scenario", sc)
		if c != a {
			t.Errorf("%s: replay of seed 5's decisions differs from seed 5", sc)
		}
		d, _ := runner(t, m, "-seed", "6", "-scenario", sc)
		if d == a {
			t.Errorf("%s: seeds 5 and 6 gave the same execution: the strategy is not choosing", sc)
		}
	}
}

// TestFindingKernelWarn proves that a WARN in the kernel's own code is a
// finding: the driver's bug switch uses the cookie after relinquishing it,
// and fscache_use_cookie's own WARN_ON on FSCACHE_COOKIE_RELINQUISHED fires.
func TestFindingKernelWarn(t *testing.T) {
	m := theBuild(t)
	out, code := runner(t, m, "-seed", "1", "-bug", "use-after-relinquish")
	if code != 1 || !strings.Contains(out, "FINDING WARNING at fs/netfs/fscache_cookie.c") {
		t.Errorf("exit %d, want 1 with the kernel's WARN as a finding:\n%s", code, out)
	}
}

// TestBadTree: a missing tree, an incomplete one and one that does not
// compile each give ErrBadTree with a message naming the problem.
func TestBadTree(t *testing.T) {
	src := kernelSrc(t)
	broken := t.TempDir()
	for _, f := range append(append([]string{}, KernelFiles...), TreeHeaders...) {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "fs/netfs/fscache_io.c" {
			b = append(b, []byte("\nthis is not C;\n")...)
		}
		if err := writeFile(filepath.Join(broken, f), b); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, src, want string
	}{
		{"missing", filepath.Join(t.TempDir(), "nope"), "is not a directory"},
		{"incomplete", t.TempDir(), "has no fs/netfs/fscache_cache.c"},
		{"not compiling", broken, "fs/netfs/fscache_io.c does not compile against fscachesim's stand-in headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(Options{Src: tc.src, Out: t.TempDir()})
			if !errors.Is(err, ErrBadTree) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v, want ErrBadTree saying %q", err, tc.want)
			}
		})
	}
}

// cve202248989Fix are the lines the fix of CVE-2022-48989 ("fscache: Fix oops
// due to race with cookie_lru and use_cookie") added to __fscache_use_cookie:
// a use of an ACTIVE cookie clears a pending LRU discard.
const cve202248989Fix = "\t\tif (test_and_clear_bit(FSCACHE_COOKIE_DO_LRU_DISCARD, &cookie->flags))\n" +
	"\t\t\tfscache_see_cookie(cookie, fscache_cookie_see_lru_discard_clear);\n"

// TestRevertedFixFound: on a copy of the tree with the CVE-2022-48989 fix
// removed, the short exploration of lru-vs-use finds the LRU discarding a
// cookie in use (the backend's in-use check on kc-run; package checker's
// I-9 under sim); TestExploreShort and TestCgoSim run the same explorations
// clean on the tree as it is.
func TestRevertedFixFound(t *testing.T) {
	src := kernelSrc(t)
	reverted := t.TempDir()
	for _, f := range append(append([]string{"Makefile"}, KernelFiles...), TreeHeaders...) {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "fs/netfs/fscache_cookie.c" {
			if n := strings.Count(string(b), cve202248989Fix); n != 1 {
				t.Fatalf("%s has the CVE-2022-48989 fix lines %d times, want once (is this Linux 6.12?)", f, n)
			}
			b = []byte(strings.Replace(string(b), cve202248989Fix, "", 1))
		}
		if err := writeFile(filepath.Join(reverted, f), b); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Build(Options{Src: reverted, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	out, code := runner(t, m, "-runs", "3000", "-quiet", "-scenario", "lru-vs-use")
	if code != 1 || !strings.Contains(out, "LRU discard withdrew a cookie a netfs user holds in use") {
		t.Errorf("exit %d, want 1 with the in-use check's finding:\n%s", code, out)
	}
	// Under sim, package checker reading the C objects through the mirror
	// catches it first, by its own invariant I-9 (DO_LRU_DISCARD pending
	// on a cookie in use), before the backend's withdrawal.
	bin := csimTest(t, m)
	cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestExploreClean$", "-test.v")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_WANT=I-9", "FSCACHESIM_KERNELC_SCENARIO=lru-vs-use")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "lru-vs-use: I-9 found at seed") {
		t.Fatalf("want the checker's I-9 to fail on the reverted tree under sim: %v\n%s", err, out)
	}
	// And the exhaustive search (DPOR) at preemption bound 0 finds it too.
	cmd = exec.Command(bin, "-test.count=1", "-test.run", "^TestExhaustiveSmallBound$", "-test.v")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_WANT=I-9", "FSCACHESIM_KERNELC_SCENARIO=lru-vs-use", "FSCACHESIM_KERNELC_BOUND=0")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "lru-vs-use bound 0: I-9 found after") {
		t.Fatalf("want the exhaustive search at bound 0 to find I-9 on the reverted tree: %v\n%s", err, out)
	}
}

// TestSoakKernelC is `make kernel-test`: 10^5 random-walk executions of
// life, two-users and lru-vs-use on the C-only runner (the C side's
// checks), then 10^5 executions
// of each scenario under sim (33,334 each of random, PCT and POS) with every
// check of package checker on, through csim's TestExploreClean, and 10^4 of
// lru-wait and of lru-io-wait through csim's TestLRUWait.
func TestSoakKernelC(t *testing.T) {
	if os.Getenv("FSCACHESIM_SOAK") == "" {
		t.Skip("a soak test: set FSCACHESIM_SOAK=1 (make kernel-test)")
	}
	m := theBuild(t)
	for _, sc := range []string{"life", "two-users", "lru-vs-use"} {
		out, code := runner(t, m, "-runs", "100000", "-quiet", "-scenario", sc)
		if code != 0 {
			t.Errorf("%s: exit %d:\n%s", sc, code, out)
		}
	}
	bin := csimTest(t, m)
	for _, sc := range []string{"life", "two-users", "lru-vs-use", "lru-vs-io"} {
		cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestExploreClean$", "-test.v", "-test.timeout", "2h")
		cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_RUNS=33334", "FSCACHESIM_KERNELC_SCENARIO="+sc)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "100002 executions clean") {
			t.Errorf("%s under sim, every check on: %v\n%s", sc, err, out)
		}
		t.Logf("%s", strings.TrimSpace(string(out)))
	}
	// lru-wait and lru-io-wait (~7,000 steps an execution): 10^4 executions
	// each, every check on.
	cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestLRUWait$", "-test.v", "-test.timeout", "2h")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_LRUWAIT_RUNS=3334")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), ": 10002 executions clean") != 2 {
		t.Errorf("lru-wait and lru-io-wait under sim, every check on: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
	soakASanSim(t)
}

// soakASanSim is AddressSanitizer under sim: the tree built with --asan,
// csim's tests linked with go test -asan against it (a slow link: the
// standard library is rebuilt with ASan, minutes), the short exploration of
// every scenario clean under ASan with every check on, and the driver's
// heap overflow, which the ordinary build does not see, reported by ASan.
func soakASanSim(t *testing.T) {
	m, err := Build(Options{Src: kernelSrc(t), Out: t.TempDir(), ASan: true})
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "csim.asan.test")
	cmd := exec.Command("go", "test", "-asan", "-tags", "fscachesim_kernelc", "-c", "-o", bin, "./csim/")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "CGO_LDFLAGS=-L"+filepath.Dir(m.Archive)+" -fsanitize=address", "CGO_CFLAGS=-fsanitize=address")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -asan -c ./csim/: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-test.count=1", "-test.run", "^(TestExploreClean|TestSimDecides|TestCheckerSeesC)$").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") || strings.Contains(string(out), "ERROR: AddressSanitizer") {
		t.Fatalf("csim under ASan: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "-test.count=1", "-test.run", "^TestHeapOverflowRun$").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "AddressSanitizer: heap-buffer-overflow") {
		t.Fatalf("want ASan to report the driver's heap overflow under sim: %v\n%s", err, out)
	}
	t.Logf("ASan under sim: clean exploration, heap overflow reported")
}

// csimTest compiles package csim's tests (cgo, build tag fscachesim_kernelc)
// linked against the archive of m, and returns the test binary.
func csimTest(t *testing.T, m *Manifest) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "csim.test")
	cmd := exec.Command("go", "test", "-tags", "fscachesim_kernelc", "-c", "-o", bin, "./csim/")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "CGO_LDFLAGS=-L"+filepath.Dir(m.Archive))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -c ./csim/ against %s: %v\n%s", m.Archive, err, out)
	}
	return bin
}

// TestCgoSim runs package csim's tests against the build of the tree: the
// C build under sim's strategies (random, PCT, POS), sim's decision log and
// strict replay, the kernel's tracepoints as the Go model's events, package
// checker reading the C objects through the mirror, the short exploration
// of every C scenario and the exhaustive search at bound 0 and 1.
func TestCgoSim(t *testing.T) {
	m := theBuild(t)
	bin := csimTest(t, m)
	out, err := exec.Command(bin, "-test.count=1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("csim tests: %v\n%s", err, out)
	}
}

// nAccessesFix is the check the 2024 fix "fs/netfs/fscache_cookie: add
// missing "n_accesses" check" added to the cookie state machine's ACTIVE
// case: an LRU discard waits while accesses are in flight.
const nAccessesFix = "\t\t\tif (atomic_read(&cookie->n_accesses) != 0)\n" +
	"\t\t\t\t/* still being accessed: postpone it */\n" +
	"\t\t\t\tbreak;\n\n"

// TestRevertedNAccessesFixFound: on a copy of the tree without the 2024
// n_accesses check, the C build explored under sim's strategies fails
// package checker's I-16 (read through the mirror of the C objects) in
// lru-vs-io;
// TestCgoSim explores the same scenario clean on the tree as it is.
func TestRevertedNAccessesFixFound(t *testing.T) {
	src := kernelSrc(t)
	reverted := t.TempDir()
	for _, f := range append(append([]string{"Makefile"}, KernelFiles...), TreeHeaders...) {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "fs/netfs/fscache_cookie.c" {
			if n := strings.Count(string(b), nAccessesFix); n != 1 {
				t.Fatalf("%s has the n_accesses fix lines %d times, want once (is this Linux 6.12?)", f, n)
			}
			b = []byte(strings.Replace(string(b), nAccessesFix, "", 1))
		}
		if err := writeFile(filepath.Join(reverted, f), b); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Build(Options{Src: reverted, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	bin := csimTest(t, m)
	cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestExploreClean$", "-test.v")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_WANT=I-16", "FSCACHESIM_KERNELC_SCENARIO=lru-vs-io")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "lru-vs-io: I-16 found at seed") {
		t.Fatalf("want the checker's I-16 to fail on the reverted tree: %v\n%s", err, out)
	}
}

// TestASanBuild: `kernel build --asan` compiles everything with
// AddressSanitizer; the scenarios run clean under it (no false alarm from
// the thread switching or the globals' restore), and the driver's
// heap-overflow switch, a read one byte past a kmalloc'd block that the
// ordinary build cannot see (it exits 0), is reported by ASan.
func TestASanBuild(t *testing.T) {
	m := theBuild(t)
	if out, code := runner(t, m, "-seed", "1", "-bug", "heap-overflow"); code != 0 {
		t.Fatalf("the ordinary build saw the heap overflow (exit %d): the test proves nothing\n%s", code, out)
	}
	a, err := Build(Options{Src: kernelSrc(t), Out: t.TempDir(), ASan: true})
	if err != nil {
		t.Fatal(err)
	}
	if !a.ASan || a.Sim != "" {
		t.Errorf("manifest: asan %v, sim %q", a.ASan, a.Sim)
	}
	for _, sc := range []string{"life", "two-users", "lru-vs-use", "lru-vs-io"} {
		if out, code := runner(t, a, "-runs", "200", "-quiet", "-scenario", sc); code != 0 {
			t.Errorf("%s under ASan: exit %d:\n%s", sc, code, out)
		}
	}
	cmd := exec.Command(a.Runner, "-seed", "1", "-bug", "heap-overflow")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "AddressSanitizer: heap-buffer-overflow") {
		t.Errorf("heap-overflow under ASan: %v, want ASan's report:\n%s", err, out)
	}
}

// brokenTree is a copy of the kernel tree's compiled files with old
// replaced by new (once) in file: a kernel broken in one known way.
func brokenTree(t *testing.T, file, old, new string) string {
	t.Helper()
	src := kernelSrc(t)
	dir := t.TempDir()
	for _, f := range append(append([]string{"Makefile"}, KernelFiles...), TreeHeaders...) {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == file {
			if n := strings.Count(string(b), old); n != 1 {
				t.Fatalf("%s has the lines to break %d times, want once (is this Linux 6.12?)", f, n)
			}
			b = []byte(strings.Replace(string(b), old, new, 1))
		}
		if err := writeFile(filepath.Join(dir, f), b); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBrokenTreeCaughtByRCall: package checker's R-call sees the C's
// backend calls (recorded by the in-memory backend with the cookie as it
// was at the call): on a copy of the tree whose fscache_begin_operation
// treats LOOKING_UP as ready, the C calls the backend's begin_operation for
// a cookie still being looked up, and R-call reports it under sim;
// TestCgoSim explores the same scenario clean on the tree as it is.
func TestBrokenTreeCaughtByRCall(t *testing.T) {
	const ready = "\tcase FSCACHE_COOKIE_STATE_LOOKING_UP:\n\tcase FSCACHE_COOKIE_STATE_LRU_DISCARDING:\n\tcase FSCACHE_COOKIE_STATE_INVALIDATING:\n"
	broken := brokenTree(t, "fs/netfs/fscache_io.c", ready,
		"\tcase FSCACHE_COOKIE_STATE_LOOKING_UP:\n\t\tgoto ready;\n\tcase FSCACHE_COOKIE_STATE_LRU_DISCARDING:\n\tcase FSCACHE_COOKIE_STATE_INVALIDATING:\n")
	m, err := Build(Options{Src: broken, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	bin := csimTest(t, m)
	cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestExploreClean$", "-test.v")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_WANT=R-call", "FSCACHESIM_KERNELC_SCENARIO=life")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "life: R-call found at seed") || !strings.Contains(string(out), "begin_operation: called for c=00000002 in LOOKING_UP") {
		t.Fatalf("want R-call to report begin_operation in LOOKING_UP on the broken tree: %v\n%s", err, out)
	}
}

// lruArm is the LRU timer's arming in fscache_unuse_cookie_locked: a cookie
// put on the LRU is looked at again within the LRU timeout.
const lruArm = "\ttimer_reduce(&fscache_cookie_lru_timer,\n\t\t     jiffies + fscache_lru_cookie_timeout);\n"

// TestBrokenTreeCaughtByL1: a liveness monitor of package checker proven on
// the kernel's C. On a copy of the tree whose fscache_unuse_cookie no
// longer arms the LRU timer, a closed cookie stays on the LRU with nobody
// due to look at it; in lru-wait it waits there through a stretch of work on
// a second cookie longer than the default liveness bound, and L-1 reports
// it under each of sim's strategies (and the failing trace replays and
// shrinks). TestCgoSim explores lru-wait clean on the tree as it is, and
// shows the cookie on the LRU there for more steps than the bound.
func TestBrokenTreeCaughtByL1(t *testing.T) {
	m, err := Build(Options{Src: brokenTree(t, "fs/netfs/fscache_cookie.c", lruArm, ""), Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	bin := csimTest(t, m)
	cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestLRUWait$", "-test.v")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_WANT=L-1", "FSCACHESIM_KERNELC_SCENARIO=lru-wait")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), "lru-wait: L-1 found at seed") != 3 ||
		!strings.Contains(string(out), "c=00000002: LRU non-empty and nobody due to look at its head") {
		t.Fatalf("want L-1 to report c=00000002 left on the LRU under each strategy on the broken tree: %v\n%s", err, out)
	}
}

// endAccessWake is fscache_end_cookie_access's wake-up: the end of the last
// access queues the state machine (unless NO_ACCESS_WAKE), which acts on
// what it postponed while accesses were in flight.
const endAccessWake = "\tif (n_accesses == 0 &&\n\t    !test_bit(FSCACHE_COOKIE_NO_ACCESS_WAKE, &cookie->flags))\n" +
	"\t\tfscache_queue_cookie(cookie, fscache_cookie_get_end_access);\n"

// TestBrokenTreeCaughtByL5: a dropped wake-up in the kernel's C caught by
// package checker's L-5 (a request is acted on). On a copy of the tree whose
// fscache_end_cookie_access no longer queues the state machine, the LRU
// discard the state machine postponed while a read was in flight is never
// acted on: in lru-io-wait DO_LRU_DISCARD stays pending on an idle ACTIVE
// cookie through the stretch of work on a second cookie, and L-5 reports it
// under each of sim's strategies. None of the four other scenarios sees this
// tree (the relinquish soon after the read queues the state machine anyway);
// TestCgoSim explores lru-io-wait clean on the tree as it is.
func TestBrokenTreeCaughtByL5(t *testing.T) {
	m, err := Build(Options{Src: brokenTree(t, "fs/netfs/fscache_cookie.c", endAccessWake, ""), Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	bin := csimTest(t, m)
	cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestLRUWait$", "-test.v")
	cmd.Env = append(os.Environ(), "FSCACHESIM_KERNELC_WANT=L-5", "FSCACHESIM_KERNELC_SCENARIO=lru-io-wait")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), "lru-io-wait: L-5 found at seed") != 3 ||
		!strings.Contains(string(out), "c=00000002: DO_LRU_DISCARD pending in ACTIVE and nothing due to act on it") {
		t.Fatalf("want L-5 to report c=00000002's LRU discard never acted on under each strategy on the broken tree: %v\n%s", err, out)
	}
}
