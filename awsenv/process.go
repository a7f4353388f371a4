package awsenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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
// standard error (run it by hand to read them), which field of its output
// is missing or has the wrong type, and the length of an Expiration that is
// not a time.
//
// On Unix the command runs in a process group of its own. When ctx is done
// or Timeout has passed, the whole group is killed, so that no process the
// command started in it outlives the run (a process that leaves the group,
// such as one started with setsid, is beyond reach). When the command exits but a process it
// started in the background keeps its standard output or standard error
// open, Retrieve waits half a second for it, then kills the command's
// process group and uses the output read until then: the credentials when it
// is complete, an error that says so when it is not. A background process
// that closed both is left running, as the AWS SDKs leave it. On other
// systems the command alone is killed, and a background process that keeps
// the output open is left running while Retrieve stops reading from it.
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
	// after the command has ended, and for a killed command to end.
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
	switch {
	case err != nil && run.outputHeld:
		return s3post.Credentials{}, fmt.Errorf("credential_process: the command exited, but a process it started kept its output open, "+
			"and was killed after %v; the output until then is not usable: %w", processWaitDelay, err)
	case err != nil:
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
	held := ""
	if r.outputHeld {
		held = fmt.Sprintf("; a process it started kept its output open, and was killed after %v", processWaitDelay)
	}
	return fmt.Errorf("credential_process: %w%s%s%s", exitErr, hint, stderr, held)
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
	stdout     boundedBuffer // standard output, bounded
	stderr     int64         // bytes written to standard error, never kept
	err        error         // the error of exec.Cmd.Wait, or of starting the command
	outputHeld bool          // the command ended, but a process it started kept its output open
}

// runProcess runs "sh -c command" until it exits and its output closes,
// or ctx is done. On Unix the command leads a process group of its own,
// which is killed when ctx is done, or when the output is still open
// processWaitDelay after the command exited.
//
// The output goes to pipes made here rather than by exec.Cmd, so that the
// run knows whether they closed: exec.Cmd closes its own after its
// WaitDelay and reports that as a failure, even when the command succeeded.
func runProcess(ctx context.Context, command string) *processRun {
	run := &processRun{stdout: boundedBuffer{limit: processOutputLimit}}
	outR, outW, err := os.Pipe()
	if err != nil {
		run.err = err
		return run
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		run.err = err
		return run
	}
	defer errR.Close()

	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.WaitDelay = processWaitDelay
	inOwnProcessGroup(cmd)
	err = cmd.Start()
	// The command has its own copies of the write ends; closing ours lets
	// the reads below end when the command and its children close theirs.
	outW.Close()
	errW.Close()
	if err != nil {
		run.err = err
		return run
	}

	copied := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(&run.stdout, outR)
		copied <- struct{}{}
	}()
	go func() {
		run.stderr, _ = io.Copy(io.Discard, errR)
		copied <- struct{}{}
	}()
	run.err = cmd.Wait()

	// The command has ended, but a process that it started in the
	// background may still hold its output open.
	grace := time.NewTimer(processWaitDelay)
	defer grace.Stop()
	for pending := 2; pending > 0; {
		select {
		case <-copied:
			pending--
			continue
		case <-grace.C:
		case <-ctx.Done():
		}
		run.outputHeld = true
		killProcessGroup(cmd)
		// Closing the read ends ends the copies even when a process out
		// of reach, in a group of its own, holds the write ends.
		outR.Close()
		errR.Close()
		for ; pending > 0; pending-- {
			<-copied
		}
	}
	return run
}
