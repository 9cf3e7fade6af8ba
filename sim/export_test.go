package sim

import (
	"fmt"
	"slices"
)

// MixArgsForTest is mixArgs on a kernel whose hash is h.
func MixArgsForTest(h uint64, args [8]int64) uint64 {
	k := &Kernel{hash: h}
	k.mixArgs(&args)
	return k.hash
}

// AwakeMismatch lists the live threads not blocked and reports how the
// kernel's running list of them (Kernel.awake, in id order) differs; ""
// if it does not.
func AwakeMismatch(k *Kernel) string {
	var want []*Thread
	for _, t := range k.live {
		if !t.blocked {
			want = append(want, t)
		}
	}
	if !slices.Equal(want, k.awake) {
		return fmt.Sprintf("awake threads %v, but the live threads not blocked are %v", names(k.awake), names(want))
	}
	return ""
}

func names(ts []*Thread) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.name)
	}
	return out
}

// DecideInRunOnly makes every scheduling decision of k's run Run's own:
// no thread decides at its point (decideHere), so every step switches to
// the scheduler and back.
func DecideInRunOnly(k *Kernel) { k.hereOff = true }

// CompleteNoWakeForTest is a broken complete(): it lets one waiter through
// but wakes nobody (a mutant for the lost-wakeup check).
func CompleteNoWakeForTest(t *Thread, c *Completion) {
	t.point(Access{Obj: t.k.ObjID(&c.id), Kind: AccWake})
	c.done++
}
