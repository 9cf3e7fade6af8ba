package fscache

import (
	"testing"

	"github.com/fscachesim/fscachesim/model"
	"github.com/fscachesim/fscachesim/sim"
)

// TestLookupCacheSecondPass: fscache_lookup_cache as 6.12 has it. A
// backend registering a tag that no record has yet adopts, in the second
// pass under the write lock, the LAST unnamed placeholder it passes (the
// model took the first until 6.12 was read); a record being freed (ref 0)
// is passed over; a volume naming a missing cache never adopts a
// placeholder. Records are laid out by hand; a record "being freed" has its
// ref at zero.
func TestLookupCacheSecondPass(t *testing.T) {
	cases := []struct {
		name     string
		records  []string // names of existing records ("" = unnamed placeholder)
		gettable []bool   // which of them have a ref (not being freed)
		lookup   string
		isCache  bool
		want     int // index of the record returned; -1 = the new candidate
	}{
		// A backend registering "cacheA": two unnamed placeholders, both
		// alive; the kernel adopts the last one it passed.
		{"adopt-last-unnamed", []string{"", "", "cacheB"}, []bool{true, true, true}, "cacheA", true, 1},
		// A volume asking for no particular cache, only named records
		// alive: a named one.
		{"any-takes-named", []string{"", "cacheB"}, []bool{false, true}, "", false, 1},
		// The same name exists: that record.
		{"same-name", []string{"", "cacheA"}, []bool{true, true}, "cacheA", true, 1},
		// A volume naming a cache that does not exist does not adopt a
		// placeholder (only a backend does): a new record.
		{"volume-no-adopt", []string{""}, []bool{true}, "cacheA", false, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := sim.New(sim.Options{MaxSteps: 1 << 16})
			f := New(k, model.Bugs{})
			var got *Cache
			k.Spawn("t", func(th *sim.Thread) {
				for i, n := range tc.records {
					c := f.allocCache(th, n)
					if !tc.gettable[i] {
						c.ref.Init(0)
					}
					f.caches = append(f.caches, c)
				}
				got = f.lookupCache(th, tc.lookup, tc.isCache)
			})
			k.Run()
			if tc.want < 0 {
				if got == nil || got.Name != tc.lookup || got == f.caches[0] {
					t.Fatalf("got %+v, want a new record named %q", got, tc.lookup)
				}
				return
			}
			want := f.caches[tc.want]
			if got != want {
				t.Fatalf("got record %q (C=%08x), want index %d (C=%08x)", got.Name, got.DebugID, tc.want, want.DebugID)
			}
			if tc.isCache && got.Name != tc.lookup {
				t.Fatalf("adopted record is named %q, want %q", got.Name, tc.lookup)
			}
		})
	}
}
