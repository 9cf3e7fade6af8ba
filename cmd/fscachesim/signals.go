package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/fscachesim/fscachesim/traces"
)

// interrupt is how SIGINT and SIGTERM are handled. While a command that
// can stop early with its results runs (explore), it sets stop: the first
// signal calls it, and the command finishes its report and exits with
// signalExit's code. Otherwise, and on a second signal, the tool removes
// the temporary file of any trace being written and exits at once, so an
// interrupted write leaves no file behind (a trace only appears by an
// atomic rename after a complete write).
var interrupt struct {
	sync.Mutex
	stop func(os.Signal)
}

// onInterrupt sets the function the first signal calls (nil: none).
func onInterrupt(stop func(os.Signal)) {
	interrupt.Lock()
	interrupt.stop = stop
	interrupt.Unlock()
}

// signalExit is the exit code after sig, as a shell reports a process
// killed by it: 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
func signalExit(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// handleSignals installs the handler described at interrupt.
func handleSignals() {
	c := make(chan os.Signal, 2)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go signalLoop(c, os.Stderr, traces.RemoveTempFiles, os.Exit)
}

// signalLoop handles the signals arriving on c: the first one calls the
// stop function set by onInterrupt, if any; a second one, or any one when
// none is set, removes temporary files (cleanup: traces.RemoveTempFiles,
// which also refuses every later write) and exits with signalExit's code.
func signalLoop(c <-chan os.Signal, stderr io.Writer, cleanup func(), exit func(int)) {
	stopped := false
	for sig := range c {
		interrupt.Lock()
		stop := interrupt.stop
		interrupt.Unlock()
		if stop != nil && !stopped {
			stopped = true
			fmt.Fprintf(stderr, "\nfscachesim: %v: stopping, writing what was found (again to quit at once)\n", sig)
			stop(sig)
			continue
		}
		cleanup()
		fmt.Fprintf(stderr, "fscachesim: %v: stopped\n", sig)
		exit(signalExit(sig))
		return
	}
}
