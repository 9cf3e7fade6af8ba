package sim

// Fatal signals. A thread that stands for a user process can be sent
// SIGKILL by another (kill -9, the OOM killer): the signal stays pending
// (fatal_signal_pending) until the thread returns, as a dying task's does
// until it leaves the kernel, and it ends the thread's killable sleeps
// (wait_for_completion_killable), pending or arriving while it sleeps,
// and only those: every other sleep of the model is uninterruptible
// (TASK_UNINTERRUPTIBLE), as the kernel's are. Who sends it and when is
// the sender's choice, so the search explores it like any interleaving.
//
// Both the send and the killable wait's test make an access to the
// unknown object (0): they conflict with every step, so a partial-order
// reduction never takes a send and a wait for independent.

// SendSigkill is send_sig(SIGKILL, victim, 1) from t: it marks the
// signal pending on victim and wakes victim if it sleeps killable.
func SendSigkill(t *Thread, victim *Thread) {
	t.point(Access{Kind: AccWake})
	victim.sigkill = true
	if victim.blocked && victim.killable {
		victim.unblock()
	}
}

// FatalSignalPending is fatal_signal_pending(current), with no scheduling
// point.
func (t *Thread) FatalSignalPending() bool { return t.sigkill }

// WaitKillable is wait_for_completion_killable(): Wait, except that a
// fatal signal pending on t ends it. It reports whether the completion
// came (consumed, as Wait consumes it); false is the kernel's
// -ERESTARTSYS. As in do_wait_for_common, a completion already done wins
// over a pending signal.
func (c *Completion) WaitKillable(t *Thread) bool {
	name := c.Name
	if name == "" {
		name = "completion"
	}
	t.mightSleep("wait_for_completion_killable", name)
	for {
		t.point(Access{Kind: AccWait})
		t.drain() // set_current_state(): a full barrier before the test
		if c.done > 0 {
			if c.done != ^uint32(0) {
				c.done--
			}
			return true
		}
		if t.sigkill {
			return false
		}
		t.waitFam = famCompletion
		t.killable = true
		t.block(c, -1, name)
		t.killable = false
	}
}
