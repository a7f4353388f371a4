package s3post

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CredentialsCacheOptions configures a [CredentialsCache]. The zero value
// gives the defaults.
type CredentialsCacheOptions struct {
	// RefreshWindow is how long before the credentials expire the cache
	// fetches new ones. Optional; the default, zero, means five minutes.
	// It must not be negative.
	RefreshWindow time.Duration

	// RefreshJitter widens RefreshWindow by a random amount, at least zero
	// and less than RefreshJitter, chosen for each fetched credentials, so
	// that many processes do not refresh at the same moment. Optional; the
	// default, zero, means no jitter. It must not be negative.
	RefreshJitter time.Duration

	// FetchTimeout bounds each call of the provider. Optional; the default,
	// zero, means two minutes, longer than any source of package awsenv
	// takes. The provider's context ends then; a provider that still has
	// not returned a moment later is abandoned (its goroutine is left to
	// finish on its own, and its result is dropped): the callers waiting
	// for it get an error wrapping [context.DeadlineExceeded], and a later
	// Retrieve asks the provider again. It must not be negative.
	FetchTimeout time.Duration

	// Now tells the time. Optional; the default, nil, means time.Now.
	Now func() time.Time
}

const (
	defaultRefreshWindow = 5 * time.Minute
	defaultFetchTimeout  = 2 * time.Minute

	// maxAbandonGrace is the most a fetch waits, after the provider's
	// context has ended, for the provider to return before abandoning it.
	maxAbandonGrace = time.Second

	// minFailureBackoff and maxFailureBackoff bound the time after a failed
	// fetch, with nothing cached to serve, during which callers get the
	// failure again without the provider being asked. It doubles with each
	// failure in a row.
	minFailureBackoff = time.Second
	maxFailureBackoff = 30 * time.Second

	// refreshRetryDelay is how long the cache serves credentials that are
	// still valid after a failed refresh before it tries again, and the
	// least time it serves credentials fetched inside their refresh window.
	refreshRetryDelay = 10 * time.Second
)

// CredentialsCache wraps a provider and serves the credentials it returns
// until they are about to expire. Create it with [NewCredentialsCache].
//
// Credentials without an expiry time are cached for ever. Others are served
// until RefreshWindow before they expire; the next Retrieve then fetches new
// ones. Only one fetch runs at a time, however many goroutines ask: the
// others wait for it, each until its own context is done. The fetch itself
// is not canceled when the caller that started it gives up, but it is
// bounded by FetchTimeout, after which a provider that ignores its context
// is abandoned so that it cannot wedge the cache. If a refresh fails while
// the old credentials have not yet expired, the cache keeps serving them
// and tries again ten seconds later at the soonest. If a fetch fails with
// nothing to serve, the callers of the next second get the same error
// without the provider being asked, and the pause doubles with each failure
// in a row, up to thirty seconds. Credentials that have already expired
// when fetched are rejected with an error wrapping [ErrCredentialsExpired].
// A provider that panics does not crash the program: its callers get an
// error that holds the panic's value (and, printed with %+v, its stack).
//
// The cache is a [CredentialsLifetimeProvider]: [CredentialsCache.RetrieveValidUntil]
// refreshes early when the cached credentials expire before a form would.
//
// Retrieve and RetrieveValidUntil are safe for concurrent use, and serving
// cached credentials takes neither a lock nor an allocation.
type CredentialsCache struct {
	provider CredentialsProvider
	window   time.Duration
	jitter   time.Duration
	timeout  time.Duration // of a fetch
	now      func() time.Time
	jitterN  func(n time.Duration) time.Duration // random in [0, n)
	err      error                               // set when the options are invalid

	entry atomic.Pointer[cacheEntry] // nil when there is nothing to serve

	mu       sync.Mutex // guards inflight, failure, failures, gen, and changes of entry
	inflight *cacheFetch
	gen      uint64        // counts Invalidate calls
	failure  *cacheFailure // of the last fetch, when it left nothing to serve
	failures int           // fetches in a row that left nothing to serve
}

// cacheFailure is a failed fetch that left nothing to serve, returned again
// until retryAt.
type cacheFailure struct {
	err     error
	retryAt time.Time
}

// cacheEntry is an immutable snapshot of the cached credentials.
type cacheEntry struct {
	creds     Credentials
	refreshAt time.Time // zero when creds never expire
	asked     time.Time // when the provider was last asked
	failure   error     // of the last fetch, when it failed and creds are older
}

// fresh reports whether the entry can be served at now without a refresh.
func (e *cacheEntry) fresh(now time.Time) bool {
	return e.refreshAt.IsZero() || now.Before(e.refreshAt)
}

// cacheFetch is one call of the wrapped provider, shared by its waiters.
type cacheFetch struct {
	done    chan struct{} // closed when creds, err and failure are set
	creds   Credentials   // the new credentials, or the old ones after a failure
	err     error         // set when there are no credentials to serve
	failure error         // the provider's error when creds are the old ones
	gen     uint64        // the cache's gen when the fetch started
}

// NewCredentialsCache returns a cache of the credentials of p. If p is
// already a *CredentialsCache, it returns p unchanged and opts are ignored.
// Invalid options make every Retrieve fail, and so does a nil p (or a nil
// *CredentialsCache), with an [*InputError] wrapping [ErrMissingCredentials].
func NewCredentialsCache(p CredentialsProvider, opts CredentialsCacheOptions) *CredentialsCache {
	inner, isCache := p.(*CredentialsCache)
	if isCache && inner != nil {
		return inner
	}
	c := &CredentialsCache{
		provider: p,
		window:   opts.RefreshWindow,
		jitter:   opts.RefreshJitter,
		timeout:  opts.FetchTimeout,
		now:      orNow(opts.Now),
		jitterN:  rand.N[time.Duration],
	}
	if c.window == 0 {
		c.window = defaultRefreshWindow
	}
	if c.timeout == 0 {
		c.timeout = defaultFetchTimeout
	}
	switch {
	case p == nil || isCache:
		c.err = inputError(ErrMissingCredentials, "NewCredentialsCache", "the provider is nil")
	case opts.RefreshWindow < 0:
		c.err = fmt.Errorf("s3post: credentials cache: RefreshWindow is negative (%v)", opts.RefreshWindow)
	case opts.RefreshJitter < 0:
		c.err = fmt.Errorf("s3post: credentials cache: RefreshJitter is negative (%v)", opts.RefreshJitter)
	case opts.FetchTimeout < 0:
		c.err = fmt.Errorf("s3post: credentials cache: FetchTimeout is negative (%v)", opts.FetchTimeout)
	}
	return c
}

// CredentialsLifetimeProvider is a [CredentialsProvider] that can be asked
// for credentials that stay valid until a given time, such as the expiry of
// a form. [Presigner.PresignPost] uses it when Presigner.Credentials has it,
// so that a provider about to replace its credentials does not sign a form
// that would outlive them.
//
// RetrieveValidUntil returns credentials that do not expire before t (or
// never expire), refreshing them first if it must, or an error wrapping
// [ErrCredentialsExpired] that says when the newest credentials expire,
// when its source has none that last until t. A zero t asks for any
// credentials that have not expired, as Retrieve does. It must be safe for
// concurrent use by multiple goroutines. [*CredentialsCache] implements it.
type CredentialsLifetimeProvider interface {
	CredentialsProvider
	RetrieveValidUntil(ctx context.Context, t time.Time) (Credentials, error)
}

// lastsUntil reports whether c are valid until t: they never expire, or
// they expire at t or later.
func lastsUntil(c Credentials, t time.Time) bool {
	return c.Expires.IsZero() || !c.Expires.Before(t)
}

// Retrieve returns the cached credentials, fetching new ones first when
// there are none or they are about to expire. If ctx is done while it waits
// for a fetch, it returns an error wrapping ctx.Err().
func (c *CredentialsCache) Retrieve(ctx context.Context) (Credentials, error) {
	return c.RetrieveValidUntil(ctx, time.Time{})
}

// RetrieveValidUntil is Retrieve for credentials that must stay valid until
// t, such as the expiry of a form. If the cached credentials expire before
// t, it fetches new ones at once, ahead of their refresh window, sharing the
// fetch with concurrent callers as Retrieve does. If the newest credentials
// still expire before t, or the fetch fails, it returns an error wrapping
// [ErrCredentialsExpired] (and the provider's error) that says when they
// expire; the cached credentials stay cached for the callers that need them
// for less long. So that callers asking for more than the source gives do
// not ask it on every call, it is asked at most once every ten seconds for
// this reason.
func (c *CredentialsCache) RetrieveValidUntil(ctx context.Context, t time.Time) (Credentials, error) {
	if e := c.entry.Load(); e != nil && e.fresh(c.now()) && lastsUntil(e.creds, t) {
		return e.creds, nil
	}
	if c.err != nil {
		return Credentials{}, c.err
	}
	return c.retrieveSlow(ctx, t)
}

// retrieveSlow is RetrieveValidUntil when the cached credentials will not
// do: it waits for a fetch, starting one unless one is running.
func (c *CredentialsCache) retrieveSlow(ctx context.Context, t time.Time) (Credentials, error) {
	c.mu.Lock()
	now := c.now()
	if e := c.entry.Load(); e != nil && e.fresh(now) {
		if lastsUntil(e.creds, t) {
			// Another fetch finished since the caller's check.
			c.mu.Unlock()
			return e.creds, nil
		}
		if now.Before(e.asked.Add(refreshRetryDelay)) {
			// The provider was asked moments ago; it has nothing better.
			c.mu.Unlock()
			return Credentials{}, expiresTooSoon(e.creds, t, e.failure)
		}
	}
	f := c.inflight
	if f == nil && c.failure != nil && now.Before(c.failure.retryAt) {
		// The last fetch failed moments ago; do not hammer the source.
		err := c.failure.err
		c.mu.Unlock()
		return Credentials{}, err
	}
	if f == nil {
		f = &cacheFetch{done: make(chan struct{}), gen: c.gen}
		c.inflight = f
		go c.fetch(context.WithoutCancel(ctx), f)
	}
	c.mu.Unlock()

	select {
	case <-f.done:
		switch {
		case f.err != nil:
			return Credentials{}, f.err
		case !lastsUntil(f.creds, t):
			return Credentials{}, expiresTooSoon(f.creds, t, f.failure)
		}
		return f.creds, nil
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("s3post: waiting for credentials: %w", ctx.Err())
	}
}

// expiresTooSoon reports that the newest credentials expire before t, and
// why no newer ones could be had if a fetch failed.
func expiresTooSoon(c Credentials, t time.Time, failure error) error {
	msg := fmt.Sprintf("s3post: credentials cache: %v: the newest credentials expire at %s, before %s",
		ErrCredentialsExpired, c.Expires.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	if failure == nil {
		return &textError{msg: msg + ", and the source has none that last longer", errs: []error{ErrCredentialsExpired}}
	}
	return &textError{
		msg:  msg + ", and fetching new ones failed: " + strings.TrimPrefix(failure.Error(), "s3post: "),
		errs: []error{ErrCredentialsExpired, failure},
	}
}

// fetch calls the wrapped provider, stores the result, and then hands it to
// the waiters of f.
func (c *CredentialsCache) fetch(ctx context.Context, f *cacheFetch) {
	creds, err := c.callProvider(ctx)
	now := c.now()
	if err == nil && creds.Expired(now) {
		err = fmt.Errorf("s3post: credentials cache: %w: the provider returned credentials that expired at %s",
			ErrCredentialsExpired, creds.Expires.UTC().Format(time.RFC3339))
	}

	c.mu.Lock()
	if c.inflight == f {
		c.inflight = nil
	}
	if f.gen != c.gen {
		// Invalidate was called while the provider was asked: its callers
		// get what it answered, but the cache does not keep it.
		f.creds, f.err = creds, err
		c.mu.Unlock()
		close(f.done)
		return
	}
	switch old := c.entry.Load(); {
	case err == nil:
		c.entry.Store(&cacheEntry{creds: creds, refreshAt: c.refreshAt(creds.Expires, now), asked: now})
		f.creds = creds
	case old != nil && !old.creds.Expired(now):
		// Serve the old credentials for a while rather than fail now: until
		// their refresh, if this fetch came early for RetrieveValidUntil,
		// or else for refreshRetryDelay.
		refreshAt := old.refreshAt
		if !now.Before(refreshAt) {
			refreshAt = earliest(now.Add(refreshRetryDelay), old.creds.Expires)
		}
		c.entry.Store(&cacheEntry{creds: old.creds, refreshAt: refreshAt, asked: now, failure: err})
		f.creds, f.failure = old.creds, err
	default:
		f.err = err
	}

	switch {
	case err == nil:
		c.failure, c.failures = nil, 0
	case f.err != nil:
		c.failures++
		backoff := min(maxFailureBackoff, minFailureBackoff<<min(c.failures-1, 16))
		retryAt := now.Add(backoff)
		c.failure = &cacheFailure{retryAt: retryAt, err: &textError{
			msg: strings.TrimSuffix(err.Error(), ".") + " (the credentials cache answers this until " +
				retryAt.UTC().Format(time.RFC3339) + ", then asks the provider again)",
			errs: []error{err},
		}}
	}
	c.mu.Unlock()
	close(f.done)
}

// fetchResult is what a call of the provider gave.
type fetchResult struct {
	creds Credentials
	err   error
}

// callProvider asks the provider for credentials, within the fetch timeout.
// A provider that panics gives an error, and one that does not return
// shortly after its context ends is abandoned: its goroutine is left to
// finish on its own.
func (c *CredentialsCache) callProvider(ctx context.Context) (Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	done := make(chan fetchResult, 1) // buffered: an abandoned call must not block
	go func() {
		var r fetchResult
		returned := false
		defer func() {
			if v := recover(); v != nil {
				r = fetchResult{err: &panicError{provider: providerName(c.provider), value: v, stack: debug.Stack()}}
			} else if !returned {
				r = fetchResult{err: fmt.Errorf("s3post: credentials cache: the provider %s exited its goroutine without returning (runtime.Goexit)", providerName(c.provider))}
			}
			done <- r
		}()
		r.creds, r.err = c.provider.Retrieve(ctx)
		returned = true
	}()
	select {
	case r := <-done:
		return r.creds, r.err
	case <-ctx.Done():
	}
	grace := min(maxAbandonGrace, c.timeout/4)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.creds, r.err
	case <-timer.C:
		return Credentials{}, &textError{
			msg: fmt.Sprintf("s3post: credentials cache: %v: the provider %s did not return within %v, nor %v after its context ended; it was abandoned and will be asked again",
				context.DeadlineExceeded, providerName(c.provider), c.timeout, grace),
			errs: []error{context.DeadlineExceeded},
		}
	}
}

// panicError is a panic of a provider, turned into an error so that it
// does not crash the program from the cache's goroutine.
type panicError struct {
	provider string
	value    any
	stack    []byte
}

// Error names the provider and the type of the panic's value, but quotes
// the value only when the runtime made it (an index out of range, a nil
// pointer): a value of the provider's own might hold a secret. The value
// is there for errors.As, through Unwrap, when it is an error.
func (e *panicError) Error() string {
	msg := "s3post: credentials cache: the provider " + e.provider + " panicked"
	if re, ok := e.value.(runtime.Error); ok {
		return msg + ": " + re.Error()
	}
	return msg + " with a value of type " + fmt.Sprintf("%T", e.value) + " (not shown: it might hold a secret)"
}

// Unwrap returns the panic's value when it is an error.
func (e *panicError) Unwrap() error {
	err, _ := e.value.(error)
	return err
}

// Format prints Error, and with %+v the stack of the panic too (which
// holds no values).
func (e *panicError) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, e.Error())
	if verb == 'v' && f.Flag('+') {
		_, _ = io.WriteString(f, "\n\n")
		_, _ = f.Write(e.stack)
	}
}

// refreshAt returns when credentials that expire at expires and were
// fetched at now must be refreshed: zero for never, and otherwise the start
// of the refresh window, but no sooner than refreshRetryDelay from now (nor
// later than expires), so that credentials fetched inside their window do
// not cause a fetch on every call.
func (c *CredentialsCache) refreshAt(expires, now time.Time) time.Time {
	if expires.IsZero() {
		return time.Time{}
	}
	window := c.window
	if c.jitter > 0 {
		window += c.jitterN(c.jitter)
	}
	at := expires.Add(-window)
	if soonest := now.Add(refreshRetryDelay); at.Before(soonest) {
		at = earliest(soonest, expires)
	}
	return at
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Invalidate drops the cached credentials, and any failure being answered
// again, so that the next Retrieve fetches new ones; for example after AWS
// has rejected them. A fetch already running is not waited for, and what it
// returns is not cached.
func (c *CredentialsCache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.inflight = nil // a fetch already running is not waited for
	c.failure, c.failures = nil, 0
	c.entry.Store(nil)
}

// String names the cache and the provider it wraps, without any
// credentials.
func (c *CredentialsCache) String() string {
	if c == nil {
		return "CredentialsCache(nil)"
	}
	return "CredentialsCache(" + providerName(c.provider) + ")"
}

// GoString is String, so that %#v does not print the fields either.
func (c *CredentialsCache) GoString() string { return "s3post." + c.String() }

// Format prints String for every verb (GoString for %#v), so that no verb
// prints the fields, which hold the credentials.
func (c *CredentialsCache) Format(f fmt.State, verb rune) { formatHidden(f, verb, c) }

// textError is an error with a text of its own that wraps errs, for
// errors.Is and errors.As.
type textError struct {
	msg  string
	errs []error
}

func (e *textError) Error() string   { return e.msg }
func (e *textError) Unwrap() []error { return e.errs }

// orNow returns now, or time.Now when now is nil.
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
