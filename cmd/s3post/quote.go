package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxQuoted is the longest argument, in bytes, that a message quotes whole.
const maxQuoted = 100

// quote returns s quoted as strconv.Quote quotes it, for a message. An
// argument over maxQuoted bytes is cut, at the start of a character, to a
// quote of at most about 80 bytes, and its length follows:
// "aaaa..." (102400 bytes).
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	for n := 60; ; n /= 2 {
		for i := 0; i < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(s[n]); i++ {
			n--
		}
		if q := strconv.Quote(s[:n]); len(q) <= 80 || n == 0 {
			return q[:len(q)-1] + `..." (` + strconv.Itoa(len(s)) + " bytes)"
		}
	}
}

// shortFlagError returns the message of an error of the flag package with
// the values that it quotes whole, such as `invalid value "..." for flag
// -field: ...`, and flag names, cut short as quote cuts them.
func shortFlagError(msg string) string {
	if len(msg) <= 3*maxQuoted {
		return msg
	}
	const invalid = "invalid value "
	if rest, ok := strings.CutPrefix(msg, invalid); ok {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			if value, err := strconv.Unquote(q); err == nil {
				return invalid + quote(value) + shortFlagError(rest[len(q):])
			}
		}
	}
	// "flag provided but not defined: -NAME" and "bad flag syntax: NAME":
	// the start of the name.
	head, name := "", msg
	if i := strings.Index(msg, ": "); i >= 0 && i < maxQuoted {
		head, name = msg[:i+2], msg[i+2:]
	}
	if len(name) <= maxQuoted {
		return msg
	}
	n := 60
	for i := 0; i < utf8.UTFMax-1 && !utf8.RuneStart(name[n]); i++ {
		n--
	}
	return head + strings.ToValidUTF8(name[:n], "") + "... (" + strconv.Itoa(len(name)) + " bytes)"
}
