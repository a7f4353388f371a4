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

const (
	// webToken is the OIDC token of the web identity tests; like the secret
	// keys, it must never be printed.
	webToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.FakeSignature"
	webRole  = "arn:aws:iam::123456789012:role/uploads"
)

// stsOK is a successful AssumeRoleWithWebIdentity answer, as STS writes it.
func stsOK(expiration string) string {
	return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:default:uploader</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/uploads/s3post-1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:s3post-1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>` + credToken + `</SessionToken>
      <SecretAccessKey>` + credSecret + `</SecretAccessKey>
      <Expiration>` + expiration + `</Expiration>
      <AccessKeyId>` + credKeyID + `</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`
}

// stsErr is an error answer of STS's query protocol.
func stsErr(code, message string) string {
	return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>` + code + `</Code>
    <Message>` + message + `</Message>
  </Error>
  <RequestId>4bd6c1a1-5a4d-4a86-9d53-0e5b3f1c2a7d</RequestId>
</ErrorResponse>`
}

// stsFake answers as STS: status and body, after delay.
func stsFake(status int, body string, delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		stall(r, delay)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestWebIdentityProvider(t *testing.T) {
	t.Parallel()
	ok := stsFake(200, stsOK("2026-03-01T18:00:00Z"), 0)
	tests := []struct {
		name     string
		reason   string
		handler  http.HandlerFunc
		env      map[string]string // "$URL" is the fake's URL, "$DIR" a temporary directory
		files    map[string]string // written under $DIR
		p        awsenv.WebIdentityProvider
		want     s3post.Credentials
		wantErr  error
		errHas   []string
		wantForm map[string]string // form values of the request
	}{
		{
			name:    "IRSA",
			reason:  "the token file and role from the environment, an unsigned form POST, a default session name",
			handler: ok,
			want:    endpointCreds,
			wantForm: map[string]string{"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": webRole,
				"RoleSessionName": fmt.Sprintf("s3post-%d", endpointNow.UnixNano()), "WebIdentityToken": webToken},
		},
		{
			name:     "session name and duration",
			reason:   "AWS_ROLE_SESSION_NAME names the session; Duration asks for DurationSeconds",
			handler:  ok,
			env:      map[string]string{"AWS_ROLE_SESSION_NAME": "uploads-api"},
			p:        awsenv.WebIdentityProvider{Duration: 2 * time.Hour},
			want:     endpointCreds,
			wantForm: map[string]string{"RoleSessionName": "uploads-api", "DurationSeconds": "7200"},
		},
		{
			name:     "fields win",
			reason:   "fields win over the environment",
			handler:  ok,
			env:      map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "$DIR/missing", "AWS_ROLE_ARN": "arn:aws:iam::1:role/other", "AWS_ROLE_SESSION_NAME": "env"},
			p:        awsenv.WebIdentityProvider{TokenFile: "$DIR/token", RoleARN: webRole, RoleSessionName: "field"},
			want:     endpointCreds,
			wantForm: map[string]string{"RoleArn": webRole, "RoleSessionName": "field", "WebIdentityToken": webToken},
		},
		{
			name:     "token file with a newline",
			reason:   "surrounding white space is not part of the token",
			handler:  ok,
			files:    map[string]string{"token": "\n" + webToken + "\n"},
			want:     endpointCreds,
			wantForm: map[string]string{"WebIdentityToken": webToken},
		},
		{
			name:    "not configured",
			reason:  "without a token file, a chain moves on",
			env:     map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": ""},
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"s3post: web identity: no credentials found: AWS_WEB_IDENTITY_TOKEN_FILE is not set"},
		},
		{
			name:    "role alone",
			reason:  "AWS_ROLE_ARN alone is not web identity, as for the AWS SDKs",
			env:     map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": ""},
			wantErr: s3post.ErrNoCredentials,
		},
		{
			name:    "token file without role",
			reason:  "half a configuration is reported",
			env:     map[string]string{"AWS_ROLE_ARN": ""},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  []string{"neither RoleARN nor AWS_ROLE_ARN is"},
		},
		{
			name:    "token file missing",
			reason:  "the token file must exist",
			files:   map[string]string{"token": ""},
			env:     map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "$DIR/gone"},
			wantErr: fs.ErrNotExist,
			errHas:  []string{"reading the web identity token file", "gone"},
		},
		{
			name:    "token file empty",
			reason:  "an empty token is an error",
			files:   map[string]string{"token": "  \n"},
			wantErr: errStopsChain,
			errHas:  []string{"the web identity token file", "token is empty"},
		},
		{
			name:    "InvalidIdentityToken",
			reason:  "STS's code and request ID are quoted, with a hint; its message, which may echo the token, is not",
			handler: stsFake(400, stsErr("InvalidIdentityToken", "Token "+webToken+" has an unknown issuer"), 0),
			wantErr: errStopsChain,
			errHas: []string{"s3post: web identity: AssumeRoleWithWebIdentity for " + webRole + ": STS answered HTTP 400 with error code InvalidIdentityToken (request ID 4bd6c1a1-5a4d-4a86-9d53-0e5b3f1c2a7d); the token in ",
				"is not accepted: check the role's trust policy"},
		},
		{
			name:    "ExpiredTokenException",
			reason:  "an expired token says that the file is read again",
			handler: stsFake(400, stsErr("ExpiredTokenException", "Token expired: current date/time 1772366400 must be before the expiration date/time 1772362800"), 0),
			wantErr: errStopsChain,
			errHas:  []string{"with error code ExpiredTokenException (request ID", "has expired: it is read again at the next refresh"},
		},
		{
			name:    "Throttling",
			reason:  "throttling says to try again",
			handler: stsFake(400, stsErr("Throttling", "Rate exceeded"), 0),
			wantErr: errStopsChain,
			errHas:  []string{"STS answered HTTP 400 with error code Throttling (request ID", "; STS is limiting the rate of requests"},
		},
		{
			name:    "AccessDenied",
			reason:  "a trust policy that does not match says so",
			handler: stsFake(403, stsErr("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"), 0),
			wantErr: errStopsChain,
			errHas:  []string{"HTTP 403 with error code AccessDenied (", "trust policy"},
		},
		{
			name:   "503 HTML",
			reason: "an error that is not STS XML is described, not quoted",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "<html>"+webToken+"</html>", http.StatusServiceUnavailable)
			},
			wantErr: errStopsChain,
			errHas:  []string{"STS answered HTTP 503 with a text/plain body of"},
		},
		{
			name:    "malformed XML",
			reason:  "an answer that is not XML is described, not quoted",
			handler: stsFake(200, stsOK("2026-03-01T18:00:00Z")[:200], 0),
			wantErr: errStopsChain,
			errHas:  []string{"the answer is not an AssumeRoleWithWebIdentityResponse XML document but a text/xml body of 200 bytes"},
		},
		{
			name:    "other XML",
			reason:  "XML of another shape is not credentials",
			handler: stsFake(200, `<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>`, 0),
			wantErr: errStopsChain,
			errHas:  []string{"not an AssumeRoleWithWebIdentityResponse"},
		},
		{
			name:    "no keys",
			reason:  "a result without keys is missing credentials",
			handler: stsFake(200, strings.Replace(stsOK("2026-03-01T18:00:00Z"), credSecret, "", 1), 0),
			wantErr: s3post.ErrMissingCredentials,
			errHas:  []string{"no SecretAccessKey"},
		},
		{
			name:    "expired",
			reason:  "credentials that have already expired are rejected",
			handler: stsFake(200, stsOK("2026-03-01T11:00:00Z"), 0),
			wantErr: s3post.ErrCredentialsExpired,
			errHas:  []string{"expired at 2026-03-01T11:00:00Z"},
		},
		{
			name:    "fractional Expiration without zone",
			reason:  "ISO 8601 times with fractions, and without a zone (UTC), are read",
			handler: stsFake(200, stsOK("2026-03-01T18:00:00.000"), 0),
			want:    endpointCreds,
		},
		{
			name:    "slow",
			reason:  "the request is bounded by Timeout",
			handler: stsFake(200, stsOK("2026-03-01T18:00:00Z"), time.Minute),
			p:       awsenv.WebIdentityProvider{Timeout: 50 * time.Millisecond},
			wantErr: errStopsChain,
			errHas:  []string{"s3post: web identity: POST http://127.0.0.1:", "no answer within 50ms"},
		},
		{
			name:    "duration out of range",
			reason:  "STS allows 15 minutes to 12 hours",
			p:       awsenv.WebIdentityProvider{Duration: time.Minute},
			wantErr: errStopsChain,
			errHas:  []string{"Duration is 1m0s"},
		},
		{
			name:    "http endpoint elsewhere",
			reason:  "the token never travels in clear text to a host that is not local",
			env:     map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts.example.com"},
			wantErr: errStopsChain,
			errHas:  []string{`AWS_ENDPOINT_URL_STS: it is http to host "sts.example.com"`},
		},
		{
			name:    "endpoint with a fragment",
			reason:  "a fragment is not sent, so the URL does not say what is asked",
			handler: ok,
			env:     map[string]string{"AWS_ENDPOINT_URL_STS": "$URL/#frag"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_ENDPOINT_URL_STS: it has a fragment"},
		},
		{
			name:    "endpoint field with an empty fragment",
			reason:  "a bare # is a fragment too",
			handler: ok,
			p:       awsenv.WebIdentityProvider{Endpoint: "$URL#"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"WebIdentityProvider.Endpoint: it has a fragment"},
		},
		{
			name:    "opaque endpoint",
			reason:  "https:host has no host",
			env:     map[string]string{"AWS_ENDPOINT_URL_STS": "https:sts.amazonaws.com"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_ENDPOINT_URL_STS: it is not an http or https URL with a host"},
		},
		{
			name:    "endpoint with user info",
			reason:  "a password in a setting is a secret",
			env:     map[string]string{"AWS_ENDPOINT_URL_STS": "https://u:" + credToken + "@sts.example.com"},
			wantErr: s3post.ErrInvalidEndpoint,
			errHas:  []string{"AWS_ENDPOINT_URL_STS: it has user info"},
		},
		{
			name:    "endpoint with a query",
			reason:  "the URL is asked as it is, so a query is allowed",
			handler: ok,
			env:     map[string]string{"AWS_ENDPOINT_URL_STS": "$URL/?x=1"},
			want:    endpointCreds,
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
			files := map[string]string{"token": webToken}
			for name, content := range tc.files {
				files[name] = content
			}
			for name, content := range files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
			}
			vars := map[string]string{"$URL": srv.URL, "$DIR": dir}
			env := map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "$DIR/token", "AWS_ROLE_ARN": webRole, "AWS_ENDPOINT_URL_STS": "$URL"}
			for k, v := range tc.env {
				env[k] = v
			}
			for k, v := range env {
				env[k] = expandVars(v, vars)
			}
			p := tc.p
			p.TokenFile = expandVars(p.TokenFile, vars)
			p.Endpoint = expandVars(p.Endpoint, vars)
			p.Getenv, p.Now = credEnv(env), endpointClock

			got, err := credRetrieve(t, p, context.Background()) // fails on the token in an error
			checkSourceResult(t, tc.reason, got, err, tc.want, tc.wantErr, tc.errHas)
			if tc.wantForm != nil {
				reqs := srv.requests()
				require.Len(t, reqs, 1)
				r := reqs[0]
				assert.Equal(t, "POST /", r.Method+" "+r.Path)
				assert.Equal(t, "application/x-www-form-urlencoded; charset=utf-8", r.Header.Get("Content-Type"))
				assert.Empty(t, r.Header.Values("Authorization"), "the call is not signed")
				for k, v := range tc.wantForm {
					if k == "WebIdentityToken" {
						assert.True(t, r.Form.Get(k) == v, "form value %s differs (values not shown: the token is a secret)", k)
						continue
					}
					assert.Equal(t, v, r.Form.Get(k), "form value %s", k)
				}
			}
		})
	}
}

func TestWebIdentityProviderTokenFileReread(t *testing.T) {
	t.Parallel()
	srv := newFakeEndpoint(t, false, stsFake(200, stsOK("2026-03-01T18:00:00Z"), 0))
	tokenFile := filepath.Join(t.TempDir(), "token")
	p := awsenv.WebIdentityProvider{TokenFile: tokenFile, RoleARN: webRole, Endpoint: srv.URL, Getenv: credEnv(nil), Now: endpointClock}
	for _, token := range []string{"first.jwt.token", "rotated.jwt.token"} {
		require.NoError(t, os.WriteFile(tokenFile, []byte(token), 0o600))
		_, err := credRetrieve(t, p, context.Background())
		require.NoError(t, err)
	}
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "first.jwt.token", reqs[0].Form.Get("WebIdentityToken"))
	assert.Equal(t, "rotated.jwt.token", reqs[1].Form.Get("WebIdentityToken"), "the token file is read on every call")
}

func TestWebIdentityProviderRegionalEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string
		env    map[string]string
		config string // the shared config file
		p      awsenv.WebIdentityProvider
		host   string // "" for an error
		errHas string
	}{
		{name: "AWS_REGION", reason: "the regional endpoint", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-2"}, host: "sts.eu-west-1.amazonaws.com"},
		{name: "AWS_DEFAULT_REGION", reason: "the older variable", env: map[string]string{"AWS_DEFAULT_REGION": "us-east-2"}, host: "sts.us-east-2.amazonaws.com"},
		{name: "profile region", reason: "the shared config profile's region", config: "[default]\nregion = ap-south-1\n", host: "sts.ap-south-1.amazonaws.com"},
		{name: "China", reason: "China has its own DNS suffix", env: map[string]string{"AWS_REGION": "cn-north-1"}, host: "sts.cn-north-1.amazonaws.com.cn"},
		{name: "Region field", reason: "the field wins", env: map[string]string{"AWS_REGION": "eu-west-1"}, p: awsenv.WebIdentityProvider{Region: "us-gov-west-1"}, host: "sts.us-gov-west-1.amazonaws.com"},
		{name: "ignored endpoint URL", reason: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns AWS_ENDPOINT_URL_STS off",
			env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_STS": "https://127.0.0.1:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, host: "sts.eu-west-1.amazonaws.com"},
		{name: "no region", reason: "STS is regional", errHas: "no region for STS: set AWS_REGION"},
		{name: "bad region", reason: "a region goes into a host name only if it looks like one", env: map[string]string{"AWS_REGION": "eu-west-1.evil.example/"}, errHas: "is not an AWS region name"},
		{name: "isolated region", reason: "endpoints s3post does not know are asked for", env: map[string]string{"AWS_REGION": "us-iso-east-1"}, errHas: "set AWS_ENDPOINT_URL_STS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeEndpoint(t, true, stsFake(200, stsOK("2026-03-01T18:00:00Z"), 0))
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte(webToken), 0o600))
			env := map[string]string{"HOME": dir, "AWS_WEB_IDENTITY_TOKEN_FILE": filepath.Join(dir, "token"), "AWS_ROLE_ARN": webRole}
			if tc.config != "" {
				env["AWS_CONFIG_FILE"] = writeCredFile(t, dir, "config", &tc.config)
			}
			for k, v := range tc.env {
				env[k] = v
			}
			p := tc.p
			p.Getenv, p.Now = credEnv(env), endpointClock
			if tc.host != "" {
				p.HTTPClient = srv.redirectClient(tc.host + ":443")
			}
			got, err := credRetrieve(t, p, context.Background())
			if tc.host == "" {
				require.Error(t, err, tc.reason)
				assert.ErrorIs(t, err, s3post.ErrInvalidRegion, tc.reason)
				assert.Contains(t, err.Error(), tc.errHas, tc.reason)
				assert.Empty(t, srv.requests())
				return
			}
			require.NoError(t, err, tc.reason)
			assertCreds(t, endpointCreds, got)
			reqs := srv.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.host, reqs[0].Host, tc.reason)
		})
	}
}

func TestWebIdentityProviderString(t *testing.T) {
	t.Parallel()
	p := awsenv.WebIdentityProvider{RoleARN: webRole, TokenFile: "/var/run/secrets/token"}
	assert.Equal(t, "WebIdentityProvider("+webRole+")", p.String())
	assert.Equal(t, "awsenv.WebIdentityProvider("+webRole+")", fmt.Sprintf("%#v", p))
	assert.Equal(t, "WebIdentityProvider", awsenv.WebIdentityProvider{}.String())
}
