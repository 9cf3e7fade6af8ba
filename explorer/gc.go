package explorer

// GCPercent is the Go collector's target (GOGC) the fscachesim command
// runs with when the environment does not set GOGC. An exploration's live
// heap is small — a few worlds per worker — while it allocates fast (the
// cachefiles scenarios 150–420 KB per execution, their virtual disks), so
// at the runtime's default of 100 the collector runs every few megabytes
// and took a good part of both cores of a two-worker exploration. At 400
// the heap may grow to five times the live data (24 MB for the default
// exploration on two workers, against 11 MB) and that exploration takes a
// quarter less time (BENCHMARKS.md). Only the speed changes: no result
// depends on the collector.
const GCPercent = 400
