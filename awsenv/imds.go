package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/s3post/s3post"
)

// IMDSProvider gets the credentials of the IAM role of the EC2 instance
// that it runs on, from the instance metadata service, with the session
// tokens of IMDSv2:
//
//  1. PUT /latest/api/token, with the header
//     X-aws-ec2-metadata-token-ttl-seconds, returns a session token;
//  2. GET /latest/meta-data/iam/security-credentials/, with the token in
//     the header X-aws-ec2-metadata-token, returns the role's name;
//  3. GET /latest/meta-data/iam/security-credentials/<role> returns the
//     credentials as JSON (AccessKeyId, SecretAccessKey, Token, Expiration).
//
// s3post never falls back to IMDSv1, which answers without a token.
//
// The service is at http://169.254.169.254, or at http://[fd00:ec2::254]
// when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv6, or at the URL in
// AWS_EC2_METADATA_SERVICE_ENDPOINT. When AWS_EC2_METADATA_DISABLED is
// "true", Retrieve makes no request.
//
// Retrieve returns an error wrapping [s3post.ErrNoCredentials], which lets a chain
// move on, when the service is disabled, does not answer at all (the program
// is not on EC2), or reports no IAM role. Other failures are errors of their
// own: a malformed endpoint setting (an [*s3post.InputError] wrapping
// [s3post.ErrInvalidEndpoint]), an HTTP error status, an answer that is not the
// expected JSON, credentials without keys, or credentials that have already
// expired (wrapping [s3post.ErrCredentialsExpired]). Of an answer, errors
// quote only the status, an error code of letters and dots that shares
// nothing with the session token or the answer's keys, and lengths; never
// the role's name, a message, a body or a header.
//
// Every call asks the service; wrap the provider in a [s3post.CredentialsCache].
// The zero value is ready to use, and Retrieve is safe for concurrent use.
type IMDSProvider struct {
	// Endpoint is the base URL of the service, e.g. "http://127.0.0.1:8080",
	// without user info, query or fragment, since paths are added to it.
	// Optional; the default comes from the environment as described above.
	Endpoint string

	// Timeout bounds each of the three requests. Optional; the default is
	// one second, as the service answers in milliseconds when it is there.
	Timeout time.Duration

	// HTTPClient sends the requests; its redirect policy is replaced by one
	// that follows none. Optional; the default is a client that uses no
	// proxy.
	HTTPClient *http.Client

	// Getenv looks up AWS_EC2_METADATA_DISABLED,
	// AWS_EC2_METADATA_SERVICE_ENDPOINT and
	// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE. Optional; the default, nil,
	// means os.Getenv.
	Getenv func(key string) string

	// Now tells the time, to check Expiration. Optional; the default, nil,
	// means time.Now.
	Now func() time.Time
}

const (
	imdsLabel           = "EC2 instance metadata"
	defaultIMDSEndpoint = "http://169.254.169.254"
	imdsIPv6Endpoint    = "http://[fd00:ec2::254]"
	defaultIMDSTimeout  = time.Second

	// imdsTokenTTL is the lifetime in seconds asked for each session token;
	// a token serves the two requests that follow it. The AWS SDK for Go
	// asks for the same five minutes.
	imdsTokenTTL = "300"

	imdsCredentialsPath = "/latest/meta-data/iam/security-credentials/"
)

// Retrieve asks the instance metadata service for the role's credentials.
func (p IMDSProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	getenv := orGetenv(p.Getenv)
	if v := getenv("AWS_EC2_METADATA_DISABLED"); envTrue(v) {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: %w: AWS_EC2_METADATA_DISABLED is %q", imdsLabel, s3post.ErrNoCredentials, v)
	}
	base, err := p.endpoint(getenv)
	if err != nil {
		return s3post.Credentials{}, err
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = defaultIMDSTimeout
	}
	src := newHTTPSource(imdsLabel, p.HTTPClient, timeout, false)

	token, err := p.token(ctx, src, base)
	if err != nil {
		return s3post.Credentials{}, err
	}
	auth := http.Header{"X-Aws-Ec2-Metadata-Token": {token}}

	role, err := p.role(ctx, src, base, auth)
	if err != nil {
		return s3post.Credentials{}, err
	}

	// The role's name came from the service, which may lie: a name that
	// is also the secret key of the answer to come must not be quoted, so
	// errors never quote it.
	shownRole, roleText := "<role>", "the role (a name of "+strconv.Itoa(len(role))+" bytes, not shown)"
	credsURL := base + imdsCredentialsPath + url.PathEscape(role)
	shown := redactURL(base) + imdsCredentialsPath + shownRole
	a, err := src.do(ctx, http.MethodGet, credsURL, shown, auth, "")
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %w", err)
	}
	if a.status != http.StatusOK {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: GET %s answered HTTP %d with %s", imdsLabel, shown, a.status, a.describeError(token))
	}
	c, err := parseEndpointCredentials(a, token, orNow(p.Now)())
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: credentials of %s: %w", imdsLabel, roleText, err)
	}
	return c, nil
}

// endpoint returns the base URL of the service, without a trailing slash.
// Its errors are InputErrors.
func (p IMDSProvider) endpoint(getenv func(string) string) (string, error) {
	raw, from := p.Endpoint, "IMDSProvider.Endpoint"
	if raw == "" {
		raw, from = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "AWS_EC2_METADATA_SERVICE_ENDPOINT"
	}
	if raw == "" {
		switch mode := getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"); {
		case mode == "" || strings.EqualFold(mode, "IPv4"):
			return defaultIMDSEndpoint, nil
		case strings.EqualFold(mode, "IPv6"):
			return imdsIPv6Endpoint, nil
		default:
			return "", sourceInputError(imdsLabel, s3post.ErrInvalidEndpoint, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", fmt.Sprintf("it is %q; want IPv4 or IPv6", mode))
		}
	}
	// Paths are added to the URL, so it must end with its path.
	u, problem := parseEndpointURL(raw, false)
	if problem == "" && u.Scheme != "http" && u.Scheme != "https" {
		problem = fmt.Sprintf("it has scheme %q; want http or https", u.Scheme)
	}
	if problem != "" {
		return "", sourceInputError(imdsLabel, s3post.ErrInvalidEndpoint, from, problem)
	}
	return strings.TrimRight(raw, "/"), nil
}

// token gets a session token. A service that does not answer at all means
// that the program is not on EC2, which is not an error for a chain.
func (p IMDSProvider) token(ctx context.Context, src httpSource, base string) (string, error) {
	tokenURL := base + "/latest/api/token"
	a, err := src.do(ctx, http.MethodPut, tokenURL, redactURL(tokenURL), http.Header{"X-Aws-Ec2-Metadata-Token-Ttl-Seconds": {imdsTokenTTL}}, "")
	var noAnswer *noAnswerError
	switch {
	case errors.As(err, &noAnswer):
		hint := ""
		if noAnswer.timeout {
			hint = " (not on EC2? In a container on EC2, the instance's metadata hop limit may have to be 2)"
		}
		return "", &textError{
			msg:  "s3post: " + imdsLabel + ": " + s3post.ErrNoCredentials.Error() + ": " + strings.TrimPrefix(err.Error(), imdsLabel+": ") + hint,
			errs: []error{s3post.ErrNoCredentials, err},
		}
	case err != nil:
		return "", fmt.Errorf("s3post: %w", err)
	case a.status != http.StatusOK:
		return "", fmt.Errorf("s3post: %s: PUT %s answered HTTP %d with %s; s3post uses IMDSv2 only", imdsLabel, redactURL(tokenURL), a.status, a.describeBody())
	}
	token := strings.TrimSpace(string(a.body))
	if !tokenShape(token) {
		return "", fmt.Errorf("s3post: %s: PUT %s answered with %s, not a session token", imdsLabel, redactURL(tokenURL), a.describeBody())
	}
	return token, nil
}

// tokenShape reports whether s can be a session token, which goes in a
// header: printable ASCII without spaces.
func tokenShape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return s != ""
}

// role gets the name of the instance's IAM role.
func (p IMDSProvider) role(ctx context.Context, src httpSource, base string, auth http.Header) (string, error) {
	listURL := base + imdsCredentialsPath
	a, err := src.do(ctx, http.MethodGet, listURL, redactURL(listURL), auth, "")
	switch {
	case err != nil:
		return "", fmt.Errorf("s3post: %w", err)
	case a.status == http.StatusNotFound:
		return "", fmt.Errorf("s3post: %s: %w: the instance has no IAM role (GET %s answered HTTP 404)", imdsLabel, s3post.ErrNoCredentials, redactURL(listURL))
	case a.status != http.StatusOK:
		return "", fmt.Errorf("s3post: %s: GET %s answered HTTP %d with %s", imdsLabel, redactURL(listURL), a.status, a.describeBody())
	}
	role, _, _ := strings.Cut(strings.TrimSpace(string(a.body)), "\n")
	role = strings.TrimSpace(role)
	if role == "" {
		return "", fmt.Errorf("s3post: %s: %w: the instance has no IAM role (GET %s answered with %s)", imdsLabel, s3post.ErrNoCredentials, redactURL(listURL), a.describeBody())
	}
	if !iamNameShape(role) {
		return "", fmt.Errorf("s3post: %s: GET %s answered with %s, not an IAM role name", imdsLabel, redactURL(listURL), a.describeBody())
	}
	return role, nil
}

// iamNameShape reports whether s can be an IAM role name: 1 to 64 letters,
// digits and the characters +=,.@_-.
func iamNameShape(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("+=,.@_-", rune(c)) {
			return false
		}
	}
	return true
}

// String returns "IMDSProvider".
func (IMDSProvider) String() string { return "IMDSProvider" }

// GoString returns "awsenv.IMDSProvider", so that %#v does not print the
// fields.
func (IMDSProvider) GoString() string { return "awsenv.IMDSProvider" }

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
