package s3post

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestStampCache checks that forms signed in the same second share a stamp,
// whatever their lifetime, that each gets the opening of its own
// expiration, and that the next second gets a stamp of its own.
func TestStampCache(t *testing.T) {
	t.Parallel()
	var c stampCache
	t0 := time.Date(2026, 11, 25, 14, 30, 15, 0, time.UTC)
	hour, minute := t0.Add(time.Hour), t0.Add(time.Minute)
	head := func(s *stamp, expires time.Time) string { return string(s.appendHead([]byte("x"), expires)) }

	first := c.get(t0, hour)
	assert.Equal(t, "20261125T143015Z", first.amzDate)
	assert.Equal(t, `{"x-amz-date": "20261125T143015Z"}`, string(first.date))
	assert.Equal(t, `x{"expiration": "2026-11-25T15:30:15Z", "conditions": [`, head(first, hour))

	assert.Same(t, first, c.get(t0, hour), "the same second reuses the stamp")
	assert.Same(t, first, c.get(t0, minute), "so does another lifetime in the same second")
	assert.Equal(t, `x{"expiration": "2026-11-25T14:31:15Z", "conditions": [`, head(first, minute),
		"a lifetime other than the stamp's gets its own expiration")

	next := c.get(t0.Add(time.Second), minute.Add(time.Second))
	assert.NotSame(t, first, next, "the next second gets a new stamp")
	assert.Equal(t, "20261125T143016Z", next.amzDate)
	assert.Equal(t, `{"x-amz-date": "20261125T143016Z"}`, string(next.date))
	assert.Equal(t, `x{"expiration": "2026-11-25T14:31:16Z", "conditions": [`, head(next, minute.Add(time.Second)))
}
