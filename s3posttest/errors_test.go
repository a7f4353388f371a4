package s3posttest_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorDocuments compares whole error bodies with S3's: the XML
// declaration, text escaped as S3 escapes it (quotes as they are), the
// elements S3 adds for each code, and a request ID and host ID that match
// the response's x-amz-request-id and x-amz-id-2 headers.
func TestErrorDocuments(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"bkt"}, MaxObjectSize: 5})
	t.Cleanup(srv.Close)
	tests := []struct {
		reason   string
		in       s3post.PostInput
		filename string
		content  string
		extra    map[string]string
		elements string // the elements between <Error> and <RequestId>
	}{
		{"a condition quoted in the message", s3post.PostInput{Bucket: "bkt", Key: "k", Conditions: []s3post.Condition{s3post.StartsWith("Content-Type", "image/")}}, "f", "a", map[string]string{"Content-Type": "text/html"},
			`<Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]</Message>`},
		{"markup in a field name", s3post.PostInput{Bucket: "bkt", Key: "k"}, "f", "a", map[string]string{`x<y>&'z`: "1"},
			`<Code>AccessDenied</Code><Message>Invalid according to Policy: Extra input fields: x&lt;y&gt;&amp;'z</Message>`},
		{"a file over the policy's range", s3post.PostInput{Bucket: "bkt", Key: "k", Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 3)}}, "f", "abcd", nil,
			`<Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>4</ProposedSize><MaxSizeAllowed>3</MaxSizeAllowed>`},
		{"a file over the server's MaxObjectSize is not the policy's EntityTooLarge", s3post.PostInput{Bucket: "bkt", Key: "k"}, "f", strings.Repeat("x", 100), nil,
			`<Code>MaxMessageLengthExceeded</Code><Message>Your request was too big for s3posttest, whose MaxObjectSize is 5 bytes: its file is larger. This is a limit of the test server, not of your policy: raise s3posttest.Config.MaxObjectSize to store larger files.</Message>`},
		{"a file over the server's MaxObjectSize that the policy refuses too is the policy's", s3post.PostInput{Bucket: "bkt", Key: "k", Conditions: []s3post.Condition{s3post.ContentLengthRange(0, 50)}}, "f", strings.Repeat("x", 100), nil,
			`<Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>100</ProposedSize><MaxSizeAllowed>50</MaxSizeAllowed>`},
		{"a file under the policy's range", s3post.PostInput{Bucket: "bkt", Key: "k", Conditions: []s3post.Condition{s3post.ContentLengthRange(2, 3)}}, "f", "a", nil,
			`<Code>EntityTooSmall</Code><Message>Your proposed upload is smaller than the minimum allowed size</Message><ProposedSize>1</ProposedSize><MinSizeAllowed>2</MinSizeAllowed>`},
		{"a key too long", s3post.PostInput{Bucket: "bkt", Key: strings.Repeat("k", 1013) + "${filename}"}, "twelve bytes", "a", nil,
			`<Code>KeyTooLongError</Code><Message>Your key is too long</Message><Size>1025</Size><MaxSizeAllowed>1024</MaxSizeAllowed>`},
		{"an empty key", s3post.PostInput{Bucket: "bkt", Key: "${filename}"}, "dir/", "a", nil,
			`<Code>InvalidArgument</Code><Message>User key must have a length greater than 0.</Message><ArgumentName>key</ArgumentName><ArgumentValue></ArgumentValue>`},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			resp := upload(t, srv, tc.in, tc.filename, tc.content, tc.extra)
			assertErrorDocument(t, resp, tc.elements)
		})
	}

	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "bkt", Key: "k"})
	require.NoError(t, err)
	others := []struct {
		reason, method, url, contentType string
		elements                         string
	}{
		{"not multipart", http.MethodPost, post.URL, "application/x-www-form-urlencoded",
			`<Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>`},
		{"no such bucket", http.MethodPost, srv.URL + "/nowhere", "multipart/form-data; boundary=x",
			`<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>nowhere</BucketName>`},
		{"no such key", http.MethodGet, srv.URL + "/bkt/missing", "",
			`<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing</Key>`},
		{"a POST to an object", http.MethodPost, srv.URL + "/bkt/k", "multipart/form-data; boundary=x",
			`<Code>MethodNotAllowed</Code><Message>The specified method is not allowed against this resource.</Message><Method>POST</Method><ResourceType>OBJECT</ResourceType>`},
		{"a form without a file", http.MethodPost, post.URL, "multipart/form-data; boundary=x",
			`<Code>InvalidArgument</Code><Message>POST requires exactly one file upload per request.</Message><ArgumentName>file</ArgumentName><ArgumentValue>0</ArgumentValue>`},
	}
	for _, tc := range others {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--x--\r\n"))
			require.NoError(t, err)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assertErrorDocument(t, resp, tc.elements)
		})
	}
}

// assertErrorDocument checks an error body byte for byte around its
// elements, and its IDs against the response's headers.
func assertErrorDocument(t *testing.T, resp *http.Response, elements string) {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
	requestID, hostID := resp.Header.Get("x-amz-request-id"), resp.Header.Get("x-amz-id-2")
	assert.Regexp(t, `^[0-9A-Z]{16}$`, requestID)
	assert.Regexp(t, `^[A-Za-z0-9+/]{75}=$`, hostID)
	want := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>" + elements +
		"<RequestId>" + requestID + "</RequestId><HostId>" + hostID + "</HostId></Error>"
	assert.Equal(t, want, string(body))
}

// TestRequestIDsDiffer checks that every response has IDs of its own.
func TestRequestIDsDiffer(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	defer srv.Close()
	seen := map[string]bool{}
	for range 20 {
		resp, err := http.Get(srv.URL + "/test-bucket/missing")
		require.NoError(t, err)
		resp.Body.Close()
		id := resp.Header.Get("x-amz-request-id") + " " + resp.Header.Get("x-amz-id-2")
		require.Regexp(t, regexp.MustCompile(`^\S{16} \S{76}$`), id)
		assert.False(t, seen[id], "a request ID came twice")
		seen[id] = true
	}
}
