package s3posttest_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefusedOnContentLength sends the head of a request whose
// Content-Length is over what MaxObjectSize lets through, and a few bytes of
// its body: the server must answer at once, without waiting for the body,
// with an error that names its own limit and not the policy's.
func TestRefusedOnContentLength(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{MaxObjectSize: 1 << 20})
	t.Cleanup(srv.Close)
	tests := []struct {
		reason        string
		contentLength int64
	}{
		{"256 MiB to a 1 MiB server", 256 << 20},
		{"3 MiB to a 1 MiB server: more than the 1 MiB after the file and 20 KB before it that it reads besides", 3 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			head := fmt.Sprintf("POST /test-bucket HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n", tc.contentLength)
			// rawPost half-closes the connection after the bytes: a server
			// that waited for the body would see it end early instead, and
			// answer IncompleteBody.
			resp, answer := rawPost(t, srv, head, []byte("--b\r\n"))
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Contains(t, string(answer), "<Code>MaxMessageLengthExceeded</Code>")
			assert.Contains(t, string(answer), fmt.Sprintf("whose MaxObjectSize is 1048576 bytes: its Content-Length is %d bytes.", tc.contentLength))
			assert.Contains(t, string(answer), "raise s3posttest.Config.MaxObjectSize")
		})
	}

	// A file of MaxObjectSize is taken, although its request is longer.
	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "test-bucket", Key: "max"})
	require.NoError(t, err)
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "f", Body: strings.NewReader(strings.Repeat("x", 1<<20))})
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// TestLargeUploadMemory uploads a 16 MiB file and reads it back with GET:
// the server allocates the object once (about its size, not the 2 to 3
// times that growing a buffer takes), hashes it as it reads, and serves it
// without a copy. It measures the bytes the whole process allocates, and
// so does not run in parallel with other tests.
func TestLargeUploadMemory(t *testing.T) {
	const size = 16 << 20
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "test-bucket", Key: "big"})
	require.NoError(t, err)
	content := strings.Repeat("0123456789abcdef", size/16)

	allocated := func(do func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		do()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	tests := []struct {
		reason string
		body   func() io.Reader // a strings.Reader gives the request a Content-Length
		most   uint64
	}{
		{"with a Content-Length: one buffer of the file's size", func() io.Reader { return strings.NewReader(content) }, size + size/10},
		{"chunked: a buffer that grows, but the MD5 is not a second pass", func() io.Reader { return iotest.HalfReader(strings.NewReader(content)) }, 4 * size},
	}
	for _, tc := range tests {
		n := allocated(func() {
			req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "big", Body: tc.body()})
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusNoContent, resp.StatusCode)
		})
		assert.LessOrEqual(t, n, tc.most, "%s: the upload allocated %d bytes for a %d-byte file", tc.reason, n, size)
	}

	var got []byte
	n := allocated(func() {
		resp, err := http.Get(srv.URL + "/test-bucket/big")
		require.NoError(t, err)
		defer resp.Body.Close()
		got = make([]byte, 0, size)
		buf := make([]byte, 64<<10)
		for {
			m, err := resp.Body.Read(buf)
			got = append(got, buf[:m]...)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
		}
	})
	assert.Equal(t, content, string(got))
	assert.LessOrEqual(t, n, uint64(size+size/10), "GET allocated %d bytes for a %d-byte object: it copied it", n, size)

	obj, ok := srv.Object("test-bucket", "big")
	require.True(t, ok)
	sum := md5.Sum([]byte(content))
	assert.Equal(t, `"`+hex.EncodeToString(sum[:])+`"`, obj.ETag)
}
