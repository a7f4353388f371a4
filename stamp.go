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

// stamp is what a form takes from the clock: its x-amz-date, and the JSON
// of the policy's expiration and date condition.
type stamp struct {
	signed, expires int64 // Unix times, in seconds

	amzDate string // the x-amz-date field
	// head opens the policy: {"expiration": "...", "conditions": [
	head []byte
	// date is the policy's condition on x-amz-date.
	date []byte
}

// get returns the stamp of a form signed at t that expires at expires, both
// in whole seconds.
func (c *stampCache) get(t, expires time.Time) *stamp {
	if s := c.last.Load(); s != nil && s.signed == t.Unix() && s.expires == expires.Unix() {
		return s
	}
	var date [len(amzDateFormat)]byte
	s := &stamp{signed: t.Unix(), expires: expires.Unix(), amzDate: string(appendISO8601(date[:0], t, false))}
	s.head = append(appendISO8601(append(s.head, `{"expiration": "`...), expires, true), `", "conditions": [`...)
	s.date = appendEq(nil, "x-amz-date", s.amzDate)
	c.last.Store(s)
	return s
}
