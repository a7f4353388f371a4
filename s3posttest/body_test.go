package s3posttest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// formBody presigns a form for key and returns the multipart body that a
// browser sends for it: the fields in name order, then the file.
func formBody(t *testing.T, srv *s3posttest.Server, bucket, key, content string) (contentType string, body []byte) {
	t.Helper()
	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	names := make([]string, 0, len(post.Fields))
	for name := range post.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range names {
		require.NoError(t, mw.WriteField(name, post.Fields[name]))
	}
	fw, err := mw.CreateFormFile("file", "f.txt")
	require.NoError(t, err)
	_, err = io.WriteString(fw, content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

// rawPost sends a request head and body on a connection of its own, closes
// the connection's write side (the client has nothing more to send) and
// reads the answer. It never waits more than ten seconds.
func rawPost(t *testing.T, srv *s3posttest.Server, head string, body []byte) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	_, err = conn.Write(body)
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, answer
}

// TestIncompleteAndMalformedBodies sends bodies that end early, or that
// are complete but not well-formed multipart, on a raw connection that the
// client half-closes. S3 refuses them all and stores nothing: a body
// shorter than its Content-Length, or chunked without the final chunk, is
// IncompleteBody, even when the multipart inside it looks complete; a
// complete body whose multipart ends early is MalformedPOSTRequest.
func TestIncompleteAndMalformedBodies(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close) // after the parallel subtests

	// cutAt keeps the body up to the first occurrence of marker, and
	// keepAll keeps it whole.
	cutAt := func(marker string) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(marker))
			require.GreaterOrEqual(t, i, 0, "the body has no %q", marker)
			return b[:i]
		}
	}
	keepAll := func(b []byte) []byte { return b }
	const extra = 100 // bytes announced and never sent

	tests := []struct {
		reason  string
		content string
		cut     func([]byte) []byte
		// framing: "length" announces the length of what is sent,
		// "longer" announces extra bytes more, "chunked" sends the body in
		// one chunk without the final zero-length chunk.
		framing string
		code    string
	}{
		{"complete multipart, Content-Length larger than the body", "FILE-CONTENT", keepAll, "longer", "IncompleteBody"},
		{"complete multipart, chunked without the final chunk", "FILE-CONTENT", keepAll, "chunked", "IncompleteBody"},
		{"cut inside the file, Content-Length larger", "FILE-CONTENT", cutAt("CONTENT"), "longer", "IncompleteBody"},
		{"cut inside a field value, Content-Length larger", "FILE-CONTENT", cutAt("AWS4-HMAC-SHA256"), "longer", "IncompleteBody"},
		{"cut inside a field value, chunked without the final chunk", "FILE-CONTENT", cutAt("AWS4-HMAC-SHA256"), "chunked", "IncompleteBody"},
		{"complete body that ends inside a field value", "FILE-CONTENT", cutAt("AWS4-HMAC-SHA256"), "length", "MalformedPOSTRequest"},
		{"complete body that ends inside the file", "FILE-CONTENT", cutAt("CONTENT"), "length", "MalformedPOSTRequest"},
	}
	for i, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			key := fmt.Sprintf("k%d", i)
			contentType, full := formBody(t, srv, "test-bucket", key, tc.content)
			body := tc.cut(full)
			head := "POST /test-bucket HTTP/1.1\r\nHost: " + strings.TrimPrefix(srv.URL, "http://") + "\r\nContent-Type: " + contentType + "\r\n"
			switch tc.framing {
			case "length":
				head += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
			case "longer":
				head += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)+extra)
			case "chunked":
				head += "Transfer-Encoding: chunked\r\n\r\n"
				body = append([]byte(fmt.Sprintf("%x\r\n", len(body))), append(body, "\r\n"...)...)
			}
			resp, answer := rawPost(t, srv, head, body)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", answer)
			var e s3Error
			require.NoError(t, xml.Unmarshal(answer, &e), "%s", answer)
			assert.Equal(t, tc.code, e.Code, "%s", answer)
			_, stored := srv.Object("test-bucket", key)
			assert.False(t, stored, "a refused upload is stored")
		})
	}
}
