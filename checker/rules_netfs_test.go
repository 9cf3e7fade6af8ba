package checker_test

import (
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// TestNetfsCallRulesCaught: a netfs that reads from a cookie nobody has in
// use, or copies to the cache through an operation it has already ended,
// is caught by R-netfs at that call (checker/netfscalls.go), before any
// count underflows or a later check sees a symptom.
func TestNetfsCallRulesCaught(t *testing.T) {
	catchMutants(t, []mutantCase{
		{"open-no-use", func(m *fscache.Mutants) { m.NetfsOpenNoUse = true }, "netfs-read-write",
			"R-netfs", "the cookie is not in use", 200},
		// While another thread holds cookie->lock R-netfs cannot judge the
		// access count; the backend's own begin_operation for the ended
		// operation then finds its access missing (R-call): the same
		// broken rule, one call later.
		{"copy-after-end", func(m *fscache.Mutants) { m.NetfsCopyAfterEnd = true }, "netfs-read-write",
			"R-netfs|R-call", "access", 400},
	})
}
