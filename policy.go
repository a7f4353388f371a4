package s3post

import (
	"encoding/base64"
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

// fieldCondition returns the condition that the policy gets for a form field
// that the caller did not constrain: an exact match, or, when the value holds
// ${filename}, a prefix match on the text before it, since S3 substitutes the
// variable before it checks the policy and an exact match could never pass.
func fieldCondition(name, value string) Condition {
	if prefix, _, templated := strings.Cut(value, filenameVariable); templated {
		return StartsWith(name, prefix)
	}
	return Eq(name, value)
}

// policyConditions lists the policy's conditions in their fixed order: the
// caller's, exact matches for the caller's fields that no condition
// covers (sorted by name), the bucket, the key unless the caller constrained
// it, and the signer's fields. The order depends only on the input, so the
// same input and clock give the same policy bytes.
func policyConditions(in *checkedInput, scope, amzDate, sessionToken string) []Condition {
	conds := make([]Condition, 0, len(in.conditions)+len(in.fields)+6)
	conds = append(conds, in.conditions...)
	for _, f := range in.fields {
		if !in.constrained[f.lower] {
			conds = append(conds, fieldCondition(f.name, f.value))
		}
	}
	conds = append(conds, Eq("bucket", in.bucket))
	if !in.constrained["key"] {
		conds = append(conds, fieldCondition("key", in.key))
	}
	conds = append(conds,
		Eq("x-amz-algorithm", Algorithm),
		Eq("x-amz-credential", scope),
		Eq("x-amz-date", amzDate),
	)
	if sessionToken != "" {
		conds = append(conds, Eq("x-amz-security-token", sessionToken))
	}
	return conds
}

// encodePolicy returns the policy document as JSON, laid out as Python's
// json.dumps lays it out (", " and ": " separators, non-ASCII escaped), so a
// policy that boto3 would also write has the very same bytes.
func encodePolicy(expiration time.Time, conds []Condition) []byte {
	b := make([]byte, 0, 256+64*len(conds))
	b = append(b, `{"expiration": "`...)
	b = expiration.UTC().AppendFormat(b, expirationFormat)
	b = append(b, `", "conditions": [`...)
	for i, c := range conds {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = c.appendJSON(b)
	}
	return append(b, "]}"...)
}

// encodeBase64 returns the standard, padded base64 of the policy: the string
// that is signed and sent as the policy field.
func encodeBase64(policy []byte) string {
	return base64.StdEncoding.EncodeToString(policy)
}

// appendJSONString appends s as a quoted JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONStringBody appends s escaped for use inside JSON quotes. Only
// printable ASCII other than '"' and '\' is written as is; everything else is
// escaped (\n, \u00e9, surrogate pairs above the BMP), so user data can
// never end the string early, and invalid UTF-8 becomes U+FFFD.
func appendJSONStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
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
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				b = appendUnicodeEscape(b, r1)
				b = appendUnicodeEscape(b, r2)
			} else {
				b = appendUnicodeEscape(b, r)
			}
			i += size
		}
		start = i
	}
	return append(b, s[start:]...)
}

func appendUnicodeEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
