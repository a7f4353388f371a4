// Package e2e holds the end-to-end tests of s3post: forms presigned by the
// library, uploaded to real S3-compatible servers that enforce POST policies
// (VersityGW and SeaweedFS) and from a real browser (headless Chromium).
//
// The servers are installed, started and stopped by ../scripts/test.sh; run
// the suite with that command. The browser recipes of README's "From the
// browser" are the pages under browser/, whose scripts browser/bundle.sh
// (run by the test command) bundles from npm packages. It lives in a module of its own so that
// importing s3post never pulls in its dependencies.
package e2e
