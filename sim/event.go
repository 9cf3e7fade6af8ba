package sim

// Events mirror the kernel's tracepoints. A model registers an EventType
// (the tracepoint name and how to print its fields) once, at init, and emits
// Events; the kernel stamps them with step, time and thread, folds them into
// the running hash and, when recording, keeps them for the trace.

// EventType identifies a tracepoint.
type EventType uint16

// Event is one tracepoint hit.
type Event struct {
	Step   int64
	Time   Time
	Thread int32
	Type   EventType
	Obj    uint32   // the main object's debug id (c=, V=, C=, o=)
	Args   [8]int64 // numeric fields, in the tracepoint's order
	Str    [2]string
}

// EventFormat appends the tracepoint's TP_printk text (without the
// "name: " prefix) to b.
type EventFormat func(b []byte, e *Event) []byte

type eventTypeInfo struct {
	name   string
	format EventFormat
	hash   uint64
}

// eventTypes is filled at package init time only (RegisterEventType), so
// its order is fixed by the import graph.
var eventTypes = []eventTypeInfo{{name: "none"}}

// RegisterEventType registers a tracepoint. Call it from a package-level
// var initialiser only.
func RegisterEventType(name string, format EventFormat) EventType {
	h := uint64(fnvOffset)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * fnvPrime
	}
	eventTypes = append(eventTypes, eventTypeInfo{name: name, format: format, hash: h})
	return EventType(len(eventTypes) - 1)
}

// Name is the tracepoint name ("fscache_cookie").
func (et EventType) Name() string {
	if int(et) < len(eventTypes) {
		return eventTypes[et].name
	}
	return "unknown"
}

// EventTypeByName finds a registered tracepoint.
func EventTypeByName(name string) (EventType, bool) {
	for i, e := range eventTypes {
		if e.name == name {
			return EventType(i), true
		}
	}
	return 0, false
}

// AppendText appends the tracepoint's printed fields to b.
func (e *Event) AppendText(b []byte) []byte {
	if int(e.Type) < len(eventTypes) && eventTypes[e.Type].format != nil {
		return eventTypes[e.Type].format(b, e)
	}
	return b
}

// Text is the tracepoint's printed fields.
func (e *Event) Text() string { return string(e.AppendText(nil)) }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (k *Kernel) mix(a, b uint64) {
	h := k.hash
	h = (h ^ a) * fnvPrime
	h = (h ^ b) * fnvPrime
	k.hash = h
}

// mixArgs mixes each argument a as k.mix(a, 0) does, h = (h^a)*p then
// h = h*p, in one multiplication by p squared; the arguments left unused
// at the end (zeros) in one multiplication by the matching power. The
// hash is the same, with fewer dependent multiplications per event.
func (k *Kernel) mixArgs(args *[8]int64) {
	last := len(args) - 1
	for last >= 0 && args[last] == 0 {
		last--
	}
	h := k.hash
	for i := 0; i <= last; i++ {
		h = (h ^ uint64(args[i])) * fnvPrime2
	}
	k.hash = h * fnvPrime2Pow[len(args)-1-last]
}

// fnvPrime2 is fnvPrime squared and fnvPrime2Pow[n] fnvPrime2 to the n,
// modulo 2^64.
var (
	fnvPrime2    uint64 = 0x366000002e329 // fnvPrime*fnvPrime mod 2^64 (TestMixArgs checks it)
	fnvPrime2Pow        = func() (p [9]uint64) {
		p[0] = 1
		for i := 1; i < len(p); i++ {
			p[i] = p[i-1] * fnvPrime2
		}
		return p
	}()
)

func (k *Kernel) mixString(s string) {
	h := k.hash
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	k.hash = h
}

// Emit records a tracepoint hit from the running thread.
func (t *Thread) Emit(e Event) { t.k.emitValue(t, e) }

// Emit records a tracepoint hit; t may be nil outside a thread.
func (k *Kernel) Emit(e Event) { k.emitValue(k.cur, e) }

// emitValue emits e through the kernel's scratch event, so that an event
// does not cost a heap allocation: the hooks see a pointer they must not
// keep (OnEvent's contract). An event emitted from inside a hook gets a
// copy of its own.
func (k *Kernel) emitValue(t *Thread, e Event) {
	if k.emitting {
		c := e
		k.emit(t, &c)
		return
	}
	k.emitting = true
	k.scratch = e
	k.emit(t, &k.scratch)
	k.emitting = false
}

func (k *Kernel) emit(t *Thread, e *Event) {
	e.Step, e.Time = k.step, k.now
	e.Thread = -1
	if t != nil {
		e.Thread = t.id
	}
	h := uint64(0)
	if int(e.Type) < len(eventTypes) {
		h = eventTypes[e.Type].hash
	}
	k.mix(h, uint64(e.Obj)<<32|uint64(uint32(e.Thread)))
	k.mixArgs(&e.Args)
	k.mixString(e.Str[0])
	k.mixString(e.Str[1])
	k.nEvents++
	if k.opts.Record {
		k.events = append(k.events, *e)
	}
	if k.opts.OnEvent != nil {
		k.opts.OnEvent(k, e)
	}
}

// Events is the recorded event stream (Options.Record).
func (k *Kernel) Events() []Event { return k.events }

// LastEvents returns up to n of the most recent events, oldest first. Only
// a recording run (Options.Record) keeps events: without it, LastEvents is
// empty. (An unrecorded run keeps nothing per event but the hash: that is
// what makes it cheap; a failure is replayed with Record to be reported.)
func (k *Kernel) LastEvents(n int) []Event {
	if n > len(k.events) {
		n = len(k.events)
	}
	return append([]Event(nil), k.events[len(k.events)-n:]...)
}

// ThreadName returns the name of thread id, or "-" for none.
func (k *Kernel) ThreadName(id int32) string {
	if id < 0 || int(id) >= len(k.threads) {
		return "-"
	}
	return k.threads[id].name
}

// Simulator events: thread creation and exit, timer expiry.
var (
	evSpawn = RegisterEventType("sim_spawn", func(b []byte, e *Event) []byte {
		b = append(b, "pid="...)
		b = appendInt(b, e.Args[0])
		return append(append(b, " comm="...), e.Str[0]...)
	})
	evExit = RegisterEventType("sim_exit", func(b []byte, e *Event) []byte {
		b = append(b, "pid="...)
		b = appendInt(b, e.Args[0])
		return append(append(b, " comm="...), e.Str[0]...)
	})
	evTimer = RegisterEventType("sim_timer_expire", func(b []byte, e *Event) []byte {
		b = append(b, "callback="...)
		b = append(b, e.Str[0]...)
		b = append(b, " pid="...)
		return appendInt(b, e.Args[0])
	})
)

func (k *Kernel) emitSim(et EventType, t *Thread, pid int32) {
	k.emitValue(k.cur, Event{Type: et, Args: [8]int64{int64(pid)}, Str: [2]string{t.name}})
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}
