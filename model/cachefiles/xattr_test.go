package cachefiles

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// TestObjectXattrLayout pins the byte layout of struct cachefiles_xattr
// (fs/cachefiles/xattr.c): be64 object_size, be64 zero_point, u8 type,
// u8 content, aux.
func TestObjectXattrLayout(t *testing.T) {
	got := EncodeObjectXattr(0x0102030405060708, ContentDirty, []byte{0xaa, 0xbb})
	want := "0102030405060708" + "0000000000000000" + "01" + "04" + "aabb"
	if hex.EncodeToString(got) != want {
		t.Errorf("EncodeObjectXattr = %x, want %s", got, want)
	}
	if n := len(EncodeObjectXattr(0, ContentNoData, nil)); ObjectXattrHeaderLen != 18 || n != 18 {
		t.Errorf("empty aux: %d bytes, want 18", n)
	}
	x, err := DecodeObjectXattr(got)
	if err != nil {
		t.Fatal(err)
	}
	if x.ObjectSize != 0x0102030405060708 || x.ZeroPoint != 0 || x.Type != CookieTypeData ||
		x.Content != ContentDirty || !bytes.Equal(x.Aux, []byte{0xaa, 0xbb}) {
		t.Errorf("DecodeObjectXattr = %+v", x)
	}
	if _, err := DecodeObjectXattr(got[:17]); !errors.Is(err, ErrShortXattr) {
		t.Errorf("17 bytes: err = %v, want ErrShortXattr", err)
	}
	if XattrName != "user.CacheFiles.cache" {
		t.Errorf("XattrName = %q", XattrName)
	}
}

func TestContentValues(t *testing.T) {
	cases := []struct {
		c    Content
		v    uint8
		name string
	}{
		{ContentNoData, 0, "NO_DATA"},
		{ContentSingle, 1, "SINGLE"},
		{ContentAll, 2, "ALL"},
		{ContentBackfsMap, 3, "BACKFS_MAP"},
		{ContentDirty, 4, "DIRTY"},
		{Content(9), 9, "Content(9)"},
	}
	for _, c := range cases {
		if uint8(c.c) != c.v || c.c.String() != c.name {
			t.Errorf("%d: value %d name %q, want %d %q", c.c, uint8(c.c), c.c.String(), c.v, c.name)
		}
	}
}

// TestCheckAuxdata covers every outcome of cachefiles_check_auxdata, and
// the order of the checks: each row breaks one more thing than the cookie
// expects, so the first check in kernel order must be the one reported.
func TestCheckAuxdata(t *testing.T) {
	aux := []byte("coherency")
	const size = 123456
	good := EncodeObjectXattr(size, ContentAll, aux)
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }

	cases := []struct {
		name   string
		buf    []byte
		reason string
		err    error
	}{
		{"ok", good, ReasonOK, nil},
		{"ok no data", EncodeObjectXattr(size, ContentNoData, aux), ReasonOK, nil},
		{"ok single", EncodeObjectXattr(size, ContentSingle, aux), ReasonOK, nil},
		{"ok backfs map", EncodeObjectXattr(size, ContentBackfsMap, aux), ReasonOK, nil},
		{"ok undefined content", EncodeObjectXattr(size, Content(200), aux), ReasonOK, nil},
		{"ok zero point ignored", with(func(b []byte) []byte { b[15] = 7; return b }), ReasonOK, nil},
		{"longer: ERANGE", append(append([]byte(nil), good...), 0), ReasonBadXattr, ErrRange},
		{"shorter", good[:len(good)-1], ReasonBadXattr, ErrStale},
		{"empty", nil, ReasonBadXattr, ErrStale},
		{"header only", good[:ObjectXattrHeaderLen], ReasonBadXattr, ErrStale},
		{"type 0", with(func(b []byte) []byte { b[16] = 0; return b }), ReasonBadType, ErrStale},
		{"type 2", with(func(b []byte) []byte { b[16] = 2; return b }), ReasonBadType, ErrStale},
		{"aux differs", with(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ReasonBadAux, ErrStale},
		{"size differs", EncodeObjectXattr(size+1, ContentAll, aux), ReasonBadObjSize, ErrStale},
		{"size high byte", with(func(b []byte) []byte { b[0] = 0x80; return b }), ReasonBadObjSize, ErrStale},
		{"dirty", EncodeObjectXattr(size, ContentDirty, aux), ReasonBadDirty, ErrStale},
		// Order: type before aux before size before dirty.
		{"type and aux", with(func(b []byte) []byte { b[16] = 0; b[20] ^= 1; return b }), ReasonBadType, ErrStale},
		{"aux and size", with(func(b []byte) []byte { b[20] ^= 1; b[7] ^= 1; return b }), ReasonBadAux, ErrStale},
		{"size and dirty", EncodeObjectXattr(size+1, ContentDirty, aux), ReasonBadObjSize, ErrStale},
		{"length before type", with(func(b []byte) []byte { b[16] = 0; return b[:len(b)-1] }), ReasonBadXattr, ErrStale},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reason, err := CheckAuxdata(c.buf, aux, size)
			if reason != c.reason || err != c.err {
				t.Errorf("CheckAuxdata = %q, %v; want %q, %v", reason, err, c.reason, c.err)
			}
		})
	}

	// No aux data at all: the xattr is exactly the header.
	if r, err := CheckAuxdata(EncodeObjectXattr(0, ContentNoData, nil), nil, 0); r != ReasonOK || err != nil {
		t.Errorf("empty aux: %q, %v", r, err)
	}
	// An aux that shrank since the file was written: the stored value is
	// longer than the buffer, so getxattr says ERANGE.
	if r, err := CheckAuxdata(good, aux[:3], size); r != ReasonBadXattr || err != ErrRange {
		t.Errorf("shrunk aux: %q, %v", r, err)
	}
}

// TestCheckAuxdataRoundTrip: whatever cachefiles writes for a cookie passes
// the check for that cookie unless it is the DIRTY marker, and any other
// stored value fails with one of the listed reasons.
func TestCheckAuxdataRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		aux := rapid.SliceOfN(rapid.Byte(), 0, 255).Draw(t, "aux")
		size := rapid.Uint64().Draw(t, "size")
		content := Content(rapid.IntRange(0, 4).Draw(t, "content"))
		r, err := CheckAuxdata(EncodeObjectXattr(size, content, aux), aux, size)
		if content == ContentDirty {
			if r != ReasonBadDirty || err != ErrStale {
				t.Fatalf("dirty: %q, %v", r, err)
			}
		} else if r != ReasonOK || err != nil {
			t.Fatalf("written %v: %q, %v", content, r, err)
		}

		other := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "stored")
		r, err = CheckAuxdata(other, aux, size)
		switch r {
		case ReasonOK:
			if err != nil {
				t.Fatalf("OK with %v", err)
			}
		case ReasonBadXattr:
			if err != ErrStale && err != ErrRange {
				t.Fatalf("BAD xatt with %v", err)
			}
		case ReasonBadType, ReasonBadAux, ReasonBadObjSize, ReasonBadDirty:
			if err != ErrStale {
				t.Fatalf("%q with %v", r, err)
			}
		default:
			t.Fatalf("unexpected reason %q", r)
		}
	})
}

func TestVolumeXattrLayout(t *testing.T) {
	got := EncodeVolumeXattr([]byte{1, 2, 3})
	if hex.EncodeToString(got) != "00000000010203" {
		t.Errorf("EncodeVolumeXattr = %x", got)
	}
	resv, coh, err := DecodeVolumeXattr([]byte{0, 0, 0, 9, 5})
	if err != nil || resv != 9 || !bytes.Equal(coh, []byte{5}) {
		t.Errorf("DecodeVolumeXattr = %d %x %v", resv, coh, err)
	}
	if _, _, err := DecodeVolumeXattr([]byte{0, 0, 0}); !errors.Is(err, ErrShortXattr) {
		t.Errorf("3 bytes: err = %v", err)
	}
}

func TestCheckVolumeXattr(t *testing.T) {
	coh := []byte{0xde, 0xad}
	good := EncodeVolumeXattr(coh)
	cases := []struct {
		name   string
		buf    []byte
		want   []byte
		reason string
		err    error
	}{
		{"ok", good, coh, VolReasonOK, nil},
		{"ok no coherency", EncodeVolumeXattr(nil), nil, VolReasonOK, nil},
		{"longer: ERANGE", append(append([]byte(nil), good...), 0), coh, VolReasonBadXattr, ErrRange},
		{"shorter", good[:5], coh, VolReasonBadXattr, ErrStale},
		{"empty", nil, coh, VolReasonBadXattr, ErrStale},
		{"reserved set", []byte{0, 0, 1, 0, 0xde, 0xad}, coh, VolReasonBadResv, ErrStale},
		{"reserved high bit", []byte{0x80, 0, 0, 0, 0xde, 0xad}, coh, VolReasonBadResv, ErrStale},
		{"data differs", []byte{0, 0, 0, 0, 0xde, 0xae}, coh, VolReasonBadCmp, ErrStale},
		{"reserved before data", []byte{0, 0, 0, 1, 0, 0}, coh, VolReasonBadResv, ErrStale},
		{"length before reserved", []byte{1, 0, 0, 0, 0xde}, coh, VolReasonBadXattr, ErrStale},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reason, err := CheckVolumeXattr(c.buf, c.want)
			if reason != c.reason || err != c.err {
				t.Errorf("CheckVolumeXattr = %q, %v; want %q, %v", reason, err, c.reason, c.err)
			}
		})
	}
}

// TestReasonStrings pins the tracepoint strings: they line up in trace
// output, so their widths matter too.
func TestReasonStrings(t *testing.T) {
	for _, r := range []string{ReasonOK, ReasonBadXattr, ReasonBadType, ReasonBadAux, ReasonBadObjSize,
		ReasonBadDirty, ReasonSetOK, ReasonSetFail, ReasonBadLen, ReasonBadContent} {
		if len(r) != 8 {
			t.Errorf("%q is %d wide, want 8", r, len(r))
		}
	}
	for _, r := range []string{VolReasonOK, VolReasonBadXattr, VolReasonBadResv, VolReasonBadCmp,
		VolReasonSetOK, VolReasonSetFail} {
		if len(r) != 12 {
			t.Errorf("%q is %d wide, want 12", r, len(r))
		}
	}
}
