package kernelc

import (
	"testing"

	"github.com/fscachesim/fscachesim/model/fscache"
)

// script is an Objects that shows one cookie as a list of views, one per
// step: a kernel broken in one way, seen through the accessors.
type script struct {
	views []CookieView
	i     int
}

func (s *script) Cookies(buf []CookieView) []CookieView {
	v := s.views[s.i]
	s.i++
	return append(buf, v)
}

func TestCheckerChecks(t *testing.T) {
	q := CookieView{DebugID: 2, State: fscache.CookieQuiescent, Ref: 1}
	with := func(v CookieView, f func(*CookieView)) CookieView { f(&v); return v }
	st := func(s fscache.CookieState) func(*CookieView) { return func(v *CookieView) { v.State = s } }
	lookingUp := with(q, st(fscache.CookieLookingUp))
	active := with(q, st(fscache.CookieActive))
	for _, tc := range []struct {
		name  string
		views []CookieView
		want  string // "" for no finding
	}{
		{"a cookie's life by the table", []CookieView{q, lookingUp, with(q, st(fscache.CookieCreating)), active,
			with(active, func(v *CookieView) { v.LockHeld = true }),
			with(active, func(v *CookieView) { v.LockHeld = true; v.State = fscache.CookieLRUDiscarding }), q}, ""},
		{"a change no row allows", []CookieView{q, active}, "transition"},
		{"first seen not QUIESCENT", []CookieView{lookingUp}, "transition"},
		{"n_active below 0", []CookieView{q, with(q, func(v *CookieView) { v.NActive = -1 })}, "refs"},
		{"LRU discard with an access in flight all along", []CookieView{q, lookingUp,
			with(active, func(v *CookieView) { v.NAccesses = 1 }),
			with(active, func(v *CookieView) { v.NAccesses = 1; v.LockHeld = true }),
			with(active, func(v *CookieView) { v.NAccesses = 1; v.LockHeld = true; v.State = fscache.CookieLRUDiscarding })}, "n_accesses"},
		{"a gated begin bumped it after the state machine saw 0", []CookieView{q, lookingUp, active,
			with(active, func(v *CookieView) { v.LockHeld = true }),
			with(active, func(v *CookieView) { v.NAccesses = 1; v.LockHeld = true; v.State = fscache.CookieLRUDiscarding })}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := NewChecker(), &script{views: tc.views}
			var got *Finding
			for range tc.views {
				if got = c.Step(s); got != nil {
					break
				}
			}
			switch {
			case tc.want == "" && got != nil:
				t.Errorf("false alarm: %v", got)
			case tc.want != "" && (got == nil || got.Check != tc.want):
				t.Errorf("got %v, want a %s finding", got, tc.want)
			}
		})
	}
}
