package s3post

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	const secret, token = "SECRETsecretSECRET", "TOKENtokenTOKEN"
	c := Credentials{AccessKeyID: "AKIDPRINT", SecretAccessKey: secret, SessionToken: token, Expires: testNow}

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("creds", "c", c)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("creds", "c", c, "ptr", &c)
	jsonBytes, err := json.Marshal(c)
	require.NoError(t, err)

	outputs := map[string]string{
		"String":   c.String(),
		"GoString": c.GoString(),
		"%v":       fmt.Sprintf("%v", c),
		"%+v":      fmt.Sprintf("%+v", c),
		"%#v":      fmt.Sprintf("%#v", c),
		"%s":       fmt.Sprintf("%s", c),
		"%q":       fmt.Sprintf("%q", c),
		"%x":       fmt.Sprintf("%x", c),
		"pointer":  fmt.Sprintf("%v %+v", &c, &c),
		"nested":   fmt.Sprintf("%+v", struct{ C Credentials }{c}),
		"JSON":     string(jsonBytes),
		"slog":     logged.String(),
		"static":   fmt.Sprintf("%v %+v %#v", StaticCredentials("AKIDPRINT", secret, token), StaticCredentials("AKIDPRINT", secret, token), StaticCredentials("AKIDPRINT", secret, token)),
	}
	// The failure messages name the output, never print it.
	for name, out := range outputs {
		assert.False(t, strings.Contains(out, "SECRET"), "%s shows the secret", name)
		assert.False(t, strings.Contains(out, "TOKEN"), "%s shows the session token", name)
		assert.True(t, strings.Contains(out, "AKIDPRINT"), "%s should show the access key ID", name)
	}
	if s := c.String(); !strings.Contains(s, "SECRET") && !strings.Contains(s, "TOKEN") {
		assert.Equal(t, "Credentials{AccessKeyID: AKIDPRINT, SecretAccessKey: [redacted], SessionToken: [redacted], Expires: 2026-11-25T14:30:15Z}", s)
	}
	assert.Equal(t, `Credentials{AccessKeyID: , SecretAccessKey: ""}`, Credentials{}.String(), "an empty secret shows as empty, which helps debugging")
}

func TestCredentialsExpired(t *testing.T) {
	t.Parallel()
	assert.False(t, Credentials{}.Expired(testNow), "credentials without Expires never expire")
	c := Credentials{Expires: testNow}
	assert.False(t, c.Expired(testNow.Add(-time.Nanosecond)))
	assert.True(t, c.Expired(testNow), "expired at the instant of Expires")
}

func TestStaticCredentials(t *testing.T) {
	t.Parallel()
	got, err := StaticCredentials("AK", "SK", "TOK").Retrieve(context.Background())
	require.NoError(t, err)
	assert.True(t, got == Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "TOK"}, "static credentials come back as given")
	for _, keys := range [][2]string{{"", "SK"}, {"AK", ""}} {
		_, err := StaticCredentials(keys[0], keys[1], "").Retrieve(context.Background())
		assert.ErrorIs(t, err, ErrMissingCredentials)
	}
}

// fmtVerbs are the verbs and flags with which the secret-holding types are
// printed in the tests: every verb fmt knows, some with flags and widths,
// and an unknown one. Not %w outside fmt.Errorf, nor %p of a value that is
// not a pointer: fmt then prints the fields of any value, bypassing its
// methods, and go vet reports both.
var fmtVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%+d", "%o", "%O", "%b", "%c", "%U",
	"%e", "%E", "%f", "%F", "%g", "%G", "%t", "%T", "%-40v", "%08d", "% x", "%#x", "%.3s", "%z"}

// TestCredentialTypesPrintNoSecretInAnyVerb covers what %v did not: %d and
// the other verbs printed the fields of StaticCredentials and of a
// CredentialsCache, and so the secret and the session token.
func TestCredentialTypesPrintNoSecretInAnyVerb(t *testing.T) {
	t.Parallel()
	const secret, token = "SECRETsecretSECRET", "TOKENtokenTOKEN"
	static := StaticCredentials("AKIDPRINT", secret, token)
	values := map[string]any{
		"Credentials":       Credentials{AccessKeyID: "AKIDPRINT", SecretAccessKey: secret, SessionToken: token},
		"StaticCredentials": static,
		"CredentialsCache":  NewCredentialsCache(static, CredentialsCacheOptions{}),
		"nested":            struct{ P CredentialsProvider }{static},
	}
	for name, v := range values {
		for _, verb := range fmtVerbs {
			out := fmt.Sprintf(verb, v)
			// The failure messages name the value and verb, never the output.
			assert.False(t, strings.Contains(out, "SECRET"), "%s in %s shows the secret", name, verb)
			assert.False(t, strings.Contains(out, "TOKEN"), "%s in %s shows the session token", name, verb)
		}
	}
}

// TestCredentialsCacheDefaults backs the README's defaults: a refresh five
// minutes before expiry (awsenv adds up to a minute of jitter) and a fetch
// abandoned after two minutes.
func TestCredentialsCacheDefaults(t *testing.T) {
	t.Parallel()
	c := NewCredentialsCache(StaticCredentials("AK", "SK", ""), CredentialsCacheOptions{})
	assert.Equal(t, 5*time.Minute, c.window)
	assert.Equal(t, time.Duration(0), c.jitter)
	assert.Equal(t, 2*time.Minute, c.timeout)
	assert.NoError(t, c.err)
}
