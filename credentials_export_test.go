package s3post

// DefaultChainForTest exposes the chain of DefaultCredentials with an
// injected environment, for the tests of package s3post_test.
var DefaultChainForTest = defaultChain
