package sim

import "strconv"

// Time is virtual time in nanoseconds since the start of a run. It advances
// only when no thread can run and a timer or timed wait is pending.
type Time int64

const (
	Nanosecond  Time = 1
	Microsecond Time = 1000
	Millisecond Time = 1000 * Microsecond
	Second      Time = 1000 * Millisecond
)

// String prints seconds with microseconds, as ftrace does ("10.000000").
func (t Time) String() string { return string(t.AppendTo(nil)) }

// AppendTo appends the ftrace form of t to b.
func (t Time) AppendTo(b []byte) []byte {
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, int64(t/Second), 10)
	b = append(b, '.')
	us := int64(t%Second) / int64(Microsecond)
	var d [6]byte
	for i := 5; i >= 0; i-- {
		d[i] = byte('0' + us%10)
		us /= 10
	}
	return append(b, d[:]...)
}

// Before reports whether a is before b, wrap-safe like the kernel's time_before.
func Before(a, b Time) bool { return a-b < 0 }
