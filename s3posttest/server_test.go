package s3posttest_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// upload presigns in, posts content with the form and returns the response.
func upload(t *testing.T, srv *s3posttest.Server, in s3post.PostInput, filename, content string, extra map[string]string) *http.Response {
	t.Helper()
	post, err := srv.Presigner().PresignPost(context.Background(), in)
	require.NoError(t, err)
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: filename, Body: strings.NewReader(content), Fields: extra})
	require.NoError(t, err)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

type s3Error struct {
	Code, Message string
}

func readError(t *testing.T, resp *http.Response) s3Error {
	t.Helper()
	var e s3Error
	require.NoError(t, xml.NewDecoder(resp.Body).Decode(&e))
	return e
}

func TestUploadAndGet(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"photos"}})
	defer srv.Close()
	resp := upload(t, srv, s3post.PostInput{
		Bucket: "photos", Key: "users/7/${filename}",
		Fields:     map[string]string{"x-amz-meta-user": "7", "Cache-Control": "max-age=60"},
		Conditions: []s3post.Condition{s3post.StartsWith("Content-Type", "image/"), s3post.ContentLengthRange(1, 100)},
	}, "cat.png", "PNG!", map[string]string{"Content-Type": "image/png"})
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	obj, ok := srv.Object("photos", "users/7/cat.png")
	require.True(t, ok, "${filename} is substituted")
	assert.Equal(t, "PNG!", string(obj.Body))
	assert.Equal(t, "image/png", obj.ContentType)
	assert.Equal(t, "max-age=60", obj.CacheControl)
	assert.Equal(t, map[string]string{"user": "7"}, obj.Metadata)
	assert.Regexp(t, `^"[0-9a-f]{32}"$`, obj.ETag)

	get, err := http.Get(srv.URL + "/photos/users/7/cat.png")
	require.NoError(t, err)
	defer get.Body.Close()
	body, _ := io.ReadAll(get.Body)
	assert.Equal(t, "PNG!", string(body))
	assert.Equal(t, "image/png", get.Header.Get("Content-Type"))
	assert.Equal(t, "7", get.Header.Get("X-Amz-Meta-User"))
	assert.Equal(t, obj.ETag, get.Header.Get("ETag"))

	missing, err := http.Get(srv.URL + "/photos/nope")
	require.NoError(t, err)
	defer missing.Body.Close()
	assert.Equal(t, http.StatusNotFound, missing.StatusCode)
	assert.Equal(t, "NoSuchKey", readError(t, missing).Code)
}

func TestSuccessActions(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	defer srv.Close()

	created := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "a b.txt", Fields: map[string]string{"success_action_status": "201"}}, "f", "x", nil)
	require.Equal(t, http.StatusCreated, created.StatusCode)
	var pr struct{ Location, Bucket, Key, ETag string }
	require.NoError(t, xml.NewDecoder(created.Body).Decode(&pr))
	assert.Equal(t, "test-bucket", pr.Bucket)
	assert.Equal(t, "a b.txt", pr.Key)
	assert.Equal(t, `"9dd4e461268c8034f5c8564e155c67a6"`, pr.ETag, "the quoted MD5 of the content")
	assert.Equal(t, srv.URL+"/test-bucket/a%20b.txt", pr.Location)

	ok := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "b", Fields: map[string]string{"success_action_status": "200"}}, "f", "x", nil)
	assert.Equal(t, http.StatusOK, ok.StatusCode)

	redirected := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "c", Fields: map[string]string{"success_action_redirect": "https://app.example/done?from=test"}}, "f", "x", nil)
	require.Equal(t, http.StatusSeeOther, redirected.StatusCode)
	u, err := url.Parse(redirected.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "app.example", u.Host)
	assert.Equal(t, url.Values{"from": {"test"}, "bucket": {"test-bucket"}, "key": {"c"}, "etag": {`"9dd4e461268c8034f5c8564e155c67a6"`}}, u.Query())
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"b-1", "b-2"}})
	defer srv.Close()
	tests := []struct {
		reason        string
		in            s3post.PostInput
		content       string
		extra         map[string]string
		status        int
		code, message string
	}{
		{"too large, stopped while streaming", s3post.PostInput{Bucket: "b-1", Key: "k", Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 3)}}, "abcd", nil, 400, "EntityTooLarge", "exceeds"},
		{"too small", s3post.PostInput{Bucket: "b-1", Key: "k", Conditions: []s3post.Condition{s3post.ContentLengthRange(2, 3)}}, "a", nil, 400, "EntityTooSmall", "smaller"},
		{"extra field", s3post.PostInput{Bucket: "b-1", Key: "k"}, "a", map[string]string{"acl": "public-read"}, 403, "AccessDenied", "Extra input fields: acl"},
		{"condition failed", s3post.PostInput{Bucket: "b-1", Key: "k", Conditions: []s3post.Condition{s3post.StartsWith("Content-Type", "image/")}}, "a", map[string]string{"Content-Type": "text/html"}, 403, "AccessDenied", "Policy Condition failed"},
		{"${filename} of a file name that ends in a slash: an empty key", s3post.PostInput{Bucket: "b-1", Key: "${filename}"}, "a", nil, 400, "InvalidArgument", "User key must have a length greater than 0."},
		{"${filename} making a key of 1,025 bytes", s3post.PostInput{Bucket: "b-1", Key: strings.Repeat("k", 1013) + "${filename}"}, "a", nil, 400, "KeyTooLongError", "Your key is too long"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			filename := "f"
			switch {
			case tc.in.Key == "${filename}":
				filename = "dir/" // whose name after the last slash is empty
			case strings.Contains(tc.in.Key, "${filename}"):
				filename = "twelve bytes"
			}
			resp := upload(t, srv, tc.in, filename, tc.content, tc.extra)
			assert.Equal(t, tc.status, resp.StatusCode)
			e := readError(t, resp)
			assert.Equal(t, tc.code, e.Code)
			assert.Contains(t, e.Message, tc.message)
		})
	}

	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "b-1", Key: "k"})
	require.NoError(t, err)
	notMultipart, err := http.Post(post.URL, "application/x-www-form-urlencoded", strings.NewReader("key=k"))
	require.NoError(t, err)
	defer notMultipart.Body.Close()
	assert.Equal(t, http.StatusPreconditionFailed, notMultipart.StatusCode)

	noBucket, err := http.Post(srv.URL+"/nope", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
	require.NoError(t, err)
	defer noBucket.Body.Close()
	assert.Equal(t, "NoSuchBucket", readError(t, noBucket).Code)

	assert.Empty(t, srv.Objects("b-1"), "no refused upload is stored")
}

// endless is a reader of an unbounded file that counts what was read.
type endless struct{ n atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n.Add(int64(len(p)))
	return len(p), nil
}

// TestStreamingStopsAtTheLimit posts an unbounded file to a form with a
// small size range: the server must refuse it after reading about the
// limit, not read the whole body.
func TestStreamingStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	defer srv.Close()
	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "test-bucket", Key: "big", Conditions: []s3post.Condition{s3post.ContentLengthRange(0, 1000)},
	})
	require.NoError(t, err)
	body := &endless{}
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "big", Body: io.LimitReader(body, 1<<30)})
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err == nil { // the server may answer before the client stops sending
		defer resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Equal(t, "EntityTooLarge", readError(t, resp).Code)
	}
	req.Body.Close() // stop the transport's writer before reading the count
	assert.Less(t, body.n.Load(), int64(64<<20), "the server read %d bytes of a 1 GiB file with a 1000-byte limit", body.n.Load())
	_, stored := srv.Object("test-bucket", "big")
	assert.False(t, stored)
}

// TestFieldsBeforeTheFileAreLimited sends more than S3's 20 KB of fields
// before the file, counting names as well as values.
func TestFieldsBeforeTheFileAreLimited(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	defer srv.Close()
	var body strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&body, "--b\r\nContent-Disposition: form-data; name=\"x-ignore-%s\"\r\n\r\nv\r\n", strings.Repeat("n", 1000))
	}
	body.WriteString("--b--\r\n")
	resp, err := http.Post(srv.URL+"/test-bucket", "multipart/form-data; boundary=b", strings.NewReader(body.String()))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "MaxPostPreDataLengthExceeded", readError(t, resp).Code)
}

func TestConfigHidesTheSecret(t *testing.T) {
	t.Parallel()
	cfg := s3posttest.Config{AccessKeyID: "AK", SecretAccessKey: "SECRETVALUE"}
	for _, out := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		assert.False(t, strings.Contains(out, "SECRETVALUE"), "Config prints its secret")
	}
}

func TestExpiryUsesTheServerClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := s3posttest.NewServer(s3posttest.Config{Now: func() time.Time { return now }})
	defer srv.Close()
	p := srv.Presigner()
	p.Now = func() time.Time { return now.Add(-2 * time.Minute) }
	post, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "test-bucket", Key: "k", Expires: time.Minute})
	require.NoError(t, err)
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "f", Body: strings.NewReader("x")})
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, s3Error{"AccessDenied", "Invalid according to Policy: Policy expired."}, readError(t, resp))
}

func TestVirtualHostedUpload(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"vhost"}})
	defer srv.Close()
	p := srv.Presigner()
	p.Endpoint = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	p.AddressingStyle = s3post.AddressingVirtual
	post, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "vhost", Key: "v.txt"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(post.URL, "http://vhost.localhost:"), post.URL)
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "f", Body: strings.NewReader("v")})
	require.NoError(t, err)
	req.URL.Host = strings.TrimPrefix(srv.URL, "http://") // dial 127.0.0.1, keep the Host header
	req.Host = strings.Replace(post.URL[len("http://"):], "/", "", 1)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, ok := srv.Object("vhost", "v.txt")
	assert.True(t, ok)
}

// A Go test of an upload flow with no cloud account: presign with the
// server's own Presigner, post, and look at what was stored.
func ExampleNewServer() {
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"uploads"}})
	defer srv.Close()

	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket:     "uploads",
		Key:        "notes/${filename}",
		Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 1024)},
	})
	if err != nil {
		log.Fatal(err)
	}
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "todo.txt", Body: strings.NewReader("buy milk")})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	for _, obj := range srv.Objects("uploads") {
		fmt.Printf("%s %q %s\n", obj.Key, obj.Body, obj.ContentType)
	}
	// Output:
	// 204 No Content
	// notes/todo.txt "buy milk" binary/octet-stream
}
