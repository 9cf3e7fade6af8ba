package cachefiles

import (
	"testing"

	"github.com/fscachesim/fscachesim/sim"
)

// runOne runs fn on one thread of a fresh kernel and returns the failure.
func runOne(fn func(t *sim.Thread)) *sim.Failure {
	k := sim.New(sim.Options{Seed: 1, MaxSteps: 1000})
	defer k.Close()
	k.Spawn("t", fn)
	k.Run()
	return k.Failure()
}

// TestOndemandStateCheck: a state change that is not on the 6.12 table is
// reported as ondemand-state; every edge of the table passes.
func TestOndemandStateCheck(t *testing.T) {
	for _, tr := range ObjTransitions {
		tr := tr
		if f := runOne(func(th *sim.Thread) {
			info := &ondemandInfo{object: &Object{DebugID: 1}, state: tr.From}
			info.setState(th, tr.To, tr.By)
		}); f != nil {
			t.Fatalf("%v: %v", tr, f)
		}
	}
	bad := []objTransition{
		{ObjOpen, ObjReopening, bySelectReq}, // select_req reopens only a closed object
		{ObjDropping, ObjReopening, bySelectReq},
		{ObjClose, ObjOpen, byFdRelease}, // fd_release only closes
		{ObjOpen, ObjClose, bySendReqFail},
	}
	for _, tr := range bad {
		tr := tr
		f := runOne(func(th *sim.Thread) {
			info := &ondemandInfo{object: &Object{DebugID: 1}, state: tr.From}
			info.setState(th, tr.To, tr.By)
		})
		if f == nil || f.Check != "ondemand-state" {
			t.Fatalf("%v: got %v, want an ondemand-state failure", tr, f)
		}
	}
}

// TestReqCompletedTwiceCheck: a request completed a second time (a copen
// or cread of a request no longer in the xarray, were the model to let it
// through) is reported.
func TestReqCompletedTwiceCheck(t *testing.T) {
	f := runOne(func(th *sim.Thread) {
		r := &Req{}
		completeReq(th, r)
		completeReq(th, r)
	})
	if f == nil || f.Check != "ondemand-req-completed-twice" {
		t.Fatalf("got %v, want ondemand-req-completed-twice", f)
	}
	if f := runOne(func(th *sim.Thread) { completeReq(th, &Req{}) }); f != nil {
		t.Fatalf("one completion: %v", f)
	}
}
