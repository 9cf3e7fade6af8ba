package cachefiles

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/fscachesim/fscachesim/sim/vfs"
)

var updateOndemand = flag.Bool("update-ondemand", false, "rewrite the on-demand golden files (testdata/ondemand)")

// golden compares got with testdata/ondemand/name, or rewrites it with
// -update-ondemand (then READ THE DIFF and commit only what you
// understand).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/ondemand/" + name
	if *updateOndemand {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-ondemand to make it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs:\n--- want\n%s--- got\n%s", path, want, got)
	}
}

// TestMsgLayoutBitExact: the three messages as a daemon on x86-64 reads
// them, byte by byte, written out by hand from include/uapi/linux/
// cachefiles.h (u32/u64 little-endian, no padding: every field is
// naturally aligned), not from the encoder.
func TestMsgLayoutBitExact(t *testing.T) {
	cases := []struct {
		name string
		msg  Msg
		want string // hex, spaces ignored
	}{
		{"open", Msg{MsgID: 7, Opcode: OpOpen, Len: 16 + 16 + 6 + 3, ObjectID: 0x102,
			Open: OpenLoad{VolumeKeySize: 6, CookieKeySize: 3, FD: 5, Flags: 0, Data: []byte("erofs\x00ab1")}},
			"07000000 00000000 29000000 02010000" + // msg_id 7, OPEN 0, len 41, object_id 0x102
				"06000000 03000000 05000000 00000000" + // volume_key_size 6, cookie_key_size 3, fd 5, flags 0
				"65726f667300 616231"}, // "erofs\0" "ab1"
		{"close", Msg{MsgID: 0x10000, Opcode: OpClose, Len: 16, ObjectID: 0xffffffff},
			"00000100 01000000 10000000 ffffffff"},
		{"read", Msg{MsgID: 3, Opcode: OpRead, Len: 32, ObjectID: 1, Read: ReadLoad{Off: 0x123456789a000, Len: 0x2000}},
			"03000000 02000000 20000000 01000000" +
				"00a0896745230100 0020000000000000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := hex.DecodeString(strings.ReplaceAll(tc.want, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			got := tc.msg.Encode()
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded\n%x\nwant\n%x", got, want)
			}
			back, err := DecodeMsg(got)
			if err != nil {
				t.Fatal(err)
			}
			if back.MsgID != tc.msg.MsgID || back.Opcode != tc.msg.Opcode || back.Len != tc.msg.Len ||
				back.ObjectID != tc.msg.ObjectID || back.Read != tc.msg.Read ||
				back.Open.FD != tc.msg.Open.FD || !bytes.Equal(back.Open.Data, tc.msg.Open.Data) {
				t.Fatalf("decoded %+v, want %+v", back, tc.msg)
			}
		})
	}
	if IocReadComplete != 0x40049801 {
		t.Fatalf("CACHEFILES_IOC_READ_COMPLETE = %#x, want 0x40049801 (_IOW(0x98, 1, int))", IocReadComplete)
	}
}

// TestDecodeMsgRejects: short or inconsistent messages are -EINVAL.
func TestDecodeMsgRejects(t *testing.T) {
	good := (&Msg{Opcode: OpOpen, Len: 16 + 16 + 2, Open: OpenLoad{VolumeKeySize: 1, CookieKeySize: 1, Data: []byte{0, 'k'}}}).Encode()
	for name, b := range map[string][]byte{
		"short header":   good[:15],
		"len over":       good[:len(good)-1],
		"open payload":   (&Msg{Opcode: OpOpen, Len: 20}).Encode()[:16],
		"key sizes over": append(append([]byte(nil), good[:20]...), append([]byte{9, 0, 0, 0}, good[24:]...)...),
	} {
		if _, err := DecodeMsg(b); err != vfs.EINVAL {
			t.Errorf("%s: %v, want EINVAL", name, err)
		}
	}
}

// TestKstrto: the parsers copen uses, at their edges.
func TestKstrto(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int64
		err  error
	}{
		{"0", 0, nil}, {"12", 12, nil}, {"0x1f", 31, nil}, {"017", 15, nil}, {"+5", 5, nil},
		{"5\n", 5, nil}, {"-5", -5, nil}, {"-0x10", -16, nil}, {"", 0, vfs.EINVAL},
		{"5x", 0, vfs.EINVAL}, {" 5", 0, vfs.EINVAL}, {"9223372036854775807", 1<<63 - 1, nil},
		{"9223372036854775808", 0, vfs.ERANGE}, {"-9223372036854775808", -1 << 63, nil},
		{"99999999999999999999", 0, vfs.ERANGE}, {"08", 0, vfs.EINVAL}, {"0x", 0, vfs.EINVAL},
	} {
		got, err := Kstrtol(tc.s, 0)
		if got != tc.want || err != tc.err {
			t.Errorf("kstrtol(%q) = %d, %v; want %d, %v", tc.s, got, err, tc.want, tc.err)
		}
	}
	if !isErrValue(-4095) || isErrValue(-4096) || isErrValue(0) {
		t.Error("IS_ERR_VALUE bounds")
	}
}

// TestObjTransitionsGolden pins the on-demand state table (data): a change
// to it must be deliberate.
func TestObjTransitionsGolden(t *testing.T) {
	golden(t, "states.txt", FormatObjTransitions())
}
