package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The credentials the tests sign with. No output of s3post may contain the
// secret.
const (
	testAccessKey = "AKIAS3POSTCLITEST"
	testSecret    = "cli-test-secret-0123456789abcdefghijklmn"
	testRegion    = "eu-central-1"
)

// binary is the s3post command built once for all the tests.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "s3post-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "s3post")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building s3post:", err)
		return 1
	}
	return m.Run()
}

// cleanEnv returns an environment in which the developer's AWS settings
// cannot leak into s3post: a new empty home, and empty shared files.
func cleanEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	empty := filepath.Join(home, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	env := []string{
		"HOME=" + home,
		"USERPROFILE=" + home,
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"PATH=" + os.Getenv("PATH"),
		"AWS_EC2_METADATA_DISABLED=true", // no wait for the instance metadata service
	}
	for _, name := range []string{"SYSTEMROOT", "TMPDIR", "TEMP", "TMP"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// credsEnv is cleanEnv with the test credentials and region.
func credsEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	env := append(cleanEnv(t),
		"AWS_ACCESS_KEY_ID="+testAccessKey,
		"AWS_SECRET_ACCESS_KEY="+testSecret,
		"AWS_REGION="+testRegion)
	return append(env, extra...)
}

// result is what a run of s3post printed and its exit status. runCLI
// withholds a text that holds the test secret, so that printing a result in
// a failure message never shows it.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs the command with env, stdin and args. It fails the test if
// anything it printed holds the test secret or a Go stack trace.
func runCLI(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
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

// assertClean checks that output holds no secret and no stack trace,
// without ever printing the secret.
func assertClean(t *testing.T, output string) {
	t.Helper()
	output = safeText(t, "output", output)
	assert.NotContains(t, output, "goroutine ", "s3post printed a stack trace")
	assert.NotContains(t, output, "panic:", "s3post panicked")
}

// safeText returns s, or a placeholder if s holds the test secret, in which
// case the test is marked failed: what names s in the failure message,
// which never shows the secret.
func safeText(t *testing.T, what, s string) string {
	t.Helper()
	if strings.Contains(s, testSecret) {
		t.Errorf("s3post printed the secret on %s", what)
		return "[" + what + " withheld: it holds the test secret]"
	}
	return s
}

// requireFailure checks that s3post failed with code and printed one line
// on stderr, starting with "s3post: " and holding want, and nothing on
// stdout. Its failure messages never show the test secret.
func requireFailure(t *testing.T, r result, code int, want string) {
	t.Helper()
	r.stdout, r.stderr = safeText(t, "stdout", r.stdout), safeText(t, "stderr", r.stderr)
	require.Equal(t, code, r.code, "%v", r)
	assert.Empty(t, r.stdout, "stdout")
	assert.True(t, strings.HasPrefix(r.stderr, "s3post: "), "stderr does not start with \"s3post: \": %q", r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "stderr is not one line: %q", r.stderr)
	assert.True(t, strings.HasSuffix(r.stderr, "\n"), "stderr does not end its line: %q", r.stderr)
	assert.Contains(t, r.stderr, want)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "Usage:\n  s3post presign"},
		{[]string{"--help"}, "Usage:\n  s3post presign"},
		{[]string{"help"}, "Usage:\n  s3post presign"},
		{[]string{"presign", "-h"}, "-content-type-prefix prefix"},
		{[]string{"presign", "--help"}, "-max-size size"},
		{[]string{"help", "presign"}, "-conditions"},
		{[]string{"upload", "-h"}, "Usage: s3post upload [-form FILE|-] [flags] FILE"},
		{[]string{"demo", "-h"}, "Usage: s3post demo"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, cleanEnv(t), "", tc.args...)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Contains(t, r.stdout, tc.want)
			assert.Empty(t, r.stderr)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	t.Run("no command", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, cleanEnv(t), "")
		assert.Equal(t, 2, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "Usage:")
	})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"presigned"}, `unknown command "presigned"`},
		{[]string{"-bucket", "b"}, "a command comes first"},
		{[]string{"help", "nope"}, `unknown command "nope"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			requireFailure(t, runCLI(t, cleanEnv(t), "", tc.args...), 2, tc.want)
		})
	}
}
