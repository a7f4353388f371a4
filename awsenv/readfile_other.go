//go:build !unix

package awsenv

// openNonBlocking is zero where there is no O_NONBLOCK: there,
// readSmallFile relies on the stat before the open to refuse anything but a
// regular file.
const openNonBlocking = 0
