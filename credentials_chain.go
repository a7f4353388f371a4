package s3post

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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
// Presigner.Credentials: the chain of an [EnvProvider] and then a
// [SharedFilesProvider], both
// with their default settings, in a [CredentialsCache] with default options.
//
// This follows the order of the AWS SDKs, as far as s3post supports it.
// The later sources of the SDKs (web identity tokens, the ECS container
// endpoint and the EC2 instance metadata service) are planned for a later
// release. The sources are read on the first Retrieve, not here, and again
// only when the cached credentials are about to expire.
func DefaultCredentials() *CredentialsCache {
	return NewCredentialsCache(defaultChain(os.Getenv), CredentialsCacheOptions{})
}

// defaultChain is the chain of DefaultCredentials, with getenv injected.
func defaultChain(getenv func(string) string) CredentialsProvider {
	return ChainCredentials(EnvProvider{Getenv: getenv}, SharedFilesProvider{Getenv: getenv})
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
			return Credentials{}, fmt.Errorf("s3post: credentials chain: provider %d is nil", i)
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
