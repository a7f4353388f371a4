package awsenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/s3post/s3post"
)

// This file holds what the credential sources that ask an HTTP endpoint
// (instance metadata, container credentials, STS) have in common.

const (
	// credentialsResponseLimit bounds the body read from a credentials
	// endpoint; real answers are a few kilobytes.
	credentialsResponseLimit = 256 << 10

	// remoteTextLimit bounds the text of an endpoint's own error message
	// that is quoted in an error.
	remoteTextLimit = 300
)

// httpSource is one credentials endpoint client: the label that starts its
// messages, the HTTP client, and the time allowed for each request.
type httpSource struct {
	label   string // e.g. "EC2 instance metadata"
	client  *http.Client
	timeout time.Duration
}

// newHTTPSource returns an httpSource that uses client, or a client of its
// own when client is nil. Either way, redirects are not followed: a
// credentials endpoint that redirects is misconfigured, and following it
// could send a token to another host. The own client uses a proxy only when
// useProxy is set (never for link-local and loopback endpoints) and keeps no
// idle connections, since it is made for one Retrieve.
func newHTTPSource(label string, client *http.Client, timeout time.Duration, useProxy bool) httpSource {
	var c http.Client
	if client != nil {
		c = *client // a shallow copy, so that the caller's client is not changed
	} else {
		// Each request's context bounds it as a whole (see do).
		tr := &http.Transport{DisableKeepAlives: true, ForceAttemptHTTP2: true}
		if useProxy {
			tr.Proxy = http.ProxyFromEnvironment
		}
		c.Transport = tr
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return httpSource{label: label, client: &c, timeout: timeout}
}

// httpAnswer is an endpoint's response, read in full.
type httpAnswer struct {
	status      int
	contentType string // media type only, lower case; "" when absent or malformed
	body        []byte
}

// do sends one request, bounded by s.timeout and ctx, and reads the whole
// response. Its errors never quote the request's headers or body, nor the
// URL's query or user info.
func (s httpSource) do(ctx context.Context, method, rawURL string, header http.Header, body string) (*httpAnswer, error) {
	reqCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(reqCtx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("%s: the URL %s is not valid", s.label, redactURL(rawURL))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.transportError(ctx, reqCtx, method, req.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, credentialsResponseLimit+1))
	if err != nil {
		if reqCtx.Err() != nil {
			return nil, s.transportError(ctx, reqCtx, method, req.URL, err)
		}
		return nil, fmt.Errorf("%s: reading the answer to %s %s (HTTP %d): %w", s.label, method, redactURL(rawURL), resp.StatusCode, unwrapURLError(err))
	}
	if len(data) > credentialsResponseLimit {
		return nil, fmt.Errorf("%s: the answer to %s %s is longer than %d bytes", s.label, method, redactURL(rawURL), credentialsResponseLimit)
	}
	a := &httpAnswer{status: resp.StatusCode, body: data}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		a.contentType = mt
	}
	return a, nil
}

// transportError describes a request that got no response: the caller gave
// up (ctx), the request timed out (reqCtx), or the connection failed.
func (s httpSource) transportError(ctx, reqCtx context.Context, method string, u *url.URL, err error) error {
	where := method + " " + redactURL(u.String())
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %s: %w", s.label, where, ctx.Err())
	case reqCtx.Err() != nil:
		return &noAnswerError{msg: fmt.Sprintf("%s: %s: no answer within %v", s.label, where, s.timeout), err: reqCtx.Err(), timeout: true}
	case errors.As(err, &netErr) && netErr.Timeout():
		// The caller's HTTPClient has a timeout of its own.
		return &noAnswerError{msg: fmt.Sprintf("%s: %s: no answer in time", s.label, where), err: unwrapURLError(err), timeout: true}
	}
	return &noAnswerError{msg: fmt.Sprintf("%s: %s failed", s.label, where), err: unwrapURLError(err)}
}

// noAnswerError reports a request that got no HTTP response at all.
type noAnswerError struct {
	msg     string
	err     error
	timeout bool // the request timed out, rather than failed at once
}

func (e *noAnswerError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *noAnswerError) Unwrap() error { return e.err }

// sourceInputError is an [*s3post.InputError] about the configuration of a
// credentials source, with "s3post: " and the source's label before its
// text, such as "s3post: container credentials:
// AWS_CONTAINER_CREDENTIALS_FULL_URI: ...".
func sourceInputError(label string, sentinel error, input, reason string) error {
	return prefixError(label, inputError(sentinel, input, reason))
}

// unwrapURLError drops the *url.Error wrapper of err, whose text repeats the
// full URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL returns the scheme, host and path of a URL, without the user
// info, query or fragment, which may hold a secret.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(a malformed URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// describeBody says what a body is, for an error about an answer that is
// not what was expected, without quoting it: it may hold a secret.
func (a *httpAnswer) describeBody() string {
	switch {
	case len(bytes.TrimSpace(a.body)) == 0:
		return "an empty body"
	case a.contentType != "":
		return fmt.Sprintf("%d bytes of %s", len(a.body), a.contentType)
	}
	return fmt.Sprintf("%d bytes", len(a.body))
}

// remoteText prepares a message written by an endpoint (an error code or
// message) for quoting in an error: one line, limited in length, and with
// each of secrets, if it occurs, replaced.
func remoteText(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > remoteTextLimit {
		s = s[:remoteTextLimit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}

// endpointCredentials is the JSON of the instance metadata service and of
// container credential endpoints.
type endpointCredentials struct {
	Code            string `json:"Code"`
	Message         string `json:"Message"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// parseEndpointCredentials decodes the credentials JSON of a metadata or
// container endpoint. Its errors never quote the body.
func parseEndpointCredentials(a *httpAnswer, now time.Time) (s3post.Credentials, error) {
	body := bytes.TrimSpace(a.body)
	if len(body) == 0 || body[0] != '{' {
		return s3post.Credentials{}, fmt.Errorf("the answer is not a JSON object but %s", a.describeBody())
	}
	var ec endpointCredentials
	if err := json.Unmarshal(body, &ec); err != nil {
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntaxErr):
			return s3post.Credentials{}, fmt.Errorf("the answer is not valid JSON (error at byte %d of %d)", syntaxErr.Offset, len(body))
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return s3post.Credentials{}, fmt.Errorf("the answer's field %s has the wrong type, want %s", typeErr.Field, typeErr.Type)
		}
		return s3post.Credentials{}, errors.New("the answer is not a JSON object of credentials")
	}
	if ec.Code != "" && !strings.EqualFold(ec.Code, "Success") {
		// Quote the service's error, without any secret of the same answer.
		return s3post.Credentials{}, fmt.Errorf("the answer has Code %q: %q",
			remoteText(ec.Code, ec.SecretAccessKey, ec.Token), remoteText(ec.Message, ec.SecretAccessKey, ec.Token))
	}
	return endpointKeys(ec.AccessKeyID, ec.SecretAccessKey, ec.Token, ec.Expiration, now)
}

// endpointKeys checks the keys and the expiry that a service returned.
func endpointKeys(id, secret, token, expiration string, now time.Time) (s3post.Credentials, error) {
	var missing []string
	if id == "" {
		missing = append(missing, "AccessKeyId")
	}
	if secret == "" {
		missing = append(missing, "SecretAccessKey")
	}
	if len(missing) > 0 {
		return s3post.Credentials{}, fmt.Errorf("%w: the answer has no %s", s3post.ErrMissingCredentials, strings.Join(missing, " or "))
	}
	c := s3post.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}
	if expiration == "" {
		return c, nil
	}
	t, err := parseAWSTime(expiration)
	if err != nil {
		// Not quoted: a malformed answer may have anything there.
		return s3post.Credentials{}, fmt.Errorf("the answer's Expiration (%d bytes) is not an ISO 8601 time", len(expiration))
	}
	c.Expires = t
	if c.Expired(now) {
		return s3post.Credentials{}, fmt.Errorf("%w: the credentials expired at %s", s3post.ErrCredentialsExpired, t.UTC().Format(time.RFC3339))
	}
	return c, nil
}

// parseAWSTime parses the timestamps of AWS services: RFC 3339, with or
// without fractional seconds, and taken as UTC when the zone is missing.
func parseAWSTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// readTokenFile reads a token from a file, as the web identity and container
// sources do on every refresh: surrounding white space is dropped, and an
// empty file is an error. The file must be a regular file of at most limit
// bytes (see readSmallFile). what names the file's role in messages. The
// errors give the path, never the content.
func readTokenFile(ctx context.Context, path, what string, limit int64) (string, error) {
	data, err := readSmallFile(ctx, path, limit)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", what, err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("%s %s is empty", what, path)
	}
	return token, nil
}

// orGetenv returns getenv, or os.Getenv when it is nil.
func orGetenv(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// envTrue reports whether an environment variable is set to "true", in any
// case, as the AWS SDKs read their boolean variables.
func envTrue(v string) bool {
	return strings.EqualFold(strings.TrimSpace(v), "true")
}
