package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// credSource is a fake provider that counts its calls.
type credSource struct {
	name  string
	creds s3post.Credentials
	err   error
	calls atomic.Int32
}

func (s *credSource) Retrieve(context.Context) (s3post.Credentials, error) {
	s.calls.Add(1)
	return s.creds, s.err
}

func (s *credSource) String() string { return s.name }

// secretHolder is a provider without a String method whose fields hold a
// secret, to check that nothing prints them.
type secretHolder struct{ secret string }

func (secretHolder) Retrieve(context.Context) (s3post.Credentials, error) {
	return s3post.Credentials{}, fmt.Errorf("s3post: holder: %w", s3post.ErrNoCredentials)
}

func TestChain(t *testing.T) {
	t.Parallel()
	errBroken := errors.New("s3post: broken source")
	nothing := func(name string) *credSource {
		return &credSource{name: name, err: fmt.Errorf("s3post: %s: %w: nothing here", name, s3post.ErrNoCredentials)}
	}
	found := func(name string, c s3post.Credentials) *credSource { return &credSource{name: name, creds: c} }
	tests := []struct {
		name      string
		reason    string
		sources   []*credSource
		want      s3post.Credentials
		wantErr   error    // nil for success
		errHas    []string // pieces of the error message
		wantCalls []int32  // calls of each source
	}{
		{
			name:      "first has credentials",
			reason:    "the first source with credentials wins and the rest are not asked",
			sources:   []*credSource{found("a", credsOne), found("b", credsTwo)},
			want:      credsOne,
			wantCalls: []int32{1, 0},
		},
		{
			name:      "skips sources with nothing",
			reason:    "ErrNoCredentials moves the chain on",
			sources:   []*credSource{nothing("a"), nothing("b"), found("c", credsTwoT), found("d", credsOne)},
			want:      credsTwoT,
			wantCalls: []int32{1, 1, 1, 0},
		},
		{
			name:      "other error stops",
			reason:    "a broken source is reported, not passed over",
			sources:   []*credSource{nothing("a"), {name: "b", err: errBroken}, found("c", credsOne)},
			wantErr:   errBroken,
			wantCalls: []int32{1, 1, 0},
		},
		{
			name:      "all have nothing",
			reason:    "the error wraps ErrNoCredentials and says what was tried",
			sources:   []*credSource{nothing("env"), nothing("files")},
			wantErr:   s3post.ErrNoCredentials,
			errHas:    []string{"s3post: credentials chain: no credentials found in any source: env: no credentials found: nothing here; files: "},
			wantCalls: []int32{1, 1},
		},
		{
			name:    "empty chain",
			reason:  "a chain of nothing has nothing",
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"the chain is empty"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			providers := make([]s3post.CredentialsProvider, len(tc.sources))
			for i, s := range tc.sources {
				providers[i] = s
			}
			got, err := credRetrieve(t, awsenv.Chain(providers...), context.Background())
			for i, s := range tc.sources {
				assert.Equal(t, tc.wantCalls[i], s.calls.Load(), "calls of source %d: %s", i, tc.reason)
			}
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assertCreds(t, tc.want, got, tc.reason)
				return
			}
			require.ErrorIs(t, err, tc.wantErr, tc.reason)
			for _, piece := range tc.errHas {
				assert.Contains(t, err.Error(), piece, tc.reason)
			}
		})
	}
}

func TestChainUnwrapsEachError(t *testing.T) {
	t.Parallel()
	pathErr := fmt.Errorf("s3post: files: %w", s3post.ErrNoCredentials)
	chain := awsenv.Chain(
		awsenv.EnvProvider{Getenv: credEnv(nil)},
		s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) { return s3post.Credentials{}, pathErr }),
	)
	_, err := credRetrieve(t, chain, context.Background())
	require.ErrorIs(t, err, s3post.ErrNoCredentials)
	assert.ErrorIs(t, err, pathErr, "each source's error is reachable with errors.Is")
}

func TestChainMisuse(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		reason    string
		ctx       context.Context
		providers []s3post.CredentialsProvider
		wantErr   error
		errHas    string
	}{
		{
			name:      "nil provider",
			reason:    "a nil source is a programming error, reported rather than skipped",
			ctx:       context.Background(),
			providers: []s3post.CredentialsProvider{awsenv.EnvProvider{Getenv: credEnv(nil)}, nil},
			errHas:    "s3post: Chain provider 1: it is nil",
		},
		{
			name:      "canceled context",
			reason:    "the chain stops when ctx is done",
			ctx:       canceled,
			providers: []s3post.CredentialsProvider{s3post.StaticCredentials(credKeyID, credSecret, "")},
			wantErr:   context.Canceled,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := credRetrieve(t, awsenv.Chain(tc.providers...), tc.ctx)
			require.Error(t, err, tc.reason)
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must not look like an empty source")
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr, tc.reason)
			}
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}

func TestChainCopiesProviders(t *testing.T) {
	t.Parallel()
	providers := []s3post.CredentialsProvider{s3post.StaticCredentials(credKeyID, credSecret, "")}
	chain := awsenv.Chain(providers...)
	providers[0] = nil
	got, err := credRetrieve(t, chain, context.Background())
	require.NoError(t, err, "changing the caller's slice does not change the chain")
	assertCreds(t, credsOne, got)
}

func TestChainString(t *testing.T) {
	t.Parallel()
	chain := awsenv.Chain(
		awsenv.EnvProvider{},
		awsenv.SharedFilesProvider{Profile: "dev"},
		s3post.StaticCredentials(credKeyID, credSecret, credToken),
		secretHolder{secret: credSecret},
	)
	want := `Chain(EnvProvider, SharedFilesProvider(profile "dev"), StaticCredentials(` + credKeyID + `), awsenv_test.secretHolder)`
	assert.Equal(t, want, safeText(t, "String", fmt.Sprint(chain)))
	for _, s := range []string{fmt.Sprint(chain), fmt.Sprintf("%+v", chain), fmt.Sprintf("%#v", chain)} {
		assertNoSecret(t, "chain String", s)
	}
}

func TestDefaultCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		reason      string
		env         map[string]string
		credentials *string
		want        s3post.Credentials
		wantErr     error
		errHas      []string
	}{
		{
			name:        "environment first",
			reason:      "environment variables win over the shared files",
			env:         map[string]string{"AWS_ACCESS_KEY_ID": credKeyID, "AWS_SECRET_ACCESS_KEY": credSecret},
			credentials: credStr("[default]\n" + keysTwo),
			want:        credsOne,
		},
		{
			name:        "shared files next",
			reason:      "with no environment credentials the default profile is read",
			credentials: credStr("[default]\n" + keysTwo),
			want:        credsTwo,
		},
		{
			name:        "AWS_PROFILE",
			reason:      "the shared files source reads the environment too",
			env:         map[string]string{"AWS_PROFILE": "dev"},
			credentials: credStr("[default]\n" + keysTwo + "[dev]\n" + keysOne),
			want:        credsOne,
		},
		{
			name:    "nothing anywhere",
			reason:  "the error says what was tried",
			wantErr: s3post.ErrNoCredentials,
			errHas: []string{"environment: ", "web identity: ", "shared files: ", ".aws/credentials (no such file)",
				"container credentials: ", "EC2 instance metadata: no credentials found: AWS_EC2_METADATA_DISABLED"},
		},
		{
			name:        "half a key pair in the environment",
			reason:      "a misconfigured environment is reported, not skipped",
			env:         map[string]string{"AWS_ACCESS_KEY_ID": credKeyID},
			credentials: credStr("[default]\n" + keysTwo),
			wantErr:     s3post.ErrMissingCredentials,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"HOME": dir, "AWS_SHARED_CREDENTIALS_FILE": writeCredFile(t, dir, "credentials", tc.credentials),
				"AWS_EC2_METADATA_DISABLED": "true"} // no test may reach 169.254.169.254
			for k, v := range tc.env {
				env[k] = v
			}
			if tc.credentials == nil {
				delete(env, "AWS_SHARED_CREDENTIALS_FILE")
			}
			got, err := credRetrieve(t, awsenv.DefaultChainForTest(credEnv(env)), context.Background())
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assertCreds(t, tc.want, got, tc.reason)
				return
			}
			require.ErrorIs(t, err, tc.wantErr, tc.reason)
			for _, piece := range tc.errHas {
				assert.Contains(t, err.Error(), piece, tc.reason)
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
}

func TestDefaultCredentialsShape(t *testing.T) {
	t.Parallel()
	c := awsenv.DefaultCredentials()
	require.NotNil(t, c)
	assert.Equal(t, "CredentialsCache(Chain(EnvProvider, WebIdentityProvider, SharedFilesProvider, ContainerProvider, IMDSProvider))", c.String())
	var _ s3post.CredentialsLifetimeProvider = c
	assert.Same(t, c, s3post.NewCredentialsCache(c, s3post.CredentialsCacheOptions{}), "it is already cached")
	assert.False(t, strings.Contains(fmt.Sprintf("%#v", c), "func"), "%#v shows no fields")
}
