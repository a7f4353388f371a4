package s3post_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
)

var _ s3post.CredentialsLifetimeProvider = (*s3post.CredentialsCache)(nil)

func TestCredentialsCacheRetrieveValidUntil(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reason   string
		lifetime time.Duration
		steps    []cacheStep
	}{
		{
			name:     "refresh early for a long form",
			reason:   "credentials that expire before the form are replaced at once, not at their refresh window",
			lifetime: time.Hour,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 0, until: 30 * time.Minute, wantCalls: 1, wantKey: "KEY1"},
				{at: 0, until: time.Hour, wantCalls: 1, wantKey: "KEY1"},
				{at: 10 * time.Second, until: time.Hour + time.Second, wantCalls: 2, wantKey: "KEY2"},
				{at: 10 * time.Second, wantCalls: 2, wantKey: "KEY2"},
			},
		},
		{
			name:     "source without longer credentials",
			reason:   "the error says when the newest credentials expire; the source is asked at most every ten seconds; shorter forms still work",
			lifetime: time.Hour,
			steps: []cacheStep{
				{at: 0, until: 2 * time.Hour, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired},
					errHas: "s3post: credentials cache: credentials expire too soon: the newest credentials expire at 2026-03-01T13:00:00Z, before 2026-03-01T14:00:00Z, and the source has none that last longer"},
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 10*time.Second - 1, until: 2 * time.Hour, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired}},
				{at: 10 * time.Second, until: 2 * time.Hour, wantCalls: 2, wantErr: []error{s3post.ErrCredentialsExpired}, errHas: "expire at 2026-03-01T13:00:10Z"},
				{at: 10 * time.Second, until: 30 * time.Minute, wantCalls: 2, wantKey: "KEY2"},
			},
		},
		{
			name:     "failed early refresh",
			reason:   "a failed early refresh gives both errors, and the old credentials stay, on their own refresh schedule",
			lifetime: time.Hour,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 30 * time.Minute, until: 90 * time.Minute, fail: true, wantCalls: 2, wantErr: []error{s3post.ErrCredentialsExpired, errRotateFailed},
					errHas: "expire at 2026-03-01T13:00:00Z, before 2026-03-01T13:30:00Z, and fetching new ones failed: test source is down"},
				{at: 30 * time.Minute, fail: true, wantCalls: 2, wantKey: "KEY1"},
				{at: 31 * time.Minute, fail: true, wantCalls: 2, wantKey: "KEY1"},
				{at: 55 * time.Minute, fail: true, wantCalls: 3, wantKey: "KEY1"},
				{at: 56 * time.Minute, until: 90 * time.Minute, wantCalls: 4, wantKey: "KEY4"},
			},
		},
		{
			name:   "never expiring",
			reason: "credentials without an expiry outlive any form",
			steps: []cacheStep{
				{at: 0, until: 7 * 24 * time.Hour, wantCalls: 1, wantKey: "KEY1"},
				{at: time.Hour, until: 100 * 24 * time.Hour, wantCalls: 1, wantKey: "KEY1"},
			},
		},
		{
			name:   "nothing cached",
			reason: "with nothing to serve, the provider's error is returned as it is, and again for a second",
			steps: []cacheStep{
				{at: 0, until: time.Hour, fail: true, wantCalls: 1, wantErr: []error{errRotateFailed}, errHas: "s3post: test source is down"},
				{at: 0, until: time.Hour, wantCalls: 1, wantErr: []error{errRotateFailed}},
				{at: time.Second, until: time.Hour, wantCalls: 2, wantKey: "KEY2"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runCacheSteps(t, tc.reason, tc.lifetime, s3post.CredentialsCacheOptions{}, tc.steps)
		})
	}
}

// gatedSource is a provider whose first call returns at once and whose
// later calls wait for release; each call's credentials last lifetime(n)
// for call n.
type gatedSource struct {
	clock    *credClock
	lifetime func(n int32) time.Duration
	release  chan struct{}
	calls    atomic.Int32
}

func (s *gatedSource) Retrieve(context.Context) (s3post.Credentials, error) {
	n := s.calls.Add(1)
	if n > 1 {
		<-s.release
	}
	return s3post.Credentials{AccessKeyID: "KEY" + string(rune('0'+n)), SecretAccessKey: credSecret, Expires: s.clock.Now().Add(s.lifetime(n))}, nil
}

// concurrently runs call from n goroutines at once and returns their
// results, after closing release once all have started.
func concurrently(n int, release chan struct{}, call func() (s3post.Credentials, error)) ([]s3post.Credentials, []error) {
	got := make([]s3post.Credentials, n)
	errs := make([]error, n)
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			started.Done()
			got[i], errs[i] = call()
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	return got, errs
}

func TestCredentialsCacheOneFetchPerRefresh(t *testing.T) {
	t.Parallel()
	const callers = 1000
	tests := []struct {
		name   string
		reason string
		at     time.Duration // when the callers come, after the first fetch
		until  time.Duration // what they ask for; 0 for Retrieve
	}{
		{name: "refresh window", reason: "1,000 callers in the refresh window share one fetch", at: 55 * time.Minute},
		{name: "long forms", reason: "1,000 callers that need longer credentials share one early fetch", at: time.Minute, until: 90 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newCredClock()
			start := clock.Now()
			src := &gatedSource{clock: clock, release: make(chan struct{}), lifetime: func(n int32) time.Duration { return time.Duration(n) * time.Hour }}
			c := s3post.NewCredentialsCache(src, s3post.CredentialsCacheOptions{Now: clock.Now})
			first, err := credRetrieve(t, c, context.Background())
			require.NoError(t, err)
			require.Equal(t, "KEY1", first.AccessKeyID)

			clock.Set(start.Add(tc.at))
			got, errs := concurrently(callers, src.release, func() (s3post.Credentials, error) {
				if tc.until == 0 {
					return c.Retrieve(context.Background())
				}
				return c.RetrieveValidUntil(context.Background(), start.Add(tc.until))
			})
			assert.Equal(t, int32(2), src.calls.Load(), "exactly one fetch for the refresh: %s", tc.reason)
			for i := range callers {
				require.NoError(t, errs[i], "caller %d", i)
				require.Equal(t, "KEY2", got[i].AccessKeyID, "caller %d gets the new credentials", i)
			}
		})
	}
}

func TestCredentialsCacheRetrieveValidUntilGivesUp(t *testing.T) {
	t.Parallel()
	clock := newCredClock()
	start := clock.Now()
	src := &gatedSource{clock: clock, release: make(chan struct{}), lifetime: func(int32) time.Duration { return time.Hour }}
	defer close(src.release)
	c := s3post.NewCredentialsCache(src, s3post.CredentialsCacheOptions{Now: clock.Now})
	_, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)

	clock.Set(start.Add(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.RetrieveValidUntil(ctx, start.Add(2*time.Hour))
	require.ErrorIs(t, err, context.Canceled, "a caller waiting for an early refresh can give up")
	assert.Contains(t, err.Error(), "s3post: waiting for credentials")

	got, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err, "the hanging fetch does not stop shorter requests")
	assert.Equal(t, "KEY1", got.AccessKeyID)
}

func TestCredentialsCacheJitterBoundaries(t *testing.T) {
	t.Parallel()
	const window, jitter = 5 * time.Minute, time.Minute
	tests := []struct {
		name      string
		reason    string
		draw      func(n time.Duration) time.Duration
		refreshAt time.Duration // after the fetch; credentials last an hour
	}{
		{name: "least jitter", reason: "a draw of zero refreshes at the window", draw: func(time.Duration) time.Duration { return 0 }, refreshAt: time.Hour - window},
		{name: "most jitter", reason: "the largest draw refreshes just after window+jitter before expiry",
			draw: func(n time.Duration) time.Duration { return n - 1 }, refreshAt: time.Hour - window - jitter + 1},
		{name: "half", reason: "draws in between move the refresh in between", draw: func(n time.Duration) time.Duration { return n / 2 }, refreshAt: time.Hour - window - jitter/2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newCredClock()
			start := clock.Now()
			src := &rotatingSource{clock: clock, lifetime: time.Hour}
			c := s3post.NewCredentialsCache(src, s3post.CredentialsCacheOptions{RefreshWindow: window, RefreshJitter: jitter, Now: clock.Now})
			var asked []time.Duration
			s3post.SetCacheJitterForTest(c, func(n time.Duration) time.Duration {
				asked = append(asked, n)
				return tc.draw(n)
			})
			_, err := credRetrieve(t, c, context.Background())
			require.NoError(t, err)
			require.Equal(t, []time.Duration{jitter}, asked, "one draw in [0, RefreshJitter) per fetched credentials")

			clock.Set(start.Add(tc.refreshAt - 1))
			_, err = credRetrieve(t, c, context.Background())
			require.NoError(t, err)
			assert.Equal(t, int32(1), src.calls.Load(), "no refresh a nanosecond before: %s", tc.reason)

			clock.Set(start.Add(tc.refreshAt))
			got, err := credRetrieve(t, c, context.Background())
			require.NoError(t, err)
			assert.Equal(t, int32(2), src.calls.Load(), "refresh at the boundary: %s", tc.reason)
			assert.Equal(t, "KEY2", got.AccessKeyID)
		})
	}
}

func TestCredentialsCacheNoJitterNoDraw(t *testing.T) {
	t.Parallel()
	clock := newCredClock()
	c := s3post.NewCredentialsCache(&rotatingSource{clock: clock, lifetime: time.Hour}, s3post.CredentialsCacheOptions{Now: clock.Now})
	s3post.SetCacheJitterForTest(c, func(time.Duration) time.Duration {
		t.Error("no draw without RefreshJitter")
		return 0
	})
	_, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)
}

func BenchmarkCredentialsCacheRetrieveValidUntil(b *testing.B) {
	c := s3post.NewCredentialsCache(s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		return s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, Expires: time.Now().Add(6 * time.Hour)}, nil
	}), s3post.CredentialsCacheOptions{})
	ctx := context.Background()
	until := time.Now().Add(time.Hour)
	if _, err := c.RetrieveValidUntil(ctx, until); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.RetrieveValidUntil(ctx, until); err != nil {
			b.Fatal(err)
		}
	}
}
