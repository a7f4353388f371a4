// Package s3post presigns S3 POST upload forms: the URL and form fields with
// which a browser uploads a file straight into a bucket, as boto3's
// generate_presigned_post does, but with forms that S3 accepts by
// construction.
//
// # Presigning
//
// A [Presigner] holds credentials and a region. [Presigner.PresignPost]
// turns a [PostInput] (bucket, key, form fields, [Condition] values and a
// lifetime) into a [PresignedPost]: a URL and the fields to post with the
// file. It validates the input, builds the POST policy, signs it with AWS
// Signature Version 4, and never touches the network or the caller's values.
//
//	p := &s3post.Presigner{
//		Credentials: s3post.StaticCredentials(accessKeyID, secret, ""),
//		Region:      "eu-central-1",
//	}
//	post, err := p.PresignPost(ctx, s3post.PostInput{
//		Bucket:     "uploads",
//		Key:        "users/42/${filename}",
//		Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 10<<20)},
//		Object:     s3post.ObjectFields{ContentType: s3post.Prefix("image/")},
//	})
//
// [ObjectFields] sets what the object becomes (headers, ACL, storage class,
// metadata, tags, encryption, checksums) with typed values, checked against
// S3's rules; PostInput.Fields and Conditions take any other field.
//
// # What it guarantees
//
// Every form field is covered by a policy condition (S3 rejects the form with
// "Extra input fields" otherwise): a field without a condition gets an exact
// match. A value holding ${filename}, which S3 replaces with the uploaded
// file's name before checking, gets a starts-with condition on the text
// before it. A field whose value does not meet its own condition,
// conditions that no value can meet, and a form too large for S3 (more than
// the 20 KB it reads before the file, or 2 KB of user metadata) are errors
// at presign time. User data
// is escaped in the policy JSON, so it cannot add conditions. URLs are
// regional, so uploads from other regions are not redirected (a redirect
// breaks browser uploads with CORS).
//
// # Credentials
//
// Presigner.Credentials is a [CredentialsProvider]: one method that returns
// [Credentials]. [StaticCredentials] serves keys from the caller's own
// configuration, and [CredentialsCache] serves any provider's temporary
// credentials until shortly before they expire. To find credentials where a
// backend runs, as the AWS SDKs do (environment variables, shared files,
// credential_process, web identity, ECS and EKS, EC2 instance metadata), use
// package github.com/s3post/s3post/awsenv.
//
// # Errors
//
// Bad input is reported as an [*InputError] that wraps one of the sentinel
// errors ([ErrInvalidBucket], [ErrUnsatisfiable], ...), so callers can branch
// with [errors.Is] and [errors.As]. Secrets never appear in errors.
package s3post

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DefaultExpiry is the lifetime of a form when PostInput.Expires is zero.
const DefaultExpiry = time.Hour

// Presigner signs S3 POST upload forms.
//
// Its fields are configuration, read on every call and never modified. A
// Presigner is safe for concurrent use by multiple goroutines, provided its
// fields are not changed meanwhile. It caches the derived signing key and
// the URL of the last form, so it must not be copied after first use.
type Presigner struct {
	// Credentials supply the keys that sign the form. Required.
	Credentials CredentialsProvider

	// Region is the bucket's region, e.g. "eu-central-1", used in the
	// signature's scope and in the URL. Required.
	Region string

	// Endpoint is the base URL of an S3-compatible server, e.g.
	// "http://127.0.0.1:7070" or "https://host:8443/base". Its URLs are path
	// style unless AddressingStyle is AddressingVirtual. Optional; empty means
	// AWS's regional S3 endpoint.
	Endpoint string

	// AddressingStyle chooses virtual-hosted or path-style URLs. Optional;
	// the default AddressingAuto picks virtual-hosted URLs on AWS when the
	// bucket name allows it.
	AddressingStyle AddressingStyle

	// UseAccelerate posts to the S3 Transfer Acceleration endpoint, which
	// must be enabled on the bucket. Optional; default false.
	UseAccelerate bool

	// UseDualStack posts to the IPv4 and IPv6 endpoint. Optional; default
	// false.
	UseDualStack bool

	// UseFIPS posts to the FIPS 140 endpoint, which exists in US, Canada and
	// GovCloud regions. Optional; default false.
	UseFIPS bool

	// Now is the clock, read once per call. Optional; nil means time.Now.
	Now func() time.Time

	keys   signingKeyCache
	urls   urlCache
	stamps stampCache
}

// PostInput describes the upload form to sign. PresignPost does not modify
// it, nor the map and slice it holds.
type PostInput struct {
	// Bucket is the bucket's name, not an ARN. Required.
	Bucket string

	// Key is the object key. S3 replaces each "${filename}" in it, as in
	// any field, with the uploaded file's name after its last '/' or '\',
	// e.g. "uploads/${filename}"; the policy then allows any key that starts
	// with the text before the first "${filename}". Required.
	//
	// A condition on "key" in Conditions replaces that automatic one: the
	// policy checks the key with the caller's condition alone, so the
	// browser may send any key that it allows. PresignPost refuses, with
	// ErrUnsatisfiable, a Key that no file name can make meet the caller's
	// condition, such as "uploads/${filename}" under
	// StartsWith("key", "uploads/a/"), since a file name holds no '/'.
	Key string

	// Fields are extra form fields, for what Object does not type. Each
	// field gets an exact-match condition unless Conditions has one on the
	// same field (compared case-insensitively), in which case the value
	// must meet it. The values of the fields that Object types, such as
	// "acl" or "tagging", are checked as there. Optional.
	Fields map[string]string

	// Conditions are more policy rules, for fields in Fields, fields the
	// browser adds itself, and the file's size. Optional.
	Conditions []Condition

	// Object sets what the uploaded object becomes (its Content-Type,
	// metadata, tags, encryption, ...) and what the browser may choose,
	// with typed and checked values. Each name it sets must not be in
	// Fields too. Optional.
	Object ObjectFields

	// Expires is how long the form stays valid, from one second to seven
	// days, in whole seconds: a fraction of a second is dropped. Optional;
	// zero means one hour.
	Expires time.Duration
}

// PresignedPost is a signed upload form: post Fields, then the file as the
// last part named "file", as multipart/form-data to URL.
type PresignedPost struct {
	// URL is where the form is posted.
	URL string `json:"url"`
	// Fields are the form fields to send with the file, in any order before
	// it.
	Fields map[string]string `json:"fields"`
	// Expires is when the form stops being accepted.
	Expires time.Time `json:"expires"`
}

// PresignPost validates the input, builds and signs its POST policy, and
// returns the form. It makes no network call of its own; only the credentials
// provider may (a cached provider does not, while its credentials are fresh).
func (p *Presigner) PresignPost(ctx context.Context, in PostInput) (*PresignedPost, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now().UTC().Truncate(time.Second)
	return p.presign(ctx, &in, t)
}

func (p *Presigner) presign(ctx context.Context, in *PostInput, t time.Time) (*PresignedPost, error) {
	if p.Credentials == nil {
		return nil, inputError(ErrMissingCredentials, "Presigner.Credentials",
			"no credentials provider: set it, e.g. to s3post.StaticCredentials(id, secret, \"\")")
	}
	if err := checkRegionLabel(p.Region); err != nil {
		return nil, err
	}
	lifetime := in.Expires
	if lifetime == 0 {
		lifetime = DefaultExpiry
	}
	if err := checkExpiry(lifetime); err != nil {
		return nil, err
	}
	if !in.Object.isZero() {
		return p.presignObject(ctx, in, t, lifetime)
	}
	var fieldsBuf [8]formField // enough for most forms, on the stack
	ci, err := checkInput(in, fieldsBuf[:0])
	if err != nil {
		return nil, err
	}
	return p.sign(ctx, in, &ci, t, lifetime)
}

// presignObject presigns a form with object settings: they become fields
// and conditions of a copy of the input, which is presigned as any other.
func (p *Presigner) presignObject(ctx context.Context, in *PostInput, t time.Time, lifetime time.Duration) (*PresignedPost, error) {
	merged, inputs, err := withObject(in)
	if err != nil {
		return nil, err
	}
	ci, err := checkInput(merged, nil)
	if err != nil {
		return nil, inputs.rename(err)
	}
	post, err := p.sign(ctx, merged, &ci, t, lifetime)
	if err != nil {
		return nil, inputs.rename(err)
	}
	return post, nil
}

// sign signs a checked input.
func (p *Presigner) sign(ctx context.Context, in *PostInput, ci *checkedInput, t time.Time, lifetime time.Duration) (*PresignedPost, error) {
	url, err := p.postURL(in.Bucket)
	if err != nil {
		return nil, err
	}
	// The policy's expiration has whole seconds, and so does the form's.
	expires := t.Add(lifetime.Truncate(time.Second))
	if err := checkClock(t, expires); err != nil {
		return nil, err
	}
	creds, err := p.retrieveCredentials(ctx, expires)
	if err != nil {
		return nil, fmt.Errorf("s3post: retrieving credentials: %w", err)
	}
	clock := p.stamps.get(t, expires)
	amzDate := clock.amzDate
	// The signer checks the keys, the first time it sees them.
	signer, err := p.keys.signer(creds, amzDate[:len(dateFormat)], p.Region)
	if err != nil {
		return nil, err
	}
	if err := checkLifetime(creds, t, expires); err != nil {
		return nil, err
	}
	// The policy is written into pooled scratch space and signed there; the
	// policy and its signature are then copied out into one string, which
	// the two fields share: one allocation for both.
	scratch := signer.scratch()
	defer signer.release(scratch)
	var policy []byte
	scratch.buf, policy = encodePolicy(scratch.buf, ci, expires, clock, signer.conditions)
	if size := ci.formSize + ci.unplain + len(policy) + signer.formSize; size > maxPreFileSize {
		if err := ci.checkFormSize(len(policy), true, signer.formSize, creds.SessionToken); err != nil {
			return nil, err
		}
	}
	signature := scratch.sign(policy)
	scratch.buf = append(scratch.buf, signature[:]...)
	signed := string(scratch.buf[len(scratch.buf)-len(policy)-len(signature):])

	fields := make(map[string]string, len(ci.fields)+7)
	for _, f := range ci.fields {
		fields[f.name] = f.value
	}
	fields["key"] = in.Key
	fields["x-amz-algorithm"] = Algorithm
	fields["x-amz-credential"] = signer.scope
	fields["x-amz-date"] = amzDate
	if creds.SessionToken != "" {
		fields["x-amz-security-token"] = creds.SessionToken
	}
	fields["policy"] = signed[:len(policy)]
	fields["x-amz-signature"] = signed[len(policy):]
	return &PresignedPost{URL: url, Fields: fields, Expires: expires}, nil
}

// The times that the policy and x-amz-date can hold, in Unix time: years
// of four digits.
const (
	firstSigningTime = -62167219200 // 0000-01-01T00:00:00Z
	lastExpiration   = 253402300799 // 9999-12-31T23:59:59Z
)

// checkClock makes sure that a form signed at t and expiring at expires
// can write both times.
func checkClock(t, expires time.Time) error {
	switch {
	case t.Unix() < firstSigningTime:
		return inputError(ErrInvalidExpiry, "Presigner.Now",
			fmt.Sprintf("the clock says %s, before %s, the first time that x-amz-date can hold: check the clock",
				t.Format(time.RFC3339), time.Unix(firstSigningTime, 0).UTC().Format(time.RFC3339)))
	case expires.Unix() > lastExpiration:
		return inputError(ErrInvalidExpiry, "Presigner.Now",
			fmt.Sprintf("the form would expire at %s, after %s, the last time that a policy's expiration can hold: check the clock",
				expires.Format(time.RFC3339), time.Unix(lastExpiration, 0).UTC().Format(time.RFC3339)))
	}
	return nil
}

// retrieveCredentials asks the provider for credentials that outlive the
// form, when the provider can refresh early (a [CredentialsLifetimeProvider]
// such as [CredentialsCache]), so that no form dies early with ExpiredToken.
func (p *Presigner) retrieveCredentials(ctx context.Context, until time.Time) (Credentials, error) {
	if lp, ok := p.Credentials.(CredentialsLifetimeProvider); ok {
		return lp.RetrieveValidUntil(ctx, until)
	}
	return p.Credentials.Retrieve(ctx)
}

// checkKeys makes sure the credentials have keys that can sign.
func checkKeys(c Credentials) error {
	switch {
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return inputError(ErrMissingCredentials, "Presigner.Credentials", "the provider returned an empty access key ID or secret")
	case strings.ContainsAny(c.AccessKeyID, "/ \t\r\n"):
		return inputError(ErrMissingCredentials, "Presigner.Credentials", "the access key ID contains '/' or white space, which would break the credential scope")
	case strings.ContainsFunc(c.AccessKeyID, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return inputError(ErrMissingCredentials, "Presigner.Credentials", "the access key ID contains a control character (such as NUL), which no form field can carry")
	}
	return nil
}

// checkLifetime makes sure the credentials can sign a form that lives until
// expires.
func checkLifetime(c Credentials, now, expires time.Time) error {
	switch {
	case c.Expired(now):
		return inputError(ErrCredentialsExpired, "Presigner.Credentials",
			fmt.Sprintf("the credentials expired at %s", c.Expires.UTC().Format(time.RFC3339)))
	case !c.Expires.IsZero() && c.Expires.Before(expires):
		return inputError(ErrCredentialsExpired, "Presigner.Credentials",
			fmt.Sprintf("the credentials expire at %s, before the form would (%s): shorten PostInput.Expires or refresh the credentials",
				c.Expires.UTC().Format(time.RFC3339), expires.Format(time.RFC3339)))
	}
	return nil
}
