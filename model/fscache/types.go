package fscache

// CookieState is enum fscache_cookie_state.
type CookieState uint8

const (
	CookieQuiescent CookieState = iota
	CookieLookingUp
	CookieCreating
	CookieActive
	CookieInvalidating
	CookieFailed
	CookieLRUDiscarding
	CookieWithdrawing
	CookieRelinquishing
	CookieDropped
	NumCookieStates
)

// cookieStateLetters is the kernel's fscache_cookie_states[] ("-LCAIFUWRD").
const cookieStateLetters = "-LCAIFUWRD"

var cookieStateNames = [...]string{"QUIESCENT", "LOOKING_UP", "CREATING", "ACTIVE", "INVALIDATING", "FAILED", "LRU_DISCARDING", "WITHDRAWING", "RELINQUISHING", "DROPPED"}

func (s CookieState) String() string {
	if s < NumCookieStates {
		return cookieStateNames[s]
	}
	return "STATE?"
}

// Letter is the state's letter in /proc/fs/fscache/cookies.
func (s CookieState) Letter() byte {
	if s < NumCookieStates {
		return cookieStateLetters[s]
	}
	return '?'
}

// Cookie flag bits (FSCACHE_COOKIE_*).
const (
	FlagRelinquished  = 0  // cookie given back by the netfs
	FlagRetired       = 1  // delete the backing object at withdrawal
	FlagIsCaching     = 2  // access gate: caching is on
	FlagNoDataToRead  = 3  // nothing to read from the cache
	FlagNeedsUpdate   = 4  // coherency data must be rewritten
	FlagHasBeenCached = 5  // relinquish must go through the state machine
	FlagDisabled      = 6  // DIO write invalidation: caching off while in use
	FlagLocalWrite    = 7  // locally modified since it was opened
	FlagNoAccessWake  = 8  // n_accesses reaching 0 does not queue the SM
	FlagDoRelinquish  = 9  // SM request: relinquish
	FlagDoWithdraw    = 10 // SM request: withdraw
	FlagDoLRUDiscard  = 11 // SM request: discard (LRU expiry)
	FlagDoPrepToWrite = 12 // SM request: mark the object dirty
	FlagHaveData      = 13 // the backend has written data
	FlagIsHashed      = 14 // in the cookie hash table
	FlagDoInvalidate  = 15 // invalidation requested during lookup
	NumCookieFlags    = 16
)

var cookieFlagNames = [NumCookieFlags]string{"RELINQUISHED", "RETIRED", "IS_CACHING", "NO_DATA_TO_READ", "NEEDS_UPDATE", "HAS_BEEN_CACHED", "DISABLED", "LOCAL_WRITE", "NO_ACCESS_WAKE", "DO_RELINQUISH", "DO_WITHDRAW", "DO_LRU_DISCARD", "DO_PREP_TO_WRITE", "HAVE_DATA", "IS_HASHED", "DO_INVALIDATE"}

// CookieFlagName names a cookie flag bit.
func CookieFlagName(bit int) string {
	if bit >= 0 && bit < NumCookieFlags {
		return cookieFlagNames[bit]
	}
	return "?"
}

// CookieFlagString prints a flags word as "IS_CACHING|HAS_BEEN_CACHED".
func CookieFlagString(f uint64) string {
	s := ""
	for b := 0; b < NumCookieFlags; b++ {
		if f&(1<<b) != 0 {
			if s != "" {
				s += "|"
			}
			s += cookieFlagNames[b]
		}
	}
	if s == "" {
		return "0"
	}
	return s
}

// Volume flag bits (FSCACHE_VOLUME_*).
const (
	VolRelinquished   = 0
	VolInvalidate     = 1
	VolCollidedWith   = 2
	VolAcquirePending = 3
	VolCreating       = 4
)

// CacheState is enum fscache_cache_state.
type CacheState uint8

const (
	CacheNotPresent CacheState = iota
	CachePreparing
	CacheActive
	CacheGotIOError
	CacheWithdrawn
)

var cacheStateNames = [...]string{"NOT_PRESENT", "PREPARING", "ACTIVE", "GOT_IOERROR", "WITHDRAWN"}

func (s CacheState) String() string {
	if int(s) < len(cacheStateNames) {
		return cacheStateNames[s]
	}
	return "?"
}

// Letter is the state's letter in /proc/fs/fscache/caches ("-PAEW").
func (s CacheState) Letter() byte { return "-PAEW"[s] }

// Advice bits (FSCACHE_ADV_*).
const (
	AdvSingleChunk   = 0x01
	AdvWriteCache    = 0x00
	AdvWriteNoCache  = 0x02
	AdvWantCacheSize = 0x04
)

// InvalDIOWrite is FSCACHE_INVAL_DIO_WRITE.
const InvalDIOWrite = 0x01

// Want is enum fscache_want_state for begin_operation.
type Want uint8

const (
	WantParams Want = iota
	WantRead
	WantWrite
)
