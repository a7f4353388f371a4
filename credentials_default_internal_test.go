package s3post

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestDefaultCredentialsRefreshAhead backs the README's "refreshed five to
// six minutes before they expire": the default cache's window and jitter.
func TestDefaultCredentialsRefreshAhead(t *testing.T) {
	t.Parallel()
	c := newDefaultCredentials(func(string) string { return "" })
	assert.Equal(t, 5*time.Minute, c.window)
	assert.Equal(t, time.Minute, c.jitter)
	assert.NoError(t, c.err)
}
