package sim_test

import (
	"runtime"
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// TestCloseReleasesThreads: a scripted kernel left with sleeping threads
// releases their goroutines on Close.
func TestCloseReleasesThreads(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		k := sim.New(sim.Options{})
		var c sim.Completion
		for j := 0; j < 3; j++ {
			k.RunThread(k.Spawn("sleeper", func(t *sim.Thread) { c.Wait(t) }))
		}
		k.Close()
		for _, th := range k.Threads() {
			if !th.Done() {
				t.Fatalf("thread %s still alive after Close", th.Name())
			}
		}
	}
	runtime.GC()
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Fatalf("goroutines: %d before, %d after closing 20 kernels of 3 sleeping threads", before, after)
	}
}
