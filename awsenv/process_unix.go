//go:build unix

package awsenv

import (
	"os/exec"
	"syscall"
)

// inOwnProcessGroup makes cmd start a process group of its own, and kill
// the whole group when its context is done, so that no process it started
// outlives it.
func inOwnProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Once Wait has reaped the command, its PID, which is the ID of
		// the group, may be reused: signal 0 goes through the process
		// handle, which knows, and fails with os.ErrProcessDone.
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return err
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// killProcessGroup kills what is left of the process group of cmd, which
// has been started by inOwnProcessGroup and has ended.
//
// The ID of a group, the PID of cmd, is not reused while a process of the
// group lives, so the signal reaches only processes that cmd started. When
// none is left, it reaches none, unless the kernel went through all other
// PIDs in the half second since cmd ended.
func killProcessGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
