package checker

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/model/fscache"
	"github.com/fscachesim/fscachesim/sim"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// The on-disk layout is the kernel's: what cachefiles puts on the virtual
// disk is judged against Linux 6.12's rules, computed here from the
// netfs's inputs (volume key, cookie key, object size) with this file's
// own copy of the kernel's constants and encodings — never by calling the
// model's hash, key encoder or constants, so a model that gets them wrong
// consistently is still caught. Each check fires at the event that puts
// the thing on the disk (class invariant):
//
//	layout-path   an object's file is cache/I<volume key>/@<xx>/<name>
//	              under the bind root, where xx is the low byte of the
//	              kernel's fscache_hash of the cookie key salted with the
//	              volume key's hash, and name is cachefiles_cook_key's
//	              encoding of the cookie key: at each look-up of an
//	              object's file (cachefiles_lookup: the directory searched
//	              and the file found) and at the link of its tmpfile
//	              (cachefiles_link).
//	layout-xattr  the object xattr set (cachefiles_coherency SET ok) is
//	              struct cachefiles_xattr: 8 bytes of object size, a zero
//	              zero_point, type CACHEFILES_COOKIE_TYPE_DATA (1), content
//	              CACHEFILES_CONTENT_NO_DATA (0) or _DIRTY (4), the aux
//	              data after; a volume's (VOL SET ok) is struct
//	              cachefiles_vol_xattr: a zero 4-byte reserved word, then
//	              the coherency data.
//	layout-size   when cachefiles_lookup_cookie returns, the object's file
//	              is the object size rounded up to the 4096-byte DIO block
//	              (cachefiles_adjust_size, or a tmpfile's expansion), unless
//	              the disk refused (an I/O or VFS error trace on that file),
//	              seen through cachefiles.LayoutObserver; a tmpfile of a
//	              positive object size has been expanded (an EXPTMP
//	              truncation traced) by then. Every truncation
//	              cachefiles traces (cachefiles_trunc: SHRINK, EXPTMP) is
//	              to a multiple of 4096, a tmpfile's expansion to the
//	              object size so rounded.
//	layout-bury   cachefiles_unlink removes only non-directories and
//	              cachefiles_bury_object renames only directories into the
//	              graveyard (cachefiles_unlink / cachefiles_rename events).
//	space-bshift  cache->bshift is log2 of the disk's block size: the
//	              space check counts writes in flight in disk blocks.
//	space-ask     cachefiles_has_space for a create (mkdir, tmpfile) asks
//	              for 1 file and 0 blocks; for a write or a check, 0 files.
//	space-overwrite  __cachefiles_prepare_write never refuses (ENOBUFS) a
//	              page-aligned write, with space already allocated, over a
//	              range whose blocks are all allocated within the file's
//	              size (at its start and end): an overwrite needs no room.
//	              The allocation is the disk's (sim/vfs AllocatedView).
//	trace-vfs-error  a cachefiles_vfs_error or cachefiles_io_error trace
//	              carries an error.
//
// The DIRTY protocol (the cookie's write protocol over cachefiles):
//
//	dirty-localwrite  a data write into an object whose cookie had a
//	              modifying use (fscache_active USE-m) in a state where
//	              __fscache_use_cookie sets FSCACHE_COOKIE_LOCAL_WRITE
//	              (QUIESCENT, LOOKING_UP, CREATING, ACTIVE, INVALIDATING),
//	              and no clean commit since, finds LOCAL_WRITE set (judged
//	              while the cookie's lock is free).
//	dirty-mark    outside the object's clean commit, the only object xattr
//	              cachefiles writes is cachefiles_prepare_to_write's: on a
//	              linked file (a tmpfile gets none), content DIRTY.
//
// Cost: a walk of the object list per look-up, link, write, trunc and
// xattr event (1-3 objects), three directory look-ups per look-up or link.

const (
	checkLayoutPath  = "layout-path"
	checkLayoutXattr = "layout-xattr"
	checkLayoutSize  = "layout-size"
	checkLayoutBury  = "layout-bury"
	checkSpaceBshift = "space-bshift"
	checkSpaceAsk    = "space-ask"
	checkSpaceOver   = "space-overwrite"
	checkTraceError  = "trace-vfs-error"
	checkDirtyUse    = "dirty-localwrite"
	checkDirtyMark   = "dirty-mark"
)

// The kernel's constants, written down here apart from the model's.
const (
	kGoldenRatio32   = 0x61C88647 // GOLDEN_RATIO_32 (include/linux/hash.h)
	kDIOBlock        = 4096       // CACHEFILES_DIO_BLOCK_SIZE
	kTypeData        = 1          // CACHEFILES_COOKIE_TYPE_DATA
	kContentNoData   = 0          // CACHEFILES_CONTENT_NO_DATA
	kContentDirty    = 4          // CACHEFILES_CONTENT_DIRTY
	kXattrHeader     = 18         // sizeof(struct cachefiles_xattr)
	kVolXattrHeader  = 4          // sizeof(struct cachefiles_vol_xattr)
	kXattrName       = "user.CacheFiles.cache"
	kStoreName       = "cache"
	kHashMixRotX     = 7
	kHashMixRotY     = 20
	kHashMixMultiply = 9
)

// kHash is fs/netfs/fscache_main.c's fscache_hash: HASH_MIX over the
// little-endian words of data, then fold_hash.
func kHash(salt uint32, data []byte) uint32 {
	x, y := uint32(0), salt
	for n := len(data) / 4; n > 0; n-- {
		a := uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24
		data = data[4:]
		x ^= a
		y ^= x
		x = bits.RotateLeft32(x, kHashMixRotX)
		x += y
		y = bits.RotateLeft32(y, kHashMixRotY)
		y *= kHashMixMultiply
	}
	return (y ^ x*kGoldenRatio32) * kGoldenRatio32
}

// kVolumeHash is fscache_alloc_volume's key_hash: the key (to its first
// NUL, as strlen) with its length byte in front, zero-padded to
// round_up(1 + klen + 1, 4) bytes, hashed with salt 0.
func kVolumeHash(key string) uint32 {
	klen := 0
	for klen < len(key) && key[klen] != 0 {
		klen++
	}
	buf := make([]byte, ((1+klen+1)+3)/4*4)
	buf[0] = byte(klen)
	copy(buf[1:], key[:klen])
	return kHash(0, buf)
}

// kCookieHash is fscache_set_key's key_hash: the key zero-padded to
// round_up(len, 4), hashed with the volume's hash as salt.
func kCookieHash(volHash uint32, key []byte) uint32 {
	buf := make([]byte, (len(key)+3)/4*4)
	copy(buf, key)
	return kHash(volHash, buf)
}

// kCookKey is fs/cachefiles/key.c's cachefiles_cook_key.
func kCookKey(key []byte) string {
	safe := func(ch byte) bool { return (ch >= 33 && ch <= 46) || (ch >= 48 && ch <= 127) }
	print := true
	for _, ch := range key {
		print = print && safe(ch)
	}
	if print {
		return "D" + string(key)
	}
	keylen := len(key)
	n := (keylen + 3) / 4 * 4
	padded := make([]byte, n)
	copy(padded, key)
	digits := func(v uint32) int {
		if v == 0 {
			return 0
		}
		return (31 - bits.LeadingZeros32(v) + 1 + 3) / 4
	}
	nbe, nle := 0, 0
	for i := 0; i < n; i += 4 {
		nbe += 1 + digits(binary.BigEndian.Uint32(padded[i:]))
		nle += 1 + digits(binary.LittleEndian.Uint32(padded[i:]))
	}
	b64 := (keylen + 2) / 3
	pad := b64*3 - keylen
	b64len := 2 + b64*4
	if nbe < b64len || nle < b64len {
		sep := byte('T')
		if nbe <= nle {
			sep = 'S'
		}
		var out []byte
		for i := 0; i < n; i += 4 {
			v := binary.LittleEndian.Uint32(padded[i:])
			if nbe <= nle {
				v = binary.BigEndian.Uint32(padded[i:])
			}
			out = append(out, sep)
			if v != 0 {
				out = strconv.AppendUint(out, uint64(v), 16)
			}
			sep = ','
		}
		return string(out)
	}
	const charmap = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-"
	out := []byte{'E', byte('0' + pad)}
	for p := 0; ; {
		acc := uint32(key[p])
		p++
		if p < keylen {
			acc |= uint32(key[p]) << 8
			p++
			if p < keylen {
				acc |= uint32(key[p]) << 16
				p++
			}
		}
		out = append(out, charmap[acc&63], charmap[(acc>>6)&63], charmap[(acc>>12)&63], charmap[(acc>>18)&63])
		if p >= keylen {
			break
		}
	}
	return string(out)
}

func kRoundUp(n, to int64) int64 { return (n + to - 1) / to * to }

// layoutTrack is what the layout checks remember.
type layoutTrack struct {
	sizing     []sizing // sizings under way (LayoutObserver)
	committing []uint32 // objects whose clean commit began (cachefiles_ref SEE clean_commit)
	modUse     []uint32 // cookies with a modifying use since their last clean commit
	tmpfiles   []tmpfile
	preparing  []preparing // prepare_writes under way (LayoutObserver)
}

// preparing is one cachefiles_prepare_write under way.
type preparing struct {
	tid           int32
	ino           vfs.Ino
	start, length int64 // the range, its length rounded up to the page as the kernel does
	noSpace       bool
	full          bool // every block of the range allocated, within the size, at the start
}

// tmpfile is a tmpfile made (cachefiles_tmpfile) whose look-up has not
// returned yet.
type tmpfile struct {
	ino      vfs.Ino
	objSize  int64 // the cookie's object size when it was made
	expanded bool  // an EXPTMP truncation was traced for it
}

type sizing struct {
	tid     int32
	o       *cachefiles.Object
	ino     vfs.Ino
	objSize int64 // the cookie's object size at the start
	faulted bool  // an I/O or VFS error was traced on the file meanwhile
}

// objectByID finds the object with debug id id in a cache seen. Each
// cache record numbers its objects from 1 (a rebind starts again), so an
// id two caches have is ambiguous: none is returned and the event is not
// judged.
func (x *Cachefiles) objectByID(id uint32) (*cachefiles.Cache, *cachefiles.Object) {
	var fc *cachefiles.Cache
	var fo *cachefiles.Object
	for _, c := range x.caches {
		for _, o := range c.Objects() {
			if o.DebugID != id {
				continue
			}
			if fo != nil {
				return nil, nil
			}
			fc, fo = c, o
			break
		}
	}
	return fc, fo
}

// kernelFanout is the directory the kernel puts ck's file in, looked up on
// the disk from the bind root, and the file's name.
func kernelFanout(c *cachefiles.Cache, ck *fscache.Cookie) (fan vfs.Ino, name, path string, ok bool) {
	vk := ck.Volume.Key
	for i := 0; i < len(vk); i++ {
		if vk[i] == 0 {
			vk = vk[:i]
			break
		}
	}
	fanName := fmt.Sprintf("@%02x", uint8(kCookieHash(kVolumeHash(vk), ck.Key)))
	name = kCookKey(ck.Key)
	path = kStoreName + "/I" + vk + "/" + fanName + "/" + name
	fs := c.FS()
	store, err := fs.Entry(c.Root(), kStoreName)
	if err != nil {
		return 0, name, path, false
	}
	vol, err := fs.Entry(store, "I"+vk)
	if err != nil {
		return 0, name, path, false
	}
	fan, err = fs.Entry(vol, fanName)
	return fan, name, path, err == nil
}

// layoutEvent is the layout and DIRTY checks at their events (from Event).
func (x *Cachefiles) layoutEvent(e *sim.Event) *sim.Failure {
	switch e.Type {
	case fscache.EvActive:
		if e.Str[0] == fscache.TraceActiveUseModify {
			return x.modifyingUse(e)
		}
	case cachefiles.EvRef:
		if e.Str[0] == cachefiles.TraceObjSeeCleanCommit {
			x.lay.committing = append(x.lay.committing, e.Obj)
			x.lay.modUse = dropID(x.lay.modUse, uint32(e.Args[0]))
		}
	case cachefiles.EvLookup:
		if e.Obj == 0 {
			return nil
		}
		x.track()
		return x.pathCheck(e.Obj, vfs.Ino(e.Args[0]), vfs.Ino(e.Args[1]), e.Args[2] == 0 && e.Args[1] != 0, "cachefiles_lookup")
	case cachefiles.EvLink:
		x.track()
		return x.pathCheck(e.Obj, 0, vfs.Ino(e.Args[0]), true, "cachefiles_link")
	case cachefiles.EvCoherency:
		if e.Str[0] == cachefiles.ReasonSetOK {
			x.track()
			return x.xattrCheck(e)
		}
	case cachefiles.EvVolCoherency:
		if e.Str[0] == cachefiles.VolReasonSetOK {
			x.track()
			return x.volXattrCheck(e)
		}
	case cachefiles.EvWrite:
		x.track()
		return x.writeCheck(e)
	case cachefiles.EvTmpfile:
		x.track()
		if _, o := x.objectByID(e.Obj); o != nil && o.Cookie() != nil {
			x.lay.tmpfiles = append(x.lay.tmpfiles, tmpfile{ino: vfs.Ino(e.Args[0]), objSize: o.Cookie().ObjectSize})
		}
	case cachefiles.EvTrunc:
		x.track()
		if e.Str[0] == cachefiles.TruncExpandTmpfile {
			for i := range x.lay.tmpfiles {
				if x.lay.tmpfiles[i].ino == vfs.Ino(e.Args[0]) {
					x.lay.tmpfiles[i].expanded = true
				}
			}
		}
		return x.truncCheck(e)
	case cachefiles.EvUnlink, cachefiles.EvRename:
		x.track()
		return x.buryCheck(e)
	case cachefiles.EvVFSError, cachefiles.EvIOError:
		ino := vfs.Ino(e.Args[0])
		for i := range x.lay.sizing {
			if x.lay.sizing[i].ino == ino {
				x.lay.sizing[i].faulted = true
			}
		}
		if e.Args[1] >= 0 {
			name := "cachefiles_vfs_error"
			if e.Type == cachefiles.EvIOError {
				name = "cachefiles_io_error"
			}
			return fail(checkTraceError, nil, "%s trace at %s on B=%x carries error %d: the kernel traces only a failure (a negative errno)",
				name, e.Str[0], uint64(ino), e.Args[1])
		}
	}
	return nil
}

func dropID(ids []uint32, id uint32) []uint32 {
	for i, v := range ids {
		if v == id {
			return append(ids[:i], ids[i+1:]...)
		}
	}
	return ids
}

func hasID(ids []uint32, id uint32) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// pathCheck is layout-path: dir (if not 0) is the kernel's fan-out
// directory for the object's cookie and, if found, ino is the file of the
// kernel's name in it.
func (x *Cachefiles) pathCheck(id uint32, dir, ino vfs.Ino, found bool, at string) *sim.Failure {
	c, o := x.objectByID(id)
	if o == nil || c.Severed() {
		return nil
	}
	ck := o.Cookie()
	if ck == nil || ck.Volume == nil {
		return nil
	}
	fan, name, path, ok := kernelFanout(c, ck)
	if !ok {
		return fail(checkLayoutPath, []string{objName(o)}, "%s of object o=%08x (cookie key %x, volume key %q): the kernel's directory for it, %s, is not on the disk",
			at, o.DebugID, ck.Key, ck.Volume.Key, path)
	}
	if dir != 0 && dir != fan {
		return fail(checkLayoutPath, []string{objName(o)}, "%s of object o=%08x searched directory B=%x, but the kernel's fan-out directory for cookie key %x in volume %q is B=%x (%s)",
			at, o.DebugID, uint64(dir), ck.Key, ck.Volume.Key, uint64(fan), path)
	}
	if !found {
		return nil
	}
	if got, err := c.FS().Entry(fan, name); err != nil || got != ino {
		return fail(checkLayoutPath, []string{objName(o)}, "%s of object o=%08x: its file B=%x is not the kernel's %s (cachefiles_cook_key of %x is %q; that name is B=%x)",
			at, o.DebugID, uint64(ino), path, ck.Key, name, uint64(got))
	}
	return nil
}

// xattrCheck is layout-xattr and dirty-mark at a SET ok of an object xattr.
func (x *Cachefiles) xattrCheck(e *sim.Event) *sim.Failure {
	c, o := x.objectByID(e.Obj)
	if o == nil || c.Severed() {
		return nil
	}
	ino := vfs.Ino(e.Args[0])
	fs := c.FS()
	buf, ok := fs.XattrView(ino, kXattrName)
	if !ok {
		return fail(checkLayoutXattr, []string{objName(o)}, "object o=%08x's xattr set on B=%x, but the disk has no %s on it", o.DebugID, uint64(ino), kXattrName)
	}
	if len(buf) < kXattrHeader || binary.BigEndian.Uint64(buf[8:16]) != 0 || buf[16] != kTypeData ||
		(buf[17] != kContentNoData && buf[17] != kContentDirty) {
		return fail(checkLayoutXattr, []string{objName(o)}, "object o=%08x's xattr on B=%x is %x: not a struct cachefiles_xattr (zero_point 0, type %d, content %d or %d)",
			o.DebugID, uint64(ino), buf, kTypeData, kContentNoData, kContentDirty)
	}
	if hasID(x.lay.committing, o.DebugID) {
		return nil
	}
	st, err := fs.Stat(ino)
	if err == nil && st.Nlink == 0 {
		return fail(checkDirtyMark, []string{objName(o)}, "object o=%08x's xattr set on its tmpfile B=%x outside a commit: cachefiles_prepare_to_write marks only a linked file", o.DebugID, uint64(ino))
	}
	if buf[17] != kContentDirty {
		return fail(checkDirtyMark, []string{objName(o)}, "object o=%08x's xattr set on B=%x outside a commit with content %d: only cachefiles_prepare_to_write sets it then, with LOCAL_WRITE set (DIRTY, %d)",
			o.DebugID, uint64(ino), buf[17], kContentDirty)
	}
	return nil
}

// volXattrCheck is layout-xattr for a volume directory's xattr.
func (x *Cachefiles) volXattrCheck(e *sim.Event) *sim.Failure {
	dir := vfs.Ino(e.Args[0])
	for i := len(x.caches) - 1; i >= 0; i-- {
		c := x.caches[i]
		for _, v := range c.Volumes() {
			if v.Dir() != dir || v.VolumeCookie().DebugID != e.Obj {
				continue
			}
			if c.Severed() {
				return nil
			}
			buf, ok := c.FS().XattrView(dir, kXattrName)
			if !ok || len(buf) != kVolXattrHeader+len(v.VolumeCookie().Coherency) || binary.BigEndian.Uint32(buf) != 0 {
				return fail(checkLayoutXattr, []string{volumeObj(e.Obj)}, "volume V=%08x's xattr on B=%x is %x: not a struct cachefiles_vol_xattr (a zero reserved word, then %d bytes of coherency data)",
					e.Obj, uint64(dir), buf, len(v.VolumeCookie().Coherency))
			}
			return nil
		}
	}
	return nil
}

// writeCheck is space-bshift and dirty-localwrite at a data write.
func (x *Cachefiles) writeCheck(e *sim.Event) *sim.Failure {
	ino := vfs.Ino(e.Args[0])
	c, o := x.objectByID(e.Obj)
	if o == nil || c.Severed() {
		return nil
	}
	if bs := c.FS().BlockSize(); int64(1)<<c.BlockShift() != bs {
		return fail(checkSpaceBshift, nil, "cache->bshift is %d for %d-byte disk blocks: writes in flight are counted in the wrong unit", c.BlockShift(), bs)
	}
	ck := o.Cookie()
	if ck != nil && hasID(x.lay.modUse, ck.DebugID) && !ck.LockHeld() && !ck.Has(fscache.FlagLocalWrite) {
		return fail(checkDirtyUse, []string{objName(o)}, "cookie c=%08x had a modifying use and no clean commit since, but its data write to B=%x finds LOCAL_WRITE clear (so the object is not marked DIRTY)",
			ck.DebugID, uint64(ino))
	}
	return nil
}

// modifyingUse records a USE-m (the emitting thread holds the cookie's lock).
func (x *Cachefiles) modifyingUse(e *sim.Event) *sim.Failure {
	if len(x.caches) == 0 && x.current() == nil {
		return nil
	}
	ck := x.cookieByID(e.Obj)
	if ck == nil {
		return nil
	}
	switch ck.State() {
	case fscache.CookieQuiescent, fscache.CookieLookingUp, fscache.CookieCreating, fscache.CookieActive, fscache.CookieInvalidating:
		if !hasID(x.lay.modUse, ck.DebugID) {
			x.lay.modUse = append(x.lay.modUse, ck.DebugID)
		}
	}
	return nil
}

// cookieByID finds a cookie by its debug id, in the fscache of the
// newest cache seen.
func (x *Cachefiles) cookieByID(id uint32) *fscache.Cookie {
	x.track()
	for i := len(x.caches) - 1; i >= 0; i-- {
		fc := x.caches[i].FscacheCache()
		if fc == nil {
			continue
		}
		for _, ck := range fc.Fscache().Cookies() {
			if ck.DebugID == id {
				return ck
			}
		}
		return nil
	}
	return nil
}

// truncCheck is layout-size at a traced truncation.
func (x *Cachefiles) truncCheck(e *sim.Event) *sim.Failure {
	c, o := x.objectByID(e.Obj)
	if o == nil || c.Severed() {
		return nil
	}
	to := e.Args[2]
	switch e.Str[0] {
	case cachefiles.TruncShrink, cachefiles.TruncExpandTmpfile:
		if to%kDIOBlock != 0 {
			return fail(checkLayoutSize, []string{objName(o)}, "object o=%08x: %s truncation of B=%x to %d, not a multiple of the %d-byte DIO block", o.DebugID, e.Str[0], uint64(e.Args[0]), to, kDIOBlock)
		}
	}
	if ck := o.Cookie(); ck != nil && e.Str[0] == cachefiles.TruncExpandTmpfile && to != kRoundUp(ck.ObjectSize, kDIOBlock) {
		return fail(checkLayoutSize, []string{objName(o)}, "object o=%08x: tmpfile B=%x expanded to %d, but its object size %d rounded up to the DIO block is %d", o.DebugID, uint64(e.Args[0]), to, ck.ObjectSize, kRoundUp(ck.ObjectSize, kDIOBlock))
	}
	return nil
}

// FileSizing implements cachefiles.LayoutObserver: layout-size.
func (x *Cachefiles) FileSizing(t *sim.Thread, c *cachefiles.Cache, o *cachefiles.Object, op cachefiles.SizeOp, newSize int64, done bool) {
	ino := o.File()
	if !done {
		if ino == 0 {
			return
		}
		objSize := int64(0)
		if ck := o.Cookie(); ck != nil {
			objSize = ck.ObjectSize
		}
		for i, tf := range x.lay.tmpfiles {
			if tf.ino != ino {
				continue
			}
			x.lay.tmpfiles = append(x.lay.tmpfiles[:i], x.lay.tmpfiles[i+1:]...)
			if !tf.expanded && tf.objSize > 0 && objSize > 0 && x.disk.failed == nil && !c.Severed() {
				x.disk.failed = fail(checkLayoutSize, []string{objName(o)}, "object o=%08x's tmpfile B=%x reached the end of its look-up without the expansion to its object size (%d) rounded up to the DIO block that cachefiles_create_tmpfile makes (no EXPTMP truncation)",
					o.DebugID, uint64(ino), objSize)
			}
			break
		}
		x.lay.sizing = append(x.lay.sizing, sizing{tid: t.ID(), o: o, ino: ino, objSize: objSize})
		return
	}
	var s sizing
	found := false
	for i := range x.lay.sizing {
		if x.lay.sizing[i].tid == t.ID() && x.lay.sizing[i].o == o {
			s, found = x.lay.sizing[i], true
			x.lay.sizing = append(x.lay.sizing[:i], x.lay.sizing[i+1:]...)
			break
		}
	}
	if !found || x.disk.failed != nil || s.faulted || c.Severed() || c.Dead() || ino != s.ino {
		return
	}
	st, err := c.FS().Stat(ino)
	ck := o.Cookie()
	if err != nil || ck == nil {
		return
	}
	if a, b := kRoundUp(s.objSize, kDIOBlock), kRoundUp(ck.ObjectSize, kDIOBlock); op == cachefiles.SizeLookup && st.Size != a && st.Size != b {
		x.disk.failed = fail(checkLayoutSize, []string{objName(o)}, "object o=%08x looked up with its file B=%x of %d bytes: cachefiles_adjust_size makes it the object size %d rounded up to the %d-byte DIO block, %d",
			o.DebugID, uint64(ino), st.Size, ck.ObjectSize, kDIOBlock, b)
	}
}

// spaceAsk is space-ask: what cachefiles_has_space is asked for, by reason
// (cachefiles_get_directory and cachefiles_create_tmpfile ask 1 file and 0
// blocks; the write paths and the daemon's checks ask no file).
func spaceAsk(v cachefiles.SpaceCheck) *sim.Failure {
	switch {
	case v.For == cachefiles.SpaceForCreate && (v.Fnr != 1 || v.Bnr != 0):
		return fail(checkSpaceAsk, nil, "cachefiles_has_space for a create asked %d file(s) and %d block(s): the kernel asks 1 file and 0 blocks", v.Fnr, v.Bnr)
	case v.For != cachefiles.SpaceForCreate && v.Fnr != 0:
		return fail(checkSpaceAsk, nil, "cachefiles_has_space for a write or a check asked %d file(s): the kernel asks none", v.Fnr)
	}
	return nil
}

// buryCheck is layout-bury, before the unlink or rename the event announces.
func (x *Cachefiles) buryCheck(e *sim.Event) *sim.Failure {
	c := x.current()
	if c == nil || c.Severed() {
		return nil
	}
	ino := vfs.Ino(e.Args[0])
	st, err := c.FS().Stat(ino)
	if err != nil {
		return nil
	}
	why := cachefiles.Why(e.Args[1])
	switch {
	case e.Type == cachefiles.EvUnlink && st.IsDir():
		return fail(checkLayoutBury, nil, "cachefiles_unlink (w=%s) of B=%x, a directory: the kernel unlinks only files and moves a directory into the graveyard", why, uint64(ino))
	case e.Type == cachefiles.EvRename && !st.IsDir():
		return fail(checkLayoutBury, nil, "cachefiles_rename (w=%s) of B=%x into the graveyard, a file: the kernel unlinks a file and moves only directories there", why, uint64(ino))
	}
	return nil
}

// rangeState is the allocation of [start, start+length) of ino on c's disk.
func rangeState(c *cachefiles.Cache, ino vfs.Ino, start, length int64) (alloc, size int64, full, ok bool) {
	fs := c.FS()
	a, n, ok := fs.AllocatedView(ino, start, length)
	st, err := fs.Stat(ino)
	if !ok || err != nil {
		return 0, 0, false, false
	}
	return a, st.Size, a == n && start+length <= st.Size, true
}

// WritePreparing implements cachefiles.LayoutObserver: space-overwrite.
func (x *Cachefiles) WritePreparing(t *sim.Thread, c *cachefiles.Cache, o *cachefiles.Object, ino vfs.Ino, start, length int64, noSpace, done bool, err error) {
	if !done {
		l := kRoundUp(length, kDIOBlock)
		if _, _, full, ok := rangeState(c, ino, start, l); ok {
			x.lay.preparing = append(x.lay.preparing, preparing{tid: t.ID(), ino: ino, start: start, length: l, noSpace: noSpace, full: full})
		}
		return
	}
	var p preparing
	found := false
	for i := range x.lay.preparing {
		if x.lay.preparing[i].tid == t.ID() && x.lay.preparing[i].ino == ino {
			p, found = x.lay.preparing[i], true
			x.lay.preparing = append(x.lay.preparing[:i], x.lay.preparing[i+1:]...)
			break
		}
	}
	if !found || x.disk.failed != nil || c.Severed() || c.Dead() || p.noSpace || p.start%kDIOBlock != 0 {
		return
	}
	_, _, full, ok := rangeState(c, ino, p.start, p.length)
	if !ok {
		return
	}
	if err == vfs.ENOBUFS && p.full && full {
		x.disk.failed = fail(checkSpaceOver, []string{objName(o)}, "object o=%08x: a write over [%d, %d) of B=%x, every block of it allocated, refused (ENOBUFS): __cachefiles_prepare_write lets an overwrite of allocated space go ahead",
			o.DebugID, p.start, p.start+p.length, uint64(ino))
	}
}
