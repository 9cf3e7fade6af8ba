package cachefiles

import (
	"strings"

	"github.com/fscachesim/fscachesim/sim"
)

// ObjState is enum cachefiles_object_state: where an object of an
// on-demand cache is with the daemon.
type ObjState uint8

// The object's on-demand states, with the kernel's numbers.
const (
	ObjClose     ObjState = iota // CACHEFILES_ONDEMAND_OBJSTATE_CLOSE: no anonymous fd (initial)
	ObjOpen                      // CACHEFILES_ONDEMAND_OBJSTATE_OPEN: the daemon holds an anonymous fd
	ObjReopening                 // CACHEFILES_ONDEMAND_OBJSTATE_REOPENING: closed, a READ asks for it again
	ObjDropping                  // CACHEFILES_ONDEMAND_OBJSTATE_DROPPING: being withdrawn
	nObjStates
)

var objStateNames = [...]string{"close", "open", "reopening", "dropping"}

func (s ObjState) String() string {
	if s < nObjStates {
		return objStateNames[s]
	}
	return "?"
}

// Who sets an object's state: the kernel function that calls
// cachefiles_ondemand_set_object_*().
const (
	bySelectReq   = "select_req"    // a READ for a closed object: reopening, queue the worker
	byCopen       = "copen"         // copen succeeded: open; or the fd went away meanwhile: close
	byFdRelease   = "fd_release"    // the anonymous fd's last close
	byGetFDError  = "get_fd"        // getting the anonymous fd failed (the id was not valid)
	bySendReqFail = "send_req"      // an OPEN could not be sent (dead cache, ...)
	byCleanObject = "clean_object"  // the object is withdrawn
	byCopenFdGone = "copen:fd_gone" // copen's exit path found ondemand_id CLOSED
)

// objTransition is one edge of the object state machine.
type objTransition struct {
	From, To ObjState
	By       string
}

// ObjTransitions is every change of an object's on-demand state 6.12 can
// make, as data: the per-step check (setState) reports any other as a bug.
// fd_release sets close whatever the state (even dropping: the daemon may
// close the fd of an object being withdrawn); copen sets open whatever the
// state its OPEN request left it in, dropping included (a withdrawal that
// ran between copen's taking the request and its setting the state found
// nothing to cancel).
var ObjTransitions = []objTransition{
	{ObjClose, ObjReopening, bySelectReq},
	{ObjClose, ObjOpen, byCopen},
	{ObjReopening, ObjOpen, byCopen},
	{ObjDropping, ObjOpen, byCopen},
	{ObjOpen, ObjOpen, byCopen},
	{ObjClose, ObjClose, byCopenFdGone},
	{ObjOpen, ObjClose, byCopenFdGone},
	{ObjReopening, ObjClose, byCopenFdGone},
	{ObjDropping, ObjClose, byCopenFdGone},
	{ObjClose, ObjClose, byFdRelease},
	{ObjOpen, ObjClose, byFdRelease},
	{ObjReopening, ObjClose, byFdRelease},
	{ObjDropping, ObjClose, byFdRelease},
	{ObjClose, ObjClose, byGetFDError},
	{ObjReopening, ObjClose, byGetFDError},
	{ObjClose, ObjClose, bySendReqFail},
	{ObjReopening, ObjClose, bySendReqFail},
	{ObjClose, ObjDropping, byCleanObject},
	{ObjOpen, ObjDropping, byCleanObject},
	{ObjReopening, ObjDropping, byCleanObject},
	{ObjDropping, ObjDropping, byCleanObject},
}

var objTransitionSet = func() map[objTransition]bool {
	m := map[objTransition]bool{}
	for _, tr := range ObjTransitions {
		m[tr] = true
	}
	return m
}()

// FormatObjTransitions prints the table, one edge per line, for the golden
// test and the docs.
func FormatObjTransitions() string {
	var b strings.Builder
	for _, tr := range ObjTransitions {
		b.WriteString(tr.From.String())
		b.WriteString(" -> ")
		b.WriteString(tr.To.String())
		b.WriteString(" by ")
		b.WriteString(tr.By)
		b.WriteByte('\n')
	}
	return b.String()
}

// setState is cachefiles_ondemand_set_object_<state>(), checked against
// ObjTransitions ("ondemand-state" bug otherwise) and traced.
func (info *ondemandInfo) setState(t *sim.Thread, to ObjState, by string) {
	t.Use(&info.life)
	from := info.state
	if !objTransitionSet[objTransition{from, to, by}] {
		t.Bug("ondemand-state", "cachefiles object o=%08x: on-demand state %s -> %s by %s is not a 6.12 transition", info.object.DebugID, from, to, by)
	}
	info.state = to
	t.Emit(sim.Event{Type: evOndemandState, Obj: info.object.DebugID, Str: [2]string{from.String() + "->" + to.String(), by}})
}

// state is cachefiles_ondemand_object_is_<state>(): a plain load.
func (info *ondemandInfo) is(t *sim.Thread, s ObjState) bool {
	t.Use(&info.life)
	return info.state == s
}
