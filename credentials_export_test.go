package s3post

import "time"

// SetCacheJitterForTest replaces the random source of c's refresh jitter,
// which returns a duration in [0, n). Call it before c's first use.
func SetCacheJitterForTest(c *CredentialsCache, n func(time.Duration) time.Duration) {
	c.jitterN = n
}
