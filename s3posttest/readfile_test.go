package s3posttest

import (
	"bytes"
	"crypto/md5"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadFileHashesEveryChunkInOrder reads files of several hashChunk
// sizes, whose content never repeats (so that chunks hashed twice, left
// out or out of order change the MD5), through readers that return a few
// bytes at a time, with and without the size hint: the content and MD5
// must be the file's.
func TestReadFileHashesEveryChunkInOrder(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	content := make([]byte, 3*hashChunk+12345)
	for i := range content {
		content[i] = byte(rng.Uint32())
	}
	tests := []struct {
		reason string
		size   int
		hint   int64
		reader func(io.Reader) io.Reader
	}{
		{"the hint is the size: one buffer", len(content), int64(len(content)), iotest.HalfReader},
		{"the hint is larger: one buffer, not filled", len(content), int64(len(content)) + 200, iotest.HalfReader},
		{"no hint: a buffer that grows while chunks are hashed", len(content), -1, iotest.HalfReader},
		{"a hint too small: the buffer grows past it", len(content), hashChunk / 3, iotest.HalfReader},
		{"exactly one chunk", hashChunk, -1, iotest.HalfReader},
		{"less than a chunk, a byte at a time", 1000, -1, iotest.OneByteReader},
		{"an empty file", 0, 0, iotest.HalfReader},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			want := content[:tc.size]
			got, sum, err := readFile(tc.reader(bytes.NewReader(want)), int64(len(content)), tc.hint)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(want, got), "the content read differs from the file's")
			assert.Equal(t, md5.Sum(want), sum)
		})
	}
}

// TestReadFileStopsAfterTheLimit reads a file over its limit: readFile
// reads one byte more than the limit and stops, and an error from the
// reader ends it.
func TestReadFileStopsAfterTheLimit(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("0123456789"), hashChunk/5) // two chunks
	got, _, err := readFile(iotest.HalfReader(bytes.NewReader(content)), hashChunk, -1)
	require.NoError(t, err)
	assert.Len(t, got, hashChunk+1, "the byte over the limit tells the file is larger")

	_, _, err = readFile(iotest.TimeoutReader(bytes.NewReader(content)), int64(len(content)), -1)
	require.ErrorIs(t, err, iotest.ErrTimeout)
}
