package checker

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestLayoutKernelVectors: the layout checks' own transcriptions of the
// kernel (kVolumeHash, kCookieHash, kCookKey) give the known answers: the
// fan-out directories of real NFS files from the mailing-list posts that
// model/fscache's TestRealWorldFanout cites, volume hashes, and
// cachefiles_cook_key's D, S, T and E forms worked out by hand from
// fs/cachefiles/key.c.
func TestLayoutKernelVectors(t *testing.T) {
	vols := []struct {
		key  string
		want uint32
	}{
		{"", 0x00000000},
		{"a", 0x9FBAD8D7},
		{"afs,example.com,1000001a", 0xD79D1DD0},
		{strings.Repeat("x", 255), 0x7B329ECF},
		{"nfs,3.0,2,,a4214ac,c0000208,,,3002c0,10000,10000,12c,1770,bb8,1770,1", 0xFD078540},
	}
	for _, v := range vols {
		if got := kVolumeHash(v.key); got != v.want {
			t.Errorf("kVolumeHash(%.20q) = %#08x, want %#08x", v.key, got, v.want)
		}
	}
	fans := []struct {
		volume, key string
		hash        uint32
	}{
		{"nfs,3.0,2,,a4214ac,c0000208,,,3002c0,10000,10000,12c,1770,bb8,1770,1",
			"00000000080200c0000000006741cf01d9584518080200c0000000004000000037ab6b034000000000000000", 0x45AFAB58},
		{"nfs,3.0,2,,a4214ac,c0000208,,,3002c0,10000,10000,12c,1770,bb8,1770,1",
			"00000000080200c00000000076c90c01f6c70812080200c0000000004000000037ab6b034000000000000000", 0x18F3BDEA},
		{"nfs,3.0,2,,300000a,e5e9b1269df2b0d,,,d0,100000,100000,249f0,249f0,249f0,249f0,1",
			"01000601b14289408ec04ac2bc6956299c5b14cc03050000021868b2", 0x44B38B00},
	}
	for _, f := range fans {
		key, _ := hex.DecodeString(f.key)
		if got := kCookieHash(kVolumeHash(f.volume), key); got != f.hash {
			t.Errorf("kCookieHash(%s) = %#08x, want %#08x (fan-out @%02x)", f.key, got, f.hash, uint8(f.hash))
		}
	}
	names := []struct{ key, want string }{
		{hex.EncodeToString([]byte("abc")), "Dabc"},
		{"212e307f", "D!.0\x7f"},
		{"20", "T20"},
		{"2f", "T2f"},
		{"00", "S"},
		{"0000000100000002", "S1,2"},
		{"0100000002000000", "T1,2"},
		{"00010100", "S10100"},
		{"00000001000000000000000f", "S1,,f"},
		{"000000070000000000", "S7,,"},
		{"612062", "E0x1yo"},
		{"0000000102", "E100001800"},
		{"ffffffffffffff", "E2---------300"},
	}
	for _, n := range names {
		key, _ := hex.DecodeString(n.key)
		if got := kCookKey(key); got != n.want {
			t.Errorf("kCookKey(%s) = %q, want %q", n.key, got, n.want)
		}
	}
}
