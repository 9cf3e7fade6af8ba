package sim

// MixArgsForTest is mixArgs on a kernel whose hash is h.
func MixArgsForTest(h uint64, args [8]int64) uint64 {
	k := &Kernel{hash: h}
	k.mixArgs(&args)
	return k.hash
}
