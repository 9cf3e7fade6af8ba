package ftrace

import (
	"strconv"
	"strings"
)

// Fields are the printed fields of one fscache or cachefiles event:
// key=value pairs in order, and the reason string (the words that are not
// key=value, joined by one space: "PUT lru   r=3" has reason "PUT lru").
type Fields struct {
	Keys   []string
	Vals   []string
	Reason string
}

// ParseFields splits an event's text into its fields.
func ParseFields(text string) Fields {
	var f Fields
	var reason []string
	for _, w := range strings.Fields(text) {
		if i := strings.IndexByte(w, '='); i > 0 {
			f.Keys = append(f.Keys, w[:i])
			f.Vals = append(f.Vals, w[i+1:])
			continue
		}
		reason = append(reason, w)
	}
	f.Reason = strings.Join(reason, " ")
	return f
}

// Get returns the n-th (0-based) value of key k.
func (f *Fields) Get(k string, n int) (string, bool) {
	for i, key := range f.Keys {
		if key == k {
			if n == 0 {
				return f.Vals[i], true
			}
			n--
		}
	}
	return "", false
}

// Hex reads the n-th value of k as hex.
func (f *Fields) Hex(k string, n int) (uint32, bool) {
	s, ok := f.Get(k, n)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	return uint32(v), err == nil
}

// Int reads the n-th value of k as a decimal.
func (f *Fields) Int(k string, n int) (int64, bool) {
	s, ok := f.Get(k, n)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// required are the keys each checked event prints, in order (a repeated
// key appears twice), and whether it has a reason.
var required = map[string]struct {
	keys   []string
	reason bool
}{
	"fscache_cache":            {[]string{"C", "r"}, true},
	"fscache_volume":           {[]string{"V", "u"}, true},
	"fscache_cookie":           {[]string{"c", "r"}, true},
	"fscache_active":           {[]string{"c", "r", "a", "c"}, true},
	"fscache_access_cache":     {[]string{"C", "r", "a"}, true},
	"fscache_access_volume":    {[]string{"V", "c", "r", "a"}, true},
	"fscache_access":           {[]string{"c", "r", "a"}, true},
	"fscache_acquire":          {[]string{"c", "V", "vr", "vc"}, false},
	"fscache_relinquish":       {[]string{"c", "V", "r", "U", "f", "rt"}, false},
	"fscache_invalidate":       {[]string{"c", "sz"}, false},
	"fscache_resize":           {[]string{"c", "os", "sz"}, false},
	"cachefiles_ref":           {[]string{"c", "o", "u"}, true},
	"cachefiles_lookup":        {[]string{"o", "dB", "B", "e"}, false},
	"cachefiles_mkdir":         {[]string{"dB", "sB"}, false},
	"cachefiles_tmpfile":       {[]string{"o", "B"}, false},
	"cachefiles_link":          {[]string{"o", "B"}, false},
	"cachefiles_unlink":        {[]string{"o", "B", "w"}, false},
	"cachefiles_rename":        {[]string{"o", "B", "w"}, false},
	"cachefiles_coherency":     {[]string{"o", "B", "c"}, true},
	"cachefiles_read":          {[]string{"o", "B", "s", "l"}, false},
	"cachefiles_write":         {[]string{"o", "B", "s", "l"}, false},
	"cachefiles_trunc":         {[]string{"o", "B", "l"}, true},
	"cachefiles_mark_active":   {[]string{"o", "B"}, false},
	"cachefiles_mark_failed":   {[]string{"o", "B"}, false},
	"cachefiles_mark_inactive": {[]string{"o", "B"}, false},
	"cachefiles_vfs_error":     {[]string{"o", "B", "e"}, true},
	"cachefiles_io_error":      {[]string{"o", "B", "e"}, true},
}

// Complete reports whether an event's text has every field its format
// prints (for the events the checker reads; any text of another event is
// complete). A line cut by a mail archive fails it.
func Complete(event, text string) bool {
	req, ok := required[event]
	if !ok {
		return true
	}
	f := ParseFields(text)
	if len(f.Keys) < len(req.keys) {
		return false
	}
	// Every value must be whole: the last key's value must not be empty,
	// and a hex id must be 8 digits.
	for i, k := range req.keys {
		if i >= len(f.Keys) || f.Keys[i] != k || f.Vals[i] == "" {
			return false
		}
		if (k == "c" || k == "V" || k == "C" || k == "o") && !(event == "fscache_active" && i == 3) &&
			!(event == "cachefiles_coherency" && k == "c") && len(f.Vals[i]) != 8 {
			return false
		}
	}
	if req.reason && f.Reason == "" {
		return false
	}
	return true
}
