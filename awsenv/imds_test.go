package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

func TestIMDSProvider(t *testing.T) {
	t.Parallel()
	html := "<html><body><h1>502 Bad Gateway</h1>" + credSecret + "</body></html>"
	tests := []struct {
		name    string
		reason  string
		fake    imdsFake
		env     map[string]string // besides AWS_EC2_METADATA_SERVICE_ENDPOINT, the fake's URL
		timeout time.Duration
		want    s3post.Credentials
		wantErr error    // nil for success; ErrNoCredentials, another sentinel, or errStopsChain
		errHas  []string // pieces of the error message
	}{
		{
			name:   "role credentials",
			reason: "token, role name, then the role's credentials",
			want:   endpointCreds,
		},
		{
			name:   "fractional seconds and no Code",
			reason: "Expiration may have fractions of a second; Code is optional",
			fake:   imdsFake{credsBody: credStr(`{"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Token":"` + credToken + `","Expiration":"2026-03-01T18:00:00.000Z"}`)},
			want:   endpointCreds,
		},
		{
			name:   "several roles",
			reason: "the first role listed is used",
			fake:   imdsFake{listBody: credStr("s3post-role\nother-role\n")},
			want:   endpointCreds,
		},
		{
			name:    "disabled",
			reason:  "AWS_EC2_METADATA_DISABLED=true makes no request and lets a chain move on",
			env:     map[string]string{"AWS_EC2_METADATA_DISABLED": "TRUE"},
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"s3post: EC2 instance metadata: no credentials found: AWS_EC2_METADATA_DISABLED is \"TRUE\""},
		},
		{
			name:    "slow token",
			reason:  "a metadata service that does not answer in time means not on EC2, with a hint about the hop limit",
			fake:    imdsFake{tokenDelay: time.Minute},
			timeout: 50 * time.Millisecond,
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"s3post: EC2 instance metadata: no credentials found: PUT http://127.0.0.1:", "/latest/api/token: no answer within 50ms", "hop limit"},
		},
		{
			name:    "token refused",
			reason:  "s3post does not fall back to IMDSv1",
			fake:    imdsFake{tokenStatus: http.StatusForbidden},
			wantErr: errStopsChain,
			errHas:  []string{"/latest/api/token answered HTTP 403", "IMDSv2 only"},
		},
		{
			name:    "no role",
			reason:  "an instance without a role has no credentials",
			fake:    imdsFake{listStatus: http.StatusNotFound, listBody: credStr("")},
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"the instance has no IAM role", "HTTP 404"},
		},
		{
			name:    "empty role list",
			reason:  "an empty list is no role either",
			fake:    imdsFake{listBody: credStr("\n")},
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"the instance has no IAM role"},
		},
		{
			name:    "role list is HTML",
			reason:  "a role name is checked before it goes into a URL",
			fake:    imdsFake{listBody: &html},
			wantErr: errStopsChain,
			errHas:  []string{"not an IAM role name"},
		},
		{
			name:    "500",
			reason:  "an error status is reported with the URL",
			fake:    imdsFake{credsStatus: http.StatusInternalServerError, credsBody: credStr("internal error " + credSecret)},
			wantErr: errStopsChain,
			errHas:  []string{"GET http://127.0.0.1:", "/latest/meta-data/iam/security-credentials/<role> answered HTTP 500 with"},
		},
		{
			name:    "404 for the role",
			reason:  "a role that is listed but not found is an error",
			fake:    imdsFake{credsStatus: http.StatusNotFound, credsBody: credStr("")},
			wantErr: errStopsChain,
			errHas:  []string{"answered HTTP 404 with an empty body"},
		},
		{
			name:    "HTML",
			reason:  "a proxy's error page is not credentials, and is not quoted",
			fake:    imdsFake{credsBody: &html, credsType: "text/html; charset=utf-8"},
			wantErr: errStopsChain,
			errHas:  []string{`credentials of the role (a name of 11 bytes, not shown): the answer is not a JSON object but a text/html body of`},
		},
		{
			name:    "malformed JSON",
			reason:  "syntax errors give an offset, not the text",
			fake:    imdsFake{credsBody: credStr(`{"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `",}`)},
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON (error at byte"},
		},
		{
			name:    "truncated JSON",
			reason:  "a cut answer is not valid JSON",
			fake:    imdsFake{credsBody: credStr(`{"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret)},
			wantErr: errStopsChain,
			errHas:  []string{"not valid JSON"},
		},
		{
			name:    "JSON without keys",
			reason:  "credentials without keys are missing credentials",
			fake:    imdsFake{credsBody: credStr(`{"Code":"Success","Token":"` + credToken + `"}`)},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  []string{"the answer has no AccessKeyId or SecretAccessKey"},
		},
		{
			name:    "error Code",
			reason:  "a Code other than Success is the service's error",
			fake:    imdsFake{credsBody: credStr(`{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}`)},
			wantErr: errStopsChain,
			errHas:  []string{`credentials of the role (a name of 11 bytes, not shown): the answer has error code AssumeRoleUnauthorizedAccess, not Success`},
		},
		{
			name:    "expired",
			reason:  "credentials that have already expired are rejected",
			fake:    imdsFake{credsBody: credStr(credentialsJSON(endpointNow.Add(-time.Second)))},
			wantErr: s3post.ErrCredentialsExpired,
			errHas:  []string{"expired at 2026-03-01T11:59:59Z"},
		},
		{
			name:    "bad Expiration",
			reason:  "an Expiration that is not a time is an error",
			fake:    imdsFake{credsBody: credStr(`{"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","Expiration":"soon"}`)},
			wantErr: errStopsChain,
			errHas:  []string{"the answer's Expiration is not an RFC 3339 time (4 bytes)"},
		},
		{
			name:    "slow credentials",
			reason:  "once the service has answered, a timeout is an error, not a missing service",
			fake:    imdsFake{credsDelay: time.Minute},
			timeout: 50 * time.Millisecond,
			wantErr: context.DeadlineExceeded,
			errHas:  []string{"no answer within 50ms"},
		},
		{
			name:    "redirect",
			reason:  "redirects are not followed",
			fake:    imdsFake{credsStatus: http.StatusFound},
			wantErr: errStopsChain,
			errHas:  []string{"answered HTTP 302"},
		},
		{
			name:    "bad endpoint mode",
			reason:  "the mode is IPv4 or IPv6",
			env:     map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv5"},
			wantErr: errStopsChain,
			errHas:  []string{`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: it is "IPv5"`},
		},
		{
			name:    "bad endpoint",
			reason:  "the endpoint must be an http URL",
			env:     map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": "169.254.169.254"},
			wantErr: errStopsChain,
			errHas:  []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT: it is not an http or https URL"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeEndpoint(t, false, tc.fake.handler())
			env := map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.URL + "/"}
			for k, v := range tc.env {
				env[k] = v
			}
			p := awsenv.IMDSProvider{Getenv: credEnv(env), Timeout: tc.timeout, Now: endpointClock}
			got, err := credRetrieve(t, p, context.Background())
			checkSourceResult(t, tc.reason, got, err, tc.want, tc.wantErr, tc.errHas)
			if tc.name == "role credentials" {
				reqs := srv.requests()
				require.Len(t, reqs, 3)
				assert.Equal(t, []string{"PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/", "GET /latest/meta-data/iam/security-credentials/s3post-role"},
					[]string{reqs[0].Method + " " + reqs[0].Path, reqs[1].Method + " " + reqs[1].Path, reqs[2].Method + " " + reqs[2].Path})
				assert.Equal(t, "300", reqs[0].Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"), "the token's TTL is asked for")
				// Compared without printing: the token is a secret.
				assert.True(t, imdsSessionToken == reqs[1].Header.Get("X-Aws-Ec2-Metadata-Token"), "the role list is asked with the token")
				assert.True(t, imdsSessionToken == reqs[2].Header.Get("X-Aws-Ec2-Metadata-Token"), "the credentials are asked with the token")
			}
			if tc.name == "disabled" {
				assert.Empty(t, srv.requests(), "no request when disabled")
			}
		})
	}
}

// checkSourceResult checks what a credentials source returned.
func checkSourceResult(t *testing.T, reason string, got s3post.Credentials, err error, want s3post.Credentials, wantErr error, errHas []string) {
	t.Helper()
	if wantErr == nil {
		require.NoError(t, err, reason)
		assertCreds(t, want, got, reason)
		return
	}
	require.Error(t, err, reason)
	assert.True(t, got == s3post.Credentials{}, "no credentials with an error: %s", reason)
	if wantErr == errStopsChain {
		assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %s", reason)
	} else {
		assert.ErrorIs(t, err, wantErr, reason)
	}
	if wantErr != s3post.ErrNoCredentials {
		assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %s", reason)
	}
	assert.Regexp(t, "^s3post: ", err.Error())
	for _, piece := range errHas {
		assert.Contains(t, err.Error(), piece, reason)
	}
	assertNoSecret(t, "%+v of error", fmt.Sprintf("%+v", err))
}

func TestIMDSProviderUnreachable(t *testing.T) {
	t.Parallel()
	p := awsenv.IMDSProvider{Getenv: credEnv(map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": closedURL(t)})}
	_, err := credRetrieve(t, p, context.Background())
	require.ErrorIs(t, err, s3post.ErrNoCredentials, "no metadata service means not on EC2: a chain moves on")
	assert.Contains(t, err.Error(), "s3post: EC2 instance metadata: no credentials found: PUT http://127.0.0.1:")
	assert.Contains(t, err.Error(), "connection refused")
}

func TestIMDSProviderCanceled(t *testing.T) {
	t.Parallel()
	srv := newFakeEndpoint(t, false, imdsFake{tokenDelay: time.Minute}.handler())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	p := awsenv.IMDSProvider{Endpoint: srv.URL, Timeout: time.Minute, Getenv: credEnv(nil)}
	_, err := credRetrieve(t, p, ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the caller's ctx bounds the requests")
	assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "a caller who gives up is not a missing service")
}

func TestIMDSProviderDefaultEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, mode, addr, host string
	}{
		{"IPv4", "", "169.254.169.254:80", "169.254.169.254"},
		{"IPv4 named", "ipv4", "169.254.169.254:80", "169.254.169.254"},
		{"IPv6", "IPv6", "[fd00:ec2::254]:80", "[fd00:ec2::254]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeEndpoint(t, false, imdsFake{}.handler())
			p := awsenv.IMDSProvider{
				Getenv:     credEnv(map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": tc.mode}),
				HTTPClient: srv.redirectClient(tc.addr),
				Now:        endpointClock,
			}
			got, err := credRetrieve(t, p, context.Background())
			require.NoError(t, err)
			assertCreds(t, endpointCreds, got)
			for _, r := range srv.requests() {
				assert.Equal(t, tc.host, r.Host, "the request goes to the service's fixed address")
			}
		})
	}
}

func TestIMDSProviderFieldWins(t *testing.T) {
	t.Parallel()
	srv := newFakeEndpoint(t, false, imdsFake{}.handler())
	p := awsenv.IMDSProvider{
		Endpoint: srv.URL,
		Getenv:   credEnv(map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": closedURL(t)}),
		Now:      endpointClock,
	}
	got, err := credRetrieve(t, p, context.Background())
	require.NoError(t, err, "Endpoint wins over the environment")
	assertCreds(t, endpointCreds, got)
}

func TestIMDSProviderString(t *testing.T) {
	t.Parallel()
	p := awsenv.IMDSProvider{Endpoint: "http://user:" + credSecret + "@127.0.0.1"}
	for _, s := range []string{p.String(), fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
		assert.Contains(t, safeText(t, "String", s), "IMDSProvider")
	}
}

func TestIMDSProviderEndpointRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reason   string
		endpoint string // "$URL" is the fake's URL, "$HOST" its host and port
		errHas   string
	}{
		{"fragment", "the paths added after a fragment would not be asked", "$URL/#frag", "it has a fragment"},
		{"fragment without a slash", "nor here", "$URL#frag", "it has a fragment"},
		{"empty fragment", "a bare # is a fragment too", "$URL/#", "it has a fragment"},
		{"query", "the paths added after a query would not be asked", "$URL/?x=1", "it has a query"},
		{"empty query", "a bare ? is a query too", "$URL/?", "it has a query"},
		{"user info", "a password in a setting is a secret", "http://user:" + credToken + "@$HOST", "it has user info"},
		{"opaque", "http:host is not a URL with a host", "http:$HOST", "it is not an http or https URL with a host"},
		{"no host", "a path is not a URL", "http:///latest", "it is not an http or https URL with a host"},
		{"other scheme", "only http and https", "ftp://$HOST", `it has scheme "ftp"`},
	}
	for _, tc := range tests {
		for _, via := range []string{"IMDSProvider.Endpoint", "AWS_EC2_METADATA_SERVICE_ENDPOINT"} {
			t.Run(tc.name+" via "+via, func(t *testing.T) {
				t.Parallel()
				srv := newFakeEndpoint(t, false, imdsFake{}.handler())
				endpoint := expandVars(tc.endpoint, map[string]string{"$URL": srv.URL, "$HOST": srv.Listener.Addr().String()})
				p := awsenv.IMDSProvider{Getenv: credEnv(nil), Now: endpointClock, Timeout: time.Second}
				if via == "IMDSProvider.Endpoint" {
					p.Endpoint = endpoint
				} else {
					p.Getenv = credEnv(map[string]string{"AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint})
				}
				_, err := credRetrieve(t, p, context.Background())
				require.Error(t, err, tc.reason)
				assert.ErrorIs(t, err, s3post.ErrInvalidEndpoint, tc.reason)
				var inputErr *s3post.InputError
				require.ErrorAs(t, err, &inputErr, tc.reason)
				assert.Equal(t, via, inputErr.Input)
				assert.Contains(t, err.Error(), tc.errHas, tc.reason)
				assert.NotContains(t, err.Error(), "/latest/api/token", "the error names no path that was not asked")
				assert.Empty(t, srv.requests(), "no request is made: %s", tc.reason)
			})
		}
	}
}
