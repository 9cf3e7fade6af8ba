package sim

import "fmt"

// MixArgsForTest is mixArgs on a kernel whose hash is h.
func MixArgsForTest(h uint64, args [8]int64) uint64 {
	k := &Kernel{hash: h}
	k.mixArgs(&args)
	return k.hash
}

// AwakeMismatch recounts the live threads not blocked and reports how the
// kernel's running count (Kernel.awake) differs from it; "" if it does not.
func AwakeMismatch(k *Kernel) string {
	n := 0
	for _, t := range k.live {
		if !t.blocked {
			n++
		}
	}
	if n != k.awake {
		return fmt.Sprintf("awake count %d, but %d live threads are not blocked", k.awake, n)
	}
	return ""
}

// DecideInRunOnly makes every scheduling decision of k's run Run's own:
// no thread decides at its point (decideHere), so every step switches to
// the scheduler and back.
func DecideInRunOnly(k *Kernel) { k.hereOff = true }
