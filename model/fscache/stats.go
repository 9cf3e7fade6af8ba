package fscache

import (
	"fmt"
	"strings"
)

// Stats are the counters of /proc/fs/fscache/stats (fscache_stats.c).
type Stats struct {
	Cookies, Volumes, VolumesCollision, VolumesNomem      int64
	Acquires, AcquiresOK, AcquiresOOM                     int64
	CookiesLRU, CookiesLRUExpired, CookiesLRURemoved      int64
	CookiesLRUDropped                                     int64
	Invalidates, Updates, Resizes, ResizesNull            int64
	Relinquishes, RelinquishesRetire, RelinquishesDropped int64
	NoWriteSpace, NoCreateSpace, Culled                   int64
	Read, Write, DIOMisfit                                int64
}

// StatsText renders /proc/fs/fscache/stats in the kernel's layout. at is the
// jiffies (here: virtual ms) until the LRU timer fires, 0 when idle.
func (f *Fscache) StatsText() string {
	s := &f.Stats
	at := int64(0)
	if f.lruTimer.Pending() {
		at = int64(f.lruTimer.Deadline()-f.K.Now()) / 1e6
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Cookies: n=%d v=%d vcol=%d voom=%d\n", s.Cookies, s.Volumes, s.VolumesCollision, s.VolumesNomem)
	fmt.Fprintf(&b, "Acquire: n=%d ok=%d oom=%d\n", s.Acquires, s.AcquiresOK, s.AcquiresOOM)
	fmt.Fprintf(&b, "LRU    : n=%d exp=%d rmv=%d drp=%d at=%d\n", s.CookiesLRU, s.CookiesLRUExpired, s.CookiesLRURemoved, s.CookiesLRUDropped, at)
	fmt.Fprintf(&b, "Invals : n=%d\n", s.Invalidates)
	fmt.Fprintf(&b, "Updates: n=%d rsz=%d rsn=%d\n", s.Updates, s.Resizes, s.ResizesNull)
	fmt.Fprintf(&b, "Relinqs: n=%d rtr=%d drop=%d\n", s.Relinquishes, s.RelinquishesRetire, s.RelinquishesDropped)
	fmt.Fprintf(&b, "NoSpace: nwr=%d ncr=%d cull=%d\n", s.NoWriteSpace, s.NoCreateSpace, s.Culled)
	fmt.Fprintf(&b, "IO     : rd=%d wr=%d mis=%d\n", s.Read, s.Write, s.DIOMisfit)
	return b.String()
}

// ProcCookies renders /proc/fs/fscache/cookies.
func (f *Fscache) ProcCookies() string {
	var b strings.Builder
	b.WriteString("COOKIE   VOLUME   REF ACT ACC S FL DEF             \n")
	b.WriteString("======== ======== === === === = == ================\n")
	for _, c := range f.cookies {
		fmt.Fprintf(&b, "%08x %08x %3d %3d %3d %c %02x", c.DebugID, c.Volume.DebugID, c.ref.Peek(), c.nActive.Peek(),
			c.nAccesses.Peek(), c.state.Peek().Letter(), c.flags.Peek())
		if len(c.Key) > 0 || len(c.Aux) > 0 {
			fmt.Fprintf(&b, " %x", c.Key)
			if len(c.Aux) > 0 {
				fmt.Fprintf(&b, ", %x", c.Aux)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ProcVolumes renders /proc/fs/fscache/volumes.
func (f *Fscache) ProcVolumes() string {
	var b strings.Builder
	b.WriteString("VOLUME   REF   nCOOK ACC FL CACHE           KEY\n")
	b.WriteString("======== ===== ===== === == =============== ================\n")
	for _, v := range f.volumes {
		name := v.Cache.Name
		if name == "-" || name == "" {
			name = "-"
		}
		fmt.Fprintf(&b, "%08x %5d %5d %3d %02x %-15.15s %s\n", v.DebugID, v.ref.Peek(), v.nCookies.Peek(),
			v.nAccesses.Peek(), v.flags.Peek(), name, v.Key)
	}
	return b.String()
}

// ProcCaches renders /proc/fs/fscache/caches.
func (f *Fscache) ProcCaches() string {
	var b strings.Builder
	b.WriteString("CACHE    REF   VOLS  OBJS  ACCES S NAME\n")
	b.WriteString("======== ===== ===== ===== ===== = ===============\n")
	for _, c := range f.caches {
		name := c.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(&b, "%08x %5d %5d %5d %5d %c %s\n", c.DebugID, c.ref.Peek(), c.nVolumes.Peek(), c.objectCount.Peek(),
			c.nAccesses.Peek(), c.state.Peek().Letter(), name)
	}
	return b.String()
}
