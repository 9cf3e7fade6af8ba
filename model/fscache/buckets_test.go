package fscache

import "testing"

// The bucket table gives every index one bucket, made on first use, the
// same before and after it switches from its slice to its map.
func TestBuckets(t *testing.T) {
	var tb buckets[cookieBucket]
	made := map[uint32]*cookieBucket{}
	// A stride that is not a power of two visits indices out of order.
	for n := uint32(0); n < 3*bucketsLinear; n++ {
		i := n * 7919 % CookieHashBuckets
		if tb.get(i) != nil {
			t.Fatalf("bucket %d exists before it was made", i)
		}
		b := tb.getOrNew(i)
		if b == nil || tb.getOrNew(i) != b {
			t.Fatalf("bucket %d: make gave %p, then %p", i, b, tb.getOrNew(i))
		}
		made[i] = b
		for j, want := range made {
			if got := tb.get(j); got != want {
				t.Fatalf("after %d buckets: bucket %d is %p, made as %p", n+1, j, got, want)
			}
		}
	}
	if tb.m == nil {
		t.Fatalf("%d buckets, still searched linearly (bound %d)", len(made), bucketsLinear)
	}
	if tb.get(1) != nil && made[1] == nil {
		t.Fatal("bucket 1 was never made but exists")
	}
}
