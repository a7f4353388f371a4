package e2e

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/require"
)

// server is an S3-compatible server started by scripts/e2e-servers.sh.
type server struct {
	name   string // "versitygw", "seaweedfs", "ceph" or "s3posttest"
	url    string // e.g. http://127.0.0.1:7070
	client *s3.Client
}

// env is what scripts/e2e-servers.sh wrote for the tests.
type env struct {
	accessKey, secretKey, region   string
	bucket, otherBucket, dotBucket string
	chromium                       string
	servers                        []server
}

// loadEnv reads the servers' settings from the environment. Outside the
// test command the variables are missing: the suite then runs against the
// in-memory s3posttest endpoint alone, unless S3POST_E2E_REQUIRED is set (the
// test command sets it), which makes a missing server a failure.
func loadEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		accessKey:   os.Getenv("S3POST_E2E_ACCESS_KEY"),
		secretKey:   os.Getenv("S3POST_E2E_SECRET_KEY"),
		region:      os.Getenv("S3POST_E2E_REGION"),
		bucket:      os.Getenv("S3POST_E2E_BUCKET"),
		otherBucket: os.Getenv("S3POST_E2E_OTHER_BUCKET"),
		dotBucket:   os.Getenv("S3POST_E2E_DOT_BUCKET"),
		chromium:    os.Getenv("S3POST_E2E_CHROMIUM"),
	}
	real := []struct{ name, variable string }{
		{"versitygw", "S3POST_E2E_VERSITY_URL"},
		{"seaweedfs", "S3POST_E2E_SEAWEED_URL"},
		{"ceph", "S3POST_E2E_CEPH_URL"},
	}
	if e.accessKey == "" || os.Getenv(real[0].variable) == "" {
		if os.Getenv("S3POST_E2E_REQUIRED") != "" {
			t.Fatal("the end-to-end servers are not set up: run the suite with ./scripts/test.sh")
		}
		t.Log("no end-to-end servers (run ./scripts/test.sh for them): s3posttest only")
		e.accessKey, e.secretKey, e.region = "S3POSTE2EACCESSKEY", "s3post-e2e-secret-key", "us-east-1"
		e.bucket, e.otherBucket, e.dotBucket = "s3post-e2e", "s3post-e2e-other", "s3post.e2e.dot"
	} else {
		for _, s := range real {
			u := os.Getenv(s.variable)
			require.NotEmpty(t, u, "%s is not set", s.variable)
			e.servers = append(e.servers, server{name: s.name, url: u, client: e.s3Client(u)})
		}
	}
	// The in-memory endpoint of package s3posttest runs the same corpus: its
	// verdicts must be those of the real servers (parity).
	mem := s3posttest.NewServer(s3posttest.Config{
		Buckets:         []string{e.bucket, e.otherBucket, e.dotBucket},
		Region:          e.region,
		AccessKeyID:     e.accessKey,
		SecretAccessKey: e.secretKey,
		// The CORS configuration that scripts/e2e-servers.sh gives the
		// real servers' bucket (CORS_XML).
		CORS: []s3posttest.CORSRule{{
			AllowedOrigins: []string{"*"},
			AllowedMethods: []string{"GET", "HEAD", "PUT", "POST"},
			AllowedHeaders: []string{"*"},
			ExposeHeaders:  []string{"ETag", "Location"},
			MaxAgeSeconds:  600,
		}},
	})
	t.Cleanup(mem.Close)
	e.servers = append(e.servers, server{name: "s3posttest", url: mem.URL, client: e.s3Client(mem.URL)})
	return e
}

// server returns the named server, or skips when it is not running.
func (e *env) server(t *testing.T, name string) server {
	t.Helper()
	for _, s := range e.servers {
		if s.name == name {
			return s
		}
	}
	t.Skipf("%s is not running: run ./scripts/test.sh", name)
	return server{}
}

// s3Client is an aws-sdk-go-v2 client for reading objects back.
func (e *env) s3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       e.region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(e.accessKey, e.secretKey, ""),
	})
}

// presigner returns a Presigner for a server, with the real clock: the
// servers check expiry against their own.
func (e *env) presigner(s server) *s3post.Presigner {
	return &s3post.Presigner{
		Credentials: s3post.StaticCredentials(e.accessKey, e.secretKey, ""),
		Region:      e.region,
		Endpoint:    s.url,
	}
}

// httpClient sends every request to 127.0.0.1 (so that virtual-hosted
// names like bucket.localhost work without DNS) and never follows
// redirects, so that success_action_redirect's 303 can be checked.
func httpClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// part is one part of a hand-built form, for the malformed uploads that
// NewUploadRequest refuses to build.
type part struct {
	name, value string
	file        bool // the file part: value is its content, filename its name
	filename    string
}

// formParts lists a form's fields in name order and the file last, as
// NewUploadRequest sends them.
func formParts(fields map[string]string, filename, content string) []part {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]part, 0, len(names)+1)
	for _, n := range names {
		parts = append(parts, part{name: n, value: fields[n]})
	}
	return append(parts, part{name: "file", file: true, filename: filename, value: content})
}

// multipartRequest builds a multipart/form-data POST of the parts in order.
func multipartRequest(t *testing.T, url string, parts []part) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		if p.file {
			w, err := mw.CreateFormFile(p.name, p.filename)
			require.NoError(t, err)
			_, err = io.WriteString(w, p.value)
			require.NoError(t, err)
			continue
		}
		require.NoError(t, mw.WriteField(p.name, p.value))
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, url, &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// s3Error is the XML error document of S3 and its emulators.
type s3Error struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// postResponse is S3's answer to a POST with success_action_status 201.
type postResponse struct {
	Location string `xml:"Location"`
	Bucket   string `xml:"Bucket"`
	Key      string `xml:"Key"`
	ETag     string `xml:"ETag"`
}

// outcome is what a server answered to an upload.
type outcome struct {
	status   int
	code     string // S3 error code, for errors
	message  string
	body     []byte
	location string
}

func (o outcome) String() string {
	if o.code != "" {
		return fmt.Sprintf("%d %s (%s)", o.status, o.code, o.message)
	}
	return fmt.Sprintf("%d", o.status)
}

func send(t *testing.T, req *http.Request) outcome {
	t.Helper()
	resp, err := httpClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	o := outcome{status: resp.StatusCode, body: body, location: resp.Header.Get("Location")}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusSeeOther {
		var e s3Error
		if xml.Unmarshal(body, &e) == nil {
			o.code, o.message = e.Code, e.Message
		} else {
			o.message = strings.TrimSpace(string(body))
		}
	}
	return o
}

// object is an object read back with aws-sdk-go-v2.
type object struct {
	body                                   string
	contentType, cacheControl, disposition string
	metadata                               map[string]string
}

func getObject(t *testing.T, s server, bucket, key string) object {
	t.Helper()
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	require.NoError(t, err, "%s: reading back %q", s.name, key)
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return object{
		body:         string(body),
		contentType:  aws.ToString(out.ContentType),
		cacheControl: aws.ToString(out.CacheControl),
		disposition:  aws.ToString(out.ContentDisposition),
		metadata:     out.Metadata,
	}
}

// uniqueKey returns a key prefix that no other test run uses.
func uniqueKey(t *testing.T) string {
	return fmt.Sprintf("e2e/%d/%s/", time.Now().UnixNano(), url.PathEscape(strings.ReplaceAll(t.Name(), "/", "_")))
}
