package awsenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/s3post/s3post"
)

// ContainerProvider gets credentials from the endpoint that Amazon ECS
// (task IAM roles), EKS Pod Identity, Lambda and other AWS compute services
// run beside a container, configured by environment variables:
//
//   - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: a path on the ECS agent at
//     http://169.254.170.2, e.g. "/v2/credentials/<id>"; it wins when both
//     are set;
//   - AWS_CONTAINER_CREDENTIALS_FULL_URI: a full URL without user info or
//     fragment, which must be https, or http to a loopback address
//     ("localhost", 127.0.0.0/8, ::1), the ECS agent (169.254.170.2) or the
//     EKS Pod Identity agent (169.254.170.23 or fd00:ec2::23), so that
//     credentials never travel in clear text to another host; host names
//     other than localhost are not resolved to check them, so give an IP
//     address;
//   - AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or else
//     AWS_CONTAINER_AUTHORIZATION_TOKEN: the value of the Authorization
//     header. The file is read again on every call, since the agent rotates
//     it; it must be a regular file of at most 16 KiB (a FIFO, a device or
//     a larger file is refused before any request).
//
// The endpoint answers a GET with the credentials as JSON (AccessKeyId,
// SecretAccessKey, Token, Expiration).
//
// Retrieve returns an error wrapping [s3post.ErrNoCredentials] when neither URI
// variable is set. Anything else that goes wrong is an error of its own,
// which stops a chain: a URI that is malformed or not allowed (an
// [*s3post.InputError] wrapping [s3post.ErrInvalidEndpoint]), a token file
// that is missing, empty, not a regular file or too large, an endpoint that
// does not answer in time, an HTTP error status (the error gives the
// endpoint's JSON "code" when it has the shape of one), an answer that is
// not the expected JSON, credentials without keys, or credentials that have
// already expired (wrapping [s3post.ErrCredentialsExpired]). Of an answer,
// errors quote only the status, an error code of letters and dots that
// shares nothing with the token or the answer's keys, and lengths; never a
// message, a body or a header.
//
// Every call asks the endpoint; wrap the provider in a [s3post.CredentialsCache].
// The zero value is ready to use, and Retrieve is safe for concurrent use.
type ContainerProvider struct {
	// Timeout bounds the request. Optional; the default is five seconds.
	Timeout time.Duration

	// HTTPClient sends the request; its redirect policy is replaced by one
	// that follows none. Optional; the default is a client that uses a proxy
	// only for an https URI, as the environment says.
	HTTPClient *http.Client

	// Getenv looks up the environment variables above. Optional; the
	// default, nil, means os.Getenv.
	Getenv func(key string) string

	// Now tells the time, to check Expiration. Optional; the default, nil,
	// means time.Now.
	Now func() time.Time
}

const (
	containerLabel          = "container credentials"
	ecsAgentEndpoint        = "http://169.254.170.2"
	defaultContainerTimeout = 5 * time.Second
)

// containerAgentIPs returns the link-local addresses of the ECS agent and
// of the EKS Pod Identity agent, which an http
// AWS_CONTAINER_CREDENTIALS_FULL_URI may use.
func containerAgentIPs() [3]net.IP {
	return [...]net.IP{
		net.IPv4(169, 254, 170, 2),
		net.IPv4(169, 254, 170, 23),
		net.ParseIP("fd00:ec2::23"),
	}
}

// Retrieve asks the container credentials endpoint for credentials.
func (p ContainerProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	getenv := orGetenv(p.Getenv)
	endpoint, https, err := containerEndpoint(getenv)
	if err != nil {
		return s3post.Credentials{}, err
	}
	token, err := containerToken(ctx, getenv)
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: %w", containerLabel, err)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = defaultContainerTimeout
	}
	src := newHTTPSource(containerLabel, p.HTTPClient, timeout, https)
	header := http.Header{"Accept": {"application/json"}}
	if token != "" {
		header.Set("Authorization", token)
	}
	a, err := src.do(ctx, http.MethodGet, endpoint, redactURL(endpoint), header, "")
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %w", err)
	}
	if a.status != http.StatusOK {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: GET %s answered HTTP %d with %s", containerLabel, redactURL(endpoint), a.status, a.describeError(token))
	}
	c, err := parseEndpointCredentials(a, token, orNow(p.Now)())
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: GET %s: %w", containerLabel, redactURL(endpoint), err)
	}
	return c, nil
}

// containerEndpoint returns the URL to ask, and whether it is https.
func containerEndpoint(getenv func(string) string) (endpoint string, https bool, err error) {
	if rel := getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		// The path must not be able to change the host, as "@host/x" would.
		u, problem := parseEndpointURL(ecsAgentEndpoint+rel, true)
		if !strings.HasPrefix(rel, "/") || problem != "" || u.Host != "169.254.170.2" {
			return "", false, sourceInputError(containerLabel, s3post.ErrInvalidEndpoint, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "it must be a path starting with /, without a fragment (#...)")
		}
		return u.String(), false, nil
	}
	full := getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if full == "" {
		return "", false, fmt.Errorf("s3post: %s: %w: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set",
			containerLabel, s3post.ErrNoCredentials)
	}
	u, problem := parseEndpointURL(full, true)
	switch {
	case problem != "":
		return "", false, sourceInputError(containerLabel, s3post.ErrInvalidEndpoint, "AWS_CONTAINER_CREDENTIALS_FULL_URI", problem)
	case u.Scheme == "https":
		return full, true, nil
	case u.Scheme != "http":
		return "", false, sourceInputError(containerLabel, s3post.ErrInvalidEndpoint, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
			fmt.Sprintf("it has scheme %q; want http or https", u.Scheme))
	case !containerHostAllowed(u.Hostname()):
		return "", false, sourceInputError(containerLabel, s3post.ErrInvalidEndpoint, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
			fmt.Sprintf("it has host %q: an http URI must use a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https for any other host", u.Hostname()))
	}
	return full, false, nil
}

// containerHostAllowed reports whether an http full URI may use host.
func containerHostAllowed(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	for _, agent := range containerAgentIPs() {
		if ip.Equal(agent) {
			return true
		}
	}
	return false
}

// containerToken returns the authorization token: the content of
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, read now, or else the value of
// AWS_CONTAINER_AUTHORIZATION_TOKEN, or "" for none.
func containerToken(ctx context.Context, getenv func(string) string) (string, error) {
	token, from := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"), "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	if path := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); path != "" {
		var err error
		if token, err = readTokenFile(ctx, path, "the token file of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", maxContainerTokenFileSize); err != nil {
			return "", err
		}
		from = "the file of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
	}
	if strings.ContainsAny(token, "\r\n") {
		return "", fmt.Errorf("the token in %s contains a line break, which cannot go in an HTTP header", from)
	}
	return token, nil
}

// String returns "ContainerProvider".
func (ContainerProvider) String() string { return "ContainerProvider" }

// GoString returns "awsenv.ContainerProvider", so that %#v does not print
// the fields.
func (ContainerProvider) GoString() string { return "awsenv.ContainerProvider" }
