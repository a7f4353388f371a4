package awsenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

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
// [s3post.ErrCredentialsExpired]).
//
// Errors never quote the command nor anything it wrote, which may hold
// secrets: they give the exit status, how many bytes the command wrote to
// standard error (run it by hand to read them), and which field of its
// output is missing or malformed, with the length of a malformed value.
//
// The command is killed when ctx is done or Timeout has passed.
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

	// processWaitDelay bounds the wait for a command's output to close
	// after the command has ended or was killed.
	processWaitDelay = 500 * time.Millisecond
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

	run := runProcess(runCtx, command)
	if run.err != nil {
		var exitErr *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return s3post.Credentials{}, fmt.Errorf("credential_process: %w", ctx.Err())
		case runCtx.Err() != nil:
			return s3post.Credentials{}, fmt.Errorf("credential_process: no answer within %v: %w", timeout, runCtx.Err())
		case errors.As(run.err, &exitErr):
			return s3post.Credentials{}, run.exitError(exitErr)
		}
		return s3post.Credentials{}, fmt.Errorf("credential_process: %w", run.err)
	}
	if run.stdout.overflow {
		return s3post.Credentials{}, fmt.Errorf("credential_process: output is longer than %d bytes", processOutputLimit)
	}
	c, err := parseProcessOutput(run.stdout.buf, now())
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("credential_process: %w", err)
	}
	return c, nil
}

// exitError describes a run that exited with an error status or was
// killed by a signal: it gives the status and how much the command wrote
// to standard error, never what it wrote.
func (r *processRun) exitError(exitErr *exec.ExitError) error {
	hint := ""
	switch exitErr.ExitCode() {
	case 126:
		hint = " (the shell's status for a command that cannot run)"
	case 127:
		hint = " (the shell's status for a command not found)"
	}
	stderr := ", with nothing on standard error"
	if r.stderr > 0 {
		stderr = fmt.Sprintf("; it wrote %d bytes to standard error, not shown as they may hold secrets: run the command by hand to read them", r.stderr)
	}
	return fmt.Errorf("credential_process: %w%s%s", exitErr, hint, stderr)
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
// never quote the output, which holds secrets, and do not start with
// "credential_process: ", for the caller to prefix.
func parseProcessOutput(out []byte, now time.Time) (s3post.Credentials, error) {
	var po processOutput
	if err := json.Unmarshal(out, &po); err != nil {
		// The errors of encoding/json may quote a piece of the input.
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntaxErr):
			return s3post.Credentials{}, fmt.Errorf("output is not valid JSON (error at byte %d)", syntaxErr.Offset)
		case errors.As(err, &typeErr) && isProcessOutputField(typeErr.Field):
			return s3post.Credentials{}, fmt.Errorf("output field %s has the wrong type, want %s", typeErr.Field, typeErr.Type)
		}
		return s3post.Credentials{}, errors.New("output is not a JSON object")
	}
	switch {
	case po.Version == 0:
		return s3post.Credentials{}, errors.New(`output has no "Version": 1`)
	case po.Version != 1:
		return s3post.Credentials{}, errors.New("output has a Version other than 1, the only one supported")
	case po.AccessKeyID == "":
		return s3post.Credentials{}, fmt.Errorf("%w: output has no AccessKeyId", s3post.ErrMissingCredentials)
	case po.SecretAccessKey == "":
		return s3post.Credentials{}, fmt.Errorf("%w: output has no SecretAccessKey", s3post.ErrMissingCredentials)
	}
	c := s3post.Credentials{
		AccessKeyID:     po.AccessKeyID,
		SecretAccessKey: po.SecretAccessKey,
		SessionToken:    po.SessionToken,
	}
	if po.Expiration != "" {
		t, err := time.Parse(time.RFC3339, po.Expiration)
		if err != nil {
			return s3post.Credentials{}, fmt.Errorf("output field Expiration is not an RFC 3339 time (%d bytes)", len(po.Expiration))
		}
		c.Expires = t
		if c.Expired(now) {
			// The time, parsed and printed anew, holds no secret.
			return s3post.Credentials{}, fmt.Errorf("%w: the credentials expired at %s", s3post.ErrCredentialsExpired, t.UTC().Format(time.RFC3339))
		}
	}
	return c, nil
}

// isProcessOutputField reports whether name is the JSON name of a field of
// processOutput, which an error may give: any other name in a type error
// would come from the output.
func isProcessOutputField(name string) bool {
	switch name {
	case "Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration":
		return true
	}
	return false
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

// processRun is what one run of a credential process left.
type processRun struct {
	stdout boundedBuffer // standard output, bounded
	stderr int64         // bytes written to standard error, never kept
	err    error         // the error of exec.Cmd.Run
}

// runProcess runs "sh -c command" until it exits, or ctx is done.
func runProcess(ctx context.Context, command string) *processRun {
	run := &processRun{stdout: boundedBuffer{limit: processOutputLimit}}
	var stderr byteCounter
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout, cmd.Stderr = &run.stdout, &stderr
	// Children of sh may keep its output open after it exits or is
	// killed; stop waiting for them soon after.
	cmd.WaitDelay = processWaitDelay
	run.err = cmd.Run()
	run.stderr = int64(stderr)
	return run
}

// byteCounter counts the bytes written to it, and drops them.
type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}
