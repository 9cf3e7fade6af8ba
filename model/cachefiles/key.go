package cachefiles

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// NameMax is NAME_MAX, the longest file name the backing filesystem takes.
const NameMax = 255

// MaxCookedKeyLen is the longest cookie key cachefiles_cook_key encodes:
// NAME_MAX - 3 = 252 bytes.
const MaxCookedKeyLen = NameMax - 3

// ErrKeyTooLong is returned by CookKey for a key longer than
// MaxCookedKeyLen. The kernel BUGs instead (quirk Q-18: fscache accepts
// cookie keys up to 255 bytes, so 253..255 crash the kernel here).
var ErrKeyTooLong = errors.New("cachefiles: key too long to encode as a file name")

// b64Digits is the digit set of the E form: 0-9, a-z, A-Z, '_', '-', in
// value order 0..63.
const b64Digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-"

// filenameSafe reports whether cachefiles_cook_key lets a key byte through
// verbatim: '!' (0x21) to '.' (0x2E) and '0' (0x30) to DEL (0x7F). Space and
// control characters, '/' and every byte >= 0x80 are not.
func filenameSafe(c byte) bool {
	return (c >= 0x21 && c <= 0x2E) || (c >= 0x30 && c <= 0x7F)
}

// hexDigits is the number of lowercase hex digits %x prints for w, and 0 for
// w == 0 (the encoder prints nothing at all for a zero word).
func hexDigits(w uint32) int { return (bits.Len32(w) + 3) / 4 }

// CookKey is cachefiles_cook_key (fs/cachefiles/key.c): it turns a cookie
// key into the name of the object's file in its fan-out directory. The first
// character says which encoding was used:
//
//   - 'D' followed by the key verbatim, when every byte is filename-safe
//     (0x21..0x2E or 0x30..0x7F).
//   - 'S' or 'T' followed by the key as 32-bit words in lowercase hex
//     without leading zeros, separated by ',' (a zero word prints nothing,
//     so it shows as an empty field). The key is zero-padded to whole words
//     first. S reads the words big-endian, T little-endian. This form is
//     used when either reading is shorter than the E form; S is chosen when
//     it is no longer than T.
//   - 'E', then a digit '0'+pad (pad = bytes needed to reach a multiple of
//     3), then four characters of b64Digits per three key bytes, taken
//     least significant six bits first from b0 | b1<<8 | b2<<16, missing
//     bytes counting as zero.
//
// A key longer than MaxCookedKeyLen returns ErrKeyTooLong where the kernel
// BUGs (quirk Q-18). That limit only keeps D names within NAME_MAX: an E
// name is 2+4*ceil(n/3) bytes, more than 255 from n = 190 on, and CookKey
// returns it as the kernel does; the backing filesystem then refuses the
// name. fscache never passes an empty key; the encoder would call it
// printable and return "D".
func CookKey(key []byte) (string, error) {
	n := len(key)
	if n > MaxCookedKeyLen {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrKeyTooLong, n, MaxCookedKeyLen)
	}

	printable := true
	for _, c := range key {
		if !filenameSafe(c) {
			printable = false
			break
		}
	}
	if printable {
		return "D" + string(key), nil
	}

	// Lengths of the two hex-word forms and of the base-64 form.
	padded := make([]byte, (n+3)/4*4)
	copy(padded, key)
	nbe, nle := 0, 0
	for i := 0; i < len(padded); i += 4 {
		nbe += 1 + hexDigits(binary.BigEndian.Uint32(padded[i:]))
		nle += 1 + hexDigits(binary.LittleEndian.Uint32(padded[i:]))
	}
	groups := (n + 2) / 3
	pad := groups*3 - n
	b64len := 2 + 4*groups

	if nbe < b64len || nle < b64len {
		bigEndian := nbe <= nle
		var sb strings.Builder
		sb.Grow(min(nbe, nle))
		sep := byte('T')
		if bigEndian {
			sep = 'S'
		}
		for i := 0; i < len(padded); i += 4 {
			w := binary.LittleEndian.Uint32(padded[i:])
			if bigEndian {
				w = binary.BigEndian.Uint32(padded[i:])
			}
			sb.WriteByte(sep)
			if w != 0 {
				sb.WriteString(strconv.FormatUint(uint64(w), 16))
			}
			sep = ','
		}
		return sb.String(), nil
	}

	var sb strings.Builder
	sb.Grow(b64len)
	sb.WriteByte('E')
	sb.WriteByte(byte('0' + pad))
	for i := 0; i < n; i += 3 {
		acc := uint32(key[i])
		if i+1 < n {
			acc |= uint32(key[i+1]) << 8
		}
		if i+2 < n {
			acc |= uint32(key[i+2]) << 16
		}
		for j := 0; j < 4; j++ {
			sb.WriteByte(b64Digits[acc&63])
			acc >>= 6
		}
	}
	return sb.String(), nil
}

// VolumeDirName is the name of a volume's directory under cache/, as
// cachefiles_acquire_volume builds it: 'I' followed by the volume key
// verbatim. The key is not encoded, so the netfs must supply a
// filename-safe key; a 255-byte key gives a 256-byte name, which the backing
// filesystem rejects (ENAMETOOLONG) although fscache accepted the key. Like
// fscache.VolumeKey, the key ends at its first NUL byte.
func VolumeDirName(volumeKey string) string {
	if i := strings.IndexByte(volumeKey, 0); i >= 0 {
		volumeKey = volumeKey[:i]
	}
	return "I" + volumeKey
}

// FanoutDirName is the name of fan-out directory i inside a volume
// directory: '@' and two lowercase hex digits ("@00" .. "@ff").
// cachefiles_acquire_volume creates all 256 of them.
func FanoutDirName(i uint8) string { return fanoutDirNames[i] }

// fanoutDirNames are the 256 names, made once.
var fanoutDirNames = func() (names [256]string) {
	const hexdig = "0123456789abcdef"
	for i := range names {
		names[i] = string([]byte{'@', hexdig[i>>4], hexdig[i&15]})
	}
	return names
}()
