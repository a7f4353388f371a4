package s3post

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestStampCache checks that a form signed in the same second, with the
// same expiration, reuses the stamp, and that any other gets its own.
func TestStampCache(t *testing.T) {
	t.Parallel()
	var c stampCache
	t0 := time.Date(2026, 11, 25, 14, 30, 15, 0, time.UTC)
	hour := t0.Add(time.Hour)

	first := c.get(t0, hour)
	assert.Equal(t, "20261125T143015Z", first.amzDate)
	assert.Equal(t, `{"expiration": "2026-11-25T15:30:15Z", "conditions": [`, string(first.head))
	assert.Equal(t, `{"x-amz-date": "20261125T143015Z"}`, string(first.date))
	assert.Same(t, first, c.get(t0, hour), "the same second and expiration reuse the stamp")

	for _, tc := range []struct {
		reason        string
		t, expires    time.Time
		date, expired string
	}{
		{"the next second", t0.Add(time.Second), hour.Add(time.Second), "20261125T143016Z", "2026-11-25T15:30:16Z"},
		{"another lifetime", t0, t0.Add(time.Minute), "20261125T143015Z", "2026-11-25T14:31:15Z"},
		{"back to the first", t0, hour, "20261125T143015Z", "2026-11-25T15:30:15Z"},
	} {
		s := c.get(tc.t, tc.expires)
		assert.NotSame(t, first, s, tc.reason)
		assert.Equal(t, tc.date, s.amzDate, tc.reason)
		assert.Equal(t, `{"expiration": "`+tc.expired+`", "conditions": [`, string(s.head), tc.reason)
		assert.Equal(t, `{"x-amz-date": "`+tc.date+`"}`, string(s.date), tc.reason)
	}
}
