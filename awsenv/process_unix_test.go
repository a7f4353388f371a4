//go:build unix

package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// TestProcessProviderLeavesNoChildren checks that the processes a
// credential process starts in the background do not outlive a timeout or
// a cancel, and that a background process that keeps the output open
// neither makes a successful run fail nor outlives it. Each command writes
// the PIDs of its background processes to a file, one a line.
func TestProcessProviderLeavesNoChildren(t *testing.T) {
	t.Parallel()
	creds := `{"Version":1,"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `"}`
	tests := []struct {
		name      string
		reason    string
		stdout    string        // printed by the command, from a file
		command   string        // run after printing stdout; $PIDS names the PID file
		timeout   time.Duration // ProcessProvider.Timeout
		cancel    bool          // cancel ctx once the PID file is written
		wantErr   error         // nil for success; a sentinel, or errStopsChain
		errHas    string
		wantAlive bool // the background process must be left running
	}{
		{
			name:    "timeout",
			reason:  "the whole process group is killed when Timeout passes",
			command: `sleep 31 & echo $! >>"$PIDS"; sleep 30 & echo $! >>"$PIDS"; wait`,
			timeout: 500 * time.Millisecond,
			wantErr: context.DeadlineExceeded,
			errHas:  "no answer within 500ms",
		},
		{
			name:    "cancel",
			reason:  "the whole process group is killed when ctx is canceled",
			command: `sleep 31 & echo $! >>"$PIDS"; sleep 30 & echo $! >>"$PIDS"; wait`,
			cancel:  true,
			wantErr: context.Canceled,
			errHas:  "s3post: credential_process: context canceled",
		},
		{
			name:    "child holds stdout",
			reason:  "complete credentials are used, and the child that holds the output is killed",
			stdout:  creds,
			command: `sleep 30 & echo $! >"$PIDS"`,
		},
		{
			name:    "child holds stderr",
			reason:  "the same when only stderr is held",
			stdout:  creds,
			command: `sleep 30 >/dev/null & echo $! >"$PIDS"`,
		},
		{
			name:    "child holds stdout, output incomplete",
			reason:  "the error says why the output is incomplete",
			stdout:  `{"Version":1,"AccessKeyId":"` + credKeyID + `",`,
			command: `sleep 30 & echo $! >"$PIDS"`,
			wantErr: errStopsChain,
			errHas: "s3post: credential_process: the command exited, but a process it started kept its output open, and was killed after 500ms; " +
				"the output until then is not usable: output is not valid JSON (error at byte 50)",
		},
		{
			name:    "child holds stdout, exit 1",
			reason:  "a failed command's child is killed too",
			stdout:  creds,
			command: `sleep 30 & echo $! >"$PIDS"; exit 1`,
			wantErr: errStopsChain,
			errHas:  "exit status 1, with nothing on standard error; a process it started kept its output open, and was killed after 500ms",
		},
		{
			name:      "child closes the output",
			reason:    "a background process that does not hold the output is left alone, as the AWS SDKs do",
			stdout:    creds,
			command:   `sleep 30 >/dev/null 2>&1 & echo $! >"$PIDS"`,
			wantAlive: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := writeCredFile(t, dir, "out.json", &tc.stdout)
			pidFile := filepath.Join(dir, "pids")
			p := awsenv.ProcessProvider{
				Command: fmt.Sprintf("PIDS='%s'; cat '%s'; %s", pidFile, out, tc.command),
				Timeout: tc.timeout,
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if tc.cancel {
				go func() {
					waitForPIDs(pidFile, 2, 5*time.Second)
					cancel()
				}()
			}

			start := time.Now()
			got, err := credRetrieve(t, p, ctx)
			elapsed := time.Since(start)

			pids := waitForPIDs(pidFile, 1, time.Second)
			require.NotEmpty(t, pids, "the command wrote no PID")
			wait := 3 * time.Second
			if tc.wantAlive {
				wait = 0 // a single look
			}
			alive := aliveAfter(pids, wait)
			t.Cleanup(func() { killAll(alive) })
			if tc.wantAlive {
				assert.Equal(t, pids, alive, tc.reason)
			} else {
				assert.Empty(t, alive, "background processes outlived Retrieve: %s", tc.reason)
			}
			assert.Less(t, elapsed, 3*time.Second, tc.reason)
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assertCreds(t, credsOne, got, tc.reason)
				return
			}
			require.Error(t, err, tc.reason)
			if tc.wantErr != errStopsChain {
				assert.ErrorIs(t, err, tc.wantErr, tc.reason)
			}
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}

// waitForPIDs reads the PIDs in file, one a line, waiting up to wait for
// at least n of them.
func waitForPIDs(file string, n int, wait time.Duration) []int {
	deadline := time.Now().Add(wait)
	for {
		var pids []int
		b, _ := os.ReadFile(file)
		for _, line := range strings.Split(string(b), "\n") {
			if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && pid > 0 {
				pids = append(pids, pid)
			}
		}
		if len(pids) >= n || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// aliveAfter waits up to wait for the processes to end, and returns those
// still running then. A zombie, which only waits for its parent to reap it,
// counts as ended.
func aliveAfter(pids []int, wait time.Duration) []int {
	deadline := time.Now().Add(wait)
	for {
		var alive []int
		for _, pid := range pids {
			if processRunning(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processRunning reports whether process pid exists and is not a zombie.
func processRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	// On Linux, field 3 of /proc/PID/stat is the state; Z is a zombie.
	// Elsewhere, a zombie counts as running.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || !strings.HasPrefix(string(stat[i+1:]), " Z")
}

// killAll kills the processes, which a failed test left running.
func killAll(pids []int) {
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
