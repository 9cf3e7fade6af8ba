// Package kernelc builds the kernel's own fscache C code from a kernel tree
// and runs it under fscachesim's simulated kernel (docs/kernel-c.md).
//
// The tree is an input, never part of the project: Build takes the four
// files fs/netfs/fscache_{cookie,volume,cache,io}.c and the seven headers
// listed in TreeHeaders from it, unchanged, and compiles them against the
// project's stand-ins for every other kernel header (csrc/include). The
// stand-ins turn each shared-memory primitive into a scheduling point of the
// simulated kernel in csrc/kc_sched.c, each tracepoint into an event, each
// WARN and BUG into a finding. The result is an archive (libkernelc.a) and a
// runner (kc-run) in a build directory outside the repository, described by
// its Manifest (tree version, hash of the compiled files).
//
// kernelc is pure Go: it runs the compiler, go build and the runners as
// child processes and starts no goroutines. Besides the build it holds the
// differential check's Go twins of the C driver's scenarios (RunTwin,
// RunTwinChecked, DiffStreams). It imports sim, sched, checker and
// model/fscache for those. The cgo side is package kernelc/csim (build tag
// fscachesim_kernelc): the C build under sim's strategies, judged by
// package checker through a mirror of the C objects (model/fscache's
// read-only views, filled from the C structs after every step).
//
//	m, err := kernelc.Build(kernelc.Options{Src: "/usr/src/linux-source-6.12"})
//	out, err := exec.Command(m.Runner, "-seed", "1").Output()
package kernelc
