package s3post

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type receivedPart struct{ name, filename, value string }

// formRecorder is an endpoint that reads a multipart POST part by part, as S3
// does, and records what came.
func formRecorder(t *testing.T, got *[]receivedPart, length *int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*length = r.ContentLength
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if !assert.NoError(t, err) || !assert.Equal(t, "multipart/form-data", mt) {
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if !assert.NoError(t, err) {
				return
			}
			b, err := io.ReadAll(part)
			if !assert.NoError(t, err) {
				return
			}
			*got = append(*got, receivedPart{part.FormName(), part.FileName(), string(b)})
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestNewUploadRequest(t *testing.T) {
	t.Parallel()
	tmp := filepath.Join(t.TempDir(), "photo.jpg")
	require.NoError(t, os.WriteFile(tmp, []byte("jpeg bytes"), 0o600))
	file, err := os.Open(tmp)
	require.NoError(t, err)
	t.Cleanup(func() { file.Close() })

	tests := []struct {
		reason  string
		body    io.Reader
		size    int64
		content string
		chunked bool
	}{
		{"strings.Reader: length known", strings.NewReader("hello"), 0, "hello", false},
		{"bytes.Buffer: length known", bytes.NewBufferString("buffer"), 0, "buffer", false},
		{"os.File: length from Stat", file, 0, "jpeg bytes", false},
		{"empty file", strings.NewReader(""), 0, "", false},
		{"unknown length: chunked", io.MultiReader(strings.NewReader("a"), strings.NewReader("b")), 0, "ab", true},
		{"size given by the caller", io.MultiReader(strings.NewReader("abc")), 3, "abc", false},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			var got []receivedPart
			var length int64
			srv := formRecorder(t, &got, &length)
			post := &PresignedPost{URL: srv.URL + "/bucket", Fields: map[string]string{"key": "k/${filename}", "policy": "cG9saWN5", "x-amz-signature": "abc"}}
			req, err := post.NewUploadRequest(context.Background(), Upload{
				Filename: "photo \"1\".jpg", Body: tc.body, Size: tc.size,
				Fields: map[string]string{"Content-Type": "image/jpeg"},
			})
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)

			assert.Equal(t, []receivedPart{
				{name: "Content-Type", value: "image/jpeg"},
				{name: "key", value: "k/${filename}"},
				{name: "policy", value: "cG9saWN5"},
				{name: "x-amz-signature", value: "abc"},
				{name: "file", filename: "photo \"1\".jpg", value: tc.content},
			}, got, "fields in name order, the file last")
			if tc.chunked {
				assert.Equal(t, int64(-1), length)
			} else {
				assert.Positive(t, length, "Content-Length is sent")
			}
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestNewUploadRequestStreams(t *testing.T) {
	t.Parallel()
	body := &countingReader{r: strings.NewReader(strings.Repeat("x", 1<<20))}
	post := &PresignedPost{URL: "http://127.0.0.1:1/b", Fields: map[string]string{"key": "k"}}
	req, err := post.NewUploadRequest(context.Background(), Upload{Filename: "f", Body: body, Size: 1 << 20})
	require.NoError(t, err)
	assert.Zero(t, body.n, "building the request reads nothing of the file")

	buf := make([]byte, 512)
	_, err = io.ReadFull(req.Body, buf)
	require.NoError(t, err)
	assert.Less(t, body.n, 1<<20, "the body is read as it is sent, not all at once")
	n, err := io.Copy(io.Discard, req.Body)
	require.NoError(t, err)
	assert.Equal(t, req.ContentLength, n+512, "Content-Length is exact")
}

func TestNewUploadRequestErrors(t *testing.T) {
	t.Parallel()
	post := &PresignedPost{URL: "http://127.0.0.1:1/b", Fields: map[string]string{"key": "k", "Content-Type": "text/plain"}}
	tests := []struct {
		reason string
		u      Upload
		msg    string
	}{
		{"no body", Upload{Filename: "f"}, "Upload.Body"},
		{"no file name", Upload{Body: strings.NewReader("")}, "Upload.Filename"},
		{"negative size", Upload{Filename: "f", Body: strings.NewReader(""), Size: -1}, "negative"},
		{"a form field again", Upload{Filename: "f", Body: strings.NewReader(""), Fields: map[string]string{"content-type": "x"}}, "already has this field"},
		{"a field twice in the upload's own fields", Upload{Filename: "f", Body: strings.NewReader(""), Fields: map[string]string{"x-amz-meta-a": "1", "X-Amz-Meta-A": "2"}}, "already has this field"},
		{"a field named file", Upload{Filename: "f", Body: strings.NewReader(""), Fields: map[string]string{"File": "x"}}, "file part"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			req, err := post.NewUploadRequest(context.Background(), tc.u)
			assert.Nil(t, req)
			require.ErrorIs(t, err, ErrInvalidField)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestHTMLForm(t *testing.T) {
	t.Parallel()
	post := &PresignedPost{
		URL:    "https://example-bucket.s3.eu-central-1.amazonaws.com/",
		Fields: map[string]string{"key": `a"><script>alert(1)</script>`, "acl": "private"},
	}
	html, err := post.HTMLForm(HTMLFormOptions{ID: "up", Accept: "image/*"})
	require.NoError(t, err)
	assert.Equal(t, `<form id="up" action="https://example-bucket.s3.eu-central-1.amazonaws.com/" method="post" enctype="multipart/form-data">
  <input type="hidden" name="acl" value="private">
  <input type="hidden" name="key" value="a&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">
  <input type="file" name="file" accept="image/*" required>
  <button type="submit">Upload</button>
</form>
`, string(html))

	_, err = (&PresignedPost{URL: "javascript:alert(1)"}).HTMLForm(HTMLFormOptions{})
	assert.ErrorIs(t, err, ErrInvalidEndpoint)
}

// readerFromRecorder is a writer with ReadFrom, as a TCP connection has,
// that records the type of each reader it is given.
type readerFromRecorder struct {
	bytes.Buffer
	readers []string
}

func (w *readerFromRecorder) ReadFrom(r io.Reader) (int64, error) {
	w.readers = append(w.readers, fmt.Sprintf("%T", r))
	return w.Buffer.ReadFrom(r)
}

// bufferWriter is a writer without ReadFrom.
type bufferWriter struct{ b bytes.Buffer }

func (w *bufferWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// TestUploadBody checks the upload's body, read and written: the bytes are
// the multipart form that mime/multipart writes, however they are taken,
// and a file reaches the writer's ReadFrom as an *os.File, which a TCP
// connection sends with sendfile.
func TestUploadBody(t *testing.T) {
	t.Parallel()
	content := strings.Repeat("0123456789abcdef", 5000) + "end"
	tmp := filepath.Join(t.TempDir(), "photo.jpg")
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	openFile := func(t *testing.T) io.Reader {
		f, err := os.Open(tmp)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		return f
	}
	stringsBody := func(*testing.T) io.Reader { return strings.NewReader(content) }
	unknownLength := func(*testing.T) io.Reader { return io.MultiReader(strings.NewReader(content)) }
	// Each way of taking the body returns the bytes and, for a writer with
	// ReadFrom, the types of the readers it was given.
	copyToRecorder := func(t *testing.T, body io.Reader) ([]byte, []string) {
		rec := &readerFromRecorder{}
		_, err := io.Copy(rec, body)
		require.NoError(t, err)
		return rec.Bytes(), rec.readers
	}
	copyToWriter := func(t *testing.T, body io.Reader) ([]byte, []string) {
		var w bufferWriter
		_, err := io.Copy(&w, body)
		require.NoError(t, err)
		return w.b.Bytes(), nil
	}
	readOneByte := func(t *testing.T, body io.Reader) ([]byte, []string) {
		b, err := io.ReadAll(iotest.OneByteReader(body))
		require.NoError(t, err)
		return b, nil
	}

	tests := []struct {
		reason  string
		body    func(t *testing.T) io.Reader
		take    func(t *testing.T, body io.Reader) ([]byte, []string)
		readers []string
	}{
		{"a file, copied to a writer with ReadFrom, reaches it as a file", openFile, copyToRecorder, []string{"*os.File"}},
		{"a file, copied to a writer without ReadFrom", openFile, copyToWriter, nil},
		{"a file, read one byte at a time", openFile, readOneByte, nil},
		{"a strings.Reader, copied to a writer with ReadFrom", stringsBody, copyToRecorder, nil},
		{"a strings.Reader, read one byte at a time", stringsBody, readOneByte, nil},
		{"a reader of unknown length, copied", unknownLength, copyToWriter, nil},
		{"a reader of unknown length, read one byte at a time", unknownLength, readOneByte, nil},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			fields := map[string]string{"key": "k/${filename}", "policy": "cG9saWN5", "x-amz-signature": "abc", "Content-Type": "image/jpeg"}
			post := &PresignedPost{URL: "http://127.0.0.1:1/b", Fields: map[string]string{"key": fields["key"], "policy": fields["policy"], "x-amz-signature": fields["x-amz-signature"]}}
			req, err := post.NewUploadRequest(context.Background(), Upload{
				Filename: "photo.jpg", Body: tc.body(t), Fields: map[string]string{"Content-Type": "image/jpeg"},
			})
			require.NoError(t, err)

			// The form as mime/multipart writes it, with the request's boundary.
			_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
			require.NoError(t, err)
			var want bytes.Buffer
			mw := multipart.NewWriter(&want)
			require.NoError(t, mw.SetBoundary(params["boundary"]))
			for _, name := range []string{"Content-Type", "key", "policy", "x-amz-signature"} {
				require.NoError(t, mw.WriteField(name, fields[name]))
			}
			fw, err := mw.CreateFormFile("file", "photo.jpg")
			require.NoError(t, err)
			_, err = io.WriteString(fw, content)
			require.NoError(t, err)
			require.NoError(t, mw.Close())

			got, readers := tc.take(t, req.Body)
			assert.Equal(t, want.String(), string(got), "the bytes on the wire")
			if req.ContentLength >= 0 {
				assert.Equal(t, int64(want.Len()), req.ContentLength, "Content-Length is exact")
			}
			if tc.readers != nil {
				assert.Equal(t, tc.readers, readers, "the readers given to the writer's ReadFrom")
			}
		})
	}
}
