package s3post

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
)

// Limits that S3 sets on a POST form as a whole.
const (
	// maxPreFileSize is the most bytes of a POST form that S3 reads before
	// the file part; more, and it answers MaxPostPreDataLengthExceeded
	// (MaxPostPreDataLengthBytes 20480).
	maxPreFileSize = 20 << 10

	// maxPostObjectSize is the largest file that a POST upload can store:
	// 5 GiB, as for a single PUT.
	maxPostObjectSize = 5 << 30
)

// partOverhead is the most that multipart/form-data adds to a field's name
// and value: the delimiter line ("--" and a boundary of up to 70
// characters, the most that RFC 2046 allows; browsers use 38 to about 60),
// the Content-Disposition header and the blank line after it, and the line
// break after the value. Field names are HTTP tokens, which no client
// escapes.
const partOverhead = len("--") + 70 + len("\r\n") + len(`Content-Disposition: form-data; name=""`) + len("\r\n\r\n") + len("\r\n")

// fileHeaderAllowance is room for what precedes the file's content in its
// own part, in case S3 counts it among the bytes before the file: the
// delimiter line, a Content-Disposition with a file name of up to 200 bytes,
// and a Content-Type of up to 100.
const fileHeaderAllowance = partOverhead + len("file") + len(`; filename=""`) + 200 + len("Content-Type: \r\n") + 100

// partSize returns the most bytes that a field takes in a
// multipart/form-data body, line breaks in its value aside (see
// lineBreaks).
func partSize(name string, valueLen int) int { return partOverhead + len(name) + valueLen }

// signerFormSize returns the bytes that the fields the signer adds take in
// the form, but for the policy's value, with the allowance for the file
// part's headers.
func signerFormSize(scope, sessionToken string) int {
	n := partSize("x-amz-algorithm", len(Algorithm)) + partSize("x-amz-credential", len(scope)) +
		partSize("x-amz-date", len(amzDateFormat)) + partSize("policy", 0) +
		partSize("x-amz-signature", 2*sha256.Size) + fileHeaderAllowance
	if sessionToken != "" {
		n += partSize("x-amz-security-token", len(sessionToken))
	}
	return n
}

// base64Len returns the length of the padded base64 of n bytes.
func base64Len(n int) int { return (n + 2) / 3 * 4 }

// conditionSize returns the bytes that a caller condition's field name and
// value take, at least, in the policy document.
func conditionSize(c Condition) int {
	switch c := c.(type) {
	case eqCondition:
		return len(c.field) + len(c.value)
	case startsWithCondition:
		return len(c.field) + len(c.prefix)
	}
	return 0
}

// lineBreaks returns how many bytes a browser may add to s by sending its
// line breaks as CRLF, at most: one for each '\r' and '\n'.
func lineBreaks(s string) int {
	return strings.Count(s, "\n") + strings.Count(s, "\r")
}

// checkFormSize makes sure that the fields before the file fit in what S3
// reads: the caller's fields and the key as ci.formSize counts them, their
// line breaks, the policy's base64 of policy bytes, and signerSize (see
// signerFormSize). With exact false, policy is a lower bound and so is the
// sum, taken before the policy is written. The callers add ci.unplain to
// the sum first, which bounds the line breaks, and call it only when that
// is over the limit, so that a form well within it costs no count.
func (ci *checkedInput) checkFormSize(policy int, exact bool, signerSize int, sessionToken string) error {
	size := ci.formSize + policy + signerSize
	if ci.unplain > 0 {
		if !ci.keyPlain {
			size += lineBreaks(ci.key)
		}
		for _, f := range ci.fields {
			if !f.plain {
				size += lineBreaks(f.value)
			}
		}
	}
	if size <= maxPreFileSize {
		return nil
	}
	// Name the input to shorten: the longest name and value when it makes
	// half of what the caller chose, else the many fields or conditions.
	input, longest := "Key", len("key")+len(ci.key)
	fieldBytes, conditionBytes := 0, 0
	for _, f := range ci.fields {
		n := len(f.name) + len(f.value)
		fieldBytes += n
		if n > longest {
			input, longest = fieldInput(f.name), n
		}
	}
	for i, c := range ci.conditions {
		n := conditionSize(c)
		conditionBytes += n
		if n > longest {
			input, longest = "Conditions["+strconv.Itoa(i)+"]", n
		}
	}
	hint := fmt.Sprintf("this one is the longest, with %d bytes of name and value", longest)
	switch {
	case len(sessionToken) > longest:
		input, hint = "Presigner.Credentials", fmt.Sprintf("the session token is the longest value, with %d bytes", len(sessionToken))
	case 2*longest >= len("key")+len(ci.key)+fieldBytes+conditionBytes+len(sessionToken):
	case fieldBytes >= conditionBytes:
		input, hint = "Fields", fmt.Sprintf("most of it is the %d fields", len(ci.fields))
	default:
		input, hint = "Conditions", fmt.Sprintf("most of it is the %d conditions", len(ci.conditions))
	}
	policyPart := fmt.Sprintf("the policy %d of them", policy)
	bound := "up to"
	if !exact {
		bound, policyPart = "at least", fmt.Sprintf("the policy at least %d of them", policy)
	}
	return inputError(ErrUnsatisfiable, input,
		fmt.Sprintf("the fields before the file would take %s %d bytes as a browser sends them (%s), over the %d bytes that S3 reads before the file (it answers MaxPostPreDataLengthExceeded): shorten or drop fields or conditions; %s",
			bound, size, policyPart, maxPreFileSize, hint))
}
