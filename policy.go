package s3post

import (
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// filenameVariable is the placeholder that S3 replaces with the uploaded
// file's name before it checks the policy.
const filenameVariable = "${filename}"

// expirationFormat is the layout of a policy's "expiration".
const expirationFormat = "2006-01-02T15:04:05Z"

// signerFields are the fields that the signer adds to every form, each with
// an exact-match condition; callers may neither set them nor constrain them.
var signerFields = [...]string{"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-security-token"}

// appendFieldCondition appends the condition that the policy gets for a form
// field that the caller did not constrain: an exact match, or, when the value
// holds ${filename}, a prefix match on the text before it, since S3
// substitutes the variable before it checks the policy and an exact match
// could never pass. The name is a checked field name, which JSON holds as it
// is; so is the value when plain (see plainJSON), and it is escaped
// otherwise.
func appendFieldCondition(b []byte, name, value string, plain bool) []byte {
	open, separator, end := `{"`, `": "`, `"}` // as appendEq writes
	if prefix, _, templated := strings.Cut(value, filenameVariable); templated {
		open, separator, end, value = `["starts-with", "$`, `", "`, `"]`, prefix // as appendStartsWith writes
	}
	b = append(append(append(b, open...), name...), separator...)
	if plain {
		b = append(b, value...)
	} else {
		b = appendJSONStringBody(b, value)
	}
	return append(b, end...)
}

// encodePolicy appends the policy document and then its base64 to buf[:0],
// and returns the grown buffer and the base64 in it: the bytes that are
// signed and sent as the policy field.
func encodePolicy(buf []byte, in *checkedInput, expires time.Time, clock *stamp, signer *signerConditions) (grown, policyBase64 []byte) {
	doc := appendPolicy(buf[:0], in, expires, clock, signer)
	grown = appendBase64(doc, doc)
	return grown, grown[len(doc):]
}

// appendPolicy appends the policy document as JSON, laid out as Python's
// json.dumps lays it out (", " and ": " separators, non-ASCII escaped), so a
// policy that boto3 would also write has the very same bytes.
//
// The conditions come in a fixed order: the caller's, exact matches for the
// caller's fields that no condition covers (sorted by name), the bucket, the
// key unless the caller constrained it, and the signer's fields. The order
// depends only on the input, so the same input and clock give the same
// policy bytes.
func appendPolicy(b []byte, in *checkedInput, expires time.Time, clock *stamp, signer *signerConditions) []byte {
	b = clock.appendHead(b, expires)
	// The bucket's condition is always there: those before it are followed
	// by a separator, and those after it preceded by one.
	for _, c := range in.conditions {
		b = append(c.appendJSON(b), ", "...)
	}
	for _, f := range in.fields {
		if !f.constrained {
			b = append(appendFieldCondition(b, f.name, f.value, f.plain), ", "...)
		}
	}
	b = appendEq(b, "bucket", in.bucket)
	if !in.keyConstrained {
		b = appendFieldCondition(append(b, ", "...), "key", in.key, in.keyPlain)
	}
	b = append(append(b, ", "...), signer.credential...)
	b = append(append(b, ", "...), clock.date...)
	b = append(b, signer.securityToken...)
	return append(b, "]}"...)
}

// signerConditions holds the JSON of the policy's conditions on the fields
// that the signer adds, but for x-amz-date. They depend only on the
// credentials, the date and the region, so a policySigner encodes them once.
type signerConditions struct {
	// credential is the algorithm's and the credential scope's conditions.
	credential []byte
	// securityToken is ", " and the session token's condition, or empty.
	securityToken []byte
}

func newSignerConditions(scope, sessionToken string) *signerConditions {
	c := &signerConditions{credential: appendEq(nil, "x-amz-algorithm", Algorithm)}
	c.credential = appendEq(append(c.credential, ", "...), "x-amz-credential", scope)
	if sessionToken != "" {
		c.securityToken = appendEq([]byte(", "), "x-amz-security-token", sessionToken)
	}
	return c
}

// appendJSONString appends s as a quoted JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plainJSON reports whether JSON strings hold s as it is: s is printable
// ASCII without '"' or '\\'.
func plainJSON(s string) bool { return jsonSafePrefix(s) == len(s) }

// appendJSONStringBody appends s escaped for use inside JSON quotes. Only
// printable ASCII other than '"' and '\' is written as is; everything else is
// escaped (\n, \u00e9, surrogate pairs above the BMP), so user data can
// never end the string early, and invalid UTF-8 becomes U+FFFD.
func appendJSONStringBody(b []byte, s string) []byte {
	if plainJSON(s) { // the usual case: nothing to escape
		return append(b, s...)
	}
	return appendEscaped(b, s)
}

// appendEscaped is appendJSONStringBody for a string that needs escaping.
func appendEscaped(b []byte, s string) []byte {
	for {
		n := jsonSafePrefix(s)
		b = append(b, s[:n]...)
		if n == len(s) {
			return b
		}
		s = s[n:]
		if c := s[0]; c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = appendUnicodeEscape(b, rune(c))
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = appendUnicodeEscape(b, r1)
			b = appendUnicodeEscape(b, r2)
		} else {
			b = appendUnicodeEscape(b, r)
		}
		s = s[size:]
	}
}

// jsonSafePrefix returns the length of the longest prefix of s that JSON
// strings hold as it is.
func jsonSafePrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if !jsonSafe[s[i]] {
			return i
		}
	}
	return len(s)
}

// jsonSafe reports the bytes that appendJSONStringBody writes as they are:
// printable ASCII other than '"' and '\'. (A table is faster to consult
// than the comparisons.)
var jsonSafe = func() (safe [256]bool) {
	for c := ' '; c <= '~'; c++ {
		safe[c] = c != '"' && c != '\\'
	}
	return safe
}()

func appendUnicodeEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
