package cachefiles

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// refCookKey is a deliberately simple second encoder, written from the
// description in spec §10.3 and fs/cachefiles/key.c, sharing nothing with
// CookKey: it renders all three candidate names in full and picks by their
// actual lengths, where CookKey predicts the lengths first.
func refCookKey(key []byte) string {
	ok := true
	for _, c := range key {
		// Printable means: above space, below 0x80, and not '/'.
		if c <= ' ' || c >= 0x80 || c == '/' {
			ok = false
		}
	}
	if ok {
		return "D" + string(key)
	}

	padded := append([]byte(nil), key...)
	for len(padded)%4 != 0 {
		padded = append(padded, 0)
	}
	var be, le []string
	for i := 0; i < len(padded); i += 4 {
		p := padded[i : i+4]
		b := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
		l := uint32(p[3])<<24 | uint32(p[2])<<16 | uint32(p[1])<<8 | uint32(p[0])
		be = append(be, hexOrEmpty(b))
		le = append(le, hexOrEmpty(l))
	}
	s := "S" + strings.Join(be, ",")
	t := "T" + strings.Join(le, ",")

	digits := "0123456789" + "abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "_-"
	three := append([]byte(nil), key...)
	pad := 0
	for len(three)%3 != 0 {
		three = append(three, 0)
		pad++
	}
	e := "E" + fmt.Sprint(pad)
	for i := 0; i < len(three); i += 3 {
		v := int(three[i]) + 256*int(three[i+1]) + 65536*int(three[i+2])
		for j := 0; j < 4; j++ {
			e += string(digits[v%64])
			v /= 64
		}
	}

	if len(s) < len(e) || len(t) < len(e) {
		if len(s) <= len(t) {
			return s
		}
		return t
	}
	return e
}

func hexOrEmpty(w uint32) string {
	if w == 0 {
		return ""
	}
	return fmt.Sprintf("%x", w)
}

// decodeName inverts a cooked name: D and E give the key back exactly; S and
// T give it zero-padded to whole words, since the name does not record how
// much of the last word was padding.
func decodeName(name string) ([]byte, error) {
	if name == "" {
		return nil, errors.New("empty name")
	}
	switch name[0] {
	case 'D':
		return []byte(name[1:]), nil
	case 'S', 'T':
		var out []byte
		for _, f := range strings.Split(name[1:], ",") {
			var w uint32
			if f != "" {
				if _, err := fmt.Sscanf(f, "%x", &w); err != nil {
					return nil, err
				}
			}
			if name[0] == 'S' {
				out = append(out, byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
			} else {
				out = append(out, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
			}
		}
		return out, nil
	case 'E':
		if len(name) < 2 || (len(name)-2)%4 != 0 {
			return nil, fmt.Errorf("bad E name length %d", len(name))
		}
		pad := int(name[1] - '0')
		var out []byte
		for i := 2; i < len(name); i += 4 {
			v := 0
			for j := 3; j >= 0; j-- {
				d := strings.IndexByte(b64Digits, name[i+j])
				if d < 0 {
					return nil, fmt.Errorf("bad digit %q", name[i+j])
				}
				v = v*64 + d
			}
			out = append(out, byte(v), byte(v>>8), byte(v>>16))
		}
		if pad < 0 || pad > 2 || pad > len(out) {
			return nil, fmt.Errorf("bad pad %d", pad)
		}
		for _, c := range out[len(out)-pad:] {
			if c != 0 {
				return nil, errors.New("non-zero padding")
			}
		}
		return out[:len(out)-pad], nil
	}
	return nil, fmt.Errorf("unknown form %q", name[0])
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCookKeyVectors: each want was derived by hand from the rules in
// CookKey's doc comment (checked against fs/cachefiles/key.c); the
// derivation is in the comment on each row. nbe/nle are the S/T lengths,
// b64 is 2 + 4*ceil(n/3).
func TestCookKeyVectors(t *testing.T) {
	cases := []struct {
		name string
		key  string // hex
		want string
	}{
		// D form: every byte in 0x21..0x2E or 0x30..0x7F.
		{"D ascii", hex.EncodeToString([]byte("abc")), "Dabc"},
		{"D edges", "212e307f", "D!.0\x7f"},
		{"D 0x21", "21", "D!"},
		{"D 0x2e", "2e", "D."},
		{"D 0x30", "30", "D0"},
		{"D 0x7f", "7f", "D\x7f"},
		{"D nfs-ish", hex.EncodeToString([]byte("1234.5678")), "D1234.5678"},
		{"empty", "", "D"},

		// One unprintable byte: the padded word is b 00 00 00; LE reads b
		// (2-3 chars), BE reads b<<24 (8-9 chars), b64 = 6, so T.
		{"0x20 space", "20", "T20"},
		{"0x2f slash", "2f", "T2f"},
		{"0x80", "80", "T80"},
		{"0x1f", "1f", "T1f"},
		{"0xff", "ff", "Tff"},
		{"0x00", "00", "S"}, // zero word: nbe = nle = 1, tie goes to S, no digits

		// Spec §10.3 example: BE words 1, 2: nbe = 2+2 = 4; LE words
		// 0x01000000, 0x02000000: nle = 16; b64 = 14. S.
		{"spec S example", "0000000100000002", "S1,2"},
		// Mirror image: nle = 4, nbe = 16. T.
		{"T form", "0100000002000000", "T1,2"},
		// Tie: the word 00 01 01 00 reads 0x10100 either way: nbe = nle = 6
		// < b64 = 10. S wins ties.
		{"tie goes to S", "00010100", "S10100"},
		// Zero words print nothing after their separator.
		{"zero then 5", "0000000000000005", "S,5"},
		{"two zero words", "0000000000000000", "S,"},
		{"zero in middle", "00000001000000000000000f", "S1,,f"},
		{"zero word last", "000000070000000000", "S7,,"}, // 9 bytes: 3 words
		// Partial last word is zero-padded: 01 → word 01 00 00 00: T1.
		{"pad to word", "01", "T1"},

		// E form, pad 0: "a b" = 61 20 62. nbe: 0x61206200 → 9; nle:
		// 0x00622061 → 7; b64 = 6, neither shorter. acc = 0x622061; six-bit
		// digits low first: 0x21='x', 0x01='1', 0x22='y', 0x18='o'.
		{"E pad 0", "612062", "E0x1yo"},
		// E form, pad 1: 00 00 00 01 02, padded to two words. BE words
		// 0x00000001 and 0x02000000: nbe = 2 + 8 = 10; LE words 0x01000000
		// and 0x00000002: nle = 8 + 2 = 10; b64 = 10, neither shorter. E.
		// Groups: 00 00 00 → "0000"; 01 02 (00) → acc 0x201: 1, 8, 0, 0.
		{"E pad 1", "0000000102", "E100001800"},
		// E form, pad 2: seven 0xff bytes. nbe = 9+9 = 18, nle = 9+7 = 16,
		// b64 = 14. Two full groups give "----"; ff (00 00) → acc 0xff:
		// 63='-', 3, 0, 0.
		{"E pad 2", "ffffffffffffff", "E2---------300"},
		// b64 digit boundaries: acc = 9 | 10<<6 | 35<<12 | 36<<18 →
		// '9','a','z','A'; then 61|62<<6|63<<12 → 'Z','_','-','0'.
		{"E alphabet", hex.EncodeToString(le24(9|10<<6|35<<12|36<<18, 61|62<<6|63<<12)), "E09azAZ_-0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := mustHex(t, c.key)
			got, err := CookKey(key)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("CookKey(%s) = %q, want %q", c.key, got, c.want)
			}
			if ref := refCookKey(key); ref != c.want {
				t.Errorf("refCookKey(%s) = %q, want %q", c.key, ref, c.want)
			}
		})
	}
}

// le24 packs 24-bit values as three little-endian bytes each.
func le24(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = append(b, byte(v), byte(v>>8), byte(v>>16))
	}
	return b
}

// TestCookKeyRealWorld re-encodes keys recovered from object names a real
// kernel wrote, and expects those names back. Sources: Max Kellermann on
// linux-cachefs, 19 Apr 2022 (Message-ID
// <Yl7mQr05hPg4vELb@rabbit.intern.cm-ag>, T names under @58 and @ea), and
// Chris Chilvers on linux-cachefs, 3 Feb 2023 (Message-ID
// <CAAmbk-cQNY3Sd9iQ7vghqw_=sk9JsG-_Mf-OM_iRuw+h8j2E_w@mail.gmail.com>, an E
// name under @00). model/fscache's TestRealWorldFanout checks that the same
// keys hash to those fan-out directories.
func TestCookKeyRealWorld(t *testing.T) {
	cases := []struct{ key, name string }{
		{
			"00000000080200c0000000006741cf01d9584518080200c0000000004000000037ab6b034000000000000000",
			"T,c0000208,,1cf4167,184558d9,c0000208,,40,36bab37,40,",
		},
		{
			"00000000080200c00000000076c90c01f6c70812080200c0000000004000000037ab6b034000000000000000",
			"T,c0000208,,10cc976,1208c7f6,c0000208,,40,36bab37,40,",
		},
		{
			"01000601b14289408ec04ac2bc6956299c5b14cc03050000021868b2",
			"E210w114Hg92Az0HAMYCClFMVmkMY050002w1qO200",
		},
	}
	for _, c := range cases {
		key := mustHex(t, c.key)
		got, err := CookKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.name {
			t.Errorf("CookKey(%s) = %q, want %q", c.key, got, c.name)
		}
		back, err := decodeName(c.name)
		if err != nil || !bytes.Equal(back, key) {
			t.Errorf("decode(%q) = %x, %v; want %x", c.name, back, err, key)
		}
	}
	// The T keys are only known to be 41..44 bytes long (the last word is
	// zero); every length in that range gives the same name.
	full := mustHex(t, cases[0].key)
	for n := 41; n <= 44; n++ {
		if got, _ := CookKey(full[:n]); got != cases[0].name {
			t.Errorf("length %d: %q", n, got)
		}
	}
}

func TestCookKeyLengthLimit(t *testing.T) {
	for _, c := range []struct {
		n   int
		err error
	}{{252, nil}, {253, ErrKeyTooLong}, {255, ErrKeyTooLong}} {
		for _, fill := range []byte{'x', 0x80} {
			_, err := CookKey(bytes.Repeat([]byte{fill}, c.n))
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Errorf("n=%d fill=%#x: err = %v, want %v", c.n, fill, err, c.err)
			}
		}
	}
	// The limit only keeps the D form within NAME_MAX. An E name is
	// 2 + 4*ceil(n/3) long, over NAME_MAX from n = 190 on; the backing
	// filesystem then refuses the name.
	for _, c := range []struct{ n, want int }{{189, 254}, {190, 258}, {252, 338}} {
		name, err := CookKey(bytes.Repeat([]byte{0xa5}, c.n))
		if err != nil || name[0] != 'E' || len(name) != c.want {
			t.Errorf("n=%d: %q (%d chars), %v; want an E name of %d", c.n, name[:2], len(name), err, c.want)
		}
	}
}

// TestCookKeyMatchesReference is the differential test required by
// STYLE.md: CookKey against refCookKey over random keys of 1..252 bytes,
// drawn so that every form comes up often.
func TestCookKeyMatchesReference(t *testing.T) {
	edges := rapid.SampledFrom([]byte{0x00, 0x1f, 0x20, 0x21, 0x2e, 0x2f, 0x30, 0x7e, 0x7f, 0x80, 0xff})
	printable := rapid.SampledFrom([]byte("!\"#$%&'()*+,-.0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~\x7f"))
	smallWords := rapid.SampledFrom([]byte{0, 0, 0, 0, 0, 1, 2, 0x10, 0x7f, 0xff})
	anyByte := rapid.Byte()
	// Printable but for one edge byte, which may or may not be printable.
	almostPrintable := rapid.Custom(func(t *rapid.T) []byte {
		k := rapid.SliceOfN(printable, 1, MaxCookedKeyLen).Draw(t, "printable")
		k[rapid.IntRange(0, len(k)-1).Draw(t, "at")] = edges.Draw(t, "edge")
		return k
	})
	gen := rapid.OneOf(
		rapid.SliceOfN(printable, 1, MaxCookedKeyLen),
		almostPrintable,
		rapid.SliceOfN(smallWords, 1, MaxCookedKeyLen),
		rapid.SliceOfN(anyByte, 1, MaxCookedKeyLen),
		rapid.SliceOfN(edges, 1, MaxCookedKeyLen),
	)
	seen := map[byte]int{}
	rapid.Check(t, func(t *rapid.T) {
		key := gen.Draw(t, "key")
		got, err := CookKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if want := refCookKey(key); got != want {
			t.Fatalf("CookKey(%x) = %q, reference %q", key, got, want)
		}
		seen[got[0]]++

		back, err := decodeName(got)
		if err != nil {
			t.Fatalf("decode(%q): %v", got, err)
		}
		want := key
		n := len(key)
		b64 := 2 + 4*((n+2)/3)
		switch got[0] {
		case 'D':
			if len(got) != n+1 {
				t.Fatalf("D name length %d for %d bytes", len(got), n)
			}
		case 'E':
			if len(got) != b64 {
				t.Fatalf("E name length %d, want %d", len(got), b64)
			}
		case 'S', 'T':
			if len(got) >= b64 {
				t.Fatalf("hex name %q not shorter than E (%d)", got, b64)
			}
			want = append(append([]byte(nil), key...), make([]byte, (4-n%4)%4)...)
		}
		if !bytes.Equal(back, want) {
			t.Fatalf("decode(CookKey(%x)) = %x", key, back)
		}
	})
	for _, form := range []byte("DSTE") {
		if seen[form] == 0 {
			t.Errorf("no %c names generated: %v", form, seen)
		}
	}
}

func TestDirNames(t *testing.T) {
	cases := []struct{ got, want string }{
		{VolumeDirName("nfs,4.2,2,108,240103aa,1,,,,100000,100000,bb8,ea60,7530,ea60,1"),
			"Infs,4.2,2,108,240103aa,1,,,,100000,100000,bb8,ea60,7530,ea60,1"},
		{VolumeDirName("afs,example.com,1000001a"), "Iafs,example.com,1000001a"},
		{VolumeDirName(""), "I"},
		{VolumeDirName("nfs\x00junk"), "Infs"},
		{FanoutDirName(0), "@00"},
		{FanoutDirName(0x0a), "@0a"},
		{FanoutDirName(0x58), "@58"},
		{FanoutDirName(0xea), "@ea"},
		{FanoutDirName(0xff), "@ff"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for i := 0; i < 256; i++ {
		if got, want := FanoutDirName(uint8(i)), fmt.Sprintf("@%02x", i); got != want {
			t.Errorf("FanoutDirName(%d) = %q, want %q", i, got, want)
		}
	}
}
