package s3post

import "time"

// DefaultChainForTest exposes the chain of DefaultCredentials with an
// injected environment, for the tests of package s3post_test.
var DefaultChainForTest = defaultChain

// NewDefaultCredentialsForTest is DefaultCredentials with an injected
// environment.
var NewDefaultCredentialsForTest = newDefaultCredentials

// NewPresignerFromEnvForTest is NewPresignerFromEnv with an injected
// environment.
var NewPresignerFromEnvForTest = newPresignerFromEnv

// SetCacheJitterForTest replaces the random source of c's refresh jitter,
// which returns a duration in [0, n). Call it before c's first use.
func SetCacheJitterForTest(c *CredentialsCache, n func(time.Duration) time.Duration) {
	c.jitterN = n
}
