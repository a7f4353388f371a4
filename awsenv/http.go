package awsenv

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/s3post/s3post"
)

// This file holds what the credential sources that ask an HTTP endpoint
// (instance metadata, container credentials, STS) have in common.

const (
	// credentialsResponseLimit bounds the body read from a credentials
	// endpoint; real answers are a few kilobytes.
	credentialsResponseLimit = 256 << 10

	// errorCodeLimit is the longest error code or request ID that an error
	// quotes.
	errorCodeLimit = 64

	// sharedPieceLen is the length of the shortest piece of a secret that
	// an error code must not contain to be quoted.
	sharedPieceLen = 4
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
// response. shown is the URL as errors show it: redactURL(rawURL), or less.
// Its errors never quote the request's headers or body, nor anything that
// the endpoint sent.
func (s httpSource) do(ctx context.Context, method, rawURL, shown string, header http.Header, body string) (*httpAnswer, error) {
	reqCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	where := method + " " + shown
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(reqCtx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("%s: the URL %s is not valid", s.label, shown)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.transportError(ctx, reqCtx, where, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, credentialsResponseLimit+1))
	if err != nil {
		if reqCtx.Err() != nil {
			return nil, s.transportError(ctx, reqCtx, where, err)
		}
		return nil, &textError{
			msg:  fmt.Sprintf("%s: reading the answer to %s (HTTP %d): %s", s.label, where, resp.StatusCode, transportCause(err)),
			errs: []error{unwrapURLError(err)},
		}
	}
	if len(data) > credentialsResponseLimit {
		return nil, fmt.Errorf("%s: the answer to %s is longer than %d bytes", s.label, where, credentialsResponseLimit)
	}
	a := &httpAnswer{status: resp.StatusCode, body: data}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		a.contentType = mt
	}
	return a, nil
}

// transportError describes a request, where (method and shown URL), that
// got no response: the caller gave up (ctx), the request timed out
// (reqCtx), or the connection failed.
func (s httpSource) transportError(ctx, reqCtx context.Context, where string, err error) error {
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %s: %w", s.label, where, ctx.Err())
	case reqCtx.Err() != nil:
		return &noAnswerError{msg: fmt.Sprintf("%s: %s: no answer within %v: %v", s.label, where, s.timeout, reqCtx.Err()), err: reqCtx.Err(), timeout: true}
	case errors.As(err, &netErr) && netErr.Timeout():
		// The caller's HTTPClient has a timeout of its own.
		return &noAnswerError{msg: fmt.Sprintf("%s: %s: no answer in time", s.label, where), err: unwrapURLError(err), timeout: true}
	}
	return &noAnswerError{msg: fmt.Sprintf("%s: %s failed: %s", s.label, where, transportCause(err)), err: unwrapURLError(err)}
}

// noAnswerError reports a request that got no complete HTTP response. Its
// text is its own: the error it wraps may quote what the endpoint sent.
type noAnswerError struct {
	msg     string
	err     error
	timeout bool // the request timed out, rather than failed at once
}

func (e *noAnswerError) Error() string { return e.msg }
func (e *noAnswerError) Unwrap() error { return e.err }

// transportCause says why a request got no complete answer. It quotes err
// only where its text cannot hold anything that the endpoint sent: net/http
// quotes a malformed status or header line, and crypto/x509 the names of a
// certificate, so those are described, not quoted.
func transportCause(err error) string {
	var (
		opErr    *net.OpError
		errno    syscall.Errno
		dnsErr   *net.DNSError
		hostErr  x509.HostnameError
		authErr  x509.UnknownAuthorityError
		certErr  x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
	)
	switch {
	case errors.As(err, &dnsErr):
		return dnsErr.Error() // the host asked for, and the resolver's verdict
	case errors.As(err, &errno):
		if errors.As(err, &opErr) && opErr.Addr != nil {
			return fmt.Sprintf("%s %s: %s", opErr.Op, opErr.Addr, errno.Error())
		}
		return errno.Error()
	case errors.As(err, &hostErr):
		return "the server's TLS certificate is not for host " + hostErr.Host
	case errors.As(err, &authErr):
		return "the server's TLS certificate is signed by an unknown authority"
	case errors.As(err, &certErr) && certErr.Reason == x509.Expired:
		return "the server's TLS certificate has expired or is not valid yet"
	case errors.As(err, &certErr):
		return "the server's TLS certificate is not valid"
	case errors.As(err, &recErr):
		return "the server did not answer with TLS"
	case errors.As(err, &alertErr):
		return "the server refused the TLS handshake (" + alertErr.Error() + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before the answer was complete"
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		// The constant texts of net/http's errors that say what is wrong.
		switch text := e.Error(); text {
		case "http: server gave HTTP response to HTTPS client":
			return text
		}
	}
	return "the request failed, or the answer is not valid HTTP (the details are not shown: they may quote the answer)"
}

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

// parseEndpointURL parses raw, the URL of an endpoint from a setting, and
// returns what is wrong with it, if anything: it must be absolute, with a
// host, and without user info or a fragment, which would be a secret in a
// setting or a mistake ("http://host/#x" asks "/", whatever path is added
// after it); withQuery allows a query, which other sources refuse for the
// same reason.
func parseEndpointURL(raw string, withQuery bool) (*url.URL, string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, "it is not an http or https URL with a host"
	case u.User != nil:
		return nil, "it has user info (user@ or user:password@), which s3post does not send"
	case strings.Contains(raw, "#"):
		return nil, "it has a fragment (#...)"
	case !withQuery && strings.Contains(raw, "?"):
		return nil, "it has a query (?...)"
	}
	return u, ""
}

// describeBody says what a body is, for an error about an answer that is
// not what was expected, without quoting it: it may hold a secret. It
// names the media type only when it is one of a few known ones, since a
// header value may hold anything.
func (a *httpAnswer) describeBody() string {
	if len(bytes.TrimSpace(a.body)) == 0 {
		return "an empty body"
	}
	switch a.contentType {
	case "application/json", "application/xml", "text/html", "text/plain", "text/xml":
		return fmt.Sprintf("a %s body of %d bytes", a.contentType, len(a.body))
	}
	return fmt.Sprintf("a body of %d bytes", len(a.body))
}

// describeCode returns "error code <code>" when an error may quote code,
// an error code of an endpoint's answer, or else says how long it is. An
// error quotes a code only when it has the shape of one (1 to 64 ASCII
// letters and dots), and when it shares no piece of sharedPieceLen bytes
// with any of secrets: the token sent with the request, and the keys in
// the same answer. So an endpoint that echoes a secret, or part of one, in
// its code does not have it printed.
func describeCode(code string, secrets []string) string {
	if !codeShape(code) || sharesPiece(code, secrets) {
		return fmt.Sprintf("an error code of %d bytes (not shown)", len(code))
	}
	return "error code " + code
}

// codeShape reports whether s has the shape of an error code: 1 to 64
// ASCII letters and dots.
func codeShape(s string) bool {
	if len(s) == 0 || len(s) > errorCodeLimit {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.') {
			return false
		}
	}
	return true
}

// requestIDShape reports whether s has the shape of an AWS request ID: 1 to
// 64 hex digits and dashes.
func requestIDShape(s string) bool {
	if len(s) == 0 || len(s) > errorCodeLimit {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// sharesPiece reports whether s and any of secrets have a piece of
// sharedPieceLen bytes in common, or, when either is shorter, whether the
// shorter is part of the other.
func sharesPiece(s string, secrets []string) bool {
	for _, secret := range secrets {
		if s == "" || secret == "" {
			continue
		}
		n := min(sharedPieceLen, len(s), len(secret))
		for i := 0; i+n <= len(s); i++ {
			if strings.Contains(secret, s[i:i+n]) {
				return true
			}
		}
	}
	return false
}

// isKeyName reports whether name, a JSON field or XML element of an
// answer, holds a key: AccessKeyId, SecretAccessKey, Token or SessionToken,
// in any case.
func isKeyName(name string) bool {
	for _, k := range []string{"AccessKeyId", "SecretAccessKey", "Token", "SessionToken"} {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

// jsonKeys returns the strings under the key fields (see isKeyName) of a
// JSON answer, at any depth, for describeCode.
func jsonKeys(body []byte) []string {
	// A token walk rather than a map, so that a key field repeated with a
	// harmless last value cannot hide an earlier one.
	type frame struct {
		object  bool // an object, else an array
		wantKey bool // the object's next string is a field name
		under   bool // the container is inside a key field
		field   bool // the object's current field is a key field
	}
	var stack []frame
	var keys []string
	d := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return keys // what was read, also of a malformed answer
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		valueUnder := top != nil && (top.under || top.object && top.field)
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.wantKey = true
				}
				stack = append(stack, frame{object: t == '{', wantKey: t == '{', under: valueUnder})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.wantKey {
				top.field, top.wantKey = isKeyName(t), false
				continue
			}
			if valueUnder {
				keys = append(keys, t)
			}
			if top != nil && top.object {
				top.wantKey = true
			}
		default:
			if top != nil && top.object {
				top.wantKey = true
			}
		}
	}
}

// xmlKeys returns the text in the key elements or attributes (see
// isKeyName) of an XML answer, at any depth, for describeCode. ok is false
// if the answer is not well-formed XML, whose keys cannot all be found.
func xmlKeys(body []byte) (keys []string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(body))
	depth := 0 // of the element nesting inside the key element, or 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return keys, true
		}
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth > 0 || isKeyName(t.Name.Local) {
				depth++
			}
			for _, a := range t.Attr {
				if isKeyName(a.Name.Local) {
					keys = append(keys, a.Value)
				}
			}
		case xml.EndElement:
			if depth > 0 {
				depth--
			}
		case xml.CharData:
			if depth > 0 {
				keys = append(keys, string(t))
			}
		}
	}
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
// container endpoint, which was sent the token sent (or none, ""). Its
// errors never quote the body, only an error code (see describeCode).
func parseEndpointCredentials(a *httpAnswer, sent string, now time.Time) (s3post.Credentials, error) {
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
		// The service's error: its code, never its message.
		return s3post.Credentials{}, fmt.Errorf("the answer has %s, not Success", describeCode(ec.Code, append(jsonKeys(body), sent)))
	}
	return endpointKeys(ec.AccessKeyID, ec.SecretAccessKey, ec.Token, ec.Expiration, now)
}

// describeError says what an error answer of a metadata or container
// endpoint holds: its JSON "Code" (or "code"), as describeCode allows, or
// else the kind and length of its body. sent is the token sent, or "".
func (a *httpAnswer) describeError(sent string) string {
	var e struct {
		Code string `json:"Code"`
	}
	if json.Unmarshal(a.body, &e) != nil || e.Code == "" {
		return a.describeBody()
	}
	return describeCode(e.Code, append(jsonKeys(a.body), sent))
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
		return s3post.Credentials{}, fmt.Errorf("the answer's Expiration is not an RFC 3339 time (%d bytes)", len(expiration))
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
