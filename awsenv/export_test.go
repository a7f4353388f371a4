package awsenv

// DefaultChainForTest exposes the chain of DefaultCredentials with an
// injected environment, for the tests of package awsenv_test.
var DefaultChainForTest = defaultChain

// NewDefaultCredentialsForTest is DefaultCredentials with an injected
// environment.
var NewDefaultCredentialsForTest = newDefaultCredentials

// NewPresignerForTest is NewPresigner with an injected environment.
var NewPresignerForTest = newPresigner

// RegionForTest is Region with an injected environment.
var RegionForTest = envRegion
