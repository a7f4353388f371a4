// Package awssdk plugs the credentials of aws-sdk-go-v2 into s3post, for
// programs that already configure the AWS SDK:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	...
//	p := &s3post.Presigner{
//		Credentials: awssdk.Credentials(cfg.Credentials),
//		Region:      cfg.Region,
//	}
//
// It is a module of its own, so that s3post itself depends on the standard
// library only; it needs only the SDK's core module,
// github.com/aws/aws-sdk-go-v2. Programs without the SDK can use
// awsenv.DefaultCredentials or awsenv.NewPresigner (package
// github.com/s3post/s3post/awsenv), which cover the
// same sources.
//
// # Refreshing early
//
// The SDK's aws.CredentialsCache (cfg.Credentials) refreshes its
// credentials only once they have expired, by default: its ExpiryWindow is
// zero. Near the end of their lifetime they would then be too short for a
// form, which cannot outlive the credentials that sign it. So the provider
// that [Credentials] returns is an s3post.CredentialsLifetimeProvider: when the
// credentials expire before a form would, it calls Invalidate on the SDK's
// provider (as an aws.CredentialsCache has) and asks again.
//
// Better still, set ExpiryWindow to at least the longest form lifetime, so
// that the SDK refreshes before any form needs it to (the SDK then reports
// Expires that much early, and s3post limits forms to it):
//
//	cfg, err := config.LoadDefaultConfig(ctx,
//		config.WithCredentialsCacheOptions(func(o *aws.CredentialsCacheOptions) {
//			o.ExpiryWindow = 20 * time.Minute // forms last at most 15 minutes
//		}))
package awssdk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3post/s3post"
)

// Credentials returns an s3post credentials provider that gets its credentials
// from p, such as the Credentials of an aws.Config, carrying their expiry
// across: the result's Expires is the SDK's Expires when the credentials
// can expire (an aws.CredentialsCache reports it early by its
// ExpiryWindow), and zero otherwise, so that PresignPost refuses a form that
// would outlive them.
//
// The SDK's provider does the caching and refreshing (cfg.Credentials is
// an aws.CredentialsCache), so the result is not wrapped in an
// s3post.CredentialsCache. The result is also an
// s3post.CredentialsLifetimeProvider, whose RetrieveValidUntil refreshes
// early (see the package doc). Its methods are safe for concurrent use if
// p's are, and its errors start with "s3post: aws-sdk-go-v2 credentials: "
// and wrap the SDK's error. A nil p makes Retrieve fail with an error
// wrapping s3post.ErrMissingCredentials.
func Credentials(p aws.CredentialsProvider) s3post.CredentialsProvider {
	return provider{p: p}
}

type provider struct {
	p aws.CredentialsProvider
}

// invalidator is what an aws.CredentialsCache has to drop its credentials.
type invalidator interface {
	Invalidate()
}

// Retrieve gets the SDK's credentials and converts them.
func (p provider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	if p.p == nil {
		return s3post.Credentials{}, fmt.Errorf(errPrefix+"%w: the aws.CredentialsProvider is nil", s3post.ErrMissingCredentials)
	}
	c, err := p.p.Retrieve(ctx)
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf(errPrefix+"%w", err)
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return s3post.Credentials{}, fmt.Errorf(errPrefix+"%w: the provider returned an empty access key ID or secret (anonymous credentials cannot sign a form)",
			s3post.ErrMissingCredentials)
	}
	out := s3post.Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
	}
	if c.CanExpire {
		out.Expires = c.Expires
	}
	return out, nil
}

// RetrieveValidUntil is Retrieve for credentials that must stay valid until
// t, such as the expiry of a form; a zero t asks for any credentials, as
// Retrieve does. When the SDK's credentials expire before t and its
// provider has an Invalidate method, it invalidates them and retrieves them
// once more. If they still expire before t, or the provider cannot be
// invalidated, it returns an error wrapping s3post.ErrCredentialsExpired
// that says when they expire (and the SDK's error, if the new retrieve
// failed).
//
// A source whose credentials never last until t is invalidated and asked
// again on every such call; keep forms shorter than the credentials'
// lifetime.
func (p provider) RetrieveValidUntil(ctx context.Context, t time.Time) (s3post.Credentials, error) {
	c, err := p.Retrieve(ctx)
	if err != nil || lastsUntil(c, t) {
		return c, err
	}
	inv, ok := p.p.(invalidator)
	if !ok {
		return s3post.Credentials{}, expiresTooSoon(c, t, "and the provider cannot be refreshed early (it has no Invalidate method)")
	}
	inv.Invalidate()
	fresh, err := p.Retrieve(ctx)
	switch {
	case err != nil:
		return s3post.Credentials{}, &refreshError{
			msg: expiresTooSoon(c, t, "and refreshing them failed: "+strings.TrimPrefix(err.Error(), errPrefix)).Error(),
			err: err,
		}
	case !lastsUntil(fresh, t):
		return s3post.Credentials{}, expiresTooSoon(fresh, t, "even after a refresh")
	}
	return fresh, nil
}

// lastsUntil reports whether c are valid until t: they never expire, or
// they expire at t or later.
func lastsUntil(c s3post.Credentials, t time.Time) bool {
	return c.Expires.IsZero() || !c.Expires.Before(t)
}

// errPrefix starts the errors of this package.
const errPrefix = "s3post: aws-sdk-go-v2 credentials: "

// expiresTooSoon says that c expire before t, and why no others will do.
func expiresTooSoon(c s3post.Credentials, t time.Time, why string) error {
	return fmt.Errorf(errPrefix+"%w: they expire at %s, before %s, %s",
		s3post.ErrCredentialsExpired, formatTime(c.Expires), formatTime(t), why)
}

// refreshError reports credentials that expire too soon and a failed
// refresh. It wraps both s3post.ErrCredentialsExpired and the refresh's
// error.
type refreshError struct {
	msg string
	err error
}

func (e *refreshError) Error() string   { return e.msg }
func (e *refreshError) Unwrap() []error { return []error{s3post.ErrCredentialsExpired, e.err} }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// String names the adapter and the type of the SDK's provider, never its
// fields.
func (p provider) String() string { return fmt.Sprintf("awssdk.Credentials(%T)", p.p) }

// GoString is String, so that %#v does not print the fields either.
func (p provider) GoString() string { return p.String() }
