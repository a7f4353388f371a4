package awsenv_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/s3post/s3post"
)

// This file has the fakes of the credential endpoints (instance metadata,
// container credentials, STS): httptest servers on the loopback interface,
// and clients that send a request for a fixed AWS address to them, so that
// no test ever reaches the network.

// endpointNow is the time of the endpoint tests; endpointExpires is when the
// credentials that the fakes hand out expire.
var (
	endpointNow     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	endpointExpires = endpointNow.Add(6 * time.Hour)
)

func endpointClock() time.Time { return endpointNow }

// seenRequest is a request as a fake endpoint saw it.
type seenRequest struct {
	Method, Host, Path string
	Header             http.Header
	Form               url.Values // the parsed body of a POST
}

// fakeEndpoint is an httptest server that records its requests.
type fakeEndpoint struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

// newFakeEndpoint starts a server that records each request and then calls
// h. It is closed when the test ends. tlsServer chooses https.
func newFakeEndpoint(t *testing.T, tlsServer bool, h http.HandlerFunc) *fakeEndpoint {
	t.Helper()
	f := &fakeEndpoint{}
	record := func(w http.ResponseWriter, r *http.Request) {
		s := seenRequest{Method: r.Method, Host: r.Host, Path: r.URL.Path, Header: r.Header.Clone()}
		if r.Method == http.MethodPost {
			_ = r.ParseForm()
			s.Form = r.PostForm
		}
		f.mu.Lock()
		f.seen = append(f.seen, s)
		f.mu.Unlock()
		h(w, r)
	}
	if tlsServer {
		f.Server = httptest.NewTLSServer(http.HandlerFunc(record))
	} else {
		f.Server = httptest.NewServer(http.HandlerFunc(record))
	}
	t.Cleanup(f.Close)
	return f
}

// requests returns the requests seen so far.
func (f *fakeEndpoint) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

// redirectClient returns a client that connects to f for the addresses
// addrs ("host:port"), and refuses to dial any other address.
func (f *fakeEndpoint) redirectClient(addrs ...string) *http.Client {
	target := f.Listener.Addr().String()
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			if !slices.Contains(addrs, addr) {
				return nil, fmt.Errorf("test dialer: %s is not redirected to the fake endpoint", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", target)
		},
	}
	if f.TLS != nil {
		// httptest's certificate is for example.com: check it for that name,
		// whatever host the request is for.
		tr.TLSClientConfig = f.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		tr.TLSClientConfig.ServerName = "example.com"
	}
	return &http.Client{Transport: tr}
}

// closedURL returns the URL of a server that has stopped, where connections
// are refused.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

// stall waits for d, or until the request is given up.
func stall(r *http.Request, d time.Duration) {
	select {
	case <-time.After(d):
	case <-r.Context().Done():
	}
}

// credentialsJSON is the answer of the instance metadata service and of
// container endpoints.
func credentialsJSON(expires time.Time) string {
	return `{"Code":"Success","LastUpdated":"2026-03-01T11:00:00Z","Type":"AWS-HMAC","AccessKeyId":"` + credKeyID +
		`","SecretAccessKey":"` + credSecret + `","Token":"` + credToken + `","Expiration":"` + expires.Format(time.RFC3339) + `"}`
}

// endpointCreds are the credentials of credentialsJSON(endpointExpires).
var endpointCreds = s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, SessionToken: credToken, Expires: endpointExpires}

// imdsFake describes a fake instance metadata service. The zero value
// answers as EC2 does for an instance with the role "s3post-role".
type imdsFake struct {
	tokenStatus int // of PUT /latest/api/token; 0 for 200
	tokenDelay  time.Duration
	listStatus  int // of GET .../security-credentials/
	listBody    *string
	credsStatus int // of GET .../security-credentials/s3post-role
	credsBody   *string
	credsType   string
	credsDelay  time.Duration
}

// imdsSessionToken is the session token that the fake hands out.
const imdsSessionToken = "AQAEAFakeIMDSv2SessionToken=="

func (f imdsFake) handler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		const list = "/latest/meta-data/iam/security-credentials/"
		if r.URL.Path != "/latest/api/token" && r.Header.Get("X-Aws-Ec2-Metadata-Token") != imdsSessionToken {
			http.Error(w, "401 - Unauthorized", http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			if r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				http.Error(w, "400 - Missing or Invalid Parameters", http.StatusBadRequest)
				return
			}
			stall(r, f.tokenDelay)
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			w.WriteHeader(cmpOrInt(f.tokenStatus, http.StatusOK))
			fmt.Fprint(w, imdsSessionToken)
		case r.Method == http.MethodGet && r.URL.Path == list:
			w.WriteHeader(cmpOrInt(f.listStatus, http.StatusOK))
			fmt.Fprint(w, cmpOrStr(f.listBody, "s3post-role"))
		case r.Method == http.MethodGet && r.URL.Path == list+"s3post-role":
			stall(r, f.credsDelay)
			w.Header().Set("Content-Type", cmpOr(f.credsType, "text/plain"))
			w.WriteHeader(cmpOrInt(f.credsStatus, http.StatusOK))
			fmt.Fprint(w, cmpOrStr(f.credsBody, credentialsJSON(endpointExpires)))
		default:
			http.NotFound(w, r)
		}
	}
}

func cmpOrInt(v, fallback int) int {
	if v != 0 {
		return v
	}
	return fallback
}

func cmpOrStr(v *string, fallback string) string {
	if v != nil {
		return *v
	}
	return fallback
}
