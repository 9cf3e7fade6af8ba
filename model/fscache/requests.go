package fscache

import "github.com/fscachesim/fscachesim/sim"

// Request points: where a request the netfs made of a cookie must have
// been acted on, so that a checker can judge that it was (the checker's
// "requested work happens" rules, checker/requested.go). Like the backend
// and netfs-call observers, the observer sees the model at the point, with
// no event (no trace changes), and must not change it.

// RequestPoint names a request point.
type RequestPoint uint8

const (
	// RequestUse is the end of fscache_use_cookie's state switch, under
	// cookie->lock: a QUIESCENT cookie has begun its lookup, unless the
	// cache refused the volume access (not live).
	RequestUse RequestPoint = iota + 1
	// RequestUnused is fscache_unuse_cookie_locked stamping unused_at
	// (cookie->lock held): the LRU may discard the cookie from 10 s on.
	RequestUnused
	// RequestLRUDiscard is fscache_cookie_lru_do_one setting
	// DO_LRU_DISCARD (cookie->lock held).
	RequestLRUDiscard
)

// RequestObserver sees each request point as the thread reaches it.
type RequestObserver func(t *sim.Thread, p RequestPoint, c *Cookie)

// ObserveRequests installs fn as the request observer (a checker); nil
// removes it.
func (f *Fscache) ObserveRequests(fn RequestObserver) { f.onRequest = fn }

// requestPoint tells the observer, if any, that t reached p on c.
func requestPoint(t *sim.Thread, p RequestPoint, c *Cookie) {
	if c.f.onRequest != nil {
		c.f.onRequest(t, p, c)
	}
}
