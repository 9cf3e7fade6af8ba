// Package checker judges executions of the fscache model: per-step
// invariants, end-of-run checks, liveness monitors, coverage, and the
// linearizability of what a netfs sees.
//
// A Checker watches one execution. It sees the model only through the
// event stream (the tracepoints of model/fscache, with the simulator's own
// fscache_cookie_state, fscache_cache_state and fscache_mark) and the
// read-only views of model/fscache (Peek-style accessors that are not
// scheduling points); it never changes the model.
//
//   - invariants.go: after every step and on every event, the invariants
//     of spec §12 that can be stated over fscache's state (I-1..I-25), and
//     every cookie state change against the transition table
//     fscache.Transitions (the row exists and allows the change, changes
//     chain on, state-machine rows come from the cookie's running state
//     machine, the row's observable guards hold). Where the kernel itself
//     opens a window between two steps of one thread, a check holds only
//     while the lock that covers the window is free, or waits for the
//     event that closes it; each place says so. The cachefiles invariants
//     I-26..I-32 plug in as an Extension.
//   - drain.go: EndOfRun, after a drained run: no thread stuck, nothing hot,
//     nothing left (cookies with their state, flags and counts; LRU
//     entries; volumes; caches and their object_count).
//   - liveness.go: hot-state monitors L-1..L-4 with a bound in steps;
//     requests.go: L-5, a request (DO_* flag, volume CREATING) is acted on.
//   - resources.go: state implies resources (R-state, R-access, R-volume)
//     and backend calls made only where the kernel makes them (R-call),
//     from the tables of model/fscache/resources.go; R-call sees the calls
//     through the model's backend-call observer (Fscache.ObserveBackend).
//     Lost wake-ups are sim's own check (sim/lostwake.go).
//   - linear.go: the per-cookie register model for porcupine, the Recorder
//     the netfs simulation calls, and the witness-first check.
//   - coverage.go: transition rows, (state × event) pairs and marks reached.
//
// Checker.Verdict combines a run's sim.Result with the end-of-run and
// liveness checks; the first failure wins.
//
// # Incremental checks
//
// The per-step checks run after every step, but judge again only what the
// step changed; the verdict is the one a check of everything would give,
// at the same step with the same message (Options.Full checks everything
// at every step, and TestIncrementalChecksAgree in scenarios compares the
// two over the random worlds, every bug switch and every test mutant).
// Three things make that sound:
//
//   - Generations. The model counts every store of a field the checks
//     read: a cookie's sim fields (ref, n_active, n_accesses, flags,
//     state, cookie->lock, its work item) bump Cookie.Gen through
//     sim's Watch (Atomic, Flags, Var, SpinLock and Work bump a watched
//     counter at every change, weak-memory buffering and flushing
//     included), and so do its plain fields' setters (cache_priv,
//     inval_counter, the LRU link, the hash chain's push and remove);
//     the volumes', caches' and volume hash buckets' sim fields, volume
//     cache_priv, the volume hash chains and the volume, cache and LRU
//     lists bump Fscache.Gen. A new field a check reads must be counted
//     the same way (a sim field: Watch it where the object is made; a
//     plain field: bump the generation where it is stored).
//   - Inputs. checkCookie reads a cookie's inputs (cookieIn: every value
//     its rules read, and cookieTrack.gen, which every cookie event bumps
//     because the event handlers change the track the rules read) only
//     when the cookie's generation or track moved, and runs its rules
//     (checkCookieRules, and the R-state, R-access and L-5 checks it
//     calls) only when the inputs differ from those it last passed. A rule
//     that reads another object's state is either kept out of the memo
//     (I-4 reads the bucket lock only while IS_HASHED and the chain
//     disagree, and such a cookie is read again at every step) or depends
//     on that object's generation. The per-volume counts and I-3's
//     candidates are rebuilt only on a step where some cookie's inputs
//     moved (or one was found or freed); the LRU, volume and cache checks
//     (checkLRU, checkVolumes, checkCaches) run only on a step where that
//     happened or Fscache.Gen moved. State a check keeps from step to step
//     (I-16's lock and zero records, I-18's suspicion, I-21's counter,
//     I-22's pin record, the liveness heat of L-3 and L-5) either settles
//     at the first step with given inputs or is kept up at every step
//     (I-16's zero record).
//   - Self-check. Under Options.Full every cookie is read at every step and
//     a cookie whose generation stood still but whose inputs changed is a
//     failure [incremental]; so is a step whose LRU, volume and cache
//     views (worldDigest) changed under a still Fscache.Gen and still
//     cookies. A store the model forgets to count shows up there at once.
//
// A new per-step check joins the incremental path by declaring its inputs:
// the values it reads go into the memo it is skipped by (cookieIn for a
// per-cookie rule, and TestCookieInSame proves the comparison is total),
// the objects it reads are covered by a generation (or it is run at every
// step while it reads something uncovered, as I-4 does), and the self-check
// digests what it reads beyond those inputs. A check that does none of
// this simply runs at every step, as the liveness monitors still do:
// correct, only slower.
//
// The cachefiles extension (I-26..I-32 and the disk checks) is skipped the
// same way (cfincremental.go): its checks read cachefiles' cache records,
// volumes and objects, whose stores bump cachefiles.Cache.Gen (the flags
// through Watch, the plain fields beside their stores); the virtual disk's
// live tree, open counts and in-use marks, whose changes bump
// vfs.FS.ViewGen (commit, the mark and unmark, the open count, the crash;
// an atime update is not counted: no check reads it); the fscache cache's
// state and each volume's access pin and cache_priv, read into the key at
// every step; and the extension's own records, whose events bump its
// event count. Under Options.Full it runs at every step and digests what
// it read after the step (viewDigest): a change under a still key is
// [incremental].
//
// Imports: sim, model/fscache, porcupine and the standard library. It must
// not import scenarios (scenarios imports checker) and nothing in model/
// imports it. Everything it reports is deterministic: no wall clock, no
// goroutines of its own, no map order in its output (porcupine runs its
// search in goroutines, one partition per call, with a budget counted in
// model steps).
//
// Attaching a checker to a scenario run:
//
//	k, w := scenarios.Prepare(s, model.Bugs{}, sim.Options{Seed: seed})
//	ck := checker.New(w.F, checker.Options{})
//	ck.Attach(k)
//	v := ck.Verdict(k, k.Run())
//	if !v.Pass {
//		fmt.Println(v.Failure) // invariant [I-9] at step 135 in netfs: c=00000002: ...
//	}
//	fmt.Println(ck.Coverage())
package checker
