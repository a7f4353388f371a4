package awsenv_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
)

// Credentials used by the credential source tests. The secrets must never
// appear in an error, a String, or a test failure message.
const (
	credKeyID  = "AKIAIOSFODNN7EXAMPLE"
	credSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	credToken  = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"

	credKeyID2  = "AKIAI44QH8DHBEXAMPLE"
	credSecret2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	credToken2  = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN2"
)

// credSecrets are all the secrets above, and the tokens of the container
// and web identity tests, for leak checks.
var credSecrets = []string{credSecret, credToken, credSecret2, credToken2, containerToken, webToken}

// credEnv returns a Getenv function that reads m.
func credEnv(m map[string]string) func(string) string {
	return func(key string) string { return m[key] }
}

// assertCreds compares credentials field by field, without ever printing a
// secret in a failure message.
func assertCreds(t *testing.T, want, got s3post.Credentials, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, want.AccessKeyID, got.AccessKeyID, msgAndArgs...)
	assert.True(t, got.SecretAccessKey == want.SecretAccessKey, "SecretAccessKey differs (values not shown) %v", msgAndArgs)
	assert.True(t, got.SessionToken == want.SessionToken, "SessionToken differs (values not shown) %v", msgAndArgs)
	assert.True(t, want.Expires.Equal(got.Expires), "Expires: want %v, got %v %v", want.Expires, got.Expires, msgAndArgs)
}

// assertNoSecret checks that text, described by what, holds none of the
// test secrets. On failure it names what, not the text.
func assertNoSecret(t *testing.T, what, text string) bool {
	t.Helper()
	ok := true
	for i, s := range credSecrets {
		ok = assert.False(t, strings.Contains(text, s), "%s leaks test secret #%d", what, i) && ok
	}
	return ok
}

// credRetrieve calls p.Retrieve. If the error holds a test secret, it marks
// the test failed and hides the error's text (errors.Is still works), so
// that no later assertion prints the secret.
func credRetrieve(t *testing.T, p s3post.CredentialsProvider, ctx context.Context) (s3post.Credentials, error) {
	t.Helper()
	c, err := p.Retrieve(ctx)
	if err != nil && !assertNoSecret(t, "error", err.Error()) {
		err = withheldError{err}
	}
	return c, err
}

// withheldError hides the text of an error that holds a secret.
type withheldError struct{ err error }

func (withheldError) Error() string   { return "[error text withheld: it holds a test secret]" }
func (e withheldError) Unwrap() error { return e.err }

// safeText returns s, or a placeholder if s holds a test secret, in which
// case the test is marked failed.
func safeText(t *testing.T, what, s string) string {
	t.Helper()
	if !assertNoSecret(t, what, s) {
		return "[" + what + " withheld: it holds a test secret]"
	}
	return s
}

// writeCredFile writes content to name in dir and returns its path. A nil
// content writes nothing, for a file that does not exist.
func writeCredFile(t *testing.T, dir, name string, content *string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if content != nil {
		require.NoError(t, os.WriteFile(path, []byte(*content), 0o600))
	}
	return path
}

func credStr(s string) *string { return &s }
