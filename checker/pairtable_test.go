package checker

import (
	"testing"

	"github.com/fscachesim/fscachesim/sim"
	"pgregory.net/rapid"
)

// The pair table counts as a map would: the same keys, the same counts,
// in the order the keys first came, across its growth. Reasons that share
// their length and end bytes hash alike and must still count apart.
func TestPairTableCountsLikeAMap(t *testing.T) {
	reasons := []string{"", "PUT relnq", "PUT rlsq", "GET hsh", "GET hs_", "GET lru", "T15", "T16", "x", "xx", "xax", "xbx"}
	rapid.Check(t, func(rt *rapid.T) {
		keys := rapid.SliceOfN(rapid.Custom(func(rt *rapid.T) pairKey {
			return pairKey{
				state:  int8(rapid.IntRange(-1, 10).Draw(rt, "state")),
				typ:    sim.EventType(rapid.IntRange(0, 40).Draw(rt, "type")),
				reason: rapid.SampledFrom(reasons).Draw(rt, "reason"),
			}
		}), 0, 400).Draw(rt, "keys")
		var tb pairTable
		if rapid.Bool().Draw(rt, "sized") {
			tb = newPairTable(rapid.IntRange(0, 64).Draw(rt, "size"))
		}
		want := map[pairKey]int64{}
		var order []pairKey
		for _, k := range keys {
			if _, ok := want[k]; !ok {
				order = append(order, k)
			}
			want[k]++
			*tb.count(k)++
		}
		if len(tb.entries) != len(order) {
			rt.Fatalf("%d entries, want %d", len(tb.entries), len(order))
		}
		for i, e := range tb.entries {
			if e.key != order[i] || e.n != want[e.key] {
				rt.Fatalf("entry %d: %+v=%d, want %+v=%d", i, e.key, e.n, order[i], want[order[i]])
			}
		}
	})
}
