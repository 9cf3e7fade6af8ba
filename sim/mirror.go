package sim

// Mirror setters. A checker reads the model through read-only views (Peek,
// Held, Pending, Freed); package kernelc/csim runs the kernel's own C
// instead of the Go model and copies the C structs' fields into Go model
// objects after every step, so one checker reads one set of views on
// either. These setters change only what those views report. Nothing in
// the Go model calls them.

// mirrorOwner is the holder a mirrored lock reports.
var mirrorOwner = &Thread{name: "kernel C"}

// MirrorHeld makes Held report held.
func (l *SpinLock) MirrorHeld(held bool) {
	if held {
		l.owner = mirrorOwner
	} else {
		l.owner = nil
	}
	touch(l.gen)
}

// MirrorState makes Pending and Running report pending and running.
func (w *Work) MirrorState(pending, running bool) {
	w.pending, w.running = pending, running
	touch(w.gen)
}

// MirrorFreed makes Freed report freed.
func (l *Life) MirrorFreed(freed bool) { l.freed = freed }
