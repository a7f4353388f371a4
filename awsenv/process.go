package awsenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/s3post/s3post"
)

// ProcessProvider gets credentials from an external command, as the
// credential_process key of a shared config profile does.
//
// The command runs with "sh -c Command", with the environment of this
// process and no input. It must exit with status 0 and print a JSON object
// to standard output:
//
//	{
//	  "Version": 1,
//	  "AccessKeyId": "AKIA...",
//	  "SecretAccessKey": "...",
//	  "SessionToken": "...",
//	  "Expiration": "2025-01-02T15:04:05Z"
//	}
//
// SessionToken and Expiration (RFC 3339) are optional. Retrieve fails when
// Command is empty (an [*s3post.InputError] wrapping [s3post.ErrMissingCredentials]), when
// the command cannot start, exits with another status, prints anything else,
// or prints credentials that have expired (the error then wraps
// [s3post.ErrCredentialsExpired]). The command is killed when ctx is done or
// Timeout has passed. Errors never quote the command or its standard output,
// which may hold secrets; after a failed run they quote the start of its
// standard error, unless it mentions "secret" or "token" in any case (as
// SecretAccessKey and SessionToken do), when they give only its length.
//
// The command runs on every call; wrap the provider in a [s3post.CredentialsCache]
// to run it only when the credentials are about to expire. Retrieve is safe
// for concurrent use.
type ProcessProvider struct {
	// Command is the shell command to run. Required.
	Command string

	// Timeout bounds each run of the command. Optional; the default is one
	// minute.
	Timeout time.Duration

	// Now tells the time, to check Expiration. Optional; the default, nil,
	// means time.Now.
	Now func() time.Time
}

const (
	defaultProcessTimeout = time.Minute
	processOutputLimit    = 64 << 10 // far larger than any credentials JSON
	processStderrSnippet  = 512      // bytes of standard error quoted in errors
)

// Retrieve runs the command and returns the credentials that it prints.
func (p ProcessProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	if strings.TrimSpace(p.Command) == "" {
		return s3post.Credentials{}, inputError(s3post.ErrMissingCredentials, "ProcessProvider.Command", "the command is empty; it is required")
	}
	c, err := runCredentialProcess(ctx, p.Command, p.Timeout, orNow(p.Now))
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %w", err)
	}
	return c, nil
}

// runCredentialProcess runs a credential process, whose command is not
// empty. Its errors start with "credential_process: ", for the caller to
// prefix.
func runCredentialProcess(ctx context.Context, command string, timeout time.Duration, now func() time.Time) (s3post.Credentials, error) {
	if timeout <= 0 {
		timeout = defaultProcessTimeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var stdout, stderr boundedBuffer
	stdout.limit, stderr.limit = processOutputLimit, 4*processStderrSnippet
	cmd := exec.CommandContext(runCtx, "sh", "-c", command)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Children of sh may keep its output open after it exits or is
	// killed; stop waiting for them soon after.
	cmd.WaitDelay = 500 * time.Millisecond
	err := cmd.Run()

	if err != nil {
		var exitErr *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return s3post.Credentials{}, fmt.Errorf("credential_process: %w", ctx.Err())
		case runCtx.Err() != nil:
			return s3post.Credentials{}, fmt.Errorf("credential_process: no answer within %v: %w", timeout, runCtx.Err())
		case errors.As(err, &exitErr) && len(bytes.TrimSpace(stderr.buf)) > 0:
			if mayHoldCredentials(stderr.buf) {
				return s3post.Credentials{}, fmt.Errorf("credential_process: %w (%s of stderr withheld: they look like credentials)", err, stderr.size())
			}
			return s3post.Credentials{}, fmt.Errorf("credential_process: %w; stderr: %q", err, stderr.snippet(processStderrSnippet))
		}
		return s3post.Credentials{}, fmt.Errorf("credential_process: %w", err)
	}
	if stdout.overflow {
		return s3post.Credentials{}, fmt.Errorf("credential_process: output is longer than %d bytes", processOutputLimit)
	}
	return parseProcessOutput(stdout.buf, now())
}

// String returns "ProcessProvider", without the command, which may hold a
// secret.
func (ProcessProvider) String() string { return "ProcessProvider" }

// GoString returns "awsenv.ProcessProvider", so that %#v does not print the
// command either.
func (ProcessProvider) GoString() string { return "awsenv.ProcessProvider" }

// processOutput is the JSON that a credential process prints.
type processOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

// parseProcessOutput decodes the output of a credential process. Its errors
// never quote the output, which holds secrets.
func parseProcessOutput(out []byte, now time.Time) (s3post.Credentials, error) {
	var po processOutput
	if err := json.Unmarshal(out, &po); err != nil {
		// The errors of encoding/json may quote a piece of the input.
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntaxErr):
			return s3post.Credentials{}, fmt.Errorf("credential_process: output is not valid JSON (error at byte %d)", syntaxErr.Offset)
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return s3post.Credentials{}, fmt.Errorf("credential_process: output field %s has the wrong type, want %s", typeErr.Field, typeErr.Type)
		}
		return s3post.Credentials{}, errors.New("credential_process: output is not a JSON object")
	}
	switch {
	case po.Version == 0:
		return s3post.Credentials{}, errors.New(`credential_process: output has no "Version": 1`)
	case po.Version != 1:
		return s3post.Credentials{}, fmt.Errorf("credential_process: output has Version %d, but only Version 1 is supported", po.Version)
	case po.AccessKeyID == "":
		return s3post.Credentials{}, fmt.Errorf("credential_process: %w: output has no AccessKeyId", s3post.ErrMissingCredentials)
	case po.SecretAccessKey == "":
		return s3post.Credentials{}, fmt.Errorf("credential_process: %w: output has no SecretAccessKey", s3post.ErrMissingCredentials)
	}
	c := s3post.Credentials{
		AccessKeyID:     po.AccessKeyID,
		SecretAccessKey: po.SecretAccessKey,
		SessionToken:    po.SessionToken,
	}
	if po.Expiration != "" {
		t, err := time.Parse(time.RFC3339, po.Expiration)
		if err != nil {
			return s3post.Credentials{}, fmt.Errorf("credential_process: output has Expiration %q, which is not an RFC 3339 time", po.Expiration)
		}
		c.Expires = t
		if c.Expired(now) {
			return s3post.Credentials{}, fmt.Errorf("credential_process: %w: the credentials expired at %s", s3post.ErrCredentialsExpired, t.UTC().Format(time.RFC3339))
		}
	}
	return c, nil
}

// mayHoldCredentials reports whether a command's standard error mentions
// a secret or a token ("SecretAccessKey", "SessionToken", "Token",
// "secret", in any case), so that it must not be quoted: a command that
// fails after printing its credentials JSON to the wrong stream would
// otherwise leak them into an error.
func mayHoldCredentials(b []byte) bool {
	lower := bytes.ToLower(b)
	return bytes.Contains(lower, []byte("secret")) || bytes.Contains(lower, []byte("token"))
}

// boundedBuffer keeps the first limit bytes written to it and drops the
// rest, so that a chatty command cannot exhaust memory. Writes never fail, so
// the command is not killed by a broken pipe.
type boundedBuffer struct {
	buf      []byte
	limit    int
	overflow bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	n := min(len(p), b.limit-len(b.buf))
	b.buf = append(b.buf, p[:n]...)
	if n < len(p) {
		b.overflow = true
	}
	return len(p), nil
}

// size describes how many bytes were written: "N bytes", or "over N
// bytes" when some were dropped.
func (b *boundedBuffer) size() string {
	if b.overflow {
		return fmt.Sprintf("over %d bytes", len(b.buf))
	}
	return fmt.Sprintf("%d bytes", len(b.buf))
}

// snippet returns at most n bytes of the buffer's text, trimmed of
// surrounding space and cut at a character boundary, with "..." when cut.
func (b *boundedBuffer) snippet(n int) string {
	s := strings.TrimSpace(string(b.buf))
	if len(s) <= n && !b.overflow {
		return s
	}
	if len(s) > n {
		s = s[:n]
		for i := 0; i < utf8.UTFMax-1; i++ {
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	return strings.TrimRightFunc(s, unicode.IsSpace) + "..."
}
