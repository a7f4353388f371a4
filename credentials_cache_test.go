package s3post_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
)

// rotatingSource is a fake provider that returns new credentials on each
// call, valid for lifetime from the clock's time (for ever if lifetime is
// zero), or fails when fail says so.
type rotatingSource struct {
	clock    *credClock
	lifetime time.Duration
	calls    atomic.Int32
	fail     atomic.Bool
}

var errRotateFailed = errors.New("s3post: test source is down")

func (s *rotatingSource) Retrieve(context.Context) (s3post.Credentials, error) {
	n := s.calls.Add(1)
	if s.fail.Load() {
		return s3post.Credentials{}, errRotateFailed
	}
	c := s3post.Credentials{AccessKeyID: fmt.Sprintf("KEY%d", n), SecretAccessKey: credSecret}
	if s.lifetime != 0 {
		c.Expires = s.clock.Now().Add(s.lifetime)
	}
	return c, nil
}

// cacheStep is one call in a test of a CredentialsCache of a
// rotatingSource: at a time on the cache's clock, with the source failing
// or not, a call of Retrieve, or of RetrieveValidUntil when until is set.
type cacheStep struct {
	at        time.Duration // since the first call
	until     time.Duration // since the first call, for RetrieveValidUntil; zero for Retrieve
	fail      bool          // the source fails
	wantCalls int32         // calls of the source after the call
	wantKey   string        // access key ID returned; "" for an error
	wantErr   []error       // what the error wraps; nil for success
	errHas    string        // a piece of the error's text
}

// runCacheSteps makes the calls of steps on a new cache, with opts and a
// test clock, of a rotatingSource whose credentials last lifetime (for ever
// when zero), and checks each result; reason explains the case.
func runCacheSteps(t *testing.T, reason string, lifetime time.Duration, opts s3post.CredentialsCacheOptions, steps []cacheStep) {
	t.Helper()
	clock := newCredClock()
	start := clock.Now()
	src := &rotatingSource{clock: clock, lifetime: lifetime}
	opts.Now = clock.Now
	c := s3post.NewCredentialsCache(src, opts)
	for i, s := range steps {
		clock.Set(start.Add(s.at))
		src.fail.Store(s.fail)
		var p s3post.CredentialsProvider = c
		if s.until != 0 {
			p = untilProvider{c, start.Add(s.until)}
		}
		got, err := credRetrieve(t, p, context.Background())
		assert.Equal(t, s.wantCalls, src.calls.Load(), "step %d (at %v): calls: %s", i, s.at, reason)
		if s.wantErr != nil {
			require.Error(t, err, "step %d (at %v): %s", i, s.at, reason)
			for _, want := range s.wantErr {
				assert.ErrorIs(t, err, want, "step %d (at %v): %s", i, s.at, reason)
			}
			assert.Contains(t, err.Error(), s.errHas, "step %d (at %v): %s", i, s.at, reason)
			continue
		}
		require.NoError(t, err, "step %d (at %v): %s", i, s.at, reason)
		assert.Equal(t, s.wantKey, got.AccessKeyID, "step %d (at %v): %s", i, s.at, reason)
		if s.until != 0 {
			assert.True(t, got.Expires.IsZero() || !got.Expires.Before(start.Add(s.until)),
				"step %d (at %v): the credentials last until the time asked for: %s", i, s.at, reason)
		}
	}
}

// untilProvider calls RetrieveValidUntil(ctx, until) for Retrieve, so that
// credRetrieve can check its errors.
type untilProvider struct {
	c     *s3post.CredentialsCache
	until time.Time
}

func (u untilProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	return u.c.RetrieveValidUntil(ctx, u.until)
}

func TestCredentialsCacheRefresh(t *testing.T) {
	t.Parallel()
	const forever = 100 * 365 * 24 * time.Hour
	tests := []struct {
		name     string
		reason   string
		window   time.Duration
		lifetime time.Duration
		steps    []cacheStep
	}{
		{
			name:     "default window",
			reason:   "credentials are served until five minutes before they expire",
			lifetime: time.Hour,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 55*time.Minute - 1, wantCalls: 1, wantKey: "KEY1"},
				{at: 55 * time.Minute, wantCalls: 2, wantKey: "KEY2"},
				{at: 110*time.Minute - 1, wantCalls: 2, wantKey: "KEY2"},
				{at: 110 * time.Minute, wantCalls: 3, wantKey: "KEY3"},
			},
		},
		{
			name:     "custom window",
			reason:   "RefreshWindow moves the refresh",
			window:   time.Minute,
			lifetime: time.Hour,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 59*time.Minute - 1, wantCalls: 1, wantKey: "KEY1"},
				{at: 59 * time.Minute, wantCalls: 2, wantKey: "KEY2"},
			},
		},
		{
			name:   "no expiry",
			reason: "credentials without Expires are cached for ever",
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: forever, wantCalls: 1, wantKey: "KEY1"},
			},
		},
		{
			name:     "fetched inside the window",
			reason:   "short-lived credentials are not fetched again on every call",
			lifetime: 2 * time.Minute,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 10*time.Second - 1, wantCalls: 1, wantKey: "KEY1"},
				{at: 10 * time.Second, wantCalls: 2, wantKey: "KEY2"},
				{at: 10*time.Second + 1, wantCalls: 2, wantKey: "KEY2"},
			},
		},
		{
			name:     "expiring within the retry delay",
			reason:   "credentials are never served once expired",
			lifetime: 3 * time.Second,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 3*time.Second - 1, wantCalls: 1, wantKey: "KEY1"},
				{at: 3 * time.Second, wantCalls: 2, wantKey: "KEY2"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runCacheSteps(t, tc.reason, tc.lifetime, s3post.CredentialsCacheOptions{RefreshWindow: tc.window}, tc.steps)
		})
	}
}

func TestCredentialsCacheJitter(t *testing.T) {
	t.Parallel()
	for i := range 20 {
		clock := newCredClock()
		start := clock.Now()
		src := &rotatingSource{clock: clock, lifetime: time.Hour}
		c := s3post.NewCredentialsCache(src, s3post.CredentialsCacheOptions{RefreshJitter: time.Minute, Now: clock.Now})
		_, err := credRetrieve(t, c, context.Background())
		require.NoError(t, err)

		clock.Set(start.Add(54 * time.Minute))
		_, err = credRetrieve(t, c, context.Background())
		require.NoError(t, err)
		require.Equal(t, int32(1), src.calls.Load(), "run %d: no refresh before window+jitter", i)

		clock.Set(start.Add(55 * time.Minute))
		_, err = credRetrieve(t, c, context.Background())
		require.NoError(t, err)
		require.Equal(t, int32(2), src.calls.Load(), "run %d: refresh by the end of the window", i)
	}
}

func TestCredentialsCacheFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reason   string
		lifetime time.Duration
		steps    []cacheStep
	}{
		{
			name:     "failed refresh keeps the old credentials",
			reason:   "valid credentials are served after a failed refresh, retried after a delay, and dropped once expired",
			lifetime: time.Hour,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantKey: "KEY1"},
				{at: 56 * time.Minute, fail: true, wantCalls: 2, wantKey: "KEY1"},
				{at: 56*time.Minute + 10*time.Second - 1, fail: true, wantCalls: 2, wantKey: "KEY1"},
				{at: 56*time.Minute + 10*time.Second, fail: true, wantCalls: 3, wantKey: "KEY1"},
				{at: time.Hour - 1, fail: true, wantCalls: 4, wantKey: "KEY1"},
				{at: time.Hour, fail: true, wantCalls: 5, wantErr: []error{errRotateFailed}},
				{at: time.Hour, fail: true, wantCalls: 5, wantErr: []error{errRotateFailed},
					errHas: "s3post: test source is down (the credentials cache answers this until 2026-03-01T13:00:01Z, then asks the provider again)"},
				{at: time.Hour + time.Second, wantCalls: 6, wantKey: "KEY6"},
			},
		},
		{
			name:   "nothing cached",
			reason: "a failure with nothing to serve is returned, and answered again for a second, then two, without asking the source",
			steps: []cacheStep{
				{at: 0, fail: true, wantCalls: 1, wantErr: []error{errRotateFailed}, errHas: "s3post: test source is down"},
				{at: 0, wantCalls: 1, wantErr: []error{errRotateFailed}, errHas: "answers this until 2026-03-01T12:00:01Z"},
				{at: time.Second - 1, wantCalls: 1, wantErr: []error{errRotateFailed}},
				{at: time.Second, fail: true, wantCalls: 2, wantErr: []error{errRotateFailed}},
				{at: 3*time.Second - 1, wantCalls: 2, wantErr: []error{errRotateFailed}, errHas: "answers this until 2026-03-01T12:00:03Z"},
				{at: 3 * time.Second, wantCalls: 3, wantKey: "KEY3"},
			},
		},
		{
			name:   "backoff",
			reason: "the pause after failures in a row doubles up to thirty seconds, and a success resets it",
			steps: []cacheStep{
				{at: 0, fail: true, wantCalls: 1, wantErr: []error{errRotateFailed}},
				{at: 1 * time.Second, fail: true, wantCalls: 2, wantErr: []error{errRotateFailed}},
				{at: 3 * time.Second, fail: true, wantCalls: 3, wantErr: []error{errRotateFailed}},
				{at: 7 * time.Second, fail: true, wantCalls: 4, wantErr: []error{errRotateFailed}},
				{at: 15 * time.Second, fail: true, wantCalls: 5, wantErr: []error{errRotateFailed}},
				{at: 31 * time.Second, fail: true, wantCalls: 6, wantErr: []error{errRotateFailed}},
				{at: 61*time.Second - 1, fail: true, wantCalls: 6, wantErr: []error{errRotateFailed}},
				{at: 61 * time.Second, fail: true, wantCalls: 7, wantErr: []error{errRotateFailed}},
				{at: 91 * time.Second, wantCalls: 8, wantKey: "KEY8"},
			},
		},
		{
			name:     "already expired",
			reason:   "credentials that expired before they arrive are rejected",
			lifetime: -time.Second,
			steps: []cacheStep{
				{at: 0, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired}},
				{at: 0, wantCalls: 1, wantErr: []error{s3post.ErrCredentialsExpired}},
				{at: time.Second, wantCalls: 2, wantErr: []error{s3post.ErrCredentialsExpired}},
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

func TestCredentialsCacheRejectsExpiredRefresh(t *testing.T) {
	t.Parallel()
	clock := newCredClock()
	start := clock.Now()
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		c := s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, Expires: start.Add(time.Hour)}
		if calls.Add(1) > 1 {
			c.AccessKeyID, c.Expires = credKeyID2, clock.Now() // expired on arrival
		}
		return c, nil
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{Now: clock.Now})
	_, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)

	clock.Set(start.Add(58 * time.Minute))
	got, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err, "the old credentials are still valid")
	assert.Equal(t, credKeyID, got.AccessKeyID, "expired credentials never replace valid ones")
	assert.Equal(t, int32(2), calls.Load())

	clock.Set(start.Add(time.Hour))
	_, err = credRetrieve(t, c, context.Background())
	require.ErrorIs(t, err, s3post.ErrCredentialsExpired, "with nothing valid left, the rejection is returned")
	assert.Contains(t, err.Error(), "s3post: ")
}

func TestCredentialsCacheSingleFlight(t *testing.T) {
	t.Parallel()
	const callers = 1000
	release := make(chan struct{})
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		calls.Add(1)
		<-release
		return credsOneT, nil
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{})

	var started, done sync.WaitGroup
	started.Add(callers)
	done.Add(callers)
	got := make([]s3post.Credentials, callers)
	errs := make([]error, callers)
	for i := range callers {
		go func() {
			defer done.Done()
			started.Done()
			got[i], errs[i] = credRetrieve(t, c, context.Background())
		}()
	}
	started.Wait()
	close(release)
	done.Wait()

	assert.Equal(t, int32(1), calls.Load(), "exactly one fetch for all callers")
	for i := range callers {
		require.NoError(t, errs[i], "caller %d", i)
		assertCreds(t, credsOneT, got[i], "caller %d", i)
	}
}

func TestCredentialsCacheSharedFailure(t *testing.T) {
	t.Parallel()
	const callers = 100
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		if calls.Add(1) == 1 {
			close(entered)
		}
		<-release
		return s3post.Credentials{}, errRotateFailed
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{})
	errs := make(chan error, callers)
	go func() { _, err := credRetrieve(t, c, context.Background()); errs <- err }()
	<-entered // the fetch is running; the others join it
	var joined sync.WaitGroup
	joined.Add(callers - 1)
	for range callers - 1 {
		go func() { joined.Done(); _, err := credRetrieve(t, c, context.Background()); errs <- err }()
	}
	joined.Wait()
	close(release)
	for range callers {
		assert.ErrorIs(t, <-errs, errRotateFailed, "every waiter gets the error of the shared fetch")
	}
}

type credCtxKey struct{}

func TestCredentialsCacheWaiterGivesUp(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	release := make(chan struct{})
	type seen struct {
		err   error
		value any
	}
	fetchSaw := make(chan seen, 1)
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(ctx context.Context) (s3post.Credentials, error) {
		calls.Add(1)
		close(entered)
		<-release
		fetchSaw <- seen{ctx.Err(), ctx.Value(credCtxKey{})}
		return credsOne, nil
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{})

	// The first caller starts the fetch, which hangs, and then gives up.
	ctx1, cancel1 := context.WithCancel(context.WithValue(context.Background(), credCtxKey{}, "v"))
	first := make(chan error, 1)
	go func() { _, err := credRetrieve(t, c, ctx1); first <- err }()
	<-entered

	// A second caller whose context is already done does not wait.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	_, err := credRetrieve(t, c, ctx2)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "s3post: ")

	cancel1()
	err = <-first
	require.ErrorIs(t, err, context.Canceled, "the caller can give up while the fetch hangs")
	assert.Contains(t, err.Error(), "s3post: ")

	// The fetch carries on, unaffected, and its result is cached.
	close(release)
	saw := <-fetchSaw
	assert.NoError(t, saw.err, "the fetch is not canceled with the caller that started it")
	assert.Equal(t, "v", saw.value, "the fetch keeps the values of the caller's context")
	got, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)
	assertCreds(t, credsOne, got)
	assert.Equal(t, int32(1), calls.Load())
}

func TestCredentialsCacheInvalidate(t *testing.T) {
	t.Parallel()
	clock := newCredClock()
	src := &rotatingSource{clock: clock}
	c := s3post.NewCredentialsCache(src, s3post.CredentialsCacheOptions{Now: clock.Now})
	got, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)
	assert.Equal(t, "KEY1", got.AccessKeyID)
	c.Invalidate()
	got, err = credRetrieve(t, c, context.Background())
	require.NoError(t, err)
	assert.Equal(t, "KEY2", got.AccessKeyID, "Invalidate forces a fetch")
	assert.Equal(t, int32(2), src.calls.Load())
}

func TestNewCredentialsCache(t *testing.T) {
	t.Parallel()
	static := s3post.StaticCredentials(credKeyID, credSecret, credToken)
	tests := []struct {
		name   string
		reason string
		p      s3post.CredentialsProvider
		opts   s3post.CredentialsCacheOptions
		errHas string // "" for success
	}{
		{name: "defaults", reason: "the zero options are valid", p: static},
		{name: "nil provider", reason: "a nil provider is reported", p: nil, errHas: "s3post: NewCredentialsCache: the provider is nil"},
		{name: "nil cache", reason: "a nil *CredentialsCache is a nil provider", p: (*s3post.CredentialsCache)(nil), errHas: "s3post: NewCredentialsCache: the provider is nil"},
		{name: "negative window", reason: "options are validated", p: static, opts: s3post.CredentialsCacheOptions{RefreshWindow: -time.Second}, errHas: "s3post: credentials cache: RefreshWindow is negative"},
		{name: "negative jitter", reason: "options are validated", p: static, opts: s3post.CredentialsCacheOptions{RefreshJitter: -time.Second}, errHas: "s3post: credentials cache: RefreshJitter is negative"},
		{name: "negative fetch timeout", reason: "options are validated", p: static, opts: s3post.CredentialsCacheOptions{FetchTimeout: -time.Second}, errHas: "s3post: credentials cache: FetchTimeout is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := s3post.NewCredentialsCache(tc.p, tc.opts)
			got, err := credRetrieve(t, c, context.Background())
			if tc.errHas == "" {
				require.NoError(t, err, tc.reason)
				assertCreds(t, credsOneT, got)
				return
			}
			require.Error(t, err, tc.reason)
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}

func TestNewCredentialsCacheOfCache(t *testing.T) {
	t.Parallel()
	inner := s3post.NewCredentialsCache(s3post.StaticCredentials(credKeyID, credSecret, ""), s3post.CredentialsCacheOptions{})
	outer := s3post.NewCredentialsCache(inner, s3post.CredentialsCacheOptions{RefreshWindow: time.Hour})
	assert.Same(t, inner, outer, "a cache is not wrapped in another")
}

func TestCredentialsCacheString(t *testing.T) {
	t.Parallel()
	c := s3post.NewCredentialsCache(s3post.StaticCredentials(credKeyID, credSecret, credToken), s3post.CredentialsCacheOptions{})
	_, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)
	assert.Equal(t, "CredentialsCache(StaticCredentials("+credKeyID+"))", safeText(t, "String", c.String()))
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		assertNoSecret(t, "cache String", s)
	}
	ofNil := s3post.NewCredentialsCache((*s3post.CredentialsCache)(nil), s3post.CredentialsCacheOptions{})
	assert.Equal(t, "CredentialsCache(CredentialsCache(nil))", ofNil.String(), "a cache of a nil cache prints without a panic")
}

func BenchmarkCredentialsCacheRetrieve(b *testing.B) {
	c := s3post.NewCredentialsCache(s3post.StaticCredentials(credKeyID, credSecret, credToken), s3post.CredentialsCacheOptions{})
	ctx := context.Background()
	if _, err := c.Retrieve(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Retrieve(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCredentialsCacheRetrieveParallel(b *testing.B) {
	c := s3post.NewCredentialsCache(s3post.StaticCredentials(credKeyID, credSecret, credToken), s3post.CredentialsCacheOptions{})
	ctx := context.Background()
	if _, err := c.Retrieve(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Retrieve(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
