// Package history holds the vocabulary of netfs-visible cache operations:
// what the simulated netfs (model/netfs) records and the linearizability
// checker (checker/linear.go) judges against the per-cookie register. It is
// its own package so that the model can record without importing the
// checker.
package history
