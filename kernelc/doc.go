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
// kernelc may import only the standard library. It runs the compiler and the
// runner as child processes; it starts no goroutines.
//
//	m, err := kernelc.Build(kernelc.Options{Src: "/usr/src/linux-source-6.12"})
//	out, err := exec.Command(m.Runner, "-seed", "1").Output()
package kernelc
