package awsenv_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// containerToken is the authorization token of the container tests; like
// the secret keys, it must never be printed.
const containerToken = "EKSPodIdentityFakeToken.c2VjcmV0"

// containerFake answers as a container credentials endpoint: status and
// body, after delay.
func containerFake(status int, contentType, body string, delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		stall(r, delay)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestContainerProvider(t *testing.T) {
	t.Parallel()
	okJSON := credentialsJSON(endpointExpires)
	tests := []struct {
		name    string
		reason  string
		handler http.HandlerFunc
		env     map[string]string // "$URL" is replaced by the fake's URL, "$DIR" by a temporary directory
		files   map[string]string // written under $DIR
		timeout time.Duration
		want    s3post.Credentials
		wantErr error // nil for success; ErrNoCredentials, another sentinel, or errStopsChain
		errHas  []string
		check   func(t *testing.T, reqs []seenRequest)
	}{
		{
			name:    "full URI with a token",
			reason:  "EKS Pod Identity and Lambda: a loopback URI and an Authorization header",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/v1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken},
			want:    endpointCreds,
			check: func(t *testing.T, reqs []seenRequest) {
				require.Len(t, reqs, 1)
				assert.Equal(t, "GET", reqs[0].Method)
				assert.Equal(t, "/v1/credentials", reqs[0].Path)
				assert.True(t, reqs[0].Header.Get("Authorization") == containerToken, "the token is the Authorization header")
				assert.Equal(t, "application/json", reqs[0].Header.Get("Accept"))
			},
		},
		{
			name:    "token file wins",
			reason:  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE wins over AWS_CONTAINER_AUTHORIZATION_TOKEN, and a trailing newline is dropped",
			handler: containerFake(200, "application/json", okJSON, 0),
			env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/v1/credentials",
				"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "$DIR/token", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "other"},
			files: map[string]string{"token": containerToken + "\n"},
			want:  endpointCreds,
			check: func(t *testing.T, reqs []seenRequest) {
				require.Len(t, reqs, 1)
				assert.True(t, reqs[0].Header.Get("Authorization") == containerToken, "the file's token is sent")
			},
		},
		{
			name:    "no token",
			reason:  "the token is optional",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			want:    endpointCreds,
			check: func(t *testing.T, reqs []seenRequest) {
				require.Len(t, reqs, 1)
				assert.Empty(t, reqs[0].Header.Values("Authorization"))
			},
		},
		{
			name:    "not configured",
			reason:  "without a URI, a chain moves on",
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"s3post: container credentials: no credentials found: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"},
		},
		{
			name:    "http to another host",
			reason:  "credentials never travel in clear text to a host that is not local",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.169.254/creds"},
			wantErr: errStopsChain,
			errHas:  []string{`has host "169.254.169.254": an http URI must use a loopback address`},
		},
		{
			name:    "http to a host name",
			reason:  "host names are not resolved to check them",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://creds.internal:8080/creds"},
			wantErr: errStopsChain,
			errHas:  []string{`has host "creds.internal"`, "use https"},
		},
		{
			name:    "other scheme",
			reason:  "only http and https",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "file:///etc/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"not an http or https URL with a host"},
		},
		{
			name:    "ftp",
			reason:  "only http and https",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "ftp://127.0.0.1/creds"},
			wantErr: errStopsChain,
			errHas:  []string{`has scheme "ftp"`},
		},
		{
			name:    "full URI with a fragment",
			reason:  "a fragment is not sent, so the URI does not say what is asked",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds#frag"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI: it has a fragment"},
			check:   func(t *testing.T, reqs []seenRequest) { assert.Empty(t, reqs, "no request") },
		},
		{
			name:    "full URI with an empty fragment",
			reason:  "a bare # is a fragment too",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds#"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI: it has a fragment"},
			check:   func(t *testing.T, reqs []seenRequest) { assert.Empty(t, reqs, "no request") },
		},
		{
			name:    "full URI with user info",
			reason:  "a password in a setting is a secret, and would be sent",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://u:" + credToken + "@$HOST/creds"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI: it has user info"},
			check:   func(t *testing.T, reqs []seenRequest) { assert.Empty(t, reqs, "no request") },
		},
		{
			name:    "opaque full URI",
			reason:  "http:host/path has no host",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http:$HOST/creds"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI: it is not an http or https URL with a host"},
			check:   func(t *testing.T, reqs []seenRequest) { assert.Empty(t, reqs, "no request") },
		},
		{
			name:    "full URI with a query",
			reason:  "the URI is asked as it is, so a query is allowed",
			handler: containerFake(200, "application/json", okJSON, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds?id=1"},
			want:    endpointCreds,
		},
		{
			name:    "relative URI with a fragment",
			reason:  "as for the full URI",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials#x"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: it must be a path starting with /, without a fragment"},
		},
		{
			name:    "relative URI without a slash",
			reason:  "a relative URI cannot change the host",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "@evil.example/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"must be a path starting with /"},
		},
		{
			name:    "token file missing",
			reason:  "a configured token file must exist",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "$DIR/missing"},
			wantErr: fs.ErrNotExist,
			errHas:  []string{"reading the token file of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "missing"},
		},
		{
			name:    "token file empty",
			reason:  "an empty token is an error, not no token",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "$DIR/token"},
			files:   map[string]string{"token": " \n"},
			wantErr: errStopsChain,
			errHas:  []string{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "token is empty"},
		},
		{
			name:    "token with a line break",
			reason:  "a header cannot hold a line break",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken + "\r\nX-Injected: 1"},
			wantErr: errStopsChain,
			errHas:  []string{"contains a line break"},
		},
		{
			name:    "down",
			reason:  "a configured endpoint that refuses connections is an error",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$CLOSED/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"s3post: container credentials: GET http://127.0.0.1:", "/creds failed:", "connection refused"},
		},
		{
			name:    "slow",
			reason:  "the request is bounded by Timeout",
			handler: containerFake(200, "application/json", okJSON, time.Minute),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			timeout: 50 * time.Millisecond,
			wantErr: errStopsChain,
			errHas:  []string{"no answer within 50ms"},
		},
		{
			name:    "500 with a JSON error",
			reason:  "the endpoint's code is quoted, its message, which may echo the token, is not",
			handler: containerFake(500, "application/json", `{"code":"AccessDenied","message":"token `+containerToken+` is not valid"}`, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken},
			wantErr: errStopsChain,
			errHas:  []string{"answered HTTP 500 with error code AccessDenied"},
		},
		{
			name:    "500 with a code like the token",
			reason:  "a code that shares 4 bytes with the token sent (here \"oken\") may be part of it, and is not quoted",
			handler: containerFake(500, "application/json", `{"code":"InvalidTokenError"}`, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken},
			wantErr: errStopsChain,
			errHas:  []string{"answered HTTP 500 with an error code of 17 bytes (not shown)"},
		},
		{
			name:    "404",
			reason:  "an error status without JSON is described, not quoted",
			handler: containerFake(404, "text/plain", "404 page not found", 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"answered HTTP 404 with a text/plain body of 18 bytes"},
		},
		{
			name:    "HTML",
			reason:  "an HTML page is not credentials",
			handler: containerFake(200, "text/html", "<html>"+credSecret+"</html>", 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"the answer is not a JSON object but a text/html body of"},
		},
		{
			name:    "malformed JSON",
			reason:  "syntax errors give an offset, not the text",
			handler: containerFake(200, "application/json", `{"AccessKeyId": "`+credKeyID+`", "SecretAccessKey": "`+credSecret+`" "Token": ""}`, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON"},
		},
		{
			name:    "truncated JSON",
			reason:  "a cut answer is not valid JSON",
			handler: containerFake(200, "application/json", okJSON[:len(okJSON)/2], 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON"},
		},
		{
			name:    "JSON without keys",
			reason:  "an object without keys is missing credentials",
			handler: containerFake(200, "application/json", `{"RoleArn":"arn:aws:iam::123456789012:role/x"}`, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  []string{"no AccessKeyId or SecretAccessKey"},
		},
		{
			name:    "wrong type",
			reason:  "a field of the wrong type is named, its value not quoted",
			handler: containerFake(200, "application/json", `{"AccessKeyId":"`+credKeyID+`","SecretAccessKey":["`+credSecret+`"]}`, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"field SecretAccessKey has the wrong type"},
		},
		{
			name:    "expired",
			reason:  "credentials that have already expired are rejected",
			handler: containerFake(200, "application/json", credentialsJSON(endpointNow), 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: s3post.ErrCredentialsExpired,
			errHas:  []string{"expired at 2026-03-01T12:00:00Z"},
		},
		{
			name:    "huge answer",
			reason:  "the answer is bounded",
			handler: containerFake(200, "application/json", `{"x":"`+string(make([]byte, 300<<10))+`"}`, 0),
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$URL/creds"},
			wantErr: errStopsChain,
			errHas:  []string{"is longer than 262144 bytes"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			handler := tc.handler
			if handler == nil {
				handler = func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) }
			}
			srv := newFakeEndpoint(t, false, handler)
			dir := t.TempDir()
			for name, content := range tc.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
			}
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = expandVars(v, map[string]string{"$URL": srv.URL, "$HOST": srv.Listener.Addr().String(), "$DIR": dir, "$CLOSED": closedURL(t)})
			}
			p := awsenv.ContainerProvider{Getenv: credEnv(env), Timeout: tc.timeout, Now: endpointClock}
			got, err := credRetrieve(t, p, context.Background()) // fails on the token in an error
			checkSourceResult(t, tc.reason, got, err, tc.want, tc.wantErr, tc.errHas)
			if tc.check != nil {
				tc.check(t, srv.requests())
			}
		})
	}
}

// expandVars replaces each key of vars in s by its value.
func expandVars(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func TestContainerProviderTokenFileReread(t *testing.T) {
	t.Parallel()
	srv := newFakeEndpoint(t, false, containerFake(200, "application/json", credentialsJSON(endpointExpires), 0))
	tokenFile := filepath.Join(t.TempDir(), "token")
	p := awsenv.ContainerProvider{Now: endpointClock, Getenv: credEnv(map[string]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     srv.URL + "/v1/credentials",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
	})}
	for _, token := range []string{"first-token", "rotated-token"} {
		require.NoError(t, os.WriteFile(tokenFile, []byte(token), 0o600))
		_, err := credRetrieve(t, p, context.Background())
		require.NoError(t, err)
	}
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "first-token", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "rotated-token", reqs[1].Header.Get("Authorization"), "the token file is read on every call")
}

func TestContainerProviderAgentAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string
		env    map[string]string
		addr   string // what the provider dials
		host   string // the Host it asks for
		path   string
	}{
		{
			name:   "ECS relative URI",
			reason: "the relative URI is a path on the ECS agent",
			env:    map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/5f3c-task"},
			addr:   "169.254.170.2:80", host: "169.254.170.2", path: "/v2/credentials/5f3c-task",
		},
		{
			name:   "relative wins over full",
			reason: "as in the AWS SDKs",
			env:    map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"},
			addr:   "169.254.170.2:80", host: "169.254.170.2", path: "/v2/credentials/x",
		},
		{
			name:   "EKS Pod Identity IPv4",
			reason: "the EKS agent's link-local address is allowed over http",
			env:    map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"},
			addr:   "169.254.170.23:80", host: "169.254.170.23", path: "/v1/credentials",
		},
		{
			name:   "EKS Pod Identity IPv6",
			reason: "and its IPv6 address",
			env:    map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://[fd00:ec2::23]/v1/credentials"},
			addr:   "[fd00:ec2::23]:80", host: "[fd00:ec2::23]", path: "/v1/credentials",
		},
		{
			name:   "localhost",
			reason: "the loopback name is allowed",
			env:    map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:9911/get-credentials"},
			addr:   "localhost:9911", host: "localhost:9911", path: "/get-credentials",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeEndpoint(t, false, containerFake(200, "application/json", credentialsJSON(endpointExpires), 0))
			p := awsenv.ContainerProvider{Getenv: credEnv(tc.env), HTTPClient: srv.redirectClient(tc.addr), Now: endpointClock}
			got, err := credRetrieve(t, p, context.Background())
			require.NoError(t, err, tc.reason)
			assertCreds(t, endpointCreds, got)
			reqs := srv.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.host, reqs[0].Host, tc.reason)
			assert.Equal(t, tc.path, reqs[0].Path, tc.reason)
		})
	}
}

func TestContainerProviderHTTPS(t *testing.T) {
	t.Parallel()
	// httptest's certificate is for example.com, so a real https URI to a
	// host that is not local can be tested against it.
	srv := newFakeEndpoint(t, true, containerFake(200, "application/json", credentialsJSON(endpointExpires), 0))
	p := awsenv.ContainerProvider{
		Getenv:     credEnv(map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://example.com/creds"}),
		HTTPClient: srv.redirectClient("example.com:443"),
		Now:        endpointClock,
	}
	got, err := credRetrieve(t, p, context.Background())
	require.NoError(t, err, "any host is allowed over https")
	assertCreds(t, endpointCreds, got)
}

func TestContainerProviderString(t *testing.T) {
	t.Parallel()
	p := awsenv.ContainerProvider{Getenv: credEnv(map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken})}
	for _, s := range []string{p.String(), fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
		assert.Contains(t, safeText(t, "String", s), "ContainerProvider")
	}
}
