package cachefiles

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// XattrName is the extended attribute cachefiles keeps on every data file
// and volume directory (XATTR_USER_PREFIX "CacheFiles.cache").
const XattrName = "user.CacheFiles.cache"

// CookieTypeData is CACHEFILES_COOKIE_TYPE_DATA, the only object type
// written to or accepted from the type byte of the object xattr.
const CookieTypeData = 1

// ObjectXattrHeaderLen is sizeof(struct cachefiles_xattr): be64
// object_size, be64 zero_point, u8 type, u8 content. The auxiliary
// (coherency) data follows it.
const ObjectXattrHeaderLen = 18

// VolumeXattrHeaderLen is sizeof(struct cachefiles_vol_xattr): a be32
// reserved word, followed by the volume coherency data.
const VolumeXattrHeaderLen = 4

// Content is enum cachefiles_content, the on-disk byte that says how much of
// an object's data the cache file holds.
type Content uint8

// The values are stored on disk.
const (
	ContentNoData    Content = 0 // CACHEFILES_CONTENT_NO_DATA: nothing stored
	ContentSingle    Content = 1 // CACHEFILES_CONTENT_SINGLE: monolithic, all present
	ContentAll       Content = 2 // CACHEFILES_CONTENT_ALL: all present, no map
	ContentBackfsMap Content = 3 // CACHEFILES_CONTENT_BACKFS_MAP: holes tracked by the backing fs
	ContentDirty     Content = 4 // CACHEFILES_CONTENT_DIRTY: being modified (seen on disk only)
)

var contentNames = [...]string{"NO_DATA", "SINGLE", "ALL", "BACKFS_MAP", "DIRTY"}

func (c Content) String() string {
	if int(c) < len(contentNames) {
		return contentNames[c]
	}
	return fmt.Sprintf("Content(%d)", uint8(c))
}

// Coherency trace reasons: the strings the cachefiles_coherency and
// cachefiles_vol_coherency tracepoints print (include/trace/events/
// cachefiles.h, cachefiles_coherency_traces).
const (
	ReasonOK         = "OK      " // cachefiles_coherency_check_ok
	ReasonBadXattr   = "BAD xatt" // cachefiles_coherency_check_xattr: wrong length or getxattr failed
	ReasonBadType    = "BAD type" // cachefiles_coherency_check_type
	ReasonBadAux     = "BAD aux " // cachefiles_coherency_check_aux
	ReasonBadObjSize = "BAD osiz" // cachefiles_coherency_check_objsize
	ReasonBadDirty   = "BAD dirt" // cachefiles_coherency_check_dirty
	ReasonSetOK      = "SET ok  " // cachefiles_coherency_set_ok
	ReasonSetFail    = "SET fail" // cachefiles_coherency_set_fail

	// ReasonBadLen and ReasonBadContent are defined by the tracepoint header
	// but no current check emits them: a wrong length is reported as
	// ReasonBadXattr, and the content byte is only tested for DIRTY.
	ReasonBadLen     = "BAD len " // cachefiles_coherency_check_len
	ReasonBadContent = "BAD cont" // cachefiles_coherency_check_content

	VolReasonOK       = "VOL OK      " // cachefiles_coherency_vol_check_ok
	VolReasonBadXattr = "VOL BAD xatt" // cachefiles_coherency_vol_check_xattr
	VolReasonBadResv  = "VOL BAD resv" // cachefiles_coherency_vol_check_resv
	VolReasonBadCmp   = "VOL BAD cmp " // cachefiles_coherency_vol_check_cmp
	VolReasonSetOK    = "VOL SET ok  " // cachefiles_coherency_vol_set_ok
	VolReasonSetFail  = "VOL SET fail" // cachefiles_coherency_vol_set_fail
)

var (
	// ErrStale is -ESTALE: the object or volume on disk does not match the
	// cookie and must be replaced.
	ErrStale = errors.New("cachefiles: stale (ESTALE)")
	// ErrRange is -ERANGE from getxattr: the stored value is longer than
	// the buffer cachefiles reads it into.
	ErrRange = errors.New("cachefiles: xattr larger than expected (ERANGE)")
	// ErrShortXattr is returned by the decoders for a value shorter than
	// its fixed header.
	ErrShortXattr = errors.New("cachefiles: xattr shorter than its header")
)

// ObjectXattr is struct cachefiles_xattr, decoded.
type ObjectXattr struct {
	ObjectSize uint64  // be64 object_size
	ZeroPoint  uint64  // be64 zero_point; always written as 0
	Type       uint8   // CookieTypeData
	Content    Content // content byte
	Aux        []byte  // the netfs's auxiliary (coherency) data
}

// EncodeObjectXattr builds the value cachefiles_set_object_xattr writes:
// object_size, a zero zero_point, type CookieTypeData, content, then aux.
// The kernel writes ContentDirty in place of the object's content while the
// cookie has LOCAL_WRITE set; that choice is the caller's.
func EncodeObjectXattr(objectSize uint64, content Content, aux []byte) []byte {
	return ObjectXattr{ObjectSize: objectSize, Type: CookieTypeData, Content: content, Aux: aux}.Encode()
}

// Encode lays x out as struct cachefiles_xattr followed by the aux bytes.
func (x ObjectXattr) Encode() []byte {
	buf := make([]byte, ObjectXattrHeaderLen+len(x.Aux))
	binary.BigEndian.PutUint64(buf[0:], x.ObjectSize)
	binary.BigEndian.PutUint64(buf[8:], x.ZeroPoint)
	buf[16] = x.Type
	buf[17] = byte(x.Content)
	copy(buf[ObjectXattrHeaderLen:], x.Aux)
	return buf
}

// DecodeObjectXattr splits a stored object xattr into its fields. It only
// needs the 18-byte header; everything after it is Aux.
func DecodeObjectXattr(buf []byte) (ObjectXattr, error) {
	if len(buf) < ObjectXattrHeaderLen {
		return ObjectXattr{}, fmt.Errorf("%w: %d bytes, header is %d", ErrShortXattr, len(buf), ObjectXattrHeaderLen)
	}
	return ObjectXattr{
		ObjectSize: binary.BigEndian.Uint64(buf[0:]),
		ZeroPoint:  binary.BigEndian.Uint64(buf[8:]),
		Type:       buf[16],
		Content:    Content(buf[17]),
		Aux:        append([]byte(nil), buf[ObjectXattrHeaderLen:]...),
	}, nil
}

// CheckAuxdata is the decision of cachefiles_check_auxdata
// (fs/cachefiles/xattr.c): does the object xattr stored on a data file, buf,
// still describe the cookie with aux data auxWant and size sizeWant? It
// returns the coherency trace reason and nil, ErrStale or ErrRange.
//
// The kernel reads the xattr into a buffer of exactly 18+len(auxWant) bytes,
// so the stored length decides first:
//
//   - longer than that: getxattr fails with ERANGE. Since upstream commit
//     0ece614a52bc (v6.10, "propagate errors from vfs_getxattr()"), the error
//     is returned as is: ReasonBadXattr, ErrRange, and the lookup fails
//     rather than replacing the file. Before it, -ESTALE was returned.
//   - shorter: ReasonBadXattr, ErrStale.
//
// Then, in this order, the first failing check wins: type byte not
// CookieTypeData (ReasonBadType), aux bytes differ (ReasonBadAux),
// object_size differs (ReasonBadObjSize), content is ContentDirty
// (ReasonBadDirty; the kernel also logs "Dirty object in cache"). All of
// these give ErrStale. Otherwise ReasonOK and nil. zero_point is not
// checked, and content values other than DIRTY, even undefined ones, pass.
//
// A getxattr that fails outright (no xattr: ENODATA; EIO) is the caller's
// to model: ReasonBadXattr with that error returned as is (EIO also raises
// a cache I/O error).
func CheckAuxdata(buf []byte, auxWant []byte, sizeWant uint64) (reason string, err error) {
	want := ObjectXattrHeaderLen + len(auxWant)
	switch {
	case len(buf) > want:
		return ReasonBadXattr, ErrRange
	case len(buf) < want:
		return ReasonBadXattr, ErrStale
	}
	switch {
	case buf[16] != CookieTypeData:
		return ReasonBadType, ErrStale
	case !bytes.Equal(buf[ObjectXattrHeaderLen:], auxWant):
		return ReasonBadAux, ErrStale
	case binary.BigEndian.Uint64(buf[0:]) != sizeWant:
		return ReasonBadObjSize, ErrStale
	case Content(buf[17]) == ContentDirty:
		return ReasonBadDirty, ErrStale
	}
	return ReasonOK, nil
}

// EncodeVolumeXattr builds the value cachefiles_set_volume_xattr writes on
// a volume directory: a zero be32 reserved word, then the volume's
// coherency data.
func EncodeVolumeXattr(coherency []byte) []byte {
	buf := make([]byte, VolumeXattrHeaderLen+len(coherency))
	copy(buf[VolumeXattrHeaderLen:], coherency)
	return buf
}

// DecodeVolumeXattr splits a stored volume xattr into its reserved word and
// coherency data.
func DecodeVolumeXattr(buf []byte) (reserved uint32, coherency []byte, err error) {
	if len(buf) < VolumeXattrHeaderLen {
		return 0, nil, fmt.Errorf("%w: %d bytes, header is %d", ErrShortXattr, len(buf), VolumeXattrHeaderLen)
	}
	return binary.BigEndian.Uint32(buf), append([]byte(nil), buf[VolumeXattrHeaderLen:]...), nil
}

// CheckVolumeXattr is the decision of cachefiles_check_volume_xattr
// (fs/cachefiles/xattr.c) on the xattr stored on an existing volume
// directory, buf, against the volume's coherency data coherencyWant.
//
// As for CheckAuxdata, the length comes first: longer than
// 4+len(coherencyWant) gives VolReasonBadXattr and ErrRange (since v6.10;
// -ESTALE before), shorter gives VolReasonBadXattr and ErrStale. Then a
// non-zero reserved word gives VolReasonBadResv, different coherency data
// VolReasonBadCmp, both with ErrStale; otherwise VolReasonOK and nil. On
// ErrStale cachefiles_acquire_volume buries the directory and starts again;
// on any other error the volume is not cached.
func CheckVolumeXattr(buf []byte, coherencyWant []byte) (reason string, err error) {
	want := VolumeXattrHeaderLen + len(coherencyWant)
	switch {
	case len(buf) > want:
		return VolReasonBadXattr, ErrRange
	case len(buf) < want:
		return VolReasonBadXattr, ErrStale
	case binary.BigEndian.Uint32(buf) != 0:
		return VolReasonBadResv, ErrStale
	case !bytes.Equal(buf[VolumeXattrHeaderLen:], coherencyWant):
		return VolReasonBadCmp, ErrStale
	}
	return VolReasonOK, nil
}
