package fscache

// buckets is the part of a kernel hash table (fscache_cookie_hash[],
// fscache_volume_hash[]) a run touches: the buckets by index, made on first
// use. A run touches a handful of the 32768 buckets, so they are kept in a
// slice searched from the end; past a few dozen, a map indexes them. Both
// give the same buckets, so the run does not depend on which is used. (The
// checker looks a bucket up for every cookie and volume after every step: a
// map's hashing was most of that.)
type buckets[B any] struct {
	idx []uint32      // the buckets' indices, while there are at most bucketsLinear
	b   []*B          // the buckets, as idx
	m   map[uint32]*B // every bucket, once there are more (idx and b are then nil)
}

const bucketsLinear = 32

// get is bucket i, or nil if the run has not used it.
func (t *buckets[B]) get(i uint32) *B {
	if t.m != nil {
		return t.m[i]
	}
	for j := len(t.idx) - 1; j >= 0; j-- {
		if t.idx[j] == i {
			return t.b[j]
		}
	}
	return nil
}

// getOrNew is bucket i, made empty if the run has not used it yet.
func (t *buckets[B]) getOrNew(i uint32) *B {
	if b := t.get(i); b != nil {
		return b
	}
	b := new(B)
	if t.m != nil {
		t.m[i] = b
		return b
	}
	t.idx = append(t.idx, i)
	t.b = append(t.b, b)
	if len(t.idx) > bucketsLinear {
		t.m = make(map[uint32]*B, 2*len(t.idx))
		for j, x := range t.idx {
			t.m[x] = t.b[j]
		}
		t.idx, t.b = nil, nil
	}
	return b
}
