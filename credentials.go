package s3post

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// CredentialsProvider supplies the AWS credentials that sign a form.
//
// Retrieve must be safe for concurrent use by multiple goroutines. It returns
// an error wrapping [ErrNoCredentials] when its source has nothing to offer,
// so that a chain can move on to the next source.
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// CredentialsProviderFunc adapts an ordinary function to a
// [CredentialsProvider].
type CredentialsProviderFunc func(ctx context.Context) (Credentials, error)

// Retrieve calls f(ctx).
func (f CredentialsProviderFunc) Retrieve(ctx context.Context) (Credentials, error) {
	return f(ctx)
}

// Credentials are an AWS access key pair, with a session token and an expiry
// time when they are temporary.
//
// Credentials never print their secret: String, GoString, %v, %+v, %#v, JSON
// and log/slog all show the access key ID only.
type Credentials struct {
	// AccessKeyID identifies the key pair, e.g. "AKIAIOSFODNN7EXAMPLE".
	AccessKeyID string
	// SecretAccessKey signs the form. It is never printed.
	SecretAccessKey string `json:"-"`
	// SessionToken is set for temporary credentials and sent with the form
	// as x-amz-security-token. It is never printed.
	SessionToken string `json:"-"`
	// Expires is when temporary credentials stop working; zero means they
	// do not expire.
	Expires time.Time
}

// HasKeys reports whether both the access key ID and the secret are set.
func (c Credentials) HasKeys() bool {
	return c.AccessKeyID != "" && c.SecretAccessKey != ""
}

// Expired reports whether the credentials can expire and have expired at t.
func (c Credentials) Expired(t time.Time) bool {
	return !c.Expires.IsZero() && !t.Before(c.Expires)
}

// String describes the credentials without their secret or session token.
func (c Credentials) String() string {
	s := "Credentials{AccessKeyID: " + c.AccessKeyID + ", SecretAccessKey: " + redacted(c.SecretAccessKey)
	if c.SessionToken != "" {
		s += ", SessionToken: " + redacted(c.SessionToken)
	}
	if !c.Expires.IsZero() {
		s += ", Expires: " + c.Expires.UTC().Format(time.RFC3339)
	}
	return s + "}"
}

// GoString is String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return "s3post." + c.String() }

// Format prints String for every verb, so that no verb prints the secret.
func (c Credentials) Format(f fmt.State, verb rune) { formatHidden(f, verb, c) }

// LogValue shows the credentials in log/slog without their secret.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("access_key_id", c.AccessKeyID)}
	if !c.Expires.IsZero() {
		attrs = append(attrs, slog.Time("expires", c.Expires))
	}
	return slog.GroupValue(attrs...)
}

func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// StaticCredentials returns a provider of fixed credentials, for keys that
// come from the caller's own configuration. sessionToken may be empty.
// Retrieve fails with [ErrMissingCredentials] when either key is empty.
func StaticCredentials(accessKeyID, secretAccessKey, sessionToken string) CredentialsProvider {
	return &staticProvider{Credentials{
		AccessKeyID:     accessKeyID,
		SecretAccessKey: secretAccessKey,
		SessionToken:    sessionToken,
	}}
}

type staticProvider struct{ creds Credentials }

func (p *staticProvider) Retrieve(context.Context) (Credentials, error) {
	if !p.creds.HasKeys() {
		return Credentials{}, fmt.Errorf("s3post: static credentials: %w: both the access key ID and the secret access key must be set", ErrMissingCredentials)
	}
	return p.creds, nil
}

// String hides the secret of the static credentials.
func (p *staticProvider) String() string { return "StaticCredentials(" + p.creds.AccessKeyID + ")" }

// GoString hides the secret of the static credentials.
func (p *staticProvider) GoString() string { return "s3post." + p.String() }

// Format prints String for every verb (GoString for %#v), so that no verb
// prints the fields, where the secret is.
func (p *staticProvider) Format(f fmt.State, verb rune) { formatHidden(f, verb, p) }

// hiddenFormatter is a value that describes itself without its secrets.
type hiddenFormatter interface {
	fmt.Stringer
	fmt.GoStringer
}

// formatHidden implements fmt.Formatter for v: GoString for %#v, and String
// for every other verb, which would otherwise print v's fields.
func formatHidden(f fmt.State, verb rune, v hiddenFormatter) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, v.GoString())
		return
	}
	_, _ = io.WriteString(f, v.String())
}

// providerName describes a provider without printing its fields, which
// might hold a secret.
func providerName(p CredentialsProvider) string {
	if s, ok := p.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", p)
}
