package e2e

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/s3post/s3post"
	"github.com/stretchr/testify/require"
)

// rawDeadline bounds a raw-connection upload: sending, and waiting for the
// answer.
const rawDeadline = 15 * time.Second

var (
	incompleteBody      = verdict{http.StatusBadRequest, "IncompleteBody"}
	malformedPOST       = verdict{http.StatusBadRequest, "MalformedPOSTRequest"}
	preDataTooLarge     = verdict{http.StatusBadRequest, "MaxPostPreDataLengthExceeded"}
	closedWithoutAnswer = verdict{code: "connection closed, no answer"}
	noAnswerInTime      = verdict{code: fmt.Sprintf("no answer within %s", rawDeadline)}
)

// rawCase is an upload that an HTTP client cannot send: a body whose
// framing or multipart is broken. It is sent on a connection of its own,
// whose write side is closed once the body is sent (a half-close: the
// client has nothing more to send), and the answer is read back.
type rawCase struct {
	name string
	// body turns the multipart body of a valid upload (the form's fields in
	// name order, then the file) into the request's head lines after the
	// Content-Type (ending with the blank line) and what is sent after them.
	body   func(t *testing.T, boundary string, form []byte) (head string, sent []byte)
	want   verdict
	differ map[string]difference
}

// cutAt keeps a body up to the first occurrence of marker.
func cutAt(t *testing.T, body []byte, marker string) []byte {
	i := bytes.Index(body, []byte(marker))
	require.GreaterOrEqual(t, i, 0, "the body has no %q", marker)
	return body[:i]
}

// rawCases are the malformed bodies of the corpus, with AWS's verdict on
// each.
func rawCases() []rawCase {
	const missing = 100 // bytes announced and never sent
	return []rawCase{
		{name: "body shorter than its Content-Length, then a half-close", want: incompleteBody,
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW v1.8.0 stores the file of a body that ends before its Content-Length, when the multipart in it is complete and the client half-closes; AWS answers 400 IncompleteBody and stores nothing"},
				"seaweedfs": {noContent, "SeaweedFS stores the file of a body that ends before its Content-Length, when the multipart in it is complete and the client half-closes; AWS answers 400 IncompleteBody and stores nothing"},
				"ceph":      {verdict{http.StatusNotFound, "NoSuchKey"}, "Ceph RGW 16.2 answers 404 NoSuchKey, with no message, to a body that ends before its Content-Length; AWS answers 400 IncompleteBody"},
			},
			body: func(_ *testing.T, _ string, form []byte) (string, []byte) {
				return fmt.Sprintf("Content-Length: %d\r\n\r\n", len(form)+missing), form
			}},
		{name: "chunked body without the final chunk, then a half-close", want: incompleteBody,
			differ: map[string]difference{
				"versitygw": {verdict{http.StatusBadRequest, "InvalidRequest"}, "VersityGW v1.8.0 answers 400 InvalidRequest (\"Invalid Request.\") to a chunked body whose final chunk never comes; AWS answers 400 IncompleteBody"},
				"seaweedfs": {noContent, "SeaweedFS stores the file of a chunked body whose final chunk never comes, when the multipart in it is complete and the client half-closes; AWS answers 400 IncompleteBody and stores nothing"},
				"ceph":      {verdict{http.StatusLengthRequired, "MissingContentLength"}, "Ceph RGW 16.2 answers 411 MissingContentLength to a chunked POST whose final chunk never comes; AWS answers 400 IncompleteBody"},
			},
			body: func(_ *testing.T, _ string, form []byte) (string, []byte) {
				return "Transfer-Encoding: chunked\r\n\r\n", append(fmt.Appendf(nil, "%x\r\n", len(form)), append(form, "\r\n"...)...)
			}},
		{name: "multipart body cut inside a field value", want: malformedPOST,
			differ: map[string]difference{
				"versitygw": {verdict{http.StatusInternalServerError, "InternalError"}, "VersityGW v1.8.0 answers 500 InternalError to a whole body whose multipart ends inside a field value; AWS answers 400 MalformedPOSTRequest"},
				"ceph":      {invalidArgument, "Ceph RGW 16.2 answers 400 InvalidArgument (\"Couldn't find boundary\") to a whole body whose multipart ends inside a field value; AWS answers 400 MalformedPOSTRequest"},
			},
			body: func(t *testing.T, _ string, form []byte) (string, []byte) {
				cut := cutAt(t, form, "AWS4-HMAC-SHA256")
				return fmt.Sprintf("Content-Length: %d\r\n\r\n", len(cut)), cut
			}},
		{name: "parts without Content-Disposition, over 20 KB, before the form", want: preDataTooLarge,
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW v1.8.0 skips 24 KB of parts without Content-Disposition before the form and stores the file; AWS counts them against its 20 KB before the file and answers 400 MaxPostPreDataLengthExceeded"},
				"seaweedfs": {noContent, "SeaweedFS skips 24 KB of parts without Content-Disposition before the form and stores the file; AWS counts them against its 20 KB before the file and answers 400 MaxPostPreDataLengthExceeded"},
				"ceph":      {accessDenied, "Ceph RGW 16.2 refuses parts without Content-Disposition as a field that no condition covers (403 AccessDenied \"Policy missing condition: \", with no name); AWS counts them against its 20 KB before the file and answers 400 MaxPostPreDataLengthExceeded"},
			},
			body: func(t *testing.T, boundary string, form []byte) (string, []byte) {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				require.NoError(t, mw.SetBoundary(boundary))
				for range 24 {
					w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain"}})
					require.NoError(t, err)
					_, err = w.Write(bytes.Repeat([]byte("a"), 1000))
					require.NoError(t, err)
				}
				// The form's own body follows, its first delimiter after
				// the line break that ends the last unnamed part.
				buf.WriteString("\r\n")
				buf.Write(form)
				return fmt.Sprintf("Content-Length: %d\r\n\r\n", buf.Len()), buf.Bytes()
			}},
	}
}

// TestRawBodies sends the malformed bodies of rawCases to every server.
// Each verdict must be AWS's; a server that differs must be named in the
// case's differ map with the reason. s3posttest has no such entry.
func TestRawBodies(t *testing.T) {
	e := loadEnv(t)
	for _, s := range e.servers {
		t.Run(s.name, func(t *testing.T) {
			for _, tc := range rawCases() {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					runRaw(t, e, s, tc)
				})
			}
		})
	}
}

func runRaw(t *testing.T, e *env, s server, tc rawCase) {
	key := uniqueKey(t) + "raw.txt"
	post, err := e.presigner(s).PresignPost(t.Context(), s3post.PostInput{Bucket: e.bucket, Key: key})
	require.NoError(t, err)
	const boundary = "s3post-e2e-raw-boundary"
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	require.NoError(t, mw.SetBoundary(boundary))
	for _, p := range formParts(post.Fields, "raw.txt", "RAW-FILE-CONTENT") {
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
	head, sent := tc.body(t, boundary, form.Bytes())

	u, err := url.Parse(post.URL)
	require.NoError(t, err)
	got := rawSend(t, u, "POST "+u.RequestURI()+" HTTP/1.1\r\nHost: "+u.Host+"\r\nContent-Type: "+mw.FormDataContentType()+"\r\n"+head, sent)

	want, why := tc.want, ""
	if d, ok := tc.differ[s.name]; ok {
		want, why = d.want, d.why
	}
	require.Equal(t, want, got, "%s: %s answered %v; %s", tc.name, s.name, got, why)
	if got.status != 0 && got.status < 300 {
		return // stored: the verdict above already failed, unless a server is known to store it
	}
	_, err = s.client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &e.bucket, Key: &key})
	require.Error(t, err, "%s stored a refused upload", s.name)
}

// rawSend writes head and body on a connection of its own to u's port on
// 127.0.0.1, half-closes it and reads the answer, within rawDeadline.
func rawSend(t *testing.T, u *url.URL, head string, body []byte) verdict {
	t.Helper()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", u.Port()), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(rawDeadline)))
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	if _, err := conn.Write(body); err != nil {
		t.Logf("the server stopped reading the body: %v", err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Logf("half-close: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	var timeout net.Error
	switch {
	case errors.As(err, &timeout) && timeout.Timeout() || errors.Is(err, os.ErrDeadlineExceeded):
		return noAnswerInTime
	case err != nil:
		t.Logf("reading the answer: %v", err)
		return closedWithoutAnswer
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Logf("reading the answer's body: %v", err)
	}
	var e s3Error
	if xml.Unmarshal(answer, &e) != nil && resp.StatusCode >= 300 {
		t.Logf("answer: %s", strings.TrimSpace(string(answer)))
	} else if e.Message != "" {
		t.Logf("answer: %s: %s", e.Code, e.Message)
	}
	return verdict{resp.StatusCode, e.Code}
}
