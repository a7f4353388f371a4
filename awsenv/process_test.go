package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

func TestProcessProvider(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	expires := now.Add(time.Hour)
	tests := []struct {
		name    string
		reason  string
		stdout  string // printed by the command, from a file
		command string // run after printing stdout; default "exit 0"
		want    s3post.Credentials
		wantErr error    // nil for success; a sentinel, or errStopsChain
		errHas  []string // pieces of the error message
	}{
		{
			name:   "full output",
			reason: "all fields of Version 1",
			stdout: `{"Version": 1, "AccessKeyId": "` + credKeyID + `", "SecretAccessKey": "` + credSecret + `", "SessionToken": "` + credToken + `", "Expiration": "` + expires.Format(time.RFC3339) + `"}`,
			want:   s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, SessionToken: credToken, Expires: expires},
		},
		{
			name:   "keys only",
			reason: "SessionToken and Expiration are optional",
			stdout: `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}` + "\n",
			want:   credsOne,
		},
		{
			name:   "fractional seconds and offset",
			reason: "Expiration is any RFC 3339 time; unknown fields are ignored",
			stdout: `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Expiration":"2026-03-01T14:00:00.5+01:00","Other":true}`,
			want:   s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, Expires: time.Date(2026, 3, 1, 13, 0, 0, 5e8, time.UTC)},
		},
		{
			name:    "non-zero exit",
			reason:  "the error gives the status and stderr, never stdout",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}`,
			command: "echo '  refresh failed: no network  ' >&2; exit 3",
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: exit status 3", `stderr: "refresh failed: no network"`},
		},
		{
			name:    "credentials on stderr",
			reason:  "stderr that mentions a secret is not quoted, only counted",
			command: `printf '{"SecretAccessKey":"` + credSecret + `"}' >&2; exit 1`,
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: exit status 1 (62 bytes of stderr withheld: they look like credentials)"},
		},
		{
			name:    "token on stderr",
			reason:  `"token" in any case is enough to withhold stderr`,
			command: "echo 'sso TOKEN expired: ABCDEFGH' >&2; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1 (28 bytes of stderr withheld: they look like credentials)"},
		},
		{
			name:    "long stderr with a secret at the end",
			reason:  "all of the captured stderr is checked, not only the quoted start",
			command: "i=0; while [ $i -lt 100 ]; do printf 'error line %03d\n' $i >&2; i=$((i+1)); done; echo 'Secret: x' >&2; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1 (1510 bytes of stderr withheld"},
		},
		{
			name:    "longer stderr with a secret",
			reason:  "stderr cut at the limit is counted as over it",
			command: "echo 'secret:' >&2; i=0; while [ $i -lt 200 ]; do printf 'error line %03d\n' $i >&2; i=$((i+1)); done; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1 (over 2048 bytes of stderr withheld"},
		},
		{
			name:    "long stderr",
			reason:  "only the start of stderr is quoted",
			command: "i=0; while [ $i -lt 200 ]; do printf 'error line %03d\\n' $i >&2; i=$((i+1)); done; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"error line 000", `..."`},
		},
		{
			name:    "command not found",
			reason:  "sh reports it on stderr with status 127",
			command: "s3post-no-such-command",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 127", "not found"},
		},
		{
			name:    "not JSON",
			reason:  "the error does not quote the output",
			stdout:  "AccessKeyId=" + credKeyID + " SecretAccessKey=" + credSecret,
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON"},
		},
		{
			name:    "truncated JSON",
			reason:  "the error does not quote the output",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret,
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON"},
		},
		{
			name:    "empty output",
			reason:  "a command that prints nothing fails",
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON"},
		},
		{
			name:    "JSON array",
			reason:  "the output must be an object",
			stdout:  `["` + credSecret + `"]`,
			wantErr: errStopsChain,
			errHas:  []string{"not a JSON object"},
		},
		{
			name:    "wrong type",
			reason:  "a field of the wrong type is named, without its value",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":12345678901234567890}`,
			wantErr: errStopsChain,
			errHas:  []string{"SecretAccessKey has the wrong type"},
		},
		{
			name:    "Version 2",
			reason:  "only Version 1 is defined",
			stdout:  `{"Version":2,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}`,
			wantErr: errStopsChain,
			errHas:  []string{"Version 2", "only Version 1"},
		},
		{
			name:    "no Version",
			reason:  "Version is required",
			stdout:  `{"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}`,
			wantErr: errStopsChain,
			errHas:  []string{`no "Version": 1`},
		},
		{
			name:    "no AccessKeyId",
			reason:  "both keys are required",
			stdout:  `{"Version":1,"SecretAccessKey":"` + credSecret + `"}`,
			wantErr: s3post.ErrMissingCredentials,
			errHas:  []string{"no AccessKeyId"},
		},
		{
			name:    "no SecretAccessKey",
			reason:  "both keys are required",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SessionToken":"` + credToken + `"}`,
			wantErr: s3post.ErrMissingCredentials,
			errHas:  []string{"no SecretAccessKey"},
		},
		{
			name:    "bad Expiration",
			reason:  "Expiration must be RFC 3339",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Expiration":"tomorrow"}`,
			wantErr: errStopsChain,
			errHas:  []string{`Expiration "tomorrow"`},
		},
		{
			name:    "expired",
			reason:  "expired credentials are refused",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Expiration":"2026-03-01T12:00:00Z"}`,
			wantErr: s3post.ErrCredentialsExpired,
			errHas:  []string{"expired at 2026-03-01T12:00:00Z"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := writeCredFile(t, t.TempDir(), "out.json", &tc.stdout)
			p := awsenv.ProcessProvider{
				Command: fmt.Sprintf("cat '%s'; %s", out, cmpOr(tc.command, "exit 0")),
				Now:     func() time.Time { return now },
			}
			got, err := credRetrieve(t, p, context.Background())
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assertCreds(t, tc.want, got, tc.reason)
				return
			}
			require.Error(t, err, tc.reason)
			if tc.wantErr != errStopsChain {
				assert.ErrorIs(t, err, tc.wantErr, tc.reason)
			}
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
			assert.True(t, strings.HasPrefix(err.Error(), "s3post: credential_process: "), "error %q lacks the prefix", err)
			for _, piece := range tc.errHas {
				assert.Contains(t, err.Error(), piece, tc.reason)
			}
			assert.NotContains(t, err.Error(), credKeyID, "stdout must not be quoted")
			assertNoSecret(t, "error", err.Error())
			assert.Less(t, len(err.Error()), 700, "stderr is quoted in part only")
			assertCreds(t, s3post.Credentials{}, got)
		})
	}
}

func TestProcessProviderHang(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reason  string
		timeout time.Duration // ProcessProvider.Timeout
		ctxWait time.Duration // deadline of the caller's context; 0 for none
		errHas  string
	}{
		{
			name:    "caller's deadline",
			reason:  "the command is killed when ctx is done",
			ctxWait: 100 * time.Millisecond,
			errHas:  "s3post: credential_process: context deadline exceeded",
		},
		{
			name:    "provider's timeout",
			reason:  "Timeout bounds a command even when ctx has no deadline",
			timeout: 100 * time.Millisecond,
			errHas:  "no answer within 100ms",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tc.ctxWait > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxWait)
				defer cancel()
			}
			start := time.Now()
			_, err := credRetrieve(t, awsenv.ProcessProvider{Command: "sleep 10", Timeout: tc.timeout}, ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded, tc.reason)
			assert.Contains(t, err.Error(), tc.errHas)
			assert.Less(t, time.Since(start), 5*time.Second, tc.reason)
		})
	}
}

func TestProcessProviderHangingChild(t *testing.T) {
	t.Parallel()
	// The background sleep keeps stdout open after sh is killed; Retrieve
	// must not wait for it.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := credRetrieve(t, awsenv.ProcessProvider{Command: "sleep 10 & sleep 10; wait"}, ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestProcessProviderMisuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("x", 1<<20)), 0o600))
	tests := []struct {
		name    string
		reason  string
		command string
		errHas  string
	}{
		{name: "empty command", reason: "Command is required", command: "  ", errHas: "command is empty"},
		{name: "huge output", reason: "output is bounded", command: "cat '" + big + "'", errHas: "output is longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := credRetrieve(t, awsenv.ProcessProvider{Command: tc.command}, context.Background())
			require.Error(t, err, tc.reason)
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain")
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}

func TestProcessProviderString(t *testing.T) {
	t.Parallel()
	p := awsenv.ProcessProvider{Command: "get-creds --token " + credToken}
	for _, s := range []string{p.String(), fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
		assert.False(t, strings.Contains(s, "get-creds"), "the command may hold a secret")
		assertNoSecret(t, "String", s)
	}
}
