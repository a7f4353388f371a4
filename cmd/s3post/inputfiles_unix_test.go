//go:build unix

package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mkfifo makes a named pipe in a new directory.
func mkfifo(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

// TestPresignSpecialSharedFiles checks that a device or a FIFO as a shared
// file fails at once with a clear error: /dev/zero used to fill memory
// until s3post died, and a FIFO blocked it forever.
func TestPresignSpecialSharedFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  string
		path func(t *testing.T) string
		is   string
	}{
		{"credentials file /dev/zero", "AWS_SHARED_CREDENTIALS_FILE", func(*testing.T) string { return "/dev/zero" }, "is a character device, not a regular file"},
		{"config file /dev/zero", "AWS_CONFIG_FILE", func(*testing.T) string { return "/dev/zero" }, "is a character device, not a regular file"},
		{"credentials file FIFO", "AWS_SHARED_CREDENTIALS_FILE", func(t *testing.T) string { return mkfifo(t, "credentials") }, "is a named pipe (FIFO), not a regular file"},
		{"config file FIFO", "AWS_CONFIG_FILE", func(t *testing.T) string { return mkfifo(t, "config") }, "is a named pipe (FIFO), not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.path(t)
			// No -region: the config file is read for it, and then the
			// credentials file for the keys.
			r := runCLIWithin(t, inputFileDeadline, append(cleanEnv(t), tc.env+"="+path), "", "presign", "-bucket", "my-bucket", "-key", "k")
			requireFailure(t, r, 1, "read "+path+": "+tc.is)
		})
	}
}

// TestUploadSpecialFile checks that upload refuses, at once, a file to
// upload that is not a regular file: opening a FIFO used to wait for a
// writer forever, and SIGINT did not stop it.
func TestUploadSpecialFile(t *testing.T) {
	t.Parallel()
	s3 := newFakeS3(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	good := testForm(s3.URL+"/b", basicConditions, nil)
	for _, tc := range []struct {
		name string
		path func(t *testing.T) string
		is   string
	}{
		{"FIFO", func(t *testing.T) string { return mkfifo(t, "cat.png") }, "is a named pipe (FIFO), not a regular file"},
		{"symlink to a FIFO", func(t *testing.T) string {
			link := filepath.Join(t.TempDir(), "link.png")
			require.NoError(t, os.Symlink(mkfifo(t, "cat.png"), link))
			return link
		}, "is a named pipe (FIFO), not a regular file"},
		{"/dev/zero", func(*testing.T) string { return "/dev/zero" }, "is a character device, not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.path(t)
			t.Cleanup(func() { releaseFIFO(path) })
			r := runCLIWithin(t, inputFileDeadline, cleanEnv(t), good, "upload", path)
			requireFailure(t, r, 1, "upload: "+path+" "+tc.is)
		})
	}
	assert.Zero(t, s3.count(), "nothing is posted")
}

// releaseFIFO lets go of a reader blocked opening the FIFO at path, if
// any, by opening it for writing without blocking and closing it.
func releaseFIFO(path string) {
	if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		_ = f.Close()
	}
}

// TestUploadFormInterrupted checks that SIGINT stops upload while it waits
// for its form, here from a FIFO whose writer sends nothing.
func TestUploadFormInterrupted(t *testing.T) {
	t.Parallel()
	fifo := mkfifo(t, "form.json")
	cmd := exec.Command(binary, "upload", "-form", fifo, writeFile(t, "cat.png", "0123456789"))
	cmd.Env = cleanEnv(t)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status is read from cmd.ProcessState
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	// A writer's non-blocking open succeeds once s3post has the FIFO open
	// for reading: from then on, s3post waits for the form's bytes.
	var w *os.File
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if w, err = os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			break
		}
		require.ErrorIs(t, err, syscall.ENXIO)
		require.Less(t, time.Since(start), inputFileDeadline, "s3post never opened the form")
	}
	defer w.Close()

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("s3post kept running 5s after SIGINT")
	}
	r := result{code: cmd.ProcessState.ExitCode(), stdout: safeText(t, "stdout", stdout.String()), stderr: safeText(t, "stderr", stderr.String())}
	requireFailure(t, r, 1, "upload: interrupted while reading the form from "+fifo)
}
