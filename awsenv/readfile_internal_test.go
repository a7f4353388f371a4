package awsenv

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSmallFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("0123456789"), 0o600))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name    string
		reason  string
		ctx     context.Context
		path    string
		limit   int64
		want    string
		wantErr error
		errHas  string
	}{
		{name: "under the limit", reason: "a small file is read whole", path: file, limit: 11, want: "0123456789"},
		{name: "at the limit", reason: "the limit is the largest size read", path: file, limit: 10, want: "0123456789"},
		{name: "over the limit", reason: "a larger file is refused", path: file, limit: 9, errHas: "read " + file + ": is larger than 9 bytes"},
		{name: "missing", reason: "a missing file wraps fs.ErrNotExist, which callers branch on", path: filepath.Join(dir, "none"), limit: 10, wantErr: fs.ErrNotExist},
		{name: "directory", reason: "a directory is not read", path: dir, limit: 10, errHas: "read " + dir + ": is a directory, not a regular file"},
		{name: "canceled", reason: "a done context stops the read", ctx: canceled, path: file, limit: 10, wantErr: context.Canceled, errHas: "read " + file + ": context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			data, err := readSmallFile(ctx, tc.path, tc.limit)
			if tc.wantErr == nil && tc.errHas == "" {
				require.NoError(t, err, tc.reason)
				assert.Equal(t, tc.want, string(data), tc.reason)
				return
			}
			require.Error(t, err, tc.reason)
			assert.Nil(t, data)
			var pe *fs.PathError
			assert.ErrorAs(t, err, &pe, "the errors are *fs.PathError")
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr, tc.reason)
			}
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
			assert.False(t, strings.Contains(err.Error(), "0123456789"), "the error does not quote the content")
		})
	}
}

func TestFileKind(t *testing.T) {
	t.Parallel()
	for mode, want := range map[fs.FileMode]string{
		fs.ModeDir:                        "a directory",
		fs.ModeNamedPipe:                  "a named pipe (FIFO)",
		fs.ModeSocket:                     "a socket",
		fs.ModeDevice | fs.ModeCharDevice: "a character device",
		fs.ModeDevice:                     "a device",
		fs.ModeIrregular:                  "a special file",
	} {
		assert.Equal(t, want, fileKind(mode), "mode %v", mode)
	}
}

func TestSizeText(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		1 << 20:               "1 MiB",
		64 << 10:              "64 KiB",
		16 << 10:              "16 KiB",
		1536:                  "1536 bytes",
		(1 << 20) + (1 << 10): "1025 KiB",
		9:                     "9 bytes",
		0:                     "0 bytes",
	} {
		assert.Equal(t, want, sizeText(n), "size %d", n)
	}
}
