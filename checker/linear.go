package checker

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/fscachesim/fscachesim/model/history"
	"github.com/fscachesim/fscachesim/sim"
)

// Linearizability. What a netfs can see of the cache is, per cookie, a
// register of file contents under coherency data. A read served from the
// cache may miss; if it returns data, every byte must be what the netfs last
// wrote for this cookie, under the current coherency data, after the last
// invalidation: never another cookie's data, never stale data, never a mix
// of two writes. Histories are partitioned per cookie key, and each
// partition is checked against the register (porcupine's Model below).
//
// The netfs simulation records its operations with a Recorder: Call when an
// operation starts, Commit at the point where the simulator knows it took
// effect (optional), Return with its result. Timestamps are the recorder's
// own sequence numbers, bumped at every Call, Commit and Return: exactly one
// simulated thread runs at a time, so this order is the real-time order of
// the execution, finer than the step number (a thread can return one
// operation and call the next within one step) and as deterministic. The
// step and virtual time of the call and return are kept as metadata for the
// report and the visualisation.
//
// Checking first tries the witness the simulator offers: the operations of
// a partition in commit order (the return, for one never committed), a
// linear scan. Only a partition whose witness fails goes to porcupine's
// search (CheckOperationsVerbose), with a budget counted in model steps
// rather than wall-clock time, so the verdict is the same on every machine:
// Ok, Illegal (a sim.FailLinearizability failure, with porcupine's HTML
// visualisation written where the caller asks) or Unknown (the budget ran
// out: its own verdict, not a pass and not a failure).

// The operation vocabulary lives in model/history so that the model can
// record without importing the checker.
type (
	OpKind   = history.OpKind
	Op       = history.Op
	OpResult = history.OpResult
)

const (
	OpRead       = history.OpRead
	OpWrite      = history.OpWrite
	OpInvalidate = history.OpInvalidate
	OpUpdate     = history.OpUpdate
	OpResize     = history.OpResize
	OpAcquire    = history.OpAcquire
	OpRelinquish = history.OpRelinquish
	ErrNoBufs    = history.ErrNoBufs
)

var _ history.Recorder = (*Recorder)(nil)

// regState is one cookie's register: whether a cookie with this key is
// acquired, its coherency data, and the contents, byte by byte, with which
// bytes may be served ('v') and which not ('-').
type regState struct {
	live  bool
	aux   string
	data  string
	valid string
}

func clipped(s string, n int64) string {
	if int64(len(s)) > n {
		return s[:n]
	}
	return s
}

// writeRange puts data at off, marking it servable or not. A write that
// is not servable (it failed, or carries other coherency data) leaves each
// byte either as it was or as written: a byte that was servable and that
// the write would set to the same value stays servable, whichever it did.
func writeRange(st regState, off int64, data string, ok bool) regState {
	if off < 0 || len(data) == 0 {
		return st
	}
	end := off + int64(len(data))
	d := []byte(st.data)
	v := []byte(st.valid)
	for int64(len(d)) < end {
		d = append(d, 0)
		v = append(v, '-')
	}
	for i := off; i < end; i++ {
		b := data[i-off]
		switch {
		case ok:
			v[i] = 'v'
		case v[i] == 'v' && d[i] == b:
		default:
			v[i] = '-'
		}
		d[i] = b
	}
	st.data, st.valid = string(d), string(v)
	return st
}

// regStep is the register's sequential specification. It reports whether
// the operation could have produced its result in state st, the new state,
// and, if not, why.
func regStep(st regState, op Op, res OpResult) (bool, regState, string) {
	switch op.Kind {
	case OpRead:
		if res.Pending || res.Miss || res.Err != "" {
			return true, st, ""
		}
		for i := 0; i < len(res.Data); i++ {
			p := op.Off + int64(i)
			if p < 0 || p >= int64(len(st.data)) || st.valid[p] != 'v' {
				return false, st, fmt.Sprintf("byte %d was served but nothing servable was written there since the last invalidation under coherency %q", p, st.aux)
			}
			if st.data[p] != res.Data[i] {
				return false, st, fmt.Sprintf("byte %d is %q but the last write there put %q", p, res.Data[i], st.data[p])
			}
		}
		return true, st, ""
	case OpWrite:
		switch {
		case res.Err == ErrNoBufs:
			return true, st, ""
		case res.Err != "" && !res.Pending:
			return true, writeRange(st, op.Off, op.Data, false), ""
		}
		return true, writeRange(st, op.Off, op.Data, op.Aux == "" || op.Aux == st.aux), ""
	case OpInvalidate:
		st.aux, st.data, st.valid = op.Aux, "", ""
		return true, st, ""
	case OpUpdate:
		st.aux = op.Aux
		return true, st, ""
	case OpResize:
		if op.Size >= 0 {
			st.data, st.valid = clipped(st.data, op.Size), clipped(st.valid, op.Size)
		}
		return true, st, ""
	case OpAcquire:
		if res.Err != "" && !res.Pending {
			return true, st, ""
		}
		if st.live {
			return false, st, "acquired while a cookie with the same key is live"
		}
		st.live = true
		if op.Aux != st.aux {
			st.aux, st.data, st.valid = op.Aux, "", ""
		}
		return true, st, ""
	case OpRelinquish:
		st.live = false
		if op.Retire {
			st.data, st.valid = "", ""
		}
		return true, st, ""
	}
	return false, st, "unknown operation"
}

func short(s string) string {
	if len(s) <= 12 {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…(%d)", s[:8], len(s))
}

func describeOp(op Op, res OpResult) string {
	var b strings.Builder
	b.WriteString(op.Kind.String())
	switch op.Kind {
	case OpRead:
		fmt.Fprintf(&b, "(%d+%d)", op.Off, op.Len)
	case OpWrite:
		fmt.Fprintf(&b, "(%d, %s", op.Off, short(op.Data))
		if op.Aux != "" {
			fmt.Fprintf(&b, ", aux %q", op.Aux)
		}
		b.WriteByte(')')
	case OpInvalidate, OpUpdate, OpAcquire:
		fmt.Fprintf(&b, "(aux %q)", op.Aux)
	case OpResize:
		fmt.Fprintf(&b, "(%d)", op.Size)
	case OpRelinquish:
		if op.Retire {
			b.WriteString("(retire)")
		}
	}
	switch {
	case res.Pending:
		b.WriteString(" -> (pending)")
	case res.Err != "":
		b.WriteString(" -> " + res.Err)
	case op.Kind == OpRead && res.Miss:
		b.WriteString(" -> miss")
	case op.Kind == OpRead:
		b.WriteString(" -> " + short(res.Data))
	}
	return b.String()
}

func describeState(st regState) string {
	live := "relinquished"
	if st.live {
		live = "live"
	}
	n := strings.Count(st.valid, "v")
	return fmt.Sprintf("%s aux %q, %d bytes (%d servable)", live, st.aux, len(st.data), n)
}

func hashState(st regState) uint64 {
	h := fnv.New64a()
	if st.live {
		h.Write([]byte{1})
	}
	h.Write([]byte(st.aux))
	h.Write([]byte{0})
	h.Write([]byte(st.data))
	h.Write([]byte{0})
	h.Write([]byte(st.valid))
	return h.Sum64()
}

// partitionByKey splits a history per cookie key, keys in order of first
// appearance.
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	var keys []string
	parts := map[string][]porcupine.Operation{}
	for _, o := range history {
		k := o.Input.(Op).Key
		if _, ok := parts[k]; !ok {
			keys = append(keys, k)
		}
		parts[k] = append(parts[k], o)
	}
	out := make([][]porcupine.Operation, 0, len(keys))
	for _, k := range keys {
		out = append(out, parts[k])
	}
	return out
}

// RegisterModel is the porcupine model of the per-cookie register,
// partitioned by cookie key. Inputs are Op, outputs OpResult.
func RegisterModel() porcupine.Model {
	return porcupine.Model{
		Partition: partitionByKey,
		Init:      func() any { return regState{} },
		Step: func(state, input, output any) (bool, any) {
			ok, st, _ := regStep(state.(regState), input.(Op), output.(OpResult))
			return ok, st
		},
		Hash:              func(state any) uint64 { return hashState(state.(regState)) },
		DescribeOperation: func(input, output any) string { return describeOp(input.(Op), output.(OpResult)) },
		DescribeState:     func(state any) string { return describeState(state.(regState)) },
		DescribeOperationMetadata: func(info any) string {
			if info == nil {
				return ""
			}
			return fmt.Sprint(info)
		},
	}
}

// budgetModel is RegisterModel with a budget of model steps: once spent,
// every step fails, so the search ends quickly, and *spent says the
// answer is Unknown rather than Illegal. One porcupine call checks one
// partition, so one goroutine at a time touches the counter.
func budgetModel(budget int64, spent *bool) porcupine.Model {
	m := RegisterModel()
	n := int64(0)
	step := m.Step
	m.Step = nil
	m.StepContext = func(_ context.Context, state, input, output any) (bool, any) {
		if n++; n > budget {
			*spent = true
			return false, state
		}
		return step(state, input, output)
	}
	return m
}

// Recorder records the netfs-visible operations of one execution.
type Recorder struct {
	k   *sim.Kernel
	seq int64
	ops []recOp
}

type recOp struct {
	client            int
	op                Op
	res               OpResult
	call, ret, commit int64 // sequence numbers; ret 0: pending; commit 0: none
	callStep, retStep int64
	callTime, retTime sim.Time
}

// NewRecorder starts a history for the execution k (nil in unit tests: no
// step or time metadata then).
func NewRecorder(k *sim.Kernel) *Recorder { return &Recorder{k: k} }

func (r *Recorder) now() (int64, sim.Time) {
	if r.k == nil {
		return 0, 0
	}
	return r.k.Step(), r.k.Now()
}

// Call records that client (the simulated thread's id, say) starts op, and
// returns the operation's id for Commit and Return.
func (r *Recorder) Call(client int, op Op) int {
	r.seq++
	st, tm := r.now()
	r.ops = append(r.ops, recOp{client: client, op: op, call: r.seq, callStep: st, callTime: tm})
	return len(r.ops) - 1
}

// Commit records the point at which operation id took effect, as the
// simulator knows it (the order of commits is the witness linearization).
func (r *Recorder) Commit(id int) {
	r.seq++
	if o := &r.ops[id]; o.ret == 0 && o.commit == 0 {
		o.commit = r.seq
	}
}

// Return records operation id's result.
func (r *Recorder) Return(id int, res OpResult) {
	r.seq++
	o := &r.ops[id]
	if o.ret != 0 {
		return
	}
	o.res, o.ret = res, r.seq
	o.retStep, o.retTime = r.now()
}

// Len is the number of operations recorded.
func (r *Recorder) Len() int { return len(r.ops) }

// opMeta is an operation's metadata in porcupine's history.
type opMeta struct {
	id                int
	callStep, retStep int64
	callTime, retTime sim.Time
}

func (m opMeta) String() string {
	if m.retStep == 0 && m.callStep == 0 {
		return fmt.Sprintf("op %d", m.id)
	}
	return fmt.Sprintf("op %d, steps %d..%d (%s..%s)", m.id, m.callStep, m.retStep, m.callTime, m.retTime)
}

// History is the recorded history in porcupine's form. Operations that
// never returned are pending: they return after everything else, with
// OpResult.Pending set, so the search may place them anywhere after their
// call or not at all before the end.
func (r *Recorder) History() []porcupine.Operation {
	end := r.seq + 1
	out := make([]porcupine.Operation, 0, len(r.ops))
	for i, o := range r.ops {
		res, ret := o.res, o.ret
		if ret == 0 {
			res, ret = OpResult{Pending: true}, end
		}
		out = append(out, porcupine.Operation{ClientId: o.client, Input: o.op, Call: o.call, Output: res, Return: ret,
			Metadata: opMeta{id: i, callStep: o.callStep, retStep: o.retStep, callTime: o.callTime, retTime: o.retTime}})
	}
	return out
}

// witness is operation o's place in the witness order: its commit, or its
// return, or after everything for a pending one.
func (r *Recorder) witness(o *recOp) int64 {
	switch {
	case o.commit != 0:
		return o.commit
	case o.ret != 0:
		return o.ret
	}
	return r.seq + 1
}

// LinearOptions configure Recorder.Check.
type LinearOptions struct {
	// VisualizePath is where porcupine's HTML visualisation of an Illegal
	// history goes ("" writes none).
	VisualizePath string
	// MaxModelSteps bounds porcupine's search per partition, in model
	// steps (default DefaultMaxModelSteps); running out gives Unknown.
	MaxModelSteps int64
}

// DefaultMaxModelSteps is LinearOptions.MaxModelSteps when zero.
const DefaultMaxModelSteps = 1 << 22

// LinearVerdict is the result of a linearizability check.
type LinearVerdict struct {
	Result     porcupine.CheckResult // Ok, Illegal or Unknown
	FastPath   bool                  // every partition was proved by its witness order alone
	Partitions int
	Searched   int          // partitions porcupine had to search
	Failure    *sim.Failure // for Illegal: class FailLinearizability
	VisualPath string       // for Illegal with a VisualizePath: where the HTML went
}

// Check checks the recorded history.
func (r *Recorder) Check(opts LinearOptions) (LinearVerdict, error) {
	if opts.MaxModelSteps <= 0 {
		opts.MaxModelSteps = DefaultMaxModelSteps
	}
	history := r.History()
	parts := partitionByKey(history)
	v := LinearVerdict{Result: porcupine.Ok, FastPath: true, Partitions: len(parts)}
	var illegal []porcupine.Operation
	var firstBad *witnessFailure
	for _, part := range parts {
		wf := r.checkWitness(part)
		if wf == nil {
			continue
		}
		v.FastPath = false
		v.Searched++
		spent := false
		res, _ := porcupine.CheckOperationsVerbose(budgetModel(opts.MaxModelSteps, &spent), part, 0)
		switch {
		case res == porcupine.Ok:
		case spent:
			if v.Result == porcupine.Ok {
				v.Result = porcupine.Unknown
			}
		default:
			v.Result = porcupine.Illegal
			illegal = append(illegal, part...)
			if firstBad == nil {
				firstBad = wf
			}
		}
	}
	if v.Result != porcupine.Illegal {
		return v, nil
	}
	f := &sim.Failure{Class: sim.FailLinearizability, Check: "linearizability", Thread: -1, Step: firstBad.step,
		Objects: []string{firstBad.key},
		Msg: fmt.Sprintf("the history of %q is not linearizable against the per-cookie register: no order of its operations explains the results; in the simulator's own order, %s at op %d: %s (register: %s)",
			firstBad.key, describeOp(firstBad.op, firstBad.res), firstBad.id, firstBad.why, describeState(firstBad.state))}
	if firstBad.client >= 0 {
		f.Thread = int32(firstBad.client)
		if r.k != nil {
			f.ThreadName = r.k.ThreadName(f.Thread)
		}
	}
	v.Failure = f
	if opts.VisualizePath != "" {
		_, info := porcupine.CheckOperationsVerbose(RegisterModel(), illegal, 0)
		if err := porcupine.VisualizePath(RegisterModel(), info, opts.VisualizePath); err != nil {
			return v, fmt.Errorf("writing the linearizability visualisation: %w", err)
		}
		v.VisualPath = opts.VisualizePath
		f.Msg += "; visualisation: " + opts.VisualizePath
	}
	return v, nil
}

// witnessFailure is where a partition's witness order first fails.
type witnessFailure struct {
	key    string
	id     int
	client int
	step   int64
	op     Op
	res    OpResult
	state  regState
	why    string
}

// checkWitness scans a partition in witness order; nil means the witness
// is a valid linearization.
func (r *Recorder) checkWitness(part []porcupine.Operation) *witnessFailure {
	order := slices.Clone(part)
	slices.SortStableFunc(order, func(a, b porcupine.Operation) int {
		return cmp.Compare(r.witness(&r.ops[a.Metadata.(opMeta).id]), r.witness(&r.ops[b.Metadata.(opMeta).id]))
	})
	st := regState{}
	for _, o := range order {
		m := o.Metadata.(opMeta)
		ro := &r.ops[m.id]
		if w := r.witness(ro); w < o.Call || w > o.Return {
			return &witnessFailure{key: o.Input.(Op).Key, id: m.id, client: o.ClientId, step: m.retStep, op: o.Input.(Op), res: o.Output.(OpResult), state: st,
				why: "its commit point lies outside its call and return"}
		}
		ok, next, why := regStep(st, o.Input.(Op), o.Output.(OpResult))
		if !ok {
			step := m.retStep
			if step == 0 {
				step = m.callStep
			}
			return &witnessFailure{key: o.Input.(Op).Key, id: m.id, client: o.ClientId, step: step, op: o.Input.(Op), res: o.Output.(OpResult), state: st, why: why}
		}
		st = next
	}
	return nil
}
