// Command fscachesim explores interleavings of the Linux fscache and
// cachefiles model and reports the races it finds, each with one command
// line that replays it.
//
// Subcommands: explore (the portfolio on every core, or --exhaustive),
// run (one execution), replay, shrink, render (ftrace text or HTML),
// merge (shard summaries), list, bugs, version. 'fscachesim CMD --help'
// explains each flag with an example. Exit codes: 0 pass, 1 a check
// failed, 2 usage error or bad input, 3 internal error.
package main
