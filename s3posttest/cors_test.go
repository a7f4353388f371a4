package s3posttest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corsHeaders are the response headers that CORS is about.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Vary",
}

// corsOf returns the CORS headers of a response, without the empty ones.
func corsOf(h http.Header) map[string]string {
	out := map[string]string{}
	for _, name := range corsHeaders {
		if v := h.Values(name); len(v) > 0 {
			out[name] = strings.Join(v, ", ")
		}
	}
	return out
}

const vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// corsCase is a request and the answer S3 gives it.
type corsCase struct {
	reason  string
	method  string // OPTIONS for a preflight, else an upload (POST) or GET
	path    string
	headers map[string]string
	status  int
	cors    map[string]string // every CORS header of the answer
	code    string            // the error code, for an error
	details string            // the error's elements between Message and RequestId
}

func runCORS(t *testing.T, srv *s3posttest.Server, tests []corsCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			var req *http.Request
			if tc.method == http.MethodPost {
				post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "test-bucket", Key: "cors.txt"})
				require.NoError(t, err)
				req, err = post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "f", Body: strings.NewReader("x")})
				require.NoError(t, err)
			} else {
				var err error
				req, err = http.NewRequest(tc.method, srv.URL+tc.path, nil)
				require.NoError(t, err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, "%s", body)
			assert.Equal(t, tc.cors, corsOf(resp.Header))
			if tc.code != "" {
				assert.Contains(t, string(body), "<Code>"+tc.code+"</Code>")
				assert.Contains(t, string(body), "</Message>"+tc.details+"<RequestId>")
			}
		})
	}
}

// TestCORSDefault checks the configuration a server has when Config.CORS
// is nil, that of a bucket set up for browser uploads: any origin may GET,
// HEAD and POST with any header, and no response header is exposed, so
// that a page that reads ETag fails here as it fails on such a bucket.
func TestCORSDefault(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	allowed := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, POST", "Access-Control-Max-Age": "3000", "Vary": vary}
	preflightAllowed := map[string]string{"Access-Control-Allow-Headers": "x-requested-with, cache-control"}
	for k, v := range allowed {
		preflightAllowed[k] = v
	}
	runCORS(t, srv, []corsCase{
		{reason: "a preflight for a POST with Dropzone's headers", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-Requested-With,Cache-Control"},
			status:  http.StatusOK, cors: preflightAllowed},
		{reason: "an upload from another origin exposes no header", method: http.MethodPost,
			headers: map[string]string{"Origin": "http://app.example"}, status: http.StatusNoContent, cors: allowed},
		{reason: "a GET from another origin", method: http.MethodGet, path: "/test-bucket/missing",
			headers: map[string]string{"Origin": "http://app.example"}, status: http.StatusNotFound, cors: allowed, code: "NoSuchKey", details: "<Key>missing</Key>"},
		{reason: "a request without an Origin gets no CORS headers", method: http.MethodGet, path: "/test-bucket/missing",
			status: http.StatusNotFound, cors: map[string]string{}, code: "NoSuchKey", details: "<Key>missing</Key>"},
		{reason: "a preflight for a method the rule does not allow", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "DELETE"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: "<Method>DELETE</Method><ResourceType>BUCKET</ResourceType>"},
		{reason: "a preflight on an object URL names the object resource", method: http.MethodOptions, path: "/test-bucket/a/key",
			headers: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "PUT"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: "<Method>PUT</Method><ResourceType>OBJECT</ResourceType>"},
		{reason: "a preflight without an Origin", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Access-Control-Request-Method": "POST"},
			status:  http.StatusBadRequest, cors: map[string]string{}, code: "BadRequest"},
		{reason: "a preflight without a method", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "http://app.example"},
			status:  http.StatusBadRequest, cors: map[string]string{}, code: "BadRequest"},
		{reason: "a preflight to a bucket that does not exist", method: http.MethodOptions, path: "/nowhere",
			headers: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: "<Method>POST</Method><ResourceType>BUCKET</ResourceType>"},
	})
}

// TestCORSRules checks a configuration of two rules as S3 applies it: the
// first rule that matches the origin, the method and every requested
// header answers; a preflight that no rule matches is refused; an actual
// request that none matches gets no CORS headers at all.
func TestCORSRules(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{CORS: []s3posttest.CORSRule{
		{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"POST", "GET"}, AllowedHeaders: []string{"x-amz-*"}, ExposeHeaders: []string{"ETag", "Location"}, MaxAgeSeconds: 600},
		{AllowedOrigins: []string{"https://other.example"}, AllowedMethods: []string{"GET"}},
	}})
	t.Cleanup(srv.Close)
	first := map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "POST, GET", "Access-Control-Expose-Headers": "ETag, Location", "Access-Control-Max-Age": "600", "Vary": vary,
	}
	firstPreflight := map[string]string{"Access-Control-Allow-Headers": "x-amz-meta-a, x-amz-date"}
	for k, v := range first {
		firstPreflight[k] = v
	}
	refused := func(method, resource string) string {
		return "<Method>" + method + "</Method><ResourceType>" + resource + "</ResourceType>"
	}
	runCORS(t, srv, []corsCase{
		{reason: "a preflight the first rule allows, headers compared without case", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-Amz-Meta-A, x-amz-date"},
			status:  http.StatusOK, cors: firstPreflight},
		{reason: "an upload the first rule allows exposes its headers", method: http.MethodPost,
			headers: map[string]string{"Origin": "https://app.example.com"}, status: http.StatusNoContent, cors: first},
		{reason: "a header the rule does not allow", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-requested-with"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: refused("POST", "BUCKET")},
		{reason: "another scheme is another origin", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "http://app.example.com", "Access-Control-Request-Method": "POST"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: refused("POST", "BUCKET")},
		{reason: "the wildcard does not match across the end", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "https://app.example.com.evil", "Access-Control-Request-Method": "POST"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: refused("POST", "BUCKET")},
		{reason: "the second rule, when the first does not match", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "GET"},
			status:  http.StatusOK, cors: map[string]string{"Access-Control-Allow-Origin": "https://other.example", "Access-Control-Allow-Credentials": "true", "Access-Control-Allow-Methods": "GET", "Vary": vary}},
		{reason: "a rule without AllowedHeaders allows none", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-amz-date"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: refused("GET", "BUCKET")},
		{reason: "an upload from an origin no rule allows gets no CORS headers", method: http.MethodPost,
			headers: map[string]string{"Origin": "https://evil.example"}, status: http.StatusNoContent, cors: map[string]string{}},
		{reason: "an upload from an origin whose rule does not allow POST", method: http.MethodPost,
			headers: map[string]string{"Origin": "https://other.example"}, status: http.StatusNoContent, cors: map[string]string{}},
	})
}

// TestCORSNotEnabled checks a server whose buckets have no CORS
// configuration, as a new S3 bucket has none.
func TestCORSNotEnabled(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{CORS: []s3posttest.CORSRule{}})
	t.Cleanup(srv.Close)
	runCORS(t, srv, []corsCase{
		{reason: "a preflight", method: http.MethodOptions, path: "/test-bucket/k",
			headers: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: "<Method>POST</Method><ResourceType>BUCKET</ResourceType>"},
		{reason: "a preflight without a method", method: http.MethodOptions, path: "/test-bucket",
			headers: map[string]string{"Origin": "http://app.example"},
			status:  http.StatusForbidden, cors: map[string]string{}, code: "AccessForbidden", details: "<Method>OPTIONS</Method><ResourceType>BUCKET</ResourceType>"},
		{reason: "an upload", method: http.MethodPost,
			headers: map[string]string{"Origin": "http://app.example"}, status: http.StatusNoContent, cors: map[string]string{}},
	})
}

// TestCORSConfigIsCopied checks that the server keeps the rules it was
// given, whatever the caller does with its slices afterwards.
func TestCORSConfigIsCopied(t *testing.T) {
	t.Parallel()
	cfg := s3posttest.Config{CORS: []s3posttest.CORSRule{{AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"POST"}}}}
	srv := s3posttest.NewServer(cfg)
	defer srv.Close()
	cfg.CORS[0].AllowedOrigins[0] = "https://changed.example"
	req, err := http.NewRequest(http.MethodOptions, srv.URL+"/test-bucket", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
