package model

import (
	"fmt"
	"strings"
)

// Bugs re-introduces historical bugs, each named after the bug and off by
// default. Each switch is one small deviation in the code path where the
// kernel's fix lives. They exist to show that the explorer finds real races,
// and to teach.
type Bugs struct {
	// LRUDiscardNoRedispatch is the race fixed in v3 of the fscache rewrite
	// ("fscache: Need to go round again after processing LRU_DISCARDING
	// state", Dec 2021): after LRU_DISCARDING -> QUIESCENT the cookie state
	// machine returns instead of going round again, so a relinquish that
	// arrived meanwhile never happens and the cookie is freed while still
	// hashed.
	LRUDiscardNoRedispatch bool
	// UseNoClearLRUDiscard is CVE-2022-48989 ("fscache: Fix oops due to race
	// with cookie_lru and use_cookie", 6.1): use_cookie does not clear a
	// pending DO_LRU_DISCARD, so a cookie in use is discarded and the I/O
	// that follows dereferences a NULL cache_priv.
	UseNoClearLRUDiscard bool
	// LRUDiscardIgnoresAccesses is the bug fixed by "fs/netfs/fscache_cookie:
	// add missing "n_accesses" check" (Aug 2024, in 6.11 and stable 6.10.7;
	// quirk Q-5 of the spec): in ACTIVE the state machine goes to
	// LRU_DISCARDING although accesses are in flight, so the backing object
	// is withdrawn under I/O that then dereferences a NULL cache_priv.
	LRUDiscardIgnoresAccesses bool
	// ExitKeepsLRUTimer is the bug fixed by "fscache: delete
	// fscache_cookie_lru_timer when fscache exits to avoid UAF" (2024):
	// fscache_exit destroys fscache_wq but leaves the LRU timer armed, so a
	// timer still pending fires after the module is gone and queues its
	// work on the freed workqueue.
	ExitKeepsLRUTimer bool
	// OndemandNoCancelWorker is the bug fixed by "cachefiles: wait for
	// ondemand_object_worker to finish when dropping object" (2024):
	// cachefiles_ondemand_clean_object does not cancel_work_sync the
	// reopen worker, which may then run on an object already freed.
	OndemandNoCancelWorker bool
	// OndemandReadNoReqRef is the bug fixed by "cachefiles: fix
	// slab-use-after-free in cachefiles_ondemand_daemon_read()" (2024):
	// the daemon's read takes no ref on the request it hands out, so a
	// copen or cread racing with it completes the request, its sender
	// frees it, and the read goes on using it.
	OndemandReadNoReqRef bool
	// OndemandMsgIDReuse is the bug fixed by "cachefiles: cyclic
	// allocation of msg_id to avoid reuse" (2024): a request's msg_id is
	// the lowest free index, so the id of a request just completed goes
	// to the next one, and a stale copen or cread of the old id completes
	// the new request.
	OndemandMsgIDReuse bool
	// VolumeCreateWorkNoBarrier is the bug fixed by "fscache: Use
	// clear_and_wake_up_bit() in fscache_create_volume_work()" (Jan 2023,
	// in 6.2 and stable 6.1.13): the work clears FSCACHE_VOLUME_CREATING
	// with clear_bit_unlock() and calls wake_up_bit() without the
	// smp_mb__after_atomic() between them, so on a weakly ordered CPU the
	// waker may find no waiter before its clear is visible and a lookup
	// waiting for the volume sleeps for good. Only the weak-memory mode
	// (--strategy NAME+weak) can find it.
	VolumeCreateWorkNoBarrier bool
	// VolumeCreateRacedNoBarrier is CVE-2024-56755 ("netfs/fscache: Add a
	// memory barrier for FSCACHE_VOLUME_CREATING", Zizhi Wo, Nov 2024, in
	// 6.13 and the stable trees): the same missing barrier on
	// fscache_create_volume's no-wait path (the creator raced, or the
	// cache is not live). Weak-memory mode only.
	VolumeCreateRacedNoBarrier bool
}

// BugInfo describes one switch.
type BugInfo struct {
	Name string // command-line name
	Doc  string // one line
	set  func(*Bugs)
	get  func(Bugs) bool
}

// AllBugs lists the switches in a fixed order.
var AllBugs = []BugInfo{
	{
		Name: "lru-discard-no-redispatch",
		Doc:  "v3 of the fscache rewrite (2021): after an LRU discard the state machine stops, so a racing relinquish never happens (cookie freed while hashed)",
		set:  func(b *Bugs) { b.LRUDiscardNoRedispatch = true },
		get:  func(b Bugs) bool { return b.LRUDiscardNoRedispatch },
	},
	{
		Name: "use-no-clear-lru-discard",
		Doc:  "CVE-2022-48989 (fixed in 6.1): use_cookie does not cancel a pending LRU discard, so a cookie in use is discarded under its I/O",
		set:  func(b *Bugs) { b.UseNoClearLRUDiscard = true },
		get:  func(b Bugs) bool { return b.UseNoClearLRUDiscard },
	},
	{
		Name: "lru-discard-ignores-accesses",
		Doc:  "fixed Aug 2024 (6.11, 6.10.7: \"fs/netfs/fscache_cookie: add missing \"n_accesses\" check\"): the state machine LRU-discards an ACTIVE cookie with accesses in flight, withdrawing the object under I/O (quirk Q-5)",
		set:  func(b *Bugs) { b.LRUDiscardIgnoresAccesses = true },
		get:  func(b Bugs) bool { return b.LRUDiscardIgnoresAccesses },
	},
	{
		Name: "exit-keeps-lru-timer",
		Doc:  "fixed 2024 (\"fscache: delete fscache_cookie_lru_timer when fscache exits to avoid UAF\"): module exit leaves the LRU timer armed; it fires after unload and touches the freed module (use-after-free)",
		set:  func(b *Bugs) { b.ExitKeepsLRUTimer = true },
		get:  func(b Bugs) bool { return b.ExitKeepsLRUTimer },
	},
	{
		Name: "ondemand-no-cancel-worker",
		Doc:  "fixed 2024 (\"cachefiles: wait for ondemand_object_worker to finish when dropping object\"): clean_object does not cancel the reopen worker, which runs on the freed object (use-after-free; scenario ondemand-reopen-vs-drop)",
		set:  func(b *Bugs) { b.OndemandNoCancelWorker = true },
		get:  func(b Bugs) bool { return b.OndemandNoCancelWorker },
	},
	{
		Name: "ondemand-read-no-req-ref",
		Doc:  "fixed 2024 (\"cachefiles: fix slab-use-after-free in cachefiles_ondemand_daemon_read()\"): the daemon's read takes no ref on the request, which a racing copen/cread completes and its sender frees (use-after-free; scenario ondemand-restore-vs-cread)",
		set:  func(b *Bugs) { b.OndemandReadNoReqRef = true },
		get:  func(b Bugs) bool { return b.OndemandReadNoReqRef },
	},
	{
		Name: "ondemand-msg-id-reuse",
		Doc:  "fixed 2024 (\"cachefiles: cyclic allocation of msg_id to avoid reuse\"): a request's msg_id is the lowest free index, so a stale copen or cread of a completed request's id completes the next request given that id (check ondemand-stale-id; scenario ondemand-chaos)",
		set:  func(b *Bugs) { b.OndemandMsgIDReuse = true },
		get:  func(b Bugs) bool { return b.OndemandMsgIDReuse },
	},
	{
		Name: "create-volume-work-no-mb",
		Doc:  "fixed Jan 2023 (6.2, 6.1.13: \"fscache: Use clear_and_wake_up_bit() in fscache_create_volume_work()\"): no smp_mb__after_atomic between clearing VOLUME_CREATING and wake_up_bit, so a lookup waiting for the volume can sleep for good (lost wake-up; weak-memory mode only, e.g. --strategy pos+weak)",
		set:  func(b *Bugs) { b.VolumeCreateWorkNoBarrier = true },
		get:  func(b Bugs) bool { return b.VolumeCreateWorkNoBarrier },
	},
	{
		Name: "create-volume-raced-no-mb",
		Doc:  "CVE-2024-56755, fixed Nov 2024 (6.13 and stable: \"netfs/fscache: Add a memory barrier for FSCACHE_VOLUME_CREATING\"): the same missing barrier on fscache_create_volume's no-wait path (lost wake-up; weak-memory mode only)",
		set:  func(b *Bugs) { b.VolumeCreateRacedNoBarrier = true },
		get:  func(b Bugs) bool { return b.VolumeCreateRacedNoBarrier },
	},
}

// ParseBugs turns a comma-separated list of switch names into Bugs.
func ParseBugs(s string) (Bugs, error) {
	var b Bugs
	if strings.TrimSpace(s) == "" {
		return b, nil
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, bi := range AllBugs {
			if bi.Name == name {
				bi.set(&b)
				found = true
			}
		}
		if !found {
			return b, fmt.Errorf("unknown bug switch %q (see 'fscachesim bugs')", name)
		}
	}
	return b, nil
}

// Names lists the switches that are on, comma-separated ("" for none).
func (b Bugs) Names() string {
	var on []string
	for _, bi := range AllBugs {
		if bi.get(b) {
			on = append(on, bi.Name)
		}
	}
	return strings.Join(on, ",")
}
