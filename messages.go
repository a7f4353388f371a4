package s3post

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxQuoted is the longest input, in bytes, that an error message quotes
// whole; a longer one is cut short, so that a huge input does not make a
// huge message.
const maxQuoted = 100

// quote returns s quoted as strconv.Quote quotes it, for an error message.
// An input over maxQuoted bytes is cut, at the start of a character, to a
// quote of at most about 80 bytes, and its length follows:
// "aaaa..." (1048576 bytes).
func quote(s string) string { return quoteShort(s, false) }

// jsonQuote is quote with JSON's quoting, as the policy holds s.
func jsonQuote(s string) string { return quoteShort(s, true) }

func quoteShort(s string, json bool) string {
	appendQuote := func(b []byte, s string) []byte {
		if json {
			return appendJSONString(b, s)
		}
		return strconv.AppendQuote(b, s)
	}
	if len(s) <= maxQuoted {
		return string(appendQuote(nil, s))
	}
	for n := 60; ; n /= 2 {
		n = runeStart(s, n)
		q := appendQuote(nil, s[:n])
		if len(q) <= 80 || n == 0 {
			q = append(q[:len(q)-1], `..." (`...)
			q = strconv.AppendInt(q, int64(len(s)), 10)
			return string(append(q, " bytes)"...))
		}
	}
}

// abbreviate returns s for a message that shows it unquoted; over
// maxQuoted bytes, it returns its start, cut at the start of a character
// and made valid UTF-8, then "..." and its length.
func abbreviate(s string) string { return abbreviateAt(s, maxQuoted, 60) }

// abbreviateS3 is abbreviate for the messages of an [S3Error], which quote
// conditions and field names whole as S3's do: it cuts only text over
// 2 KiB, more than an object key or any ordinary condition holds.
func abbreviateS3(s string) string { return abbreviateAt(s, 2<<10, 1<<10) }

// abbreviateAt returns s if it has at most max bytes, else its first keep
// bytes or fewer, cut at the start of a character and made valid UTF-8,
// then "..." and its length.
func abbreviateAt(s string, max, keep int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:runeStart(s, keep)], "\uFFFD") + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// runeStart moves a cut at byte n of s back to the start of the character
// it falls in, if s is valid UTF-8 there.
func runeStart(s string, n int) int {
	for i := 0; i < utf8.UTFMax-1 && n > 0 && n < len(s) && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return n
}

// describeChar names the character that starts at byte i of s, for a
// message that refuses it: `"/" at offset 1`, `"ç" (U+00E7) at offset 2`,
// or, when s is not valid UTF-8 there, `an invalid UTF-8 byte 0xC3 at
// offset 2`.
func describeChar(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return invalidByte(s, i)
	case r >= ' ' && r <= '~':
		return fmt.Sprintf("%s at offset %d", strconv.Quote(string(r)), i)
	}
	return fmt.Sprintf("%s (U+%04X) at offset %d", strconv.Quote(string(r)), r, i)
}

// invalidUTF8 describes the first byte of s that is not valid UTF-8, for a
// message about a string that utf8.ValidString refused.
func invalidUTF8(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return invalidByte(s, i)
		}
		i += size
	}
	return "no invalid byte"
}

func invalidByte(s string, i int) string {
	return fmt.Sprintf("an invalid UTF-8 byte 0x%02X at offset %d", s[i], i)
}

// conditionMessage returns a condition as the policy writes it, with long
// names and values cut short as jsonQuote cuts them.
func conditionMessage(c Condition) string {
	switch c := c.(type) {
	case eqCondition:
		return "{" + jsonQuote(c.field) + ": " + jsonQuote(c.value) + "}"
	case startsWithCondition:
		return `["starts-with", ` + jsonQuote("$"+c.field) + ", " + jsonQuote(c.prefix) + "]"
	}
	return conditionText(c)
}
