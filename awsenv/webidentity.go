package awsenv

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/s3post/s3post"
)

// WebIdentityProvider exchanges an OpenID Connect token for the credentials
// of an IAM role, with the STS action AssumeRoleWithWebIdentity: what EKS
// "IAM roles for service accounts" (IRSA) and other OIDC federations set up
// with these environment variables:
//
//   - AWS_WEB_IDENTITY_TOKEN_FILE: the file that holds the token;
//   - AWS_ROLE_ARN: the role to assume;
//   - AWS_ROLE_SESSION_NAME (optional): the session's name, which shows in
//     CloudTrail; the default is "s3post-" and the time in nanoseconds.
//
// The token file is read again on every call, since whatever writes it (on
// EKS, the kubelet) replaces the token before it expires. The call is an
// unsigned POST of a form (Action=AssumeRoleWithWebIdentity,
// Version=2011-06-15, RoleArn, RoleSessionName, WebIdentityToken) to the
// regional STS endpoint, https://sts.<region>.amazonaws.com
// (amazonaws.com.cn in China), which answers with XML.
//
// Retrieve returns an error wrapping [s3post.ErrNoCredentials] when no token file
// is configured. Anything else that goes wrong is an error of its own, which
// stops a chain: a token file without a role or a role without a token file
// (an [*s3post.InputError] wrapping [s3post.ErrMissingCredentials]), a malformed endpoint
// (wrapping [s3post.ErrInvalidEndpoint]) or region (wrapping [s3post.ErrInvalidRegion]), a
// token file that is missing, empty, not a regular file or too large, a
// token longer than STS accepts, STS not answering in time, STS refusing (the
// error gives STS's error code, such as InvalidIdentityToken,
// ExpiredTokenException or Throttling, with a hint, and its request ID), an
// answer that is not the expected XML, or credentials that have already
// expired (wrapping [s3post.ErrCredentialsExpired]). Of an answer, errors
// quote only the status, an error code of letters and dots that shares
// nothing with the token or the answer's keys, a request ID of hex digits
// and dashes, and lengths; never STS's message, a body or a header.
//
// Every call asks STS; wrap the provider in a [s3post.CredentialsCache]. The zero
// value reads everything from the environment, and Retrieve is safe for
// concurrent use.
type WebIdentityProvider struct {
	// TokenFile is the path of the file that holds the token. It must be a
	// regular file of at most 64 KiB, holding a token of at most 20,000
	// characters, the most that STS accepts; anything else (a FIFO, a
	// device, a larger file) is refused before any request. Optional; the
	// default is the value of AWS_WEB_IDENTITY_TOKEN_FILE.
	TokenFile string

	// RoleARN is the ARN of the role to assume. Optional; the default is the
	// value of AWS_ROLE_ARN.
	RoleARN string

	// RoleSessionName names the session. Optional; the default is the value
	// of AWS_ROLE_SESSION_NAME, or else "s3post-" and the time in
	// nanoseconds.
	RoleSessionName string

	// Region chooses the regional STS endpoint. Optional; the default is the
	// value of AWS_REGION, or else AWS_DEFAULT_REGION, or else the region of
	// the shared config profile (see [SharedFilesProvider]).
	Region string

	// Endpoint is the URL of STS, which must be https unless its host is a
	// loopback address, so that the token never travels in clear text, and
	// must have no user info or fragment.
	// Optional; the default is the value of AWS_ENDPOINT_URL_STS (unless
	// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true"), or else the regional
	// endpoint.
	Endpoint string

	// Duration is how long the credentials should last, from 15 minutes to
	// the role's maximum session duration (at most 12 hours). Forms cannot
	// outlive the credentials that sign them, so set it above the longest
	// form lifetime plus the cache's refresh window. Optional; the default,
	// zero, leaves it to STS, which gives one hour.
	Duration time.Duration

	// Timeout bounds the request. Optional; the default is ten seconds.
	Timeout time.Duration

	// HTTPClient sends the request; its redirect policy is replaced by one
	// that follows none. Optional; the default is a client that uses a proxy
	// as the environment says (HTTPS_PROXY, NO_PROXY).
	HTTPClient *http.Client

	// Getenv looks up the environment variables named above, and those that
	// locate the shared config file. Optional; the default, nil, means
	// os.Getenv.
	Getenv func(key string) string

	// Now tells the time, for the default session name and to check
	// Expiration. Optional; the default, nil, means time.Now.
	Now func() time.Time
}

const (
	webIdentityLabel          = "web identity"
	defaultWebIdentityTimeout = 10 * time.Second
	stsAPIVersion             = "2011-06-15"
)

// Retrieve reads the token file and asks STS for the role's credentials.
func (p WebIdentityProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	getenv := orGetenv(p.Getenv)
	tokenFile := firstNonEmpty(p.TokenFile, getenv("AWS_WEB_IDENTITY_TOKEN_FILE"))
	roleARN := firstNonEmpty(p.RoleARN, getenv("AWS_ROLE_ARN"))
	switch {
	case tokenFile == "" && p.RoleARN == "":
		// AWS_ROLE_ARN alone is not web identity, as for the AWS SDKs.
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: %w: AWS_WEB_IDENTITY_TOKEN_FILE is not set", webIdentityLabel, s3post.ErrNoCredentials)
	case tokenFile == "":
		return s3post.Credentials{}, sourceInputError(webIdentityLabel, s3post.ErrMissingCredentials, "WebIdentityProvider.TokenFile",
			"RoleARN is set, but neither TokenFile nor AWS_WEB_IDENTITY_TOKEN_FILE is")
	case roleARN == "":
		return s3post.Credentials{}, sourceInputError(webIdentityLabel, s3post.ErrMissingCredentials, "WebIdentityProvider.RoleARN",
			"the token file is set, but neither RoleARN nor AWS_ROLE_ARN is")
	case p.Duration != 0 && (p.Duration < 15*time.Minute || p.Duration > 12*time.Hour):
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: Duration is %v; STS allows 15m0s to 12h0m0s", webIdentityLabel, p.Duration)
	}
	endpoint, err := p.endpoint(getenv)
	if err != nil {
		return s3post.Credentials{}, prefixError(webIdentityLabel, err)
	}
	token, err := readTokenFile(ctx, tokenFile, "the web identity token file", maxWebIdentityTokenFileSize)
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: %w", webIdentityLabel, err)
	}
	if n := utf8.RuneCountInString(token); n > maxWebIdentityTokenLength {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: the token in %s has %d characters; STS takes at most %d: check that the file holds one OpenID Connect token",
			webIdentityLabel, tokenFile, n, maxWebIdentityTokenLength)
	}
	now := orNow(p.Now)
	session := firstNonEmpty(p.RoleSessionName, getenv("AWS_ROLE_SESSION_NAME"), "s3post-"+strconv.FormatInt(now().UnixNano(), 10))

	form := url.Values{
		"Action":           {"AssumeRoleWithWebIdentity"},
		"Version":          {stsAPIVersion},
		"RoleArn":          {roleARN},
		"RoleSessionName":  {session},
		"WebIdentityToken": {token},
	}
	if p.Duration != 0 {
		form.Set("DurationSeconds", strconv.Itoa(int(p.Duration/time.Second)))
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = defaultWebIdentityTimeout
	}
	src := newHTTPSource(webIdentityLabel, p.HTTPClient, timeout, true)
	header := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	a, err := src.do(ctx, http.MethodPost, endpoint, redactURL(endpoint), header, form.Encode())
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %w", err)
	}
	if a.status != http.StatusOK {
		return s3post.Credentials{}, stsError(a, roleARN, tokenFile, token)
	}
	c, err := parseSTSCredentials(a, now())
	if err != nil {
		return s3post.Credentials{}, fmt.Errorf("s3post: %s: AssumeRoleWithWebIdentity for %s: %w", webIdentityLabel, roleARN, err)
	}
	return c, nil
}

// endpoint returns the URL of STS.
func (p WebIdentityProvider) endpoint(getenv func(string) string) (string, error) {
	raw, from := p.Endpoint, "WebIdentityProvider.Endpoint"
	if raw == "" && !envTrue(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		raw, from = getenv("AWS_ENDPOINT_URL_STS"), "AWS_ENDPOINT_URL_STS"
	}
	if raw == "" {
		return p.regionalEndpoint(getenv)
	}
	u, problem := parseEndpointURL(raw, true)
	switch {
	case problem != "":
		return "", inputError(s3post.ErrInvalidEndpoint, from, problem)
	case u.Scheme == "https":
		return raw, nil
	case u.Scheme == "http":
		if ip := net.ParseIP(u.Hostname()); strings.EqualFold(u.Hostname(), "localhost") || ip != nil && ip.IsLoopback() {
			return raw, nil
		}
		return "", inputError(s3post.ErrInvalidEndpoint, from, fmt.Sprintf("it is http to host %q, which would send the token in clear text; use https", u.Hostname()))
	}
	return "", inputError(s3post.ErrInvalidEndpoint, from, fmt.Sprintf("it has scheme %q; want https", u.Scheme))
}

// regionalEndpoint returns the STS endpoint of the region.
func (p WebIdentityProvider) regionalEndpoint(getenv func(string) string) (string, error) {
	region, from := p.Region, "WebIdentityProvider.Region"
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if region == "" {
			region, from = getenv(name), name
		}
	}
	if region == "" {
		r, err := (SharedFilesProvider{Getenv: getenv}).Region()
		if err != nil {
			return "", &textError{msg: "looking for a region for STS: " + strings.TrimPrefix(err.Error(), "s3post: "), errs: []error{err}}
		}
		region, from = r, "the profile's region"
	}
	switch {
	case region == "":
		return "", inputError(s3post.ErrInvalidRegion, "WebIdentityProvider.Region", "no region for STS: set AWS_REGION (or WebIdentityProvider.Region)")
	case !awsRegionShape(region):
		return "", inputError(s3post.ErrInvalidRegion, from, fmt.Sprintf("%q is not an AWS region name such as \"eu-central-1\"", region))
	case strings.HasPrefix(region, "cn-"):
		return "https://sts." + region + ".amazonaws.com.cn", nil
	case strings.Contains(region, "-iso"), strings.HasPrefix(region, "eusc-"):
		return "", inputError(s3post.ErrInvalidRegion, from,
			fmt.Sprintf("s3post does not know the STS endpoint of %q: set AWS_ENDPOINT_URL_STS (or WebIdentityProvider.Endpoint)", region))
	}
	return "https://sts." + region + ".amazonaws.com", nil
}

// stsCredentialsResponse is the part of an AssumeRoleWithWebIdentity
// answer that s3post reads.
type stsCredentialsResponse struct {
	XMLName     xml.Name `xml:"AssumeRoleWithWebIdentityResponse"`
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
}

// parseSTSCredentials decodes the XML of a successful answer. Its errors
// never quote the body.
func parseSTSCredentials(a *httpAnswer, now time.Time) (s3post.Credentials, error) {
	var r stsCredentialsResponse
	if err := xml.Unmarshal(a.body, &r); err != nil {
		return s3post.Credentials{}, fmt.Errorf("the answer is not an AssumeRoleWithWebIdentityResponse XML document but %s", a.describeBody())
	}
	c := r.Credentials
	return endpointKeys(c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration, now)
}

// stsErrorResponse is the part of the XML error of STS's query protocol
// that s3post reads; its Message is free text, which errors never quote.
type stsErrorResponse struct {
	Code      string `xml:"Error>Code"`
	RequestID string `xml:"RequestId"`
}

// stsError describes an error answer of STS, with a hint for the codes
// that web identity users meet. It quotes STS's error code and request ID
// only when they have their shapes and share nothing with the token sent
// or the keys of the answer (see describeCode), and never STS's message.
func stsError(a *httpAnswer, roleARN, tokenFile, token string) error {
	prefix := fmt.Sprintf("s3post: %s: AssumeRoleWithWebIdentity for %s", webIdentityLabel, roleARN)
	var e stsErrorResponse
	if err := xml.NewDecoder(bytes.NewReader(a.body)).Decode(&e); err != nil || e.Code == "" {
		return fmt.Errorf("%s: STS answered HTTP %d with %s", prefix, a.status, a.describeBody())
	}
	secrets, wellFormed := xmlKeys(a.body)
	if !wellFormed {
		// Keys in a part after the error that is not XML could not all
		// be found: count the code and request ID among the secrets,
		// which hides them.
		secrets = append(secrets, e.Code, e.RequestID)
	}
	secrets = append(secrets, token)
	msg := fmt.Sprintf("%s: STS answered HTTP %d with %s", prefix, a.status, describeCode(e.Code, secrets))
	if requestIDShape(e.RequestID) && !sharesPiece(e.RequestID, secrets) {
		msg += " (request ID " + e.RequestID + ")"
	}
	switch e.Code {
	case "InvalidIdentityToken":
		msg += "; the token in " + tokenFile + " is not accepted: check the role's trust policy and the OIDC provider of its issuer"
	case "ExpiredTokenException":
		msg += "; the token in " + tokenFile + " has expired: it is read again at the next refresh, so check that whatever writes the file keeps it fresh"
	case "IDPRejectedClaim", "AccessDenied":
		msg += "; check the role's trust policy against the token's claims (iss, aud, sub)"
	case "IDPCommunicationError":
		msg += "; STS could not reach the identity provider: try again later"
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		msg += "; STS is limiting the rate of requests: try again later"
	}
	return errors.New(msg)
}

// String returns "WebIdentityProvider", with the role when it is set.
func (p WebIdentityProvider) String() string {
	if p.RoleARN == "" {
		return "WebIdentityProvider"
	}
	return "WebIdentityProvider(" + p.RoleARN + ")"
}

// GoString returns String with the package name, so that %#v does not
// print the fields.
func (p WebIdentityProvider) GoString() string { return "awsenv." + p.String() }

// awsRegionShape reports whether region is lowercase words joined by '-'
// and ending in a number, as AWS region names are ("us-gov-west-1").
func awsRegionShape(region string) bool {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return false
	}
	for i, part := range parts {
		if part == "" {
			return false
		}
		for j := 0; j < len(part); j++ {
			c := part[j]
			last := i == len(parts)-1
			if last && !(c >= '0' && c <= '9') || !last && !(c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return true
}
