// Package lint holds the project's determinism lint, written as a Go test
// (lint_test.go) in the manner of pebble's TestForbiddenImports.
//
// The lint walks every non-test .go file under model/, sim/ and sched/ with go/ast
// and go/types and prints one "file:line: problem: use sim.X instead" line
// for each construct that would let the outside world, the Go runtime's
// scheduler or map order into a simulated execution: wall-clock time calls,
// math/rand and crypto/rand, go statements, select and channels, sync and os
// in model/, and ranges over maps whose order is not sorted away. The files
// that own sim's coroutines and random source are exempt; the list is at the
// top of lint_test.go.
//
// It runs as part of `go test ./...` and `make lint`:
//
//	go test ./internal/lint/
//
// The package has no non-test code and may import only the standard
// library; nothing imports it.
package lint
