// Package awscreds plugs the credentials of aws-sdk-go-v2 into s3post, for
// programs that already configure the AWS SDK:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	...
//	p := &s3post.Presigner{
//		Credentials: awscreds.New(cfg.Credentials),
//		Region:      cfg.Region,
//	}
//
// It is a module of its own, so that s3post itself depends on the standard
// library only. Programs without the SDK can use s3post.DefaultCredentials
// or s3post.NewPresignerFromEnv, which cover the same sources.
package awscreds

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3post/s3post"
)

// New returns an s3post credentials provider that gets its credentials
// from p, such as the Credentials of an aws.Config, carrying their expiry
// across: the result's Expires is the SDK's Expires when the credentials
// can expire (an aws.CredentialsCache reports it early by its
// ExpiryWindow), and zero otherwise, so that PresignPost refuses a form that
// would outlive them.
//
// The SDK's provider does the caching and refreshing (cfg.Credentials is
// an aws.CredentialsCache), so the result is not wrapped in an
// s3post.CredentialsCache. Its Retrieve is safe for concurrent use if p's
// is, and its errors start with "s3post: aws-sdk-go-v2 credentials: " and
// wrap the SDK's error. A nil p makes Retrieve fail with an error wrapping
// s3post.ErrMissingCredentials.
func New(p aws.CredentialsProvider) s3post.CredentialsProvider {
	return provider{p: p}
}

type provider struct {
	p aws.CredentialsProvider
}

// Retrieve gets the SDK's credentials and converts them.
func (p provider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	if p.p == nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: aws-sdk-go-v2 credentials: %w: the aws.CredentialsProvider is nil", s3post.ErrMissingCredentials)
	}
	c, err := p.p.Retrieve(ctx)
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: aws-sdk-go-v2 credentials: %w", err)
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return s3post.Credentials{}, fmt.Errorf("s3post: aws-sdk-go-v2 credentials: %w: the provider returned an empty access key ID or secret (anonymous credentials cannot sign a form)",
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

// String names the adapter and the type of the SDK's provider, never its
// fields.
func (p provider) String() string { return fmt.Sprintf("awscreds.New(%T)", p.p) }

// GoString is String, so that %#v does not print the fields either.
func (p provider) GoString() string { return p.String() }
