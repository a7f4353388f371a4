package awsenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/s3post/s3post"
)

// Chain returns a provider that asks each of providers in turn
// and returns the first credentials found.
//
// A provider whose error wraps [s3post.ErrNoCredentials] is skipped; any other
// error stops the chain and is returned, so that a broken source (a
// malformed file, a failing credential_process) is reported rather than
// silently passed over. When no provider has credentials, the error wraps
// [s3post.ErrNoCredentials] and the error of each provider, and says what was
// tried. The returned provider is safe for concurrent use if providers are.
func Chain(providers ...s3post.CredentialsProvider) s3post.CredentialsProvider {
	return chainProvider{providers: append([]s3post.CredentialsProvider(nil), providers...)}
}

// DefaultCredentials returns the provider that most backends want in
// s3post.Presigner.Credentials: the sources of the AWS SDKs' default chain, in
// their order, each with its default settings, in a [s3post.CredentialsCache]
// that refreshes five to six minutes before the credentials expire:
//
//  1. [EnvProvider]: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY;
//  2. [WebIdentityProvider]: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN
//     (EKS IAM roles for service accounts);
//  3. [SharedFilesProvider]: the profile in ~/.aws/credentials and
//     ~/.aws/config, with static keys or credential_process;
//  4. [ContainerProvider]: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
//     AWS_CONTAINER_CREDENTIALS_FULL_URI (ECS, EKS Pod Identity);
//  5. [IMDSProvider]: the EC2 instance's role, from the instance metadata
//     service, unless AWS_EC2_METADATA_DISABLED is "true".
//
// The first source that is configured is used, as in [Chain]: a
// source that is configured but broken is an error, not skipped. Nothing is
// read or asked here: the sources are read on the first Retrieve, and again
// only when the cached credentials are about to expire. Off EC2, the first
// Retrieve that finds no other source waits up to a second for the instance
// metadata service to not answer.
func DefaultCredentials() *s3post.CredentialsCache {
	return newDefaultCredentials(os.Getenv)
}

// newDefaultCredentials is DefaultCredentials with getenv injected.
func newDefaultCredentials(getenv func(string) string) *s3post.CredentialsCache {
	return s3post.NewCredentialsCache(defaultChain(getenv), defaultCacheOptions())
}

// defaultCacheOptions are the cache settings of DefaultCredentials: the
// default refresh window of five minutes, widened by up to a minute.
func defaultCacheOptions() s3post.CredentialsCacheOptions {
	return s3post.CredentialsCacheOptions{RefreshJitter: time.Minute}
}

// defaultChain is the chain of DefaultCredentials, with getenv injected.
func defaultChain(getenv func(string) string) s3post.CredentialsProvider {
	return Chain(
		EnvProvider{Getenv: getenv},
		WebIdentityProvider{Getenv: getenv},
		SharedFilesProvider{Getenv: getenv},
		ContainerProvider{Getenv: getenv},
		IMDSProvider{Getenv: getenv},
	)
}

type chainProvider struct {
	providers []s3post.CredentialsProvider
}

func (c chainProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	var errs []error
	for i, p := range c.providers {
		if err := ctx.Err(); err != nil {
			return s3post.Credentials{}, fmt.Errorf("s3post: credentials chain: %w", err)
		}
		if p == nil {
			return s3post.Credentials{}, inputError(s3post.ErrMissingCredentials, fmt.Sprintf("Chain provider %d", i), "it is nil")
		}
		creds, err := p.Retrieve(ctx)
		if err == nil {
			return creds, nil
		}
		if !errors.Is(err, s3post.ErrNoCredentials) {
			return s3post.Credentials{}, err
		}
		errs = append(errs, err)
	}
	return s3post.Credentials{}, &chainError{errs: errs}
}

// String names the providers of the chain. It calls their String method if
// they have one, or else prints their type only, never their fields.
func (c chainProvider) String() string {
	names := make([]string, len(c.providers))
	for i, p := range c.providers {
		names[i] = providerName(p)
	}
	return "Chain(" + strings.Join(names, ", ") + ")"
}

// GoString is String, so that %#v does not print the fields either.
func (c chainProvider) GoString() string { return "awsenv." + c.String() }

// providerName describes a provider without printing its fields, which
// might hold a secret.
func providerName(p s3post.CredentialsProvider) string {
	if s, ok := p.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", p)
}

// chainError reports that no provider of a chain had credentials.
type chainError struct {
	errs []error // each wraps s3post.ErrNoCredentials
}

func (e *chainError) Error() string {
	if len(e.errs) == 0 {
		return "s3post: credentials chain: " + s3post.ErrNoCredentials.Error() + ": the chain is empty"
	}
	var b strings.Builder
	b.WriteString("s3post: credentials chain: ")
	b.WriteString(s3post.ErrNoCredentials.Error())
	b.WriteString(" in any source: ")
	for i, err := range e.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.TrimPrefix(err.Error(), "s3post: "))
	}
	return b.String()
}

// Unwrap returns s3post.ErrNoCredentials and the error of each provider.
func (e *chainError) Unwrap() []error {
	return append([]error{s3post.ErrNoCredentials}, e.errs...)
}
