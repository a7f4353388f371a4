package awsenv

import (
	"strings"
	"time"

	"github.com/s3post/s3post"
)

// inputError is an [*s3post.InputError] about a setting of a source.
func inputError(sentinel error, input, reason string) error {
	return &s3post.InputError{Input: input, Reason: reason, Err: sentinel}
}

// textError is an error with a text of its own that wraps errs, for
// errors.Is and errors.As.
type textError struct {
	msg  string
	errs []error
}

func (e *textError) Error() string   { return e.msg }
func (e *textError) Unwrap() []error { return e.errs }

// prefixError returns err with "s3post: " and prefix before its text, once
// only, wrapping err.
func prefixError(prefix string, err error) error {
	return &textError{msg: "s3post: " + prefix + ": " + strings.TrimPrefix(err.Error(), "s3post: "), errs: []error{err}}
}

// orNow returns now, or time.Now when now is nil.
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
