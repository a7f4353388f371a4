//go:build unix

package main

import "syscall"

// openNonBlocking makes the open of a named pipe return at once, rather
// than wait for a writer, so that openRegular can refuse it. It does not
// change how a regular file is read.
const openNonBlocking = syscall.O_NONBLOCK
