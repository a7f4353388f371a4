package awsenv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3post/s3post"
)

// TestDefaultCredentialsRefreshAhead backs the README's "refreshed five to
// six minutes before they expire": the default cache's window (the cache's
// own default, pinned by the root package's tests) widened by a minute.
func TestDefaultCredentialsRefreshAhead(t *testing.T) {
	t.Parallel()
	assert.Equal(t, s3post.CredentialsCacheOptions{RefreshJitter: time.Minute}, defaultCacheOptions())
}
