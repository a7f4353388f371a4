package s3post

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// S3Error is an upload refused as S3 refuses it: an HTTP status, an S3 error
// code such as "AccessDenied", S3's message, and the other elements of S3's
// XML error document.
type S3Error struct {
	// StatusCode is the HTTP status S3 answers with, e.g. 403.
	StatusCode int
	// Code is the S3 error code, e.g. "SignatureDoesNotMatch".
	Code string
	// Message is the human-readable text, e.g.
	// "Invalid according to Policy: Policy expired."
	Message string
	// Details are the elements that S3 puts after Message in its error
	// document for this code, in S3's order, e.g. ProposedSize and
	// MaxSizeAllowed for EntityTooLarge, or ArgumentName and ArgumentValue
	// for InvalidArgument. Optional. The document's RequestId and HostId
	// belong to the response, not to the error.
	Details []ErrorDetail
}

// ErrorDetail is one element of an S3 error document besides Code,
// Message, RequestId and HostId, such as <MaxSizeAllowed>1024</MaxSizeAllowed>.
type ErrorDetail struct {
	// Name is the element's name, e.g. "MaxSizeAllowed".
	Name string
	// Value is the element's text, e.g. "1024".
	Value string
}

// Error returns "s3post: <Code>: <Message>".
func (e *S3Error) Error() string { return "s3post: " + e.Code + ": " + e.Message }

func s3Error(status int, code, format string, args ...any) *S3Error {
	return &S3Error{StatusCode: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// with adds details to e, given as name and value pairs.
func (e *S3Error) with(pairs ...string) *S3Error {
	for i := 0; i+1 < len(pairs); i += 2 {
		e.Details = append(e.Details, ErrorDetail{Name: pairs[i], Value: pairs[i+1]})
	}
	return e
}

// missingField is S3's answer to a form without one of its required
// fields.
func missingField(name string) *S3Error {
	return s3Error(http.StatusBadRequest, "InvalidArgument", "Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", name).
		with("ArgumentName", name, "ArgumentValue", "")
}

func policyDenied(format string, args ...any) *S3Error {
	return s3Error(http.StatusForbidden, "AccessDenied", "Invalid according to Policy: "+format, args...)
}

// SecretLookup finds the credentials of an access key ID, for a [Verifier].
// It returns an error wrapping [ErrNoCredentials] for an unknown key. It must
// be safe for concurrent use.
type SecretLookup func(ctx context.Context, accessKeyID string) (Credentials, error)

// Verifier checks a submitted POST form as S3 does: the signature, the
// policy's expiration and every condition, and that every field is covered.
// Use it in a proxy or an S3-compatible server that receives uploads itself.
//
// A Verifier is safe for concurrent use if its fields are not changed. It
// caches the signing keys it derives (one a day per secret and region), so
// it must not be copied after first use.
type Verifier struct {
	// Lookup finds the secret of the form's access key. Required.
	Lookup SecretLookup

	// Region is the region that the forms must be signed for. Required.
	Region string

	// Now is the clock, read once per call. Optional; nil means time.Now.
	Now func() time.Time

	keys verifierKeys
}

// Field is one form field as submitted, in the order it came.
type Field struct {
	// Name is the field's name as sent; S3 compares names ignoring the case
	// of ASCII letters (and only theirs).
	Name string
	// Value is the field's value.
	Value string
}

// Submission is a POST form as received, without its file content.
type Submission struct {
	// Bucket is the bucket the form was posted to (from the URL).
	Bucket string
	// Fields are the form fields before the file part, in order. S3
	// ignores the fields after the file.
	Fields []Field
	// Filename is the file part's file name, which replaces ${filename} in
	// the key.
	Filename string
}

// Accepted is a form that passed every check but the file's size, which is
// known only as the file is read: call [Accepted.CheckSize] as it streams.
type Accepted struct {
	// Key is the object key, with ${filename} replaced.
	Key string
	// Fields maps the lower-case names of the submitted fields to their
	// values with ${filename} replaced, e.g. "content-type",
	// "x-amz-meta-user", "success_action_status"; the signing fields
	// (policy, x-amz-*) are there too.
	Fields map[string]string
	// MinSize and MaxSize are the content-length-range bounds; MaxSize is -1
	// when the policy sets none.
	MinSize, MaxSize int64
	// Expiration is when the policy expires.
	Expiration time.Time
}

// CheckSize returns an [*S3Error] (EntityTooSmall or EntityTooLarge) when a
// file of n bytes is outside the policy's content-length-range; its
// Details give n as ProposedSize, with the bound it misses. To refuse a
// file before it is read to its end, pass the size that the request
// announces.
func (a *Accepted) CheckSize(n int64) error {
	if n < a.MinSize {
		return s3Error(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
			with("ProposedSize", strconv.FormatInt(n, 10), "MinSizeAllowed", strconv.FormatInt(a.MinSize, 10))
	}
	if a.MaxSize >= 0 && n > a.MaxSize {
		return s3Error(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").
			with("ProposedSize", strconv.FormatInt(n, 10), "MaxSizeAllowed", strconv.FormatInt(a.MaxSize, 10))
	}
	return nil
}

// ignoredField reports whether S3 skips the field when it checks that every
// field is covered by a condition.
func ignoredField(lower string) bool {
	switch lower {
	case "policy", "x-amz-signature", "file":
		return true
	}
	return strings.HasPrefix(lower, "x-ignore-")
}

// Verify checks a submission and returns what the upload may store. A
// refusal is an [*S3Error] with S3's status, code, message and details;
// other errors (a failing Lookup) are returned wrapped. Besides the
// signature and the policy, it checks the key that ${filename} makes: S3
// refuses an empty one and one longer than [MaxKeyLength].
func (v *Verifier) Verify(ctx context.Context, sub Submission) (*Accepted, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()

	fields := make(map[string]string, len(sub.Fields)+1)
	for _, f := range sub.Fields {
		lower := toLowerASCII(f.Name)
		if _, dup := fields[lower]; dup {
			return nil, s3Error(http.StatusBadRequest, "InvalidArgument", "POST requires exactly one value of the field %s", abbreviateS3(f.Name))
		}
		fields[lower] = f.Value
	}
	if _, ok := fields["key"]; !ok {
		return nil, missingField("key")
	}
	policyB64, ok := fields["policy"]
	if !ok {
		return nil, s3Error(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	for _, name := range []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"} {
		if _, ok := fields[name]; !ok {
			return nil, missingField(name)
		}
	}
	if fields["x-amz-algorithm"] != Algorithm {
		return nil, s3Error(http.StatusBadRequest, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm")
	}
	scope, err := parseScope(fields["x-amz-credential"], fields["x-amz-date"])
	if err != nil {
		return nil, err
	}
	if scope.region != v.Region {
		return nil, s3Error(http.StatusBadRequest, "InvalidArgument", "Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", abbreviateS3(scope.region), abbreviateS3(v.Region))
	}
	creds, err := v.lookup(ctx, scope.accessKeyID)
	if err != nil {
		return nil, err
	}
	if err := v.keys.checkSignature(creds, scope, fields["x-amz-signature"], policyB64); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(fields["x-amz-security-token"]), []byte(creds.SessionToken)) != 1 {
		return nil, s3Error(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	}

	pol, err := DecodePolicy(policyB64)
	if err != nil {
		return nil, err
	}
	if !t.Before(pol.Expiration) {
		return nil, policyDenied("Policy expired.")
	}
	// S3 replaces ${filename} in every field before it checks the policy.
	for name, value := range fields {
		if strings.Contains(value, filenameVariable) {
			fields[name] = substituteFilename(value, sub.Filename)
		}
	}
	acc := &Accepted{Key: fields["key"], Fields: fields, MinSize: 0, MaxSize: -1, Expiration: pol.Expiration}
	for _, c := range pol.Conditions {
		if c.Op == "content-length-range" {
			acc.MinSize = max(acc.MinSize, c.Min)
			if acc.MaxSize < 0 || c.Max < acc.MaxSize {
				acc.MaxSize = c.Max
			}
			continue
		}
		field := toLowerASCII(c.Field)
		value := fields[field]
		if field == "bucket" {
			value = sub.Bucket
		}
		if !c.Meets(value) {
			return nil, policyDenied("Policy Condition failed: %s", abbreviateS3(c.String()))
		}
	}
	for _, f := range sub.Fields {
		lower := toLowerASCII(f.Name)
		if !covered(pol, lower) && !ignoredField(lower) {
			return nil, policyDenied("Extra input fields: %s", abbreviateS3(f.Name))
		}
	}
	if !covered(pol, "bucket") {
		return nil, policyDenied("Extra input fields: bucket")
	}
	if err := checkSubstitutedKey(acc.Key); err != nil {
		return nil, err
	}
	return acc, nil
}

// covered reports whether a condition of the policy names the field, given
// in lower case; S3 compares names ignoring ASCII case only. A policy has
// a dozen conditions: a scan costs less than building a set.
func covered(pol *PolicyDocument, lower string) bool {
	for _, c := range pol.Conditions {
		if c.Op != "content-length-range" && equalFold(c.Field, lower) {
			return true
		}
	}
	return false
}

// checkSubstitutedKey refuses the keys that ${filename} can make and S3
// does not store: an empty one (an empty file name, or one that ends in a
// slash) and one longer than MaxKeyLength. AWS documents no message for an
// empty POST key; the one here is what S3-compatible servers that test
// against AWS (s3rver, Scality CloudServer) answer.
func checkSubstitutedKey(key string) error {
	if key == "" {
		return s3Error(http.StatusBadRequest, "InvalidArgument", "User key must have a length greater than 0.").
			with("ArgumentName", "key", "ArgumentValue", "")
	}
	if len(key) > MaxKeyLength {
		return s3Error(http.StatusBadRequest, "KeyTooLongError", "Your key is too long").
			with("Size", strconv.Itoa(len(key)), "MaxSizeAllowed", strconv.Itoa(MaxKeyLength))
	}
	return nil
}

// toLowerASCII returns s with its ASCII capitals in lower case. S3 compares
// field names ignoring ASCII case only, where strings.ToLower would also
// turn "\u212Aey" (KELVIN SIGN) into "key".
func toLowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

// credentialScope is a parsed x-amz-credential.
type parsedScope struct {
	accessKeyID, date, region string
}

// parseScope parses x-amz-credential ("AKID/YYYYMMDD/region/s3/aws4_request")
// and checks that its date is the day of x-amz-date.
func parseScope(credential, amzDate string) (parsedScope, error) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[0] == "" || parts[3] != service || parts[4] != scopeTerminal {
		return parsedScope{}, s3Error(http.StatusBadRequest, "InvalidArgument", "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	if _, err := time.Parse(amzDateFormat, amzDate); err != nil {
		return parsedScope{}, s3Error(http.StatusBadRequest, "InvalidArgument", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	if _, err := time.Parse(dateFormat, parts[1]); err != nil || parts[1] != amzDate[:len(dateFormat)] {
		return parsedScope{}, s3Error(http.StatusBadRequest, "InvalidArgument", "Error parsing the X-Amz-Credential parameter; the date %s is not the day of x-amz-date.", quote(parts[1]))
	}
	return parsedScope{accessKeyID: parts[0], date: parts[1], region: parts[2]}, nil
}

// lookup finds the credentials of an access key; an unknown key is S3's
// InvalidAccessKeyId.
func (v *Verifier) lookup(ctx context.Context, accessKeyID string) (Credentials, error) {
	if v.Lookup == nil {
		return Credentials{}, inputError(ErrMissingCredentials, "Verifier.Lookup", "no lookup: set it to a function that finds the secret of an access key")
	}
	creds, err := v.Lookup(ctx, accessKeyID)
	if errors.Is(err, ErrNoCredentials) {
		return Credentials{}, s3Error(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.").
			with("AWSAccessKeyId", accessKeyID)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("s3post: looking up access key %s: %w", quote(accessKeyID), err)
	}
	return creds, nil
}

// verifierKeys caches the signing keys that a Verifier derives, each with
// HMACs keyed with it, so that a form costs one HMAC of its policy rather
// than four more to derive the key and two to key the HMAC. The map is
// copied on write and read without a lock; it holds at most
// maxVerifierKeys entries and starts again empty when full.
type verifierKeys struct {
	mu      sync.Mutex // serialises writers
	entries atomic.Pointer[map[verifierKeyID]*verifierKey]
}

// maxVerifierKeys bounds the signing keys a Verifier keeps: a day's forms
// of that many secrets and regions.
const maxVerifierKeys = 64

type verifierKeyID struct{ secret, date, region string }

// verifierKey is one derived signing key, with a pool of *verifierMAC
// keyed with it.
type verifierKey struct{ macs sync.Pool }

// verifierMAC is an HMAC keyed with a signing key, with room for its sum
// and for the policy it hashes.
type verifierMAC struct {
	mac hash.Hash
	sum [sha256.Size]byte
	buf []byte
}

func (k *verifierKeys) key(secret, date, region string) *verifierKey {
	id := verifierKeyID{secret, date, region}
	if m := k.entries.Load(); m != nil {
		if e, ok := (*m)[id]; ok {
			return e
		}
	}
	signingKey := deriveSigningKey(secret, date, region)
	e := &verifierKey{}
	e.macs.New = func() any { return &verifierMAC{mac: hmac.New(sha256.New, signingKey)} }
	k.mu.Lock()
	defer k.mu.Unlock()
	next := map[verifierKeyID]*verifierKey{}
	if m := k.entries.Load(); m != nil && len(*m) < maxVerifierKeys {
		if e, ok := (*m)[id]; ok {
			return e
		}
		for i, v := range *m {
			next[i] = v
		}
	}
	next[id] = e
	k.entries.Store(&next)
	return e
}

// checkSignature compares the form's signature with the policy's, in
// constant time, with the signing key of the credential scope.
func (k *verifierKeys) checkSignature(creds Credentials, scope parsedScope, signature, policyB64 string) error {
	got, err := hex.DecodeString(signature)
	e := k.key(creds.SecretAccessKey, scope.date, scope.region)
	m := e.macs.Get().(*verifierMAC)
	m.mac.Reset()
	m.buf = append(m.buf[:0], policyB64...)
	m.mac.Write(m.buf)
	match := err == nil && hmac.Equal(got, m.mac.Sum(m.sum[:0]))
	if cap(m.buf) <= maxPooledBuffer {
		e.macs.Put(m)
	}
	if !match {
		// S3 shows what it signed: for a form, the policy field.
		return s3Error(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.").
			with("AWSAccessKeyId", scope.accessKeyID, "StringToSign", policyB64, "SignatureProvided", signature, "StringToSignBytes", spacedHex(policyB64))
	}
	return nil
}

// spacedHex is s in hex, a space between bytes, as S3's StringToSignBytes.
func spacedHex(s string) string {
	if s == "" {
		return ""
	}
	b := make([]byte, 0, 3*len(s)-1)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = hex.AppendEncode(b, []byte{s[i]})
	}
	return string(b)
}

// substituteFilename replaces ${filename} in a field value with the base
// name of the uploaded file: the text after its last '/' or '\'.
func substituteFilename(value, filename string) string {
	if !strings.Contains(value, filenameVariable) {
		return value
	}
	if i := strings.LastIndexAny(filename, `/\`); i >= 0 {
		filename = filename[i+1:]
	}
	return strings.ReplaceAll(value, filenameVariable, filename)
}
