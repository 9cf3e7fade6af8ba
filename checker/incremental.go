package checker

import (
	"github.com/fscachesim/fscachesim/sim"
)

// The incremental checks' self-check (Options.Full; doc.go, "Incremental
// checks").

// verifyQuiet is, under Options.Full, the check that a step the
// incremental checker takes as quiet for the LRU, volume and cache checks
// (no cookie input moved, Fscache.Gen unchanged) left everything those
// checks read as it was: it reports [incremental] otherwise (a store the
// model does not count in Fscache.Gen).
func (c *Checker) verifyQuiet(quiet bool) {
	d := c.worldDigest()
	if quiet && d != c.digest {
		c.report(sim.FailInvariant, "incremental", nil, "the LRU, volume or cache views changed but Fscache.Gen did not (a store the model does not count in it)")
	}
	c.digest = d
}

// worldDigest mixes every view the LRU, volume and cache checks read
// beyond the cookies' own inputs.
func (c *Checker) worldDigest() uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	b := func(x bool) uint64 {
		if x {
			return 1
		}
		return 0
	}
	for _, ck := range c.f.LRU() {
		mix(uint64(ck.DebugID))
		mix(b(ck.OnLRU())<<1 | b(ck.Life().Freed()))
	}
	mix(0xffff)
	for _, v := range c.f.Volumes() {
		mix(uint64(v.DebugID))
		mix(uint64(v.NCookies()))
		mix(uint64(v.Ref()))
		mix(v.Flags())
		mix(uint64(v.NAccesses()))
		mix(b(v.CachePriv != nil)<<1 | b(v.WorkBusy()))
		if v.Cache != nil {
			mix(uint64(v.Cache.DebugID)<<8 | uint64(v.Cache.State()))
		}
		for _, w := range c.f.VolumeHashChain(v.KeyHash) {
			mix(uint64(w.DebugID))
			mix(w.Flags())
		}
		mix(b(c.f.VolumeBucketLocked(v.KeyHash)))
	}
	mix(0xfffe)
	for _, ca := range c.f.Caches() {
		mix(uint64(ca.DebugID))
		mix(uint64(ca.Ref()))
		mix(uint64(ca.NVolumes()))
		mix(uint64(ca.ObjectCount()))
		mix(uint64(ca.NAccesses()))
		mix(uint64(ca.State()))
	}
	return h
}
