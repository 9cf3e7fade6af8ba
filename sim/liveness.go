package sim

import "fmt"

// Livelock reports that the model hit a bound it put on a retry loop the
// kernel does not bound (it would keep retrying): a liveness failure named
// check, which stops the run. A bound that silently turned into an error
// would hide the livelock.
func (t *Thread) Livelock(check, format string, args ...any) {
	t.k.failNow(t, &Failure{Class: FailLiveness, Check: check, Msg: fmt.Sprintf(format, args...)})
}
