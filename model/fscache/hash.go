package fscache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Hash table geometry and key limits (spec §1, §3).
const (
	// CookieHashShift is fscache_cookie_hash_shift.
	CookieHashShift = 15
	// CookieHashBuckets is the size of fscache_cookie_hash[].
	CookieHashBuckets = 1 << CookieHashShift
	// VolumeHashShift is fscache_volume_hash_shift.
	VolumeHashShift = 10
	// VolumeHashBuckets is the size of fscache_volume_hash[].
	VolumeHashBuckets = 1 << VolumeHashShift

	// MaxVolumeKeyLen is the longest volume key fscache_alloc_volume
	// accepts (NAME_MAX).
	MaxVolumeKeyLen = 255
	// MaxCookieKeyLen is the longest cookie key __fscache_acquire_cookie
	// accepts. The same limit applies to the auxiliary data.
	MaxCookieKeyLen = 255
)

// goldenRatio32 is the kernel's GOLDEN_RATIO_32; __hash_32 multiplies by it.
const goldenRatio32 = 0x61C88647

// Key errors. The kernel turns both into an acquire failure: a NULL cookie
// for a cookie key, ERR_PTR(-ENOMEM) for a volume key.
var (
	// ErrKeyEmpty: a cookie key of length 0.
	ErrKeyEmpty = errors.New("fscache: empty key")
	// ErrKeyTooLong: a key longer than 255 bytes.
	ErrKeyTooLong = errors.New("fscache: key too long")
)

// hash32 is the kernel's __hash_32: multiply by the 32-bit golden ratio,
// modulo 2^32.
func hash32(v uint32) uint32 { return v * goldenRatio32 }

// Hash is fscache_hash (fs/netfs/fscache_main.c): it hashes data, read as
// consecutive little-endian 32-bit words, starting from salt. The result does
// not depend on the host's byte order, which matters because its low bits
// choose the on-disk fan-out directory.
//
// Each word a is mixed in as: x ^= a; y ^= x; x = rotl(x, 7); x += y;
// y = rotl(y, 20); y *= 9 (x starts at 0, y at salt), and the result is
// H(y ^ H(x)) with H(v) = v * 0x61C88647, all modulo 2^32.
//
// len(data) must be a multiple of 4: every caller in the kernel passes a
// zero-padded buffer. Hash panics otherwise, since that is a bug in the
// caller, not an expected condition.
func Hash(salt uint32, data []byte) uint32 {
	if len(data)%4 != 0 {
		panic(fmt.Sprintf("fscache.Hash: length %d is not a multiple of 4", len(data)))
	}
	x, y := uint32(0), salt
	for p := data; len(p) > 0; p = p[4:] {
		x ^= binary.LittleEndian.Uint32(p)
		y ^= x
		x = bits.RotateLeft32(x, 7)
		x += y
		y = bits.RotateLeft32(y, 20)
		y *= 9
	}
	return hash32(y ^ hash32(x))
}

// roundUp4 rounds n up to a multiple of 4.
func roundUp4(n int) int { return (n + 3) &^ 3 }

// VolumeKey builds the volume key buffer of fscache_alloc_volume
// (fs/netfs/fscache_volume.c) and its hash, volume->key_hash.
//
// The buffer is round_up(1+klen+1, 4) bytes: byte 0 holds klen, bytes
// 1..klen the key, and the rest is zero, so there is always at least one NUL
// after the key. The hash is Hash(0, buf).
//
// The kernel takes the key as a C string, so klen is strlen(key): a key with
// an embedded NUL byte is cut at the first one, as the kernel would see it.
// An empty key is accepted (the kernel only checks the upper bound). A key
// longer than 255 bytes (NAME_MAX) gives ErrKeyTooLong, where the kernel's
// allocation fails and __fscache_acquire_volume returns -ENOMEM.
func VolumeKey(key string) (buf []byte, hash uint32, err error) {
	if i := indexNUL(key); i >= 0 {
		key = key[:i]
	}
	klen := len(key)
	if klen > MaxVolumeKeyLen {
		return nil, 0, fmt.Errorf("%w: volume key is %d bytes, limit %d", ErrKeyTooLong, klen, MaxVolumeKeyLen)
	}
	buf = make([]byte, roundUp4(1+klen+1))
	buf[0] = byte(klen)
	copy(buf[1:], key)
	return buf, Hash(0, buf), nil
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// VolumeKeySame is the key part of fscache_volume_same: the hashes are equal,
// the length bytes are equal, and the first round_up(klen+1, 4) bytes of the
// two buffers (length byte, key, and some of the zero padding) are equal.
// a and b are buffers made by VolumeKey. The kernel also requires the two
// volumes to name the same cache; that comparison is the caller's.
func VolumeKeySame(a []byte, aHash uint32, b []byte, bHash uint32) bool {
	if aHash != bHash || len(a) == 0 || len(b) == 0 || a[0] != b[0] {
		return false
	}
	n := roundUp4(int(a[0]) + 1)
	if len(a) < n || len(b) < n {
		return false
	}
	return bytes.Equal(a[:n], b[:n])
}

// CookieKey is fscache_set_key (fs/netfs/fscache_cookie.c): the key copied
// into a zeroed buffer of round_up(len(key), 4) bytes, and its hash,
// cookie->key_hash = Hash(volumeHash, buf).
//
// It also applies __fscache_acquire_cookie's checks on the key: an empty key
// gives ErrKeyEmpty and a key longer than 255 bytes ErrKeyTooLong; in both
// cases the kernel returns a NULL cookie.
func CookieKey(volumeHash uint32, key []byte) (buf []byte, hash uint32, err error) {
	if len(key) == 0 {
		return nil, 0, ErrKeyEmpty
	}
	if len(key) > MaxCookieKeyLen {
		return nil, 0, fmt.Errorf("%w: cookie key is %d bytes, limit %d", ErrKeyTooLong, len(key), MaxCookieKeyLen)
	}
	buf = make([]byte, roundUp4(len(key)))
	copy(buf, key)
	return buf, Hash(volumeHash, buf), nil
}

// CookieKeySame is the key part of fscache_cookie_same: equal hashes, equal
// key lengths, and equal key bytes. aKey and bKey are the unpadded keys as
// the netfs passed them. The kernel also requires both cookies to belong to
// the same volume; that comparison is the caller's.
func CookieKeySame(aKey []byte, aHash uint32, bKey []byte, bHash uint32) bool {
	return aHash == bHash && len(aKey) == len(bKey) && bytes.Equal(aKey, bKey)
}

// CookieBucket is the index of a cookie's chain in fscache_cookie_hash[]:
// the low 15 bits of its key hash.
func CookieBucket(cookieHash uint32) uint32 { return cookieHash & (CookieHashBuckets - 1) }

// VolumeBucket is the index of a volume's chain in fscache_volume_hash[]:
// the low 10 bits of its key hash.
func VolumeBucket(volumeHash uint32) uint32 { return volumeHash & (VolumeHashBuckets - 1) }

// FanoutIndex is the cachefiles fan-out directory a cookie's data file lives
// in: the low 8 bits of its key hash, as cachefiles indexes volume->fanout[]
// with (u8)cookie->key_hash.
func FanoutIndex(cookieHash uint32) uint8 { return uint8(cookieHash) }
