package cachefilesd

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/fscachesim/fscachesim/model/cachefiles"
	"github.com/fscachesim/fscachesim/sim/vfs"
)

// cachefilesd.conf, as cachefilesd 0.10.x reads it (main() of
// cachefilesd.c, and cachefilesd.conf(5)):
//
//   - one command a line; every line, the last included, must end in a
//     newline ("Unterminated line"), be shorter than the page size with its
//     newline ("Line too long") and hold no NUL;
//   - leading white space is skipped to find the command; blank lines and
//     lines whose first non-blank character is '#' are comments;
//   - the daemon's own commands are not sent to the kernel: culltable
//     <log2size> (12..20, decimal, nothing after it) and nocull;
//   - bind is refused ("'bind' command not permitted");
//   - every other line is written to the control device as it is — leading
//     white space, trailing spaces and all — and the kernel's answer
//     decides: an error there is fatal ("CacheFiles gave config error").
//     dir is also noted by the daemon, which stats the path first ("Can't
//     confirm cache location") and scans it for culling.
//
// Where the simulation differs, and why:
//
//   - The daemon's nocull test does not skip the line, so 0.10.x also
//     writes "nocull" to the kernel, which refuses it (-EOPNOTSUPP): a conf
//     with nocull cannot start. Here nocull does what the manual says and
//     is not sent.
//   - resume_thresholds is compared over 18 bytes against a 17-character
//     word, so 0.10.x never recognises it and the kernel refuses the line:
//     ParseConf reports it as unsupported.
//   - Lines the kernel would refuse whatever the state (an unknown command,
//     or leading white space before a command: the kernel takes the
//     command word to start at the first byte) are reported by ParseConf
//     with a clear message rather than as the kernel's -EOPNOTSUPP when
//     the daemon runs. The arguments are left to the kernel.
//   - With no dir command the real daemon fails at bind (-EINVAL);
//     ParseConf reports it.

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
	// Dir is the cache root (the last dir command).
	Dir string
	// CullTable is the number of entries of the cull table (1<<culltable).
	CullTable int
	// NoCull disables culling.
	NoCull bool
}

// Command is one line for the kernel and where it came from.
type Command struct {
	Line int    // 1-based line number
	Text string // the line without its newline, as written to the device
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

// ParseConf parses the contents of a cachefilesd.conf named name.
func ParseConf(name string, data []byte) (*Conf, error) {
	if name == "" {
		name = defaultConf
	}
	c := &Conf{Name: name, CullTable: 1 << DefaultCullLog}
	bad := func(line int, format string, args ...any) (*Conf, error) {
		return nil, &ConfError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
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
		switch {
		case hasWord(cp, "nocull", true):
			c.NoCull = true
			continue
		case hasWord(cp, "culltable", false):
			n, err := culltable(skipSpace(cp[len("culltable"):]))
			if err != "" {
				return bad(no, "%s", err)
			}
			c.CullTable = 1 << n
			continue
		case hasWord(cp, "resume_thresholds", true):
			return bad(no, "resume_thresholds is not supported (cachefilesd 0.10.x never recognises it and the kernel refuses it)")
		case hasWord(cp, "dir", false):
			dir := skipSpace(cp[len("dir"):])
			if len(dir) > pathMax-10 {
				return bad(no, "Cache pathname is too long")
			}
			c.Dir = dir
		case hasWord(cp, "bind", true):
			return bad(no, "'bind' command not permitted")
		}
		if _, _, err := cachefiles.ParseCommand([]byte(line)); err != nil {
			word := cp
			if i := strings.IndexFunc(word, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }); i >= 0 {
				word = word[:i]
			}
			switch {
			case err == vfs.EOPNOTSUPP && cp != line:
				return bad(no, "white space before %q (the kernel refuses the line: %v)", word, err)
			case err == vfs.EOPNOTSUPP:
				return bad(no, "unknown command %q", word)
			default:
				return bad(no, "the kernel refuses %q: %v", line, err)
			}
		}
		c.Commands = append(c.Commands, Command{Line: no, Text: line})
	}
	if c.Dir == "" {
		return bad(0, "no 'dir' command: the cache has no root")
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
