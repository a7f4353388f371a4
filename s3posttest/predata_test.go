package s3posttest

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/s3post/s3post"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repeating is a request body made of a head, then pattern again and
// again up to size bytes, then a closing delimiter. It counts the bytes
// the server read.
type repeating struct {
	head, pattern string
	size, n       int
}

func (r *repeating) Read(p []byte) (int, error) {
	if r.n >= r.size {
		n := copy(p, "--b--\r\n")
		r.size += n // the closing delimiter is read once
		r.n += n
		return n, nil
	}
	var n int
	for n < len(p) && r.n < r.size {
		var c int
		if r.n < len(r.head) {
			c = copy(p[n:], r.head[r.n:])
		} else {
			i := (r.n - len(r.head)) % len(r.pattern)
			c = copy(p[n:], r.pattern[i:])
		}
		c = min(c, r.size-r.n)
		n += c
		r.n += c
	}
	return n, nil
}

// TestEveryByteBeforeTheFileCounts sends bodies of megabytes before any
// file, in parts that the old count of names and values missed. S3 counts
// every byte before the file against its 20 KB limit: each refusal must
// come after the server read little more than 20 KB, whatever the parts
// are made of.
func TestEveryByteBeforeTheFileCounts(t *testing.T) {
	t.Parallel()
	srv := NewServer(Config{})
	t.Cleanup(srv.Close)
	const size = 2 << 20
	tests := []struct {
		reason, head, pattern string
	}{
		{"parts without headers", "", "--b\r\n\r\n\r\n"},
		{"parts without Content-Disposition", "", "--b\r\nX-Junk: 1\r\n\r\n\r\n"},
		{"one part with a header of megabytes", "--b\r\nX-Junk: ", "aaaaaaaa"},
		{"a preamble of megabytes before the first part", "", "preamble line\r\n"},
		{"named empty fields", "", "--b\r\nContent-Disposition: form-data; name=\"x-ignore-a\"\r\n\r\n\r\n"},
		{"one field of megabytes", "--b\r\nContent-Disposition: form-data; name=\"x-ignore-a\"\r\n\r\n", "aaaaaaaa"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			body := &repeating{head: tc.head, pattern: tc.pattern, size: size}
			req := httptest.NewRequest(http.MethodPost, "/test-bucket", body)
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			rec := httptest.NewRecorder()
			srv.serveHTTP(rec, req)
			assert.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			var e struct{ Code string }
			require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
			assert.Equal(t, "MaxPostPreDataLengthExceeded", e.Code, rec.Body.String())
			assert.Less(t, body.n, 64<<10, "the server read %d bytes before it refused", body.n)
		})
	}
}

// TestFieldsUpToTheLimitPass checks the other side of the limit: a form
// whose bytes before the file are just within 20 KB is taken.
func TestFieldsUpToTheLimitPass(t *testing.T) {
	t.Parallel()
	srv := NewServer(Config{})
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		reason string
		pad    int // bytes of an x-ignore- field, to bring the total to the limit
		code   int
	}{
		{"20480 bytes before the file", 0, http.StatusNoContent},
		{"20481 bytes before the file", 1, http.StatusBadRequest},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			_, body := presignedBody(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: tc.reason}, "x-ignore-pad", "", "content")
			before := strings.Index(string(body), "\r\n\r\n"+"content") + 4
			pad := maxPreData - before + tc.pad
			contentType, body := presignedBody(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: tc.reason}, "x-ignore-pad", strings.Repeat("p", pad), "content")
			require.Equal(t, maxPreData+tc.pad, strings.Index(string(body), "\r\n\r\n"+"content")+4)
			req := httptest.NewRequest(http.MethodPost, "/test-bucket", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", contentType)
			rec := httptest.NewRecorder()
			srv.serveHTTP(rec, req)
			assert.Equal(t, tc.code, rec.Code, rec.Body.String())
		})
	}
}

// presignedBody is the body of a form for in with one more field, name and
// value, in the place of a field the browser adds: the fields in name
// order, then the file.
func presignedBody(t *testing.T, srv *Server, in s3post.PostInput, name, value, file string) (contentType string, body []byte) {
	t.Helper()
	post, err := srv.Presigner().PresignPost(context.Background(), in)
	require.NoError(t, err)
	fields := map[string]string{name: value}
	for k, v := range post.Fields {
		fields[k] = v
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range names {
		require.NoError(t, mw.WriteField(k, fields[k]))
	}
	fw, err := mw.CreateFormFile("file", "f.txt")
	require.NoError(t, err)
	_, err = io.WriteString(fw, file)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

// TestProposedSizeOfAHugeFile checks the ProposedSize of a file too large
// to read to its end: the request's Content-Length, as S3 reports it for a
// body it refuses unread.
func TestProposedSizeOfAHugeFile(t *testing.T) {
	t.Parallel()
	srv := NewServer(Config{})
	t.Cleanup(srv.Close)
	in := s3post.PostInput{Bucket: "test-bucket", Key: "huge", Conditions: []s3post.Condition{s3post.ContentLengthRange(0, 10)}}
	contentType, body := presignedBody(t, srv, in, "x-ignore-a", "", strings.Repeat("x", 2*maxSizeScan))
	req := httptest.NewRequest(http.MethodPost, "/test-bucket", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	srv.serveHTTP(rec, req)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), "<ProposedSize>"+strconv.Itoa(len(body))+"</ProposedSize><MaxSizeAllowed>10</MaxSizeAllowed>")
}
