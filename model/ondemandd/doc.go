// Package ondemandd is a simulated user-space daemon of cachefiles'
// on-demand mode (the part of erofs-utils or nydus that serves an erofs
// image to the kernel): it opens /dev/cachefiles, binds with "bind
// ondemand", and answers the kernel's requests from an image it holds —
// OPEN with "copen <id>,<size>", READ by writing the range through the
// object's anonymous fd and completing it with the READ_COMPLETE ioctl,
// CLOSE by closing the anonymous fd.
//
// A correct daemon is the default. Faults make it misbehave the ways a
// buggy or hostile daemon can (answer late or never, answer with an error
// or a wrong size, answer ids it never read or already answered, close an
// anonymous fd before or during its copen, restore with requests in
// flight, crash): each misbehaviour is a recorded decision, so the
// explorer searches them like any interleaving. Whatever the daemon does,
// the kernel must stay consistent; that is what the scenarios check.
//
// It may import sim and model/cachefiles.
package ondemandd
