package fscache

import (
	"fmt"
	"sort"
	"strings"
)

// Snapshot renders the backend's state for comparing the end states of two
// executions (explorer.PORCheck): every committed object by key, with its
// size, coherency data, dirty mark and a digest of its data, then the live
// objects' cookies. Keys are sorted; nothing in it depends on the order
// steps ran in, only on what they did. It is a read-only view.
func (b *MemBackend) Snapshot() string {
	var s strings.Builder
	keys := make([]string, 0, len(b.store))
	for k := range b.store {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := b.store[k]
		fmt.Fprintf(&s, "mem %q size=%d osize=%d aux=%x dirty=%v data=%x\n", k, f.size, f.objectSize, f.aux, f.dirty, fnv(f.data))
	}
	live := make([]string, 0, len(b.objects))
	for _, o := range b.objects {
		live = append(live, storeKey(o.cookie))
	}
	sort.Strings(live)
	fmt.Fprintf(&s, "mem objects %q\n", live)
	return s.String()
}

func fnv(p []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range p {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
