// Package netfs is a simulated network filesystem client and its server:
// the user of fscache that scenarios drive. The server holds each file's
// authoritative contents and a change attribute; the client acquires a
// volume per mount and a cookie per inode with the change attribute as
// coherency data, uses and unuses the cookie on open and close, reads
// through the cache (hit, miss, copy to the cache), writes through to the
// server, pins the cookie while it has dirty pages for the cache, invalidates
// when the server's change attribute moves (and on direct I/O writes),
// truncates, evicts and relinquishes (retiring the object on unlink).
//
// Two flavours matter for caching and are options of one implementation:
// FlavourAFS copies local writes into the cache and updates the coherency
// data; FlavourNFS invalidates the cache on every change it sees or makes.
//
// Every read that returns data checks it against the server's contents for
// the coherency data the client holds: a read must never return another
// file's data, data from before an invalidation, or a torn mix. A mismatch
// is reported as the check "netfs-coherency".
//
// It may import sim and model/fscache only.
package netfs
