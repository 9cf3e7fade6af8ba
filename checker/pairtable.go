package checker

// pairTable counts pairKeys. It is an open-addressing table whose hash
// reads the reason string's length and end bytes, not all of it: the
// checker counts a pair for every cookie event, and hashing the whole key
// in a Go map was most of that cost. Entries keep their insertion order.
type pairTable struct {
	entries []pairEntry
	slots   []int32 // index+1 into entries; 0: empty; len a power of two
}

type pairEntry struct {
	key pairKey
	n   int64
}

// newPairTable is an empty table with room for about n pairs before it
// grows.
func newPairTable(n int) pairTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return pairTable{entries: make([]pairEntry, 0, n), slots: make([]int32, size)}
}

func (p pairKey) hash() uint32 {
	h := uint32(p.state)*0x9e3779b1 ^ uint32(p.typ)*0x85ebca6b ^ uint32(len(p.reason))*0xc2b2ae35
	if n := len(p.reason); n > 0 {
		h ^= uint32(p.reason[0])<<8 | uint32(p.reason[n-1])<<16 | uint32(p.reason[n/2])<<24
	}
	return h ^ h>>15
}

// count is the counter of k, added at 0 if k is new.
func (t *pairTable) count(k pairKey) *int64 {
	if len(t.slots) == 0 {
		*t = newPairTable(16)
	}
	mask := uint32(len(t.slots) - 1)
	for i := k.hash() & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.entries = append(t.entries, pairEntry{key: k})
			t.slots[i] = int32(len(t.entries))
			if 2*len(t.entries) > len(t.slots) {
				t.grow()
			}
			return &t.entries[len(t.entries)-1].n
		}
		if t.entries[s-1].key == k {
			return &t.entries[s-1].n
		}
	}
}

// grow doubles the slots and places every entry again.
func (t *pairTable) grow() {
	t.slots = make([]int32, 2*len(t.slots))
	mask := uint32(len(t.slots) - 1)
	for j, e := range t.entries {
		i := e.key.hash() & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = int32(j + 1)
	}
}
