package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// TestLayoutRulesCaught: a cachefiles whose on-disk layout, space
// accounting or DIRTY marking departs from 6.12's is caught by the rule of
// checker/layout.go it breaks, judged from the netfs's inputs and the
// disk with the checker's own transcription of the kernel, at the event
// that puts the thing on the disk.
func TestLayoutRulesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"fanout-wrong-byte", func(m *fscache.Mutants) { m.Layout.FanoutWrongByte = true }, "netfs-over-cachefiles",
			"layout-path", "fan-out directory", 200},
		{"cook-key-skips-first", func(m *fscache.Mutants) { m.Layout.CookKeySkipsFirst = true }, "netfs-over-cachefiles",
			"layout-path", "cachefiles_cook_key", 200},
		{"xattr-no-data-as-one", func(m *fscache.Mutants) { m.Layout.XattrNoDataAsOne = true }, "netfs-over-cachefiles",
			"layout-xattr", "struct cachefiles_xattr", 200},
		{"adjust-size-over", func(m *fscache.Mutants) { m.Layout.AdjustSizeOver = true }, "netfs-over-cachefiles",
			"layout-size", "cachefiles_adjust_size", 200},
		{"tmpfile-not-expanded", func(m *fscache.Mutants) { m.Layout.TmpfileNotExpanded = true }, "netfs-over-cachefiles",
			"layout-size", "without the expansion", 200},
		{"no-local-write-at-lookup", func(m *fscache.Mutants) { m.Layout.NoLocalWriteAtLookup = true }, "netfs-over-cachefiles",
			"dirty-localwrite", "LOCAL_WRITE clear", 200},
		{"prepare-marks-tmpfile", func(m *fscache.Mutants) { m.Layout.PrepareMarksTmpfile = true }, "netfs-over-cachefiles",
			"dirty-mark", "tmpfile", 200},
		{"create-asks-block", func(m *fscache.Mutants) { m.Layout.CreateAsksBlock = true }, "netfs-over-cachefiles",
			"space-ask", "1 file and 0 blocks", 200},
		{"bury-swaps-kinds", func(m *fscache.Mutants) { m.Layout.BurySwapsKinds = true }, "cull-vs-use",
			"layout-bury", "into the graveyard", 400},
		{"overwrite-refused", func(m *fscache.Mutants) { m.Layout.OverwriteRefused = true }, "random-disk",
			"space-overwrite", "refused", 1500},
		{"bshift-off", func(m *fscache.Mutants) { m.Layout.BShiftOff = true }, "netfs-over-cachefiles",
			"space-bshift", "bshift", 200},
		{"statfs-trace-on-success", func(m *fscache.Mutants) { m.Layout.StatfsTraceOnSuccess = true }, "netfs-over-cachefiles",
			"trace-vfs-error", "carries error 0", 200},
	})
}
