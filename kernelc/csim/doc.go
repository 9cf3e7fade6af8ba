//go:build fscachesim_kernelc

// Package csim runs the C build of the kernel's fscache code (package
// kernelc) under sim's scheduler and strategies: each C thread of the
// simulated kernel in csrc/kc_sched.c is mirrored by a sim thread whose
// every step is one call into C that runs the C thread to its next
// scheduling point and returns; sim's strategy picks which mirror steps,
// sim's decision log records it, sim's clock drives the C timers and timed
// waits. No C code calls Go (docs/kernel-c.md §4). Package checker judges
// the run unchanged: after every step the C objects are copied into a
// mirror of the Go model's objects (fscache.NewMirror), the kernel's
// tracepoints become the Go model's events, and state changes and backend
// calls are shown to it as the model shows them (mirror.go, §6).
//
// The package needs cgo and the archive of a build: it is compiled only
// with the build tag fscachesim_kernelc and CGO_LDFLAGS=-L<build dir>
// (kernelc's tests do this for the tree they build).
package csim
