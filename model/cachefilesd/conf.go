package cachefilesd

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// cachefilesd.conf, as cachefilesd 0.10.10 reads it (main() of
// cachefilesd.c, checked against the Debian binary; cachefilesd.conf(5)):
//
//   - one command a line; every line, the last included, must end in a
//     newline ("Unterminated line"), be shorter than the page size with its
//     newline ("Line too long") and hold no NUL;
//   - leading white space is skipped to find the command; blank lines and
//     lines whose first non-blank character is '#' are comments;
//   - culltable <log2size> (12..20, strtoul base 10, nothing after it) is
//     the daemon's own and is not sent to the kernel;
//   - nocull sets culling_disabled but is not skipped: the line goes to
//     the kernel, which has no such command (-EOPNOTSUPP), so a conf with
//     nocull never starts (culling can be disabled with -N: Options.NoCull);
//   - resume_thresholds is compared over 18 bytes with a 17-character word
//     (the terminating NUL included), so it is never recognised: the line
//     goes to the kernel, which refuses it; the thresholds keep their
//     defaults (5 files, no block threshold);
//   - dir <path>: the daemon stats the path first ("Can't confirm cache
//     location") and keeps it as the cache root; the line is then sent;
//   - bind is refused ("'bind' command not permitted");
//   - every other line is written to the control device as it is, leading
//     white space and trailing spaces included, and the kernel's answer
//     decides: an error there is fatal ("CacheFiles gave config error: %m").
//     An indented command or an unknown one is the kernel's -EOPNOTSUPP;
//     with no dir line at all, the kernel refuses bind (-EINVAL).
//
// The daemon checks and sends the lines one by one, so an error it finds
// itself on line 5 is reported only if the kernel accepted lines 1-4:
// ParseConf stops at the first such error and returns it with a Conf
// holding the lines before it (Conf.Fail set), which a Daemon can still
// run: it sends those lines, then fails with that error, as the binary
// does.

// The limits of cachefilesd.c.
const (
	lineMax        = 4096 // page size: a line with its newline must be shorter
	pathMax        = 4096 // PATH_MAX
	DefaultCullLog = 12   // culltable default: 4096 entries
	minCullLog     = 12   // culltable range
	maxCullLog     = 20   //
	defaultConf    = "/etc/cachefilesd.conf"
)

// Conf is a parsed cachefilesd.conf.
type Conf struct {
	Name string // the file name, for messages
	// Commands are the lines written to the control device, in order.
	Commands []Command
	// Dir is the cache root (cacheroot: the last dir line's path).
	Dir string
	// CullTable is the number of entries of each cull table
	// (culltable_size, 1<<culltable).
	CullTable int
	// NoCull is culling_disabled as the conf sets it (a nocull line).
	NoCull bool
	// Fail is the error the daemon finds in the conf itself, after the
	// Commands (nil for a good conf).
	Fail *ConfError
}

// Command is one line for the kernel and where it came from.
type Command struct {
	Line int    // 1-based line number
	Text string // the line without its newline, as written to the device
	// Dir is the path of a dir line, which the daemon stats before
	// sending the line ("" for other lines).
	Dir string
}

// ConfError is a configuration error, one line in cachefilesd's cfgerror
// format "name:line:message" (no space after the line number), or
// "name: message" for the file as a whole.
type ConfError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%s", e.File, e.Line, e.Msg)
}

// isSpace is glibc's isspace() in the C locale (unlike the kernel's, 0xA0
// is not a space).
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// hasWord reports whether s starts with word followed by a space (or, if
// alone is set, by the end of the line).
func hasWord(s, word string, alone bool) bool {
	if !strings.HasPrefix(s, word) {
		return false
	}
	if len(s) == len(word) {
		return alone
	}
	return isSpace(s[len(word)])
}

func skipSpace(s string) string {
	for s != "" && isSpace(s[0]) {
		s = s[1:]
	}
	return s
}

// ParseConf parses the contents of a cachefilesd.conf named name. On an
// error the daemon finds itself it returns that error and a Conf with the
// lines before it and Fail set (see above); otherwise the Conf and nil.
func ParseConf(name string, data []byte) (*Conf, error) {
	if name == "" {
		name = defaultConf
	}
	c := &Conf{Name: name, CullTable: 1 << DefaultCullLog}
	bad := func(line int, format string, args ...any) (*Conf, error) {
		c.Fail = &ConfError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
		return c, c.Fail
	}
	for no := 1; len(data) > 0; no++ {
		nl := bytes.IndexByte(data, '\n')
		var raw []byte
		if nl < 0 {
			raw, data = data, nil
		} else {
			raw, data = data[:nl+1], data[nl+1:]
		}
		if len(raw) >= lineMax {
			return bad(no, "Line too long")
		}
		if bytes.IndexByte(raw, 0) >= 0 {
			return bad(no, "Line contains a NUL character")
		}
		if nl < 0 {
			return bad(no, "Unterminated line")
		}
		line := string(raw[:len(raw)-1])
		cp := skipSpace(line)
		if cp == "" || cp[0] == '#' {
			continue
		}
		cmd := Command{Line: no, Text: line}
		if hasWord(cp, "nocull", true) {
			c.NoCull = true // and sent on: the kernel refuses it
		}
		if hasWord(cp, "culltable", false) {
			n, err := culltable(skipSpace(cp[len("culltable"):]))
			if err != "" {
				return bad(no, "%s", err)
			}
			c.CullTable = 1 << n
			continue
		}
		// resume_thresholds: never recognised (see above), sent on.
		if hasWord(cp, "dir", false) {
			dir := skipSpace(cp[len("dir"):])
			if len(dir) > pathMax-10 {
				return bad(no, "Cache pathname is too long")
			}
			c.Dir, cmd.Dir = dir, dir
		}
		if hasWord(cp, "bind", true) {
			return bad(no, "'bind' command not permitted")
		}
		c.Commands = append(c.Commands, cmd)
	}
	return c, nil
}

// culltable parses the argument of culltable as strtoul(s, &end, 10)
// followed by the checks of cachefilesd.c; it returns log2 of the size or
// the error message.
func culltable(s string) (uint64, string) {
	digits := s
	neg := false
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		neg = digits[0] == '-'
		digits = digits[1:]
	}
	i := 0
	for i < len(digits) && digits[i] >= '0' && digits[i] <= '9' {
		i++
	}
	var v uint64
	rest := digits[i:]
	if i == 0 {
		rest = s // no digits: strtoul leaves the end at the start
	} else if n, err := strconv.ParseUint(digits[:i], 10, 64); err != nil {
		v = ^uint64(0) // out of range: ULONG_MAX
	} else {
		v = n
		if neg {
			v = -v
		}
	}
	if rest != "" {
		return 0, "Invalid cull table size number"
	}
	if v < minCullLog || v > maxCullLog {
		return 0, "Log2 of cull table size must be 12 <= N <= 20"
	}
	return v, ""
}
