package s3post_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
)

// A provider that panics inside the cache's own goroutine used to kill the
// process, since no caller's recover could reach it.
func TestCredentialsCacheProviderPanics(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		reason  string
		panic   func()
		errHas  string
		wrapped error // what the error wraps, if anything
	}{
		{name: "string", reason: "a panic with a string is an error naming its type, not quoting it (it might hold a secret)",
			panic: func() { panic("provider bug " + credSecret) }, errHas: "s3post: credentials cache: the provider s3post.CredentialsProviderFunc panicked with a value of type string (not shown: it might hold a secret)"},
		{name: "error", reason: "a panic with an error is an error that wraps it",
			panic: func() { panic(errBoom) }, errHas: "panicked with a value of type *errors.errorString", wrapped: errBoom},
		{name: "runtime error", reason: "a runtime error is caught too",
			panic: func() { var s []int; _ = s[len(s)] }, errHas: "panicked: runtime error: index out of range [0] with length 0"},
		{name: "huge value", reason: "a huge panic value is abbreviated",
			panic: func() { panic(strings.Repeat("x", 1<<20)) }, errHas: "panicked with a value of type string"},
		{name: "goexit", reason: "a provider that ends its goroutine (t.FailNow in a test fake) does not leave callers waiting",
			panic: runtime.Goexit, errHas: "exited its goroutine without returning (runtime.Goexit)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newCredClock()
			var calls atomic.Int32
			p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
				if calls.Add(1) == 1 {
					tc.panic()
				}
				return credsOne, nil
			})
			c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{Now: clock.Now})
			_, err := credRetrieve(t, c, context.Background())
			require.Error(t, err, tc.reason)
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
			assert.Less(t, len(err.Error()), 2000, "the message stays short")
			if tc.wrapped != nil {
				assert.ErrorIs(t, err, tc.wrapped, tc.reason)
			}
			if tc.name == "string" {
				assert.Contains(t, fmt.Sprintf("%+v", err), "credentials_cache_faults_test.go", "%+v prints the panic's stack")
				assert.NotContains(t, fmt.Sprintf("%v", err), "goroutine", "%v does not")
			}

			clock.Set(clock.Now().Add(time.Second))
			got, err := credRetrieve(t, c, context.Background())
			require.NoError(t, err, "the cache works again after the panic")
			assertCreds(t, credsOne, got)
		})
	}
}

// A provider that never returns used to wedge the cache for good: every
// later Retrieve waited on the stuck fetch, and the provider was never
// asked again.
func TestCredentialsCacheAbandonsStuckProvider(t *testing.T) {
	t.Parallel()
	clock := newCredClock()
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	var late sync.WaitGroup
	late.Add(2)
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		if calls.Add(1) <= 2 {
			defer late.Done()
			started <- struct{}{}
			<-release // ignores its context
			return credsOneT, nil
		}
		return credsOne, nil
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{Now: clock.Now, FetchTimeout: 40 * time.Millisecond})
	var once sync.Once
	finish := func() { once.Do(func() { close(release) }); late.Wait() }
	defer finish()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := credRetrieve(t, c, ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the fetch gives up at FetchTimeout, well before the caller's deadline")
	require.NoError(t, ctx.Err(), "the caller's own deadline has not passed")
	assert.Contains(t, err.Error(), "s3post: credentials cache: context deadline exceeded: the provider s3post.CredentialsProviderFunc did not return within 40ms, nor 10ms after its context ended; it was abandoned")
	<-started

	clock.Set(clock.Now().Add(time.Second))
	_, err = credRetrieve(t, c, ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	<-started
	assert.Equal(t, int32(2), calls.Load(), "the provider is asked again, not waited on for ever")

	clock.Set(clock.Now().Add(2 * time.Second))
	got, err := credRetrieve(t, c, ctx)
	require.NoError(t, err)
	assertCreds(t, credsOne, got)

	finish()
	got, err = credRetrieve(t, c, ctx)
	require.NoError(t, err)
	assertCreds(t, credsOne, got, "the late answers of abandoned calls are dropped")
	assert.Equal(t, int32(3), calls.Load())
}

// A provider that honours its context gets the fetch timeout as its
// context's deadline, and its own error is returned.
func TestCredentialsCacheFetchTimeoutReachesProvider(t *testing.T) {
	t.Parallel()
	p := s3post.CredentialsProviderFunc(func(ctx context.Context) (s3post.Credentials, error) {
		deadline, ok := ctx.Deadline()
		if !ok || time.Until(deadline) > time.Minute {
			return s3post.Credentials{}, errors.New("no deadline of a second")
		}
		<-ctx.Done()
		return s3post.Credentials{}, fmt.Errorf("s3post: test source: %w", ctx.Err())
	})
	// A second, so that the quarter second that the cache then waits for
	// the provider to return is ample even on a loaded machine.
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{FetchTimeout: time.Second})
	_, err := credRetrieve(t, c, context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "s3post: test source: context deadline exceeded", err.Error(), "the provider's own error, not an abandonment")
}

// With a failing provider and nothing cached, 1,000 callers used to cause
// a fetch each time the previous one failed (76 in 500 ms).
func TestCredentialsCacheFailingProviderIsNotHammered(t *testing.T) {
	t.Parallel()
	clock := newCredClock()
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		calls.Add(1)
		return s3post.Credentials{}, errRotateFailed
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{Now: clock.Now})
	const callers = 1000
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Retrieve(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, errRotateFailed)
	}
	assert.Equal(t, int32(1), calls.Load(), "one fetch for all callers within the same second")

	c.Invalidate()
	_, err := c.Retrieve(context.Background())
	require.ErrorIs(t, err, errRotateFailed)
	assert.Equal(t, int32(2), calls.Load(), "Invalidate asks the provider again at once")
}

// A fetch that started before Invalidate used to store its answer after
// it, so the next Retrieve served the credentials that Invalidate was to
// drop, without asking the provider.
func TestCredentialsCacheInvalidateDuringFetch(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	var calls atomic.Int32
	p := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		if calls.Add(1) == 1 {
			started <- struct{}{}
			<-release
			return credsOneT, nil // the old credentials
		}
		return credsOne, nil
	})
	c := s3post.NewCredentialsCache(p, s3post.CredentialsCacheOptions{})
	first := make(chan s3post.Credentials, 1)
	go func() {
		got, err := c.Retrieve(context.Background())
		assert.NoError(t, err)
		first <- got
	}()
	<-started
	c.Invalidate()
	close(release)
	assertCreds(t, credsOneT, <-first, "the caller that was waiting gets what the fetch returned")

	got, err := credRetrieve(t, c, context.Background())
	require.NoError(t, err)
	assertCreds(t, credsOne, got, "the next Retrieve fetches anew")
	assert.Equal(t, int32(2), calls.Load())
	got, err = credRetrieve(t, c, context.Background())
	require.NoError(t, err)
	assertCreds(t, credsOne, got, "and the new credentials are cached")
	assert.Equal(t, int32(2), calls.Load())
}
