// Package ftrace reads kernel traces of fscache and cachefiles and checks
// them against the rules of the model that a trace can show.
//
// It reads the three layouts a kernel developer meets: the tracing
// directory's trace file (/sys/kernel/tracing/trace), `trace-cmd report`,
// and the console dump of ftrace_dump_on_oops, with or without the
// printk timestamps, and with the optional step column fscachesim writes.
// Lines of other events and other kernel messages are skipped; a line a
// mail archive wrapped is joined with its continuation, and one cut short
// is dropped; both are reported as notes.
//
// The checker builds per-object histories (cookies c=, volumes V=, caches
// C=, cachefiles objects o=, backing inodes B=) and checks, event by
// event: the printed ref counts against each reason (GET/GQ add one,
// PUT/PQ take one, NEW starts at 1, the others only show it; fscache
// prints the count after the change, cachefiles_ref before), n_accesses
// and n_active, the order of the cookie's work item (queued before it
// runs, never twice at once, state-machine steps inside it), relinquish
// (never in use, then x-rlq and the last put), key collisions, and the
// life of cachefiles objects (GET attch then NEW obj, withdraw before
// detach, the last put followed by the cookie's PUT obj, an inode marked
// in use once). See Rules.
//
// ReadPattern and Pattern.MatchEvents serve explore --match-trace: the
// trace's events with their object ids and backing inode numbers taken out,
// embedded in order in a simulated run's events under a one-to-one mapping
// of the ids.
//
// It keeps per-object state only, so a trace of any size streams in
// bounded memory. It imports nothing of fscachesim: the traces package
// renders simulated runs in these layouts and imports it for the list of
// the kernel's tracepoints.
//
//	rep, err := ftrace.CheckTrace(os.Stdin, ftrace.Options{})
//	if err != nil { ... }          // not a trace
//	rep.WriteText(os.Stdout, "-")  // violations with their lines
package ftrace
