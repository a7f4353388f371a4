package awsenv

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// The most that awsenv reads of each file. The files hold far less in
// practice; the limits are there so that a wrong path (a log, a disk image,
// /dev/zero) fails at once with a clear error instead of filling memory.
const (
	// maxSharedFileSize bounds the shared credentials and config files,
	// which hold a few KiB even with many profiles.
	maxSharedFileSize = 1 << 20

	// maxWebIdentityTokenLength is the longest WebIdentityToken, in
	// characters, that STS accepts (AssumeRoleWithWebIdentity, AWS STS API
	// Reference: 4 to 20,000 characters). A longer token is refused before
	// any request.
	maxWebIdentityTokenLength = 20000

	// maxWebIdentityTokenFileSize bounds the web identity token file: room
	// for the longest token STS accepts, even in multi-byte characters, and
	// for white space around it.
	maxWebIdentityTokenFileSize = 64 << 10

	// maxContainerTokenFileSize bounds the file of
	// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, whose token, an HTTP header
	// value, is a few hundred bytes (ECS) to a few KiB (an EKS Pod Identity
	// JWT).
	maxContainerTokenFileSize = 16 << 10
)

// readSmallFile reads the regular file at path, of at most limit bytes.
//
// Anything else is refused without blocking and without reading it: a
// directory, a device such as /dev/zero (which never ends), a socket, or a
// named pipe (FIFO), whose open would wait for a writer, past any deadline.
// Symbolic links are followed. The file is checked with stat before it is
// opened, so that a device is not even opened, and again on the opened
// descriptor, so that a FIFO put in its place in between is refused too; on
// Unix it is opened with O_NONBLOCK, so that that open does not wait.
//
// ctx is checked before the file is opened. The errors are
// [*fs.PathError]s, and a missing file's wraps fs.ErrNotExist. They give the
// path, never the content.
func readSmallFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkSmallFile(path, info, limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkSmallFile(path, info, limit); err != nil {
		return nil, err
	}
	// The size from stat may be stale, or zero (as for files under /proc):
	// read one byte more than the limit to know whether the file is over it.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLargeError(path, limit)
	}
	return data, nil
}

// checkSmallFile returns an error unless info is of a regular file of at
// most limit bytes.
func checkSmallFile(path string, info fs.FileInfo, limit int64) error {
	if !info.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("is %s, not a regular file", fileKind(info.Mode()))}
	}
	if info.Size() > limit {
		return tooLargeError(path, limit)
	}
	return nil
}

func tooLargeError(path string, limit int64) error {
	return &fs.PathError{Op: "read", Path: path,
		Err: fmt.Errorf("is larger than %s, more than such a file ever holds: check that the path names the right file", sizeText(limit))}
}

// fileKind names the type of a file that is not a regular file.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// sizeText writes a size limit in MiB or KiB when it is a whole number of
// them, or else in bytes.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
