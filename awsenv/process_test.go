package awsenv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
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
		errLack []string // pieces that the error must not quote
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
			reason:  "the error gives the status and the length of stderr, never stderr or stdout",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}`,
			command: "echo '  refresh failed: no network  ' >&2; exit 3",
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: exit status 3; it wrote 31 bytes to standard error, not shown as they may hold secrets: run the command by hand to read them"},
			errLack: []string{"refresh failed"},
		},
		{
			name:    "credentials on stderr",
			reason:  "stderr is not quoted, only counted",
			command: `printf '{"SecretAccessKey":"` + credSecret + `"}' >&2; exit 1`,
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: exit status 1; it wrote 62 bytes to standard error"},
			errLack: []string{"SecretAccessKey"},
		},
		{
			name:    "token on stderr",
			reason:  "stderr is not quoted, only counted",
			command: "echo 'sso TOKEN expired: ABCDEFGH' >&2; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1; it wrote 28 bytes to standard error"},
			errLack: []string{"ABCDEFGH"},
		},
		{
			name:    "long stderr with a secret at the end",
			reason:  "stderr is not quoted, only counted",
			command: "i=0; while [ $i -lt 100 ]; do printf 'error line %03d\n' $i >&2; i=$((i+1)); done; echo 'Secret: x' >&2; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1; it wrote 1510 bytes to standard error"},
			errLack: []string{"error line", "Secret"},
		},
		{
			name:    "longer stderr with a secret",
			reason:  "stderr of any length is counted in full",
			command: "echo 'secret:' >&2; i=0; while [ $i -lt 200 ]; do printf 'error line %03d\n' $i >&2; i=$((i+1)); done; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1; it wrote 3008 bytes to standard error"},
			errLack: []string{"error line", "secret:"},
		},
		{
			name:    "long stderr",
			reason:  "harmless-looking stderr is not quoted either",
			command: "i=0; while [ $i -lt 200 ]; do printf 'error line %03d\\n' $i >&2; i=$((i+1)); done; exit 1",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 1; it wrote 3000 bytes to standard error"},
			errLack: []string{"error line"},
		},
		{
			name:    "command not found",
			reason:  "sh reports it on stderr with status 127, which the error explains",
			command: "s3post-no-such-command",
			wantErr: errStopsChain,
			errHas:  []string{"exit status 127 (the shell's status for a command not found); it wrote "},
			errLack: []string{"s3post-no-such-command"},
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
			name:    "failure without stderr",
			reason:  "the error says that stderr was empty",
			command: "exit 4",
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: exit status 4, with nothing on standard error"},
		},
		{
			name:    "killed",
			reason:  "a command killed by a signal",
			command: "kill -9 $$",
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: signal: killed, with nothing on standard error"},
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
			errHas:  []string{"output field SecretAccessKey has the wrong type, want string"},
			errLack: []string{"12345678901234567890"},
		},
		{
			name:    "Version 2",
			reason:  "only Version 1 is defined",
			stdout:  `{"Version":2,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}`,
			wantErr: errStopsChain,
			errHas:  []string{"output has a Version other than 1, the only one supported"},
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
			reason:  "Expiration must be RFC 3339; the error gives its length, not its value",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Expiration":"tomorrow"}`,
			wantErr: errStopsChain,
			errHas:  []string{"s3post: credential_process: output field Expiration is not an RFC 3339 time (8 bytes)"},
			errLack: []string{"tomorrow"},
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
			for _, piece := range tc.errLack {
				assert.NotContains(t, err.Error(), piece, tc.reason)
			}
			assert.NotContains(t, err.Error(), credKeyID, "stdout must not be quoted")
			assertNoSecret(t, "error", err.Error())
			assert.Less(t, len(err.Error()), 400, "nothing the command wrote is quoted")
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

// TestProcessProviderNeverQuotesOutput checks that no error of a credential
// process quotes what the command wrote, wherever it puts a secret: on
// standard error at any position, in standard output that is not JSON, or
// in any field of its JSON, after a success or a failure.
func TestProcessProviderNeverQuotesOutput(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	keys := `"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","SessionToken":"` + credToken + `"`
	filler := strings.Repeat("error line that says nothing of interest\n", 60) // 2,460 bytes
	long := strings.Repeat(credToken, 61440/len(credToken)+1)[:61440]
	tests := []struct {
		name   string
		reason string
		stdout string // printed by the command, from a file
		stderr string // printed by the command to standard error, from a file
		exit   int    // the command's exit status
		errHas []string
	}{
		{name: "bare secret on stderr", reason: "a secret key alone, with no word that hints at it", stderr: credSecret + "\n", exit: 1,
			errHas: []string{"exit status 1", "41 bytes"}},
		{name: "bare token on stderr", reason: "a session token alone", stderr: credToken, exit: 2,
			errHas: []string{"exit status 2", "35 bytes"}},
		{name: "secret at the start of stderr", reason: "followed by a mention of a secret much later", stderr: credSecret + "\n" + filler + "secret\n", exit: 1,
			errHas: []string{"exit status 1", "2508 bytes"}},
		{name: "secret in the middle of stderr", reason: "between harmless lines", stderr: "refresh failed\n" + credSecret + "\nretry later\n", exit: 1},
		{name: "secret at the end of stderr", reason: "after harmless lines", stderr: "refresh failed: " + credSecret, exit: 1},
		{name: "secret after 2,048 bytes of stderr", reason: "beyond what was once searched", stderr: filler + credSecret + "\n" + credToken + "\n", exit: 1,
			errHas: []string{"2537 bytes"}},
		{name: "huge stderr", reason: "stderr of any length is only counted", stderr: strings.Repeat(credSecret+"\n", 5000), exit: 1,
			errHas: []string{"205000 bytes"}},
		{name: "secret on stderr, exit 0", reason: "stderr of a run that succeeds but prints no JSON", stderr: credSecret, stdout: "not JSON"},
		{name: "credentials on stderr", reason: "JSON sent to the wrong stream", stderr: `{"Version":1,` + keys + `}`, exit: 1},
		{name: "credentials on stdout, exit 1", reason: "stdout is never quoted", stdout: `{"Version":1,` + keys + `}`, exit: 1},
		{name: "secret as stdout garbage", reason: "output that is not JSON", stdout: credSecret + " " + credToken},
		{name: "secret after JSON", reason: "garbage after the object", stdout: `{"Version":1,` + keys + `} ` + credSecret},
		{name: "secret in truncated JSON", reason: "output cut short", stdout: `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret},
		{name: "secret as Expiration", reason: "an Expiration that is not a time", stdout: `{"Version":1,` + keys + `,"Expiration":"` + credSecret + `"}`,
			errHas: []string{"Expiration is not an RFC 3339 time (40 bytes)"}},
		{name: "60 KB Expiration", reason: "a huge Expiration gives a short error", stdout: `{"Version":1,` + keys + `,"Expiration":"` + long + `"}`,
			errHas: []string{"Expiration is not an RFC 3339 time (61440 bytes)"}},
		{name: "secret as Version", reason: "a Version of the wrong type", stdout: `{"Version":"` + credSecret + `",` + keys + `}`},
		{name: "token as Version", reason: "a Version that is a number", stdout: `{"Version":123456789012345,` + keys + `}`},
		{name: "secret as malformed AccessKeyId", reason: "a key ID of the wrong type", stdout: `{"Version":1,"AccessKeyId":["` + credSecret + `"],"SecretAccessKey":"` + credToken + `"}`},
		{name: "token as SessionToken of the wrong type", reason: "an object where a string belongs", stdout: `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","SessionToken":{"t":"` + credToken + `"}}`},
		{name: "secret as SecretAccessKey of the wrong type", reason: "an array where a string belongs", stdout: `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":["` + credSecret + `"]}`},
		{name: "secret as a key", reason: "an unknown field named by a secret, and no key ID", stdout: `{"Version":1,"` + credSecret + `":"` + credToken + `"}`},
		{name: "expired", reason: "expired credentials", stdout: `{"Version":1,` + keys + `,"Expiration":"2020-01-01T00:00:00Z"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := writeCredFile(t, dir, "out", &tc.stdout)
			errOut := writeCredFile(t, dir, "err", &tc.stderr)
			p := awsenv.ProcessProvider{
				Command: fmt.Sprintf("cat '%s'; cat '%s' >&2; exit %d", out, errOut, tc.exit),
				Now:     func() time.Time { return now },
			}
			got, err := p.Retrieve(context.Background())
			require.Error(t, err, tc.reason)
			assertCreds(t, s3post.Credentials{}, got)
			var logged bytes.Buffer
			slog.New(slog.NewTextHandler(&logged, nil)).Error("x", "err", err)
			texts := map[string]string{
				"error": err.Error(), "%v": fmt.Sprintf("%v", err), "%+v": fmt.Sprintf("%+v", err),
				"%q": fmt.Sprintf("%q", err), "%#v": fmt.Sprintf("%#v", err), "slog": logged.String(),
			}
			for what, text := range texts {
				assertNoSecret(t, what+" of the error", text)
				assert.False(t, strings.Contains(text, credKeyID), "%s of the error quotes the key ID", what)
			}
			msg := safeText(t, "error", err.Error())
			assert.True(t, strings.HasPrefix(msg, "s3post: credential_process: "), "error %q lacks the prefix", msg)
			assert.Less(t, len(msg), 400, "error %q is too long: %s", msg, tc.reason)
			for _, piece := range tc.errHas {
				assert.Contains(t, msg, piece, tc.reason)
			}
		})
	}
}
