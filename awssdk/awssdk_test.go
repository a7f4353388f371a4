package awssdk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awssdk"
)

const (
	keyID  = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	token  = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
)

// assertCreds compares credentials without printing a secret on failure.
func assertCreds(t *testing.T, want, got s3post.Credentials, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, want.AccessKeyID, got.AccessKeyID, msgAndArgs...)
	assert.True(t, got.SecretAccessKey == want.SecretAccessKey, "SecretAccessKey differs (values not shown) %v", msgAndArgs)
	assert.True(t, got.SessionToken == want.SessionToken, "SessionToken differs (values not shown) %v", msgAndArgs)
	assert.True(t, want.Expires.Equal(got.Expires), "Expires: want %v, got %v %v", want.Expires, got.Expires, msgAndArgs)
}

// safeText returns s, or a placeholder if s holds the secret or the token,
// in which case the test is marked failed.
func safeText(t *testing.T, what, s string) string {
	t.Helper()
	if strings.Contains(s, secret) || strings.Contains(s, token) {
		t.Errorf("%s holds a secret", what)
		return "[" + what + " withheld: it holds a secret]"
	}
	return s
}

// sdkSource is an SDK provider whose call n (from 1) returns the key ID
// "KEY<n>", valid for lifetime(n) from start, and counts its calls. It
// fails when fail is set.
type sdkSource struct {
	start    time.Time
	lifetime func(n int32) time.Duration
	calls    atomic.Int32
	fail     atomic.Bool
}

var errDown = errors.New("imds down")

func (s *sdkSource) Retrieve(context.Context) (aws.Credentials, error) {
	n := s.calls.Add(1)
	if s.fail.Load() {
		return aws.Credentials{}, errDown
	}
	return aws.Credentials{AccessKeyID: fmt.Sprintf("KEY%d", n), SecretAccessKey: secret, SessionToken: token,
		CanExpire: true, Expires: s.start.Add(s.lifetime(n))}, nil
}

// staticSDK is an SDK provider of fixed credentials.
type staticSDK struct{ creds aws.Credentials }

func (s staticSDK) Retrieve(context.Context) (aws.Credentials, error) { return s.creds, nil }

func TestCredentials(t *testing.T) {
	t.Parallel()
	expires := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		reason  string
		p       aws.CredentialsProvider
		want    s3post.Credentials
		wantErr error // nil for success
		errHas  string
	}{
		{
			name:   "expiring",
			reason: "keys, token and expiry are carried across",
			p:      staticSDK{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: expires}},
			want:   s3post.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, Expires: expires},
		},
		{
			name:   "not expiring",
			reason: "an Expires without CanExpire is not an expiry",
			p:      staticSDK{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, Expires: expires}},
			want:   s3post.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		},
		{
			name:   "SDK cache",
			reason: "the SDK's cache passes the credentials through",
			p:      aws.NewCredentialsCache(staticSDK{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}}),
			want:   s3post.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		},
		{
			name:   "SDK error",
			reason: "the SDK's error is wrapped",
			p: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errDown
			}),
			wantErr: errDown,
			errHas:  "s3post: aws-sdk-go-v2 credentials: imds down",
		},
		{
			name:    "empty keys",
			reason:  "credentials without keys cannot sign",
			p:       staticSDK{aws.Credentials{SessionToken: token}},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "empty access key ID or secret",
		},
		{
			name:    "nil",
			reason:  "a nil provider is reported",
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "the aws.CredentialsProvider is nil",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := awssdk.Credentials(tc.p).Retrieve(context.Background())
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr, tc.reason)
				assert.Contains(t, safeText(t, "error", err.Error()), tc.errHas, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assertCreds(t, tc.want, got, tc.reason)
		})
	}
}

func TestCredentialsRefusesFormsThatOutliveTheCredentials(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sdk := staticSDK{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: now.Add(30 * time.Minute)}}
	p := &s3post.Presigner{Credentials: awssdk.Credentials(sdk), Region: "eu-central-1", Now: func() time.Time { return now }}
	_, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "a", Expires: time.Hour})
	require.ErrorIs(t, err, s3post.ErrCredentialsExpired, "a form longer than the SDK credentials")
	assert.Contains(t, safeText(t, "error", err.Error()),
		"s3post: aws-sdk-go-v2 credentials: credentials expire too soon: they expire at 2026-03-01T12:30:00Z, before 2026-03-01T13:00:00Z, and the provider cannot be refreshed early")
	_, err = p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "a", Expires: 20 * time.Minute})
	require.NoError(t, err, "a shorter form")
}

// TestNewRefreshesEarly checks that credentials of the SDK's cache, which
// by default refreshes only at expiry, are refreshed when a form would
// outlive them. The SDK's cache reads the real clock, so the credentials
// are made to expire after the real time and the presigner's clock runs
// ahead.
func TestCredentialsRefreshesEarly(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Truncate(time.Second)
	src := &sdkSource{start: start, lifetime: func(n int32) time.Duration { return time.Duration(n-1)*50*time.Minute + time.Hour }}
	creds := awssdk.Credentials(aws.NewCredentialsCache(src))
	_, ok := creds.(s3post.CredentialsLifetimeProvider)
	require.True(t, ok, "Credentials' provider is an s3post.CredentialsLifetimeProvider")

	p := &s3post.Presigner{Credentials: creds, Region: "eu-central-1", Now: func() time.Time { return start }}
	post, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "a", Expires: 15 * time.Minute})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(post.Fields["x-amz-credential"], "KEY1/"), "at first, the first credentials")
	assert.Equal(t, int32(1), src.calls.Load())

	p.Now = func() time.Time { return start.Add(50 * time.Minute) }
	for i := range 2 {
		post, err = p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "a", Expires: 15 * time.Minute})
		require.NoError(t, err, "form %d: 50 minutes into credentials valid for an hour, a 15-minute form needs new ones", i)
		assert.True(t, strings.HasPrefix(post.Fields["x-amz-credential"], "KEY2/"), "form %d is signed with the refreshed credentials", i)
		assert.Equal(t, int32(2), src.calls.Load(), "form %d: the SDK is asked once more, then its cache serves", i)
	}
}

func TestCredentialsRetrieveValidUntil(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Truncate(time.Second)
	tests := []struct {
		name      string
		reason    string
		lifetime  time.Duration // of every credentials of the source
		noCache   bool          // the SDK provider has no Invalidate
		failAfter bool          // the source fails after its first call
		until     time.Duration // from start; zero for a zero time
		wantKey   string        // "" for an error
		wantCalls int32         // of the source by RetrieveValidUntil
		wantErr   []error
		errHas    string
	}{
		{
			name: "long enough", reason: "credentials that outlive the form are served from the SDK's cache",
			lifetime: time.Hour, until: time.Hour, wantKey: "KEY1", wantCalls: 0,
		},
		{
			name: "zero time", reason: "a zero time asks for any credentials",
			lifetime: 10 * time.Minute, wantKey: "KEY1", wantCalls: 0,
		},
		{
			name: "too short", reason: "a source without longer credentials is refreshed once, then reported",
			lifetime: 10 * time.Minute, until: 15 * time.Minute, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired},
			errHas: fmt.Sprintf("s3post: aws-sdk-go-v2 credentials: credentials expire too soon: they expire at %s, before %s, even after a refresh",
				start.Add(10*time.Minute).Format(time.RFC3339), start.Add(15*time.Minute).Format(time.RFC3339)),
		},
		{
			name: "no Invalidate", reason: "a provider that cannot be invalidated is not asked again",
			lifetime: 10 * time.Minute, noCache: true, until: 15 * time.Minute, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired},
			errHas: "and the provider cannot be refreshed early (it has no Invalidate method)",
		},
		{
			name: "refresh fails", reason: "a failed refresh gives both errors",
			lifetime: 10 * time.Minute, failAfter: true, until: 15 * time.Minute, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired, errDown},
			errHas: "before " + start.Add(15*time.Minute).Format(time.RFC3339) + ", and refreshing them failed: failed to refresh cached credentials, imds down",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &sdkSource{start: start, lifetime: func(int32) time.Duration { return tc.lifetime }}
			var sdk aws.CredentialsProvider = aws.NewCredentialsCache(src)
			if tc.noCache {
				sdk = src
			}
			lp := awssdk.Credentials(sdk).(s3post.CredentialsLifetimeProvider)
			ctx := context.Background()
			_, err := lp.Retrieve(ctx) // fills the SDK's cache
			require.NoError(t, err)
			src.fail.Store(tc.failAfter)
			before := src.calls.Load()

			var until time.Time
			if tc.until != 0 {
				until = start.Add(tc.until)
			}
			got, err := lp.RetrieveValidUntil(ctx, until)
			assert.Equal(t, tc.wantCalls, src.calls.Load()-before, "calls: %s", tc.reason)
			if tc.wantErr != nil {
				require.Error(t, err, tc.reason)
				for _, want := range tc.wantErr {
					assert.ErrorIs(t, err, want, tc.reason)
				}
				assert.Contains(t, safeText(t, "error", err.Error()), tc.errHas, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.wantKey, got.AccessKeyID, tc.reason)
		})
	}
}

// TestNewWithSDKCache checks the adapter over the SDK's cache, as
// cfg.Credentials of config.LoadDefaultConfig is: one SDK call for many
// forms, with the expiry carried across.
func TestCredentialsWithSDKCache(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Truncate(time.Second)
	src := &sdkSource{start: start, lifetime: func(int32) time.Duration { return time.Hour }}
	p := &s3post.Presigner{Credentials: awssdk.Credentials(aws.NewCredentialsCache(src)), Region: "eu-west-3"}
	for range 3 {
		post, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "k", Expires: 30 * time.Minute})
		require.NoError(t, err)
		assert.True(t, post.Fields["x-amz-security-token"] == token, "the session token is in the form")
	}
	assert.Equal(t, int32(1), src.calls.Load(), "the SDK's cache fetched once")
	got, err := p.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.True(t, got.Expires.Equal(start.Add(time.Hour)), "expiry across the SDK's cache: got %v", got.Expires)
}

func TestCredentialsPrintsNoSecret(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    aws.CredentialsProvider
		want string
	}{
		{staticSDK{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token}}, "awssdk.Credentials(awssdk_test.staticSDK)"},
		{aws.NewCredentialsCache(staticSDK{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token}}), "awssdk.Credentials(*aws.CredentialsCache)"},
	} {
		p := awssdk.Credentials(tc.p)
		for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
			assert.Equal(t, tc.want, safeText(t, "printed provider", s))
		}
	}
}
