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
// I/O to the cache completes later, in the backend's completion context: a
// read from the cache waits for its completion; a miss's copy to the cache
// is submitted and the read returns (PG_fscache marks the copy until its
// completion ends the operation). A buffered AFS write dirties the page
// cache, pins the cookie and queues the flusher, a work item per inode on
// the mount's "writeback" workqueue, which copies the dirty data to the
// cache and drops the pin only when no dirty page remains. The check
// "netfs-writeback-unpinned" fires if dirty data is written back after the
// pin was dropped.
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
