package awsenv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// TestCredentialSourcesConfigErrorsAreInputErrors checks that a credentials
// source configured wrongly reports it as the package's errors contract
// says: an *InputError that names the setting and wraps one sentinel, with
// the text starting "s3post: ". None of these asks the network.
func TestCredentialSourcesConfigErrorsAreInputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(token, []byte("a-token"), 0o600))
	env := func(kv ...string) func(string) string {
		m := map[string]string{"HOME": dir}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return credEnv(m)
	}
	web := func(p awsenv.WebIdentityProvider, kv ...string) awsenv.WebIdentityProvider {
		p.Getenv = env(kv...)
		return p
	}
	tests := []struct {
		name      string
		reason    string
		p         s3post.CredentialsProvider
		wantErr   error
		wantInput string
		errHas    string
	}{
		{
			name: "cache of nil", reason: "a cache needs a provider",
			p: s3post.NewCredentialsCache(nil, s3post.CredentialsCacheOptions{}), wantErr: s3post.ErrMissingCredentials,
			wantInput: "NewCredentialsCache", errHas: "s3post: NewCredentialsCache: the provider is nil",
		},
		{
			name: "cache of a nil cache", reason: "a nil *CredentialsCache is a nil provider, not a panic",
			p: s3post.NewCredentialsCache((*s3post.CredentialsCache)(nil), s3post.CredentialsCacheOptions{}), wantErr: s3post.ErrMissingCredentials,
			wantInput: "NewCredentialsCache", errHas: "the provider is nil",
		},
		{
			name: "chain with nil", reason: "a nil source is a mistake, not skipped",
			p: awsenv.Chain(awsenv.EnvProvider{Getenv: env()}, nil), wantErr: s3post.ErrMissingCredentials,
			wantInput: "Chain provider 1", errHas: "s3post: Chain provider 1: it is nil",
		},
		{
			name: "process without command", reason: "Command is required",
			p: awsenv.ProcessProvider{Command: " "}, wantErr: s3post.ErrMissingCredentials,
			wantInput: "ProcessProvider.Command", errHas: "s3post: ProcessProvider.Command: the command is empty",
		},
		{
			name: "web identity without role", reason: "a token file needs a role",
			p: web(awsenv.WebIdentityProvider{TokenFile: token}), wantErr: s3post.ErrMissingCredentials,
			wantInput: "WebIdentityProvider.RoleARN", errHas: "s3post: web identity: WebIdentityProvider.RoleARN: the token file is set, but neither RoleARN nor AWS_ROLE_ARN is",
		},
		{
			name: "web identity without token file", reason: "a role needs a token file",
			p: web(awsenv.WebIdentityProvider{RoleARN: webRole}), wantErr: s3post.ErrMissingCredentials,
			wantInput: "WebIdentityProvider.TokenFile", errHas: "RoleARN is set, but neither TokenFile nor AWS_WEB_IDENTITY_TOKEN_FILE is",
		},
		{
			name: "web identity endpoint", reason: "the token never goes in clear text to another host",
			p: web(awsenv.WebIdentityProvider{TokenFile: token, RoleARN: webRole, Endpoint: "http://sts.example.com"}), wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "WebIdentityProvider.Endpoint", errHas: `s3post: web identity: WebIdentityProvider.Endpoint: it is http to host "sts.example.com"`,
		},
		{
			name: "web identity endpoint variable", reason: "the variable is named",
			p: web(awsenv.WebIdentityProvider{TokenFile: token, RoleARN: webRole}, "AWS_ENDPOINT_URL_STS", "ftp://sts.example.com"), wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "AWS_ENDPOINT_URL_STS", errHas: `AWS_ENDPOINT_URL_STS: it has scheme "ftp"; want https`,
		},
		{
			name: "web identity without region", reason: "STS is regional",
			p: web(awsenv.WebIdentityProvider{TokenFile: token, RoleARN: webRole}), wantErr: s3post.ErrInvalidRegion,
			wantInput: "WebIdentityProvider.Region", errHas: "no region for STS",
		},
		{
			name: "web identity region variable", reason: "the variable that holds the bad region is named",
			p: web(awsenv.WebIdentityProvider{TokenFile: token, RoleARN: webRole}, "AWS_DEFAULT_REGION", "eu west"), wantErr: s3post.ErrInvalidRegion,
			wantInput: "AWS_DEFAULT_REGION", errHas: `AWS_DEFAULT_REGION: "eu west" is not an AWS region name`,
		},
		{
			name: "imds endpoint", reason: "the endpoint must be an http URL",
			p: awsenv.IMDSProvider{Endpoint: "169.254.169.254", Getenv: env()}, wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "IMDSProvider.Endpoint", errHas: "s3post: EC2 instance metadata: IMDSProvider.Endpoint: it is not an http or https URL",
		},
		{
			name: "imds endpoint mode", reason: "the mode is IPv4 or IPv6",
			p: awsenv.IMDSProvider{Getenv: env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5")}, wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", errHas: `it is "IPv5"; want IPv4 or IPv6`,
		},
		{
			name: "container relative URI", reason: "a relative URI cannot change the host",
			p: awsenv.ContainerProvider{Getenv: env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/")}, wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", errHas: "s3post: container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: it must be a path starting with /",
		},
		{
			name: "container full URI", reason: "only http and https",
			p: awsenv.ContainerProvider{Getenv: env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/")}, wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "AWS_CONTAINER_CREDENTIALS_FULL_URI", errHas: `it has scheme "ftp"`,
		},
		{
			name: "container http host", reason: "credentials never travel in clear text to another host",
			p: awsenv.ContainerProvider{Getenv: env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/")}, wantErr: s3post.ErrInvalidEndpoint,
			wantInput: "AWS_CONTAINER_CREDENTIALS_FULL_URI", errHas: `it has host "192.0.2.1"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := credRetrieve(t, tc.p, ctx)
			require.Error(t, err, tc.reason)
			var ie *s3post.InputError
			require.True(t, errors.As(err, &ie), "%s: %v is not an *InputError", tc.reason, err)
			assert.Equal(t, tc.wantInput, ie.Input, tc.reason)
			assert.ErrorIs(t, err, tc.wantErr, tc.reason)
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "%s: a broken source stops a chain", tc.reason)
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}
