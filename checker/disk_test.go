package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// TestDiskRulesCaught: a cachefiles that refuses space above the stop
// thresholds, allocates past a file's size, culls a file in use, or leaves
// an inode marked in use after its unbind, or throws away a coherent data
// file as stale is caught by the disk check of
// that rule (checker/disk.go), judged against the virtual disk's own
// state, at the step the rule is broken.
func TestDiskRulesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"stop-at-cull", func(m *fscache.Mutants) { m.CachefilesStopAtCull = true }, "enospc-during-write",
			"disk-space", "refused", 200},
		{"write-over-allocates", func(m *fscache.Mutants) { m.CachefilesWriteOverAllocates = true }, "netfs-over-cachefiles",
			"disk-alloc", "allocated past its size", 200},
		{"cull-ignores-in-use", func(m *fscache.Mutants) { m.CachefilesCullIgnoresInUse = true }, "cull-vs-use",
			"disk-cull", "which is open", 400},
		{"coherency-wrong-size", func(m *fscache.Mutants) { m.CachefilesCoherencyWrongSize = true }, "crash-and-rebind",
			"disk-coherency", "coherent data thrown away", 200},
		{"unbind-keeps-mark", func(m *fscache.Mutants) { m.CachefilesUnbindKeepsMark = true }, "daemon-bind-unbind",
			"disk-unbind", "still marked in use", 200},
	})
}
