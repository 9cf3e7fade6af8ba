package explorer

import (
	"regexp"
	"strings"
)

// Signature identifies a failure for deduplication in KeepGoing mode:
//
//	class|check|scenario|normalised message
//
// class is the failure class ("invariant", "oops", "deadlock", ...,
// "step-bound", "diverged", "panic"), check the check's short name ("I-2"),
// scenario the scenario's name, and the message is normalised by
// NormalizeMsg so that the same failure on other objects, at other steps or
// with other counts has the same signature. Two failures with the same
// signature are counted as one distinct failure; the report keeps the one
// with the lowest execution index.
func Signature(class, check, scenario, msg string) string {
	return class + "|" + check + "|" + scenario + "|" + NormalizeMsg(msg)
}

// NormalizeMsg masks the parts of a failure message that vary between
// executions of the same failure. Each word (a run of letters, digits and
// '_') that is a hexadecimal number with at least one decimal digit
// ("00000003", "c0ffee1"), or a 0x-prefixed number, becomes "#"; in any
// other word each run of decimal digits becomes "#" ("worker3" →
// "worker#"). Runs of blanks become one space.
//
//	"cookie c=00000003 r=2 freed at step 118" → "cookie c=# r=# freed at step #"
func NormalizeMsg(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	return wordRE.ReplaceAllStringFunc(msg, maskWord)
}

var (
	wordRE   = regexp.MustCompile(`[0-9A-Za-z_]+`)
	hexRE    = regexp.MustCompile(`^(0[xX][0-9A-Fa-f]+|[0-9A-Fa-f]*[0-9][0-9A-Fa-f]*)$`)
	digitsRE = regexp.MustCompile(`[0-9]+`)
	// goroutineRE is a goroutine's number in a stack trace: it depends on
	// what else the process ran.
	goroutineRE = regexp.MustCompile(`goroutine [0-9]+`)
	// addrRE is an address or argument value in a stack trace.
	addrRE = regexp.MustCompile(`0x[0-9a-f]+`)
)

func maskWord(w string) string {
	if hexRE.MatchString(w) {
		return "#"
	}
	return digitsRE.ReplaceAllString(w, "#")
}

// normalizeStack keeps a Go stack trace's frames, files and lines, and
// masks what depends on the process rather than the execution: goroutine
// numbers, addresses, argument values and pc offsets.
func normalizeStack(s string) string {
	if s == "" {
		return ""
	}
	s = goroutineRE.ReplaceAllString(s, "goroutine #")
	return addrRE.ReplaceAllString(s, "0x#")
}
