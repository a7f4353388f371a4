package s3post

import (
	"sync/atomic"
	"time"
)

// stampCache remembers the clock's part of the most recent form that a
// Presigner signed, so that a busy Presigner formats it once a second
// rather than on every form. It is safe for concurrent use and never blocks.
type stampCache struct {
	last atomic.Pointer[stamp]
}

// stamp is what the forms signed in one second take from the clock: the
// x-amz-date and the policy's condition on it, and the policy's opening for
// the expiration of the first of them.
type stamp struct {
	signed int64 // the second, in Unix time

	amzDate string // the x-amz-date field
	// date is the policy's condition on x-amz-date.
	date []byte

	expires int64 // the expiration that head holds, in Unix time
	// head opens the policy: {"expiration": "...", "conditions": [
	head []byte
}

// get returns the stamp of forms signed at t, in whole seconds. expires, the
// expiration of the form at hand, goes into a new stamp's head; forms with
// other lifetimes share the stamp and have their head written for them.
func (c *stampCache) get(t, expires time.Time) *stamp {
	if s := c.last.Load(); s != nil && s.signed == t.Unix() {
		return s
	}
	var date [len(amzDateFormat)]byte
	s := &stamp{signed: t.Unix(), amzDate: string(appendISO8601(date[:0], t, false)), expires: expires.Unix()}
	s.date = appendEq(nil, "x-amz-date", s.amzDate)
	s.head = appendPolicyHead(nil, expires)
	c.last.Store(s)
	return s
}

// appendHead appends the opening of a policy that expires at expires.
func (s *stamp) appendHead(b []byte, expires time.Time) []byte {
	if expires.Unix() == s.expires {
		return append(b, s.head...)
	}
	return appendPolicyHead(b, expires)
}

// appendPolicyHead appends the opening of a policy: its expiration and the
// start of its conditions.
func appendPolicyHead(b []byte, expires time.Time) []byte {
	b = appendISO8601(append(b, `{"expiration": "`...), expires, true)
	return append(b, `", "conditions": [`...)
}
