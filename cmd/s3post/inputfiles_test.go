package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// inputFileDeadline is how long the tests of unusual input files wait for
// s3post: it must fail at once, long before.
const inputFileDeadline = 10 * time.Second

// runCLIWithin is runCLI, but fails the test, rather than wait, when
// s3post has not exited within d: it is killed then.
func runCLIWithin(t *testing.T, d time.Duration, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("s3post %v did not exit within %v", args, d)
	}
	r := result{stdout: safeText(t, "stdout", stdout.String()), stderr: safeText(t, "stderr", stderr.String())}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		require.NoError(t, err, "running s3post %v", args)
	}
	assertClean(t, r.stdout+r.stderr)
	return r
}

// TestPresignLargeSharedFiles checks that a shared credentials or config
// file far larger than such a file can be is refused, not read whole.
func TestPresignLargeSharedFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			big := filepath.Join(t.TempDir(), "big")
			require.NoError(t, os.WriteFile(big, nil, 0o600))
			require.NoError(t, os.Truncate(big, 100<<20)) // sparse: nothing is written
			r := runCLIWithin(t, inputFileDeadline, append(cleanEnv(t), name+"="+big), "", "presign", "-bucket", "my-bucket", "-key", "k")
			requireFailure(t, r, 1, "read "+big+": is larger than 1 MiB")
		})
	}
}
