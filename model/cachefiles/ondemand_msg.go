package cachefiles

import (
	"encoding/binary"
	"strconv"

	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The messages of on-demand mode (include/uapi/linux/cachefiles.h): what a
// read of /dev/cachefiles hands the daemon. Every field is a fixed-width
// little-endian integer, as on x86-64; the layouts are bit-exact.
//
//	struct cachefiles_msg   (16 bytes) msg_id u32 | opcode u32 | len u32 | object_id u32 | data[]
//	struct cachefiles_open  (16 bytes) volume_key_size u32 | cookie_key_size u32 | fd u32 | flags u32 | data[]
//	struct cachefiles_read  (16 bytes) off u64 | len u64
//
// OPEN's data is the volume key with its NUL (volume_key_size counts it)
// followed by the cookie key; CLOSE has no payload.

// Opcode is enum cachefiles_opcode.
type Opcode uint32

// The three requests.
const (
	OpOpen  Opcode = iota // CACHEFILES_OP_OPEN
	OpClose               // CACHEFILES_OP_CLOSE
	OpRead                // CACHEFILES_OP_READ
)

var opcodeNames = [...]string{"OPEN", "CLOSE", "READ"}

func (o Opcode) String() string {
	if int(o) < len(opcodeNames) {
		return opcodeNames[o]
	}
	return "OP" + strconv.FormatUint(uint64(o), 10)
}

// Layout sizes and limits.
const (
	MsgHeaderSize = 16   // sizeof(struct cachefiles_msg)
	OpenLoadSize  = 16   // sizeof(struct cachefiles_open)
	ReadLoadSize  = 16   // sizeof(struct cachefiles_read)
	MsgMaxSize    = 1024 // CACHEFILES_MSG_MAX_SIZE: the daemon's buffer
)

// IocReadComplete is CACHEFILES_IOC_READ_COMPLETE, _IOW(0x98, 1, int):
// direction write (1) << 30 | size 4 << 16 | type 0x98 << 8 | nr 1.
const IocReadComplete = 1<<30 | 4<<16 | 0x98<<8 | 1

// OpenLoad is struct cachefiles_open with its data.
type OpenLoad struct {
	VolumeKeySize uint32
	CookieKeySize uint32
	FD            uint32
	Flags         uint32
	Data          []byte // volume key, NUL, cookie key
}

// VolumeKey is the volume key without its NUL.
func (l *OpenLoad) VolumeKey() string {
	if l.VolumeKeySize == 0 || int(l.VolumeKeySize) > len(l.Data) {
		return ""
	}
	return string(l.Data[:l.VolumeKeySize-1])
}

// CookieKey is the cookie key.
func (l *OpenLoad) CookieKey() []byte {
	end := int(l.VolumeKeySize) + int(l.CookieKeySize)
	if end > len(l.Data) {
		return nil
	}
	return l.Data[l.VolumeKeySize:end]
}

// ReadLoad is struct cachefiles_read.
type ReadLoad struct {
	Off uint64
	Len uint64
}

// Msg is struct cachefiles_msg with its payload: Open for OPEN, Read for
// READ.
type Msg struct {
	MsgID    uint32
	Opcode   Opcode
	Len      uint32 // header and payload
	ObjectID uint32
	Open     OpenLoad
	Read     ReadLoad
}

// Encode lays the message out as the kernel copies it to the daemon.
func (m *Msg) Encode() []byte {
	b := make([]byte, MsgHeaderSize, m.Len)
	le := binary.LittleEndian
	le.PutUint32(b[0:], m.MsgID)
	le.PutUint32(b[4:], uint32(m.Opcode))
	le.PutUint32(b[8:], m.Len)
	le.PutUint32(b[12:], m.ObjectID)
	switch m.Opcode {
	case OpOpen:
		b = le.AppendUint32(b, m.Open.VolumeKeySize)
		b = le.AppendUint32(b, m.Open.CookieKeySize)
		b = le.AppendUint32(b, m.Open.FD)
		b = le.AppendUint32(b, m.Open.Flags)
		b = append(b, m.Open.Data...)
	case OpRead:
		b = le.AppendUint64(b, m.Read.Off)
		b = le.AppendUint64(b, m.Read.Len)
	}
	return b
}

// DecodeMsg parses what a daemon read: -EINVAL (vfs.EINVAL) if b is
// shorter than the header, than len says, or than the payload its opcode
// needs, or if OPEN's key sizes overrun it.
func DecodeMsg(b []byte) (Msg, error) {
	var m Msg
	le := binary.LittleEndian
	if len(b) < MsgHeaderSize {
		return m, vfs.EINVAL
	}
	m.MsgID = le.Uint32(b[0:])
	m.Opcode = Opcode(le.Uint32(b[4:]))
	m.Len = le.Uint32(b[8:])
	m.ObjectID = le.Uint32(b[12:])
	if m.Len < MsgHeaderSize || uint64(m.Len) > uint64(len(b)) {
		return m, vfs.EINVAL
	}
	p := b[MsgHeaderSize:m.Len]
	switch m.Opcode {
	case OpOpen:
		if len(p) < OpenLoadSize {
			return m, vfs.EINVAL
		}
		m.Open.VolumeKeySize = le.Uint32(p[0:])
		m.Open.CookieKeySize = le.Uint32(p[4:])
		m.Open.FD = le.Uint32(p[8:])
		m.Open.Flags = le.Uint32(p[12:])
		m.Open.Data = append([]byte(nil), p[OpenLoadSize:]...)
		if uint64(m.Open.VolumeKeySize)+uint64(m.Open.CookieKeySize) > uint64(len(m.Open.Data)) {
			return m, vfs.EINVAL
		}
	case OpRead:
		if len(p) < ReadLoadSize {
			return m, vfs.EINVAL
		}
		m.Read.Off = le.Uint64(p[0:])
		m.Read.Len = le.Uint64(p[8:])
	}
	return m, nil
}

// Kstrtoull is the kernel's kstrtoull: an optional '+', the digits of
// base (0 detects C notation: "0x" hex, "0" octal, else decimal) up to an
// optional single trailing newline, nothing else. No digits or other
// characters: -EINVAL; more than 64 bits: -ERANGE.
func Kstrtoull(s string, base uint64) (uint64, error) {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	if base == 0 {
		switch {
		case len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x' && len(s) > 2 && isXdigit(s[2]):
			base, s = 16, s[2:]
		case len(s) > 0 && s[0] == '0':
			base = 8
		default:
			base = 10
		}
	} else if base == 16 && len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x' {
		s = s[2:]
	}
	if s == "" {
		return 0, vfs.EINVAL
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			d = uint64(c|0x20-'a') + 10
		default:
			return 0, vfs.EINVAL
		}
		if d >= base {
			return 0, vfs.EINVAL
		}
		if v > (^uint64(0)-d)/base {
			return 0, vfs.ERANGE
		}
		v = v*base + d
	}
	return v, nil
}

// Kstrtoul is kstrtoul on a 64-bit machine (unsigned long is 64 bits).
func Kstrtoul(s string, base uint64) (uint64, error) { return Kstrtoull(s, base) }

// Kstrtol is kstrtol on a 64-bit machine: an optional '-' before
// Kstrtoull, the result in range of a long (-ERANGE otherwise).
func Kstrtol(s string, base uint64) (int64, error) {
	if len(s) > 0 && s[0] == '-' {
		v, err := Kstrtoull(s[1:], base)
		if err != nil {
			return 0, err
		}
		if v > 1<<63 {
			return 0, vfs.ERANGE
		}
		return -int64(v), nil
	}
	v, err := Kstrtoull(s, base)
	if err != nil {
		return 0, err
	}
	if v > 1<<63-1 {
		return 0, vfs.ERANGE
	}
	return int64(v), nil
}

// isErrValue is IS_ERR_VALUE on a long: -MAX_ERRNO (-4095) .. -1.
func isErrValue(v int64) bool { return v < 0 && v >= -4095 }
