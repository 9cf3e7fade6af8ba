package ftrace

import (
	"strconv"
	"strings"
)

// ctxFields are the fields of an event line in the trace file's or
// trace-cmd's layout.
type ctxFields struct {
	comm        string
	pid         int32
	cpu         int
	flags       string
	us          int64
	event, text string
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isFlagChar(c byte) bool {
	return c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// parseCtx parses "comm-pid [(tgid)] [cpu] [flags] secs.usecs: name: text"
// by hand: the common case, without a regexp. It accepts a subset of what
// ctxRE does (TestFastParse checks they agree); ok false sends the line to
// the regexp.
func parseCtx(s string) (f ctxFields, ok bool) {
	// the CPU column: " [" digits "] "
	var before, rest string
	for from := 0; ; {
		j := strings.Index(s[from:], " [")
		if j < 0 {
			return f, false
		}
		j += from
		k := strings.IndexByte(s[j+2:], ']')
		if k > 0 && k <= 4 && allDigits(s[j+2:j+2+k]) && j+3+k < len(s) && s[j+3+k] == ' ' {
			f.cpu, _ = strconv.Atoi(s[j+2 : j+2+k])
			before, rest = s[:j], s[j+3+k:]
			break
		}
		from = j + 2
	}
	before = strings.TrimRight(before, " ")
	if strings.HasSuffix(before, ")") {
		// the tgid column: "(" spaces, digits or dashes ")", after a space
		o := strings.LastIndexByte(before, '(')
		if o < 1 || before[o-1] != ' ' {
			return f, false
		}
		inner := strings.TrimLeft(before[o+1:len(before)-1], " ")
		if inner == "" || strings.Trim(inner, "-0123456789") != "" {
			return f, false
		}
		before = strings.TrimRight(before[:o], " ")
	}
	dash := strings.LastIndexByte(before, '-')
	if dash < 0 || !allDigits(before[dash+1:]) || len(before)-dash-1 > 9 {
		return f, false
	}
	pid, _ := strconv.Atoi(before[dash+1:])
	f.pid = int32(pid)
	f.comm = strings.TrimSpace(before[:dash])
	if f.comm == "" {
		return f, false
	}
	rest = strings.TrimLeft(rest, " ")
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return f, false
	}
	tok := rest[:sp]
	if !strings.HasSuffix(tok, ":") {
		if len(tok) < 4 || len(tok) > 6 {
			return f, false
		}
		for k := 0; k < len(tok); k++ {
			if !isFlagChar(tok[k]) {
				return f, false
			}
		}
		f.flags = tok
		rest = strings.TrimLeft(rest[sp:], " ")
		if sp = strings.IndexByte(rest, ' '); sp < 0 {
			return f, false
		}
		tok = rest[:sp]
	}
	secs, usecs, found := strings.Cut(strings.TrimSuffix(tok, ":"), ".")
	if !found || !strings.HasSuffix(tok, ":") || !allDigits(secs) || len(usecs) != 6 || !allDigits(usecs) || len(secs) > 12 {
		return f, false
	}
	sv, _ := strconv.ParseInt(secs, 10, 64)
	uv, _ := strconv.ParseInt(usecs, 10, 64)
	f.us = sv*1_000_000 + uv
	rest = strings.TrimLeft(rest[sp:], " ")
	colon := strings.IndexByte(rest, ':')
	if colon < 1 {
		return f, false
	}
	name := rest[:colon]
	if name[0] < 'a' || name[0] > 'z' {
		return f, false
	}
	for k := 1; k < len(name); k++ {
		c := name[k]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return f, false
		}
	}
	f.event = name
	f.text = strings.TrimPrefix(rest[colon+1:], " ")
	return f, true
}
