package fscache

import (
	"bytes"
	"testing"
)

// A memFile reads back what a plain byte slice would hold after the same
// writes and truncations, whether the zeros written are kept or not.
func TestMemFileSparseZeros(t *testing.T) {
	var f memFile
	var want []byte
	write := func(start int64, data []byte) {
		f.write(start, data)
		if end := start + int64(len(data)); end > int64(len(want)) {
			want = append(want, make([]byte, end-int64(len(want)))...)
		}
		copy(want[start:], data)
	}
	check := func(what string) {
		t.Helper()
		if f.size != int64(len(want)) {
			t.Fatalf("%s: size %d, want %d", what, f.size, len(want))
		}
		for _, start := range []int64{0, 1, 100, 4095, 4096, 5000, int64(len(want))} {
			buf := bytes.Repeat([]byte{0xee}, 3000)
			n := f.read(start, buf)
			wn := 0
			if start < int64(len(want)) {
				wn = copy(make([]byte, len(buf)), want[start:])
			}
			if n != wn || (n > 0 && !bytes.Equal(buf[:n], want[start:start+int64(n)])) {
				t.Fatalf("%s: read at %d: %d bytes %x..., want %d", what, start, n, buf[:min(n, 8)], wn)
			}
		}
	}
	write(0, make([]byte, 4096))
	check("zeros")
	if len(f.data) != 0 {
		t.Fatalf("zeros past the end were stored: %d bytes", len(f.data))
	}
	write(5000, []byte("abc"))
	check("data after a zero gap")
	write(4096, make([]byte, 10))
	check("zeros inside")
	write(6000, make([]byte, 4096))
	check("zeros past the data")
	write(1, []byte{1, 2, 3})
	check("data at the start")
}
