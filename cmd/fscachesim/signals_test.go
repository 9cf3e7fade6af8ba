package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestSecondSignalExitsAtOnce: with an exploration running (a stop
// function set), the first signal only asks it to stop; the second exits
// at once with the signal's code, without waiting for the stop to finish.
// (Two signals sent to a real process back to back may be merged into one
// by the kernel, so the loop is driven through its channel.)
func TestSecondSignalExitsAtOnce(t *testing.T) {
	stops, cleanups := 0, 0
	onInterrupt(func(os.Signal) { stops++ })
	defer onInterrupt(nil)
	c := make(chan os.Signal, 2)
	c <- os.Interrupt
	c <- syscall.SIGTERM
	close(c)
	var errs strings.Builder
	code := -1
	signalLoop(c, &errs, func() { cleanups++ }, func(n int) { code = n })
	if stops != 1 || code != 143 || cleanups != 1 {
		t.Fatalf("stop called %d times, exit %d; want 1 and 143 (SIGTERM)\n%s", stops, code, errs.String())
	}
	if !strings.Contains(errs.String(), "stopping, writing what was found") || !strings.Contains(errs.String(), "stopped") {
		t.Fatalf("stderr: %q", errs.String())
	}
	// No exploration running: the first signal exits.
	onInterrupt(nil)
	c = make(chan os.Signal, 1)
	c <- os.Interrupt
	close(c)
	code = -1
	signalLoop(c, &errs, func() { cleanups++ }, func(n int) { code = n })
	if code != 130 {
		t.Fatalf("without a stop function, exit %d, want 130", code)
	}
}
