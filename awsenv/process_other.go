//go:build !unix

package awsenv

import "os/exec"

// inOwnProcessGroup does nothing on systems without Unix process groups:
// when the context of cmd is done, exec.Cmd kills the command alone.
func inOwnProcessGroup(*exec.Cmd) {}

// killProcessGroup does nothing on systems without Unix process groups: a
// process that the command started is left running.
func killProcessGroup(*exec.Cmd) {}
