package s3post

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ChainCredentials returns a provider that asks each of providers in turn
// and returns the first credentials found.
//
// A provider whose error wraps [ErrNoCredentials] is skipped; any other
// error stops the chain and is returned, so that a broken source (a
// malformed file, a failing credential_process) is reported rather than
// silently passed over. When no provider has credentials, the error wraps
// [ErrNoCredentials] and the error of each provider, and says what was
// tried. The returned provider is safe for concurrent use if providers are.
func ChainCredentials(providers ...CredentialsProvider) CredentialsProvider {
	return chainProvider{providers: append([]CredentialsProvider(nil), providers...)}
}

// DefaultCredentials returns the provider that most backends want in
// Presigner.Credentials: the sources of the AWS SDKs' default chain, in
// their order, each with its default settings, in a [CredentialsCache]
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
// The first source that is configured is used, as in [ChainCredentials]: a
// source that is configured but broken is an error, not skipped. Nothing is
// read or asked here: the sources are read on the first Retrieve, and again
// only when the cached credentials are about to expire. Off EC2, the first
// Retrieve that finds no other source waits up to a second for the instance
// metadata service to not answer.
func DefaultCredentials() *CredentialsCache {
	return newDefaultCredentials(os.Getenv)
}

// newDefaultCredentials is DefaultCredentials with getenv injected.
func newDefaultCredentials(getenv func(string) string) *CredentialsCache {
	return NewCredentialsCache(defaultChain(getenv), CredentialsCacheOptions{RefreshJitter: time.Minute})
}

// defaultChain is the chain of DefaultCredentials, with getenv injected.
func defaultChain(getenv func(string) string) CredentialsProvider {
	return ChainCredentials(
		EnvProvider{Getenv: getenv},
		WebIdentityProvider{Getenv: getenv},
		SharedFilesProvider{Getenv: getenv},
		ContainerProvider{Getenv: getenv},
		IMDSProvider{Getenv: getenv},
	)
}

type chainProvider struct {
	providers []CredentialsProvider
}

func (c chainProvider) Retrieve(ctx context.Context) (Credentials, error) {
	var errs []error
	for i, p := range c.providers {
		if err := ctx.Err(); err != nil {
			return Credentials{}, fmt.Errorf("s3post: credentials chain: %w", err)
		}
		if p == nil {
			return Credentials{}, inputError(ErrMissingCredentials, fmt.Sprintf("ChainCredentials provider %d", i), "it is nil")
		}
		creds, err := p.Retrieve(ctx)
		if err == nil {
			return creds, nil
		}
		if !errors.Is(err, ErrNoCredentials) {
			return Credentials{}, err
		}
		errs = append(errs, err)
	}
	return Credentials{}, &chainError{errs: errs}
}

// String names the providers of the chain. It calls their String method if
// they have one, or else prints their type only, never their fields.
func (c chainProvider) String() string {
	names := make([]string, len(c.providers))
	for i, p := range c.providers {
		names[i] = providerName(p)
	}
	return "ChainCredentials(" + strings.Join(names, ", ") + ")"
}

// GoString is String, so that %#v does not print the fields either.
func (c chainProvider) GoString() string { return "s3post." + c.String() }

// providerName describes a provider without printing its fields, which
// might hold a secret.
func providerName(p CredentialsProvider) string {
	if s, ok := p.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", p)
}

// chainError reports that no provider of a chain had credentials.
type chainError struct {
	errs []error // each wraps ErrNoCredentials
}

func (e *chainError) Error() string {
	if len(e.errs) == 0 {
		return "s3post: credentials chain: " + ErrNoCredentials.Error() + ": the chain is empty"
	}
	var b strings.Builder
	b.WriteString("s3post: credentials chain: ")
	b.WriteString(ErrNoCredentials.Error())
	b.WriteString(" in any source: ")
	for i, err := range e.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.TrimPrefix(err.Error(), "s3post: "))
	}
	return b.String()
}

// Unwrap returns ErrNoCredentials and the error of each provider.
func (e *chainError) Unwrap() []error {
	return append([]error{ErrNoCredentials}, e.errs...)
}
