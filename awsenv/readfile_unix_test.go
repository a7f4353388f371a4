//go:build unix

package awsenv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// specialFileDeadline is the context deadline of the tests of files that
// are not regular files: the sources must fail at once, long before it.
const specialFileDeadline = 2 * time.Second

// mkfifo makes a named pipe in dir. When the test ends, a reader still
// blocked opening it is let go (by a writer that opens it without blocking
// and closes it at once), so that a failing test leaves no goroutine stuck.
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	t.Cleanup(func() {
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
	})
	return path
}

// within runs f, and fails the test if it has not returned by the
// deadline and a second more, instead of waiting for it.
func within[T any](t *testing.T, deadline time.Duration, f func(ctx context.Context) T) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	done := make(chan T, 1)
	go func() { done <- f(ctx) }()
	select {
	case v := <-done:
		return v
	case <-time.After(deadline + time.Second):
		t.Fatalf("still blocked %v after the context's deadline", time.Second)
		panic("unreachable")
	}
}

// retrieveWithin is credRetrieve, failing the test if Retrieve blocks past
// the deadline.
func retrieveWithin(t *testing.T, p s3post.CredentialsProvider, deadline time.Duration) error {
	t.Helper()
	err := within(t, deadline, func(ctx context.Context) error {
		_, err := p.Retrieve(ctx)
		return err
	})
	if err != nil && !assertNoSecret(t, "error", err.Error()) {
		return errors.New("[error text withheld: it holds a test secret]")
	}
	return err
}

// TestSpecialFilesRefused checks that no source reads a file that is not a
// regular file: a device such as /dev/zero would fill memory, and a FIFO
// would block the read forever, whatever the context says.
func TestSpecialFilesRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, src := range fileSources(t, dir) {
		for _, tc := range []struct {
			name   string
			reason string
			path   func(t *testing.T) string
			is     string
		}{
			{
				name: "/dev/zero", reason: "a device is endless: it is refused, not read into memory",
				path: func(*testing.T) string { return "/dev/zero" },
				is:   "is a character device, not a regular file",
			},
			{
				name: "FIFO", reason: "a named pipe without a writer would block: it is refused at once",
				path: func(t *testing.T) string { return mkfifo(t, t.TempDir(), "fifo") },
				is:   "is a named pipe (FIFO), not a regular file",
			},
			{
				name: "symlink to a FIFO", reason: "links are followed, and what they lead to is checked",
				path: func(t *testing.T) string {
					d := t.TempDir()
					link := filepath.Join(d, "link")
					require.NoError(t, os.Symlink(mkfifo(t, d, "fifo"), link))
					return link
				},
				is: "is a named pipe (FIFO), not a regular file",
			},
			{
				name: "directory", reason: "a directory is not a file to read",
				path: func(t *testing.T) string { return t.TempDir() },
				is:   "is a directory, not a regular file",
			},
		} {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				path := tc.path(t)
				before := src.requests()
				start := time.Now()
				err := retrieveWithin(t, src.provider(path), specialFileDeadline)
				require.Error(t, err, tc.reason)
				assert.Less(t, time.Since(start), specialFileDeadline/2, "the error comes at once: %s", tc.reason)
				assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
				assert.False(t, errors.Is(err, context.DeadlineExceeded), "the error is not the deadline: %v", err)
				assert.Regexp(t, "^s3post: ", err.Error())
				assert.Contains(t, err.Error(), "read "+path+": "+tc.is, tc.reason)
				assert.Equal(t, before, src.requests(), "no request is sent: %s", tc.reason)
			})
		}
	}
}

// TestSpecialConfigFileRegion checks that finding the region, which reads
// the shared config file without a context, refuses a FIFO or a device too.
func TestSpecialConfigFileRegion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		path func(t *testing.T) string
		is   string
	}{
		{"/dev/zero", func(*testing.T) string { return "/dev/zero" }, "is a character device, not a regular file"},
		{"FIFO", func(t *testing.T) string { return mkfifo(t, t.TempDir(), "config") }, "is a named pipe (FIFO), not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.path(t)
			env := credEnv(map[string]string{"HOME": t.TempDir(), "AWS_CONFIG_FILE": path})
			err := within(t, specialFileDeadline, func(context.Context) error {
				_, err := (awsenv.SharedFilesProvider{Getenv: env}).Region()
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "read "+path+": "+tc.is)

			err = within(t, specialFileDeadline, func(context.Context) error {
				_, err := awsenv.RegionForTest(env)
				return err
			})
			require.Error(t, err, "awsenv.Region reads the config file when no region variable is set")
			assert.Contains(t, err.Error(), "read "+path+": "+tc.is)
		})
	}
}

// TestDefaultChainSpecialFile checks that a FIFO as a file of the default
// chain gives an error at once, and that it does not wedge the cache of
// DefaultCredentials: the next call fails at once too.
func TestDefaultChainSpecialFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  func(fifo string) map[string]string
	}{
		{"shared credentials file", func(fifo string) map[string]string {
			return map[string]string{"AWS_SHARED_CREDENTIALS_FILE": fifo}
		}},
		{"shared config file", func(fifo string) map[string]string {
			return map[string]string{"AWS_CONFIG_FILE": fifo}
		}},
		{"web identity token file", func(fifo string) map[string]string {
			return map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": fifo, "AWS_ROLE_ARN": webRole, "AWS_ENDPOINT_URL_STS": closedURL(t)}
		}},
		{"container authorization token file", func(fifo string) map[string]string {
			return map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": fifo, "AWS_CONTAINER_CREDENTIALS_FULL_URI": closedURL(t) + "/creds"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			fifo := mkfifo(t, dir, "fifo")
			env := tc.env(fifo)
			env["HOME"], env["AWS_EC2_METADATA_DISABLED"] = dir, "true"

			err := retrieveWithin(t, awsenv.DefaultChainForTest(credEnv(env)), specialFileDeadline)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "read "+fifo+": is a named pipe (FIFO), not a regular file")

			cache := awsenv.NewDefaultCredentialsForTest(credEnv(env))
			for i := range 2 {
				err := retrieveWithin(t, cache, specialFileDeadline)
				require.Error(t, err, "call %d", i+1)
				assert.Contains(t, err.Error(), "read "+fifo+": is a named pipe (FIFO), not a regular file", "call %d", i+1)
			}
		})
	}
}
