package main

import (
	"fmt"
	"io/fs"
	"os"
)

// openRegular opens the regular file at path for reading, and returns it
// with its FileInfo. Anything else is refused, at once: a directory, a
// device such as /dev/zero (which never ends), a socket, or a named pipe
// (FIFO), whose open would wait for a writer, deaf to SIGINT. Symbolic links
// are followed. The file is checked with stat before it is opened, so that a
// device is not even opened, and again on the opened descriptor, so that a
// FIFO put in its place in between is refused too; on Unix it is opened
// with O_NONBLOCK, so that that open does not wait.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, notRegularError(path, info.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, nil, err
	}
	if info, err = f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = notRegularError(path, info.Mode())
		}
		return nil, nil, err
	}
	return f, info, nil
}

func notRegularError(path string, mode fs.FileMode) error {
	kind := "a special file"
	switch {
	case mode.IsDir():
		kind = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeCharDevice != 0:
		kind = "a character device"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%s is %s, not a regular file: upload sends regular files, whose size it knows", path, kind)
}
