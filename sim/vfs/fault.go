package vfs

import "github.com/fscachesim/fscachesim/sim"

// Class is an operation class: the unit of fault injection and the name
// passed to the Decide and Wait hooks. The classes follow the three kinds
// of injection point of cachefiles' error_inject.c (read-type, write-type,
// remove-type), split further so a scenario can aim its faults.
type Class uint8

const (
	ClassLookup   Class = iota // Lookup, Readdir, Open
	ClassRead                  // Read, SeekData, SeekHole
	ClassWrite                 // Write, Truncate that extends, Fallocate allocate and zero-range
	ClassCreate                // Mkdir, Create, Tmpfile, Link
	ClassRemove                // Unlink, Rmdir, Truncate that shrinks, Fallocate punch-hole, Removexattr
	ClassRename                // Rename
	ClassGetxattr              // Getxattr, Listxattr
	ClassSetxattr              // Setxattr
	ClassStatfs                // Statfs
	ClassSync                  // Fsync, Syncfs
	ClassInode                 // SetInUse, ClearInUse (no faults: in-memory flag under the inode lock)
	ClassClose                 // Close (no faults: fput cannot fail)
	numClasses
)

var classNames = [numClasses]string{"lookup", "read", "write", "create", "remove", "rename",
	"getxattr", "setxattr", "statfs", "sync", "inode", "close"}

func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "class?"
}

// allocates reports whether an operation of the class may need space, and
// so whether an injected ENOSPC makes sense for it.
func (c Class) allocates() bool {
	return c == ClassWrite || c == ClassCreate || c == ClassSetxattr
}

// Rates are the fault probabilities of one operation class. EIO fails the
// operation with EIO and no effect. ENOSPC fails it with ENOSPC and no effect;
// it is drawn only for the classes that allocate (write, create, setxattr)
// and only when EIO was not drawn. Slow makes the operation take
// Faults.SlowDelay of virtual time; it is drawn for every operation, failed
// or not.
type Rates struct {
	EIO, ENOSPC, Slow sim.Ratio
}

func (r Rates) zero() bool { return r.EIO.Num == 0 && r.ENOSPC.Num == 0 && r.Slow.Num == 0 }

// Faults is a fault plan: the rates of each operation class. The zero value
// injects nothing.
type Faults struct {
	Lookup, Read, Write, Create, Remove, Rename, Getxattr, Setxattr, Statfs, Sync Rates

	// SlowDelay is the extra latency of a slow operation; 0 means
	// DefaultSlowDelay.
	SlowDelay sim.Time
}

// DefaultSlowDelay is the latency of a slow operation when Faults.SlowDelay
// is zero: a disk that stalls for a while.
const DefaultSlowDelay = 20 * sim.Millisecond

// Uniform is a plan with the same rates for every class that can fail.
func Uniform(r Rates) Faults {
	return Faults{Lookup: r, Read: r, Write: r, Create: r, Remove: r, Rename: r,
		Getxattr: r, Setxattr: r, Statfs: r, Sync: r}
}

func (f *Faults) rates(c Class) Rates {
	switch c {
	case ClassLookup:
		return f.Lookup
	case ClassRead:
		return f.Read
	case ClassWrite:
		return f.Write
	case ClassCreate:
		return f.Create
	case ClassRemove:
		return f.Remove
	case ClassRename:
		return f.Rename
	case ClassGetxattr:
		return f.Getxattr
	case ClassSetxattr:
		return f.Setxattr
	case ClassStatfs:
		return f.Statfs
	case ClassSync:
		return f.Sync
	}
	return Rates{}
}

func (f *Faults) any() bool {
	for c := Class(0); c < numClasses; c++ {
		if !f.rates(c).zero() {
			return true
		}
	}
	return false
}

// SetFaults replaces the fault plan. A plan that can fire needs the Decide
// hook: without one it panics, so a plan is never silently ignored.
func (fs *FS) SetFaults(f Faults) {
	if f.any() && fs.opts.Decide == nil {
		panic("vfs: a fault plan needs Options.Decide to draw its faults")
	}
	fs.faults = f
	fs.faulty = f.any()
}

// begin is the start of every operation that can block in the kernel: it
// draws the operation's faults through the Decide hook, in the fixed order
// EIO, ENOSPC, slow, then calls the Wait hook, which is the scheduling point
// (and the sleep of a slow operation). The operation inspects and changes
// the filesystem only after begin returns, so it is atomic with respect to
// other simulated threads. The error is the injected fault, if any.
func (fs *FS) begin(c Class) error {
	var err error
	var delay sim.Time
	if fs.faulty && fs.opts.Decide != nil {
		r := fs.faults.rates(c)
		name := c.String()
		if r.EIO.Num != 0 && fs.opts.Decide(name+":EIO", r.EIO) {
			err = EIO
		} else if c.allocates() && r.ENOSPC.Num != 0 && fs.opts.Decide(name+":ENOSPC", r.ENOSPC) {
			err = ENOSPC
		}
		if r.Slow.Num != 0 && fs.opts.Decide(name+":slow", r.Slow) {
			delay = fs.faults.SlowDelay
			if delay <= 0 {
				delay = DefaultSlowDelay
			}
		}
	}
	if err != nil {
		fs.failed++
		fs.failedBy[c]++
	}
	if fs.opts.Wait != nil {
		fs.opts.Wait(c.String(), delay)
	}
	return err
}
