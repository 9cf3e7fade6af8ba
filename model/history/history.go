package history

// OpKind is what a recorded operation does.
type OpKind uint8

const (
	OpRead       OpKind = iota // read Len bytes at Off from the cache
	OpWrite                    // write Data at Off to the cache
	OpInvalidate               // fscache_invalidate: new coherency data Aux, contents gone
	OpUpdate                   // fscache_update_cookie: new coherency data Aux, contents kept
	OpResize                   // fscache_resize_cookie: contents beyond Size gone
	OpAcquire                  // fscache_acquire_cookie with coherency data Aux
	OpRelinquish               // fscache_relinquish_cookie (Retire: delete the contents)
)

var opKindNames = [...]string{"read", "write", "invalidate", "update", "resize", "acquire", "relinquish"}

func (k OpKind) String() string {
	if int(k) < len(opKindNames) {
		return opKindNames[k]
	}
	return "op?"
}

// Op is the input of a recorded operation.
type Op struct {
	Kind OpKind
	// Key names the cookie: its volume key and index key, e.g.
	// "afs,example.com,1000001a/inode-1". Histories are partitioned by it.
	Key  string
	Off  int64  // OpRead, OpWrite
	Len  int64  // OpRead
	Data string // OpWrite
	// Aux is coherency data. For OpWrite: the coherency data the netfs
	// fetched Data under ("" means the current one, whatever it is); data
	// written under other coherency data than the register's is stale and
	// must never be served. For OpInvalidate, OpUpdate, OpAcquire: the new
	// coherency data.
	Aux    string
	Size   int64 // OpResize (and OpInvalidate's new size, informational)
	Retire bool  // OpRelinquish
}

// ErrNoBufs is the OpResult.Err of an operation that did nothing in the
// cache (fscache's -ENOBUFS).
const ErrNoBufs = "ENOBUFS"

// OpResult is the output of a recorded operation.
type OpResult struct {
	// Err is "" on success. ErrNoBufs means the cache did nothing; any
	// other error on a write means it may have written part of the data,
	// so that range must not be served until it is written again. A read
	// with an error (ESTALE, say) is a miss.
	Err     string
	Miss    bool   // OpRead: not served from the cache
	Data    string // OpRead: the bytes served, starting at Off
	Pending bool   // the operation never returned (set by Recorder.Finish)
}

// Recorder receives the operations of one execution: Call when an
// operation starts (it returns the operation's id), Commit at the point the
// simulator knows it took effect (optional), Return with its result.
// checker.Recorder implements it.
type Recorder interface {
	Call(client int, op Op) int
	Commit(id int)
	Return(id int, res OpResult)
}
