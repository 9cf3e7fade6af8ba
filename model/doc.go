// Package model holds what the fscache and cachefiles models share: the
// switches that put historical kernel bugs back (Bugs, AllBugs,
// ParseBugs). The models themselves are its subpackages: fscache,
// cachefiles, cachefilesd, netfs, and history (the vocabulary of
// netfs-visible operations the linearizability checker judges).
package model
