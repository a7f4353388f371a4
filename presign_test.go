package s3post

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var testNow = time.Date(2026, 11, 25, 14, 30, 15, 0, time.UTC)

const (
	testAccessKey = "AKIDEXAMPLE"
	testSecret    = "test-secret-never-printed"
)

func testPresigner() *Presigner {
	return &Presigner{
		Credentials: StaticCredentials(testAccessKey, testSecret, ""),
		Region:      "eu-central-1",
		Now:         func() time.Time { return testNow },
	}
}

// decodedPolicy is a policy document as S3 reads it.
type decodedPolicy struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}

func decodePolicy(t *testing.T, policyBase64 string) decodedPolicy {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(policyBase64)
	require.NoError(t, err)
	var p decodedPolicy
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&p), "policy is not JSON: %s", raw)
	return p
}

func TestPresignPostFields(t *testing.T) {
	t.Parallel()
	p := testPresigner()
	post, err := p.PresignPost(context.Background(), PostInput{
		Bucket: "example-bucket",
		Key:    "uploads/photo.jpg",
		Fields: map[string]string{"acl": "private"},
	})
	require.NoError(t, err)

	assert.Equal(t, "https://example-bucket.s3.eu-central-1.amazonaws.com/", post.URL)
	assert.Equal(t, testNow.Add(time.Hour), post.Expires)
	wantKeys := []string{"acl", "key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"}
	assert.ElementsMatch(t, wantKeys, mapKeys(post.Fields))
	assert.Equal(t, "uploads/photo.jpg", post.Fields["key"])
	assert.Equal(t, "AWS4-HMAC-SHA256", post.Fields["x-amz-algorithm"])
	assert.Equal(t, "AKIDEXAMPLE/20261125/eu-central-1/s3/aws4_request", post.Fields["x-amz-credential"])
	assert.Equal(t, "20261125T143015Z", post.Fields["x-amz-date"])
	assert.Regexp(t, `^[0-9a-f]{64}$`, post.Fields["x-amz-signature"])

	key := deriveSigningKey(testSecret, "20261125", "eu-central-1")
	assert.Equal(t, signPolicy(key, post.Fields["policy"]), post.Fields["x-amz-signature"], "the signature covers the policy field")

	pol := decodePolicy(t, post.Fields["policy"])
	assert.Equal(t, "2026-11-25T15:30:15Z", pol.Expiration)
	assert.Equal(t, []any{
		map[string]any{"acl": "private"},
		map[string]any{"bucket": "example-bucket"},
		map[string]any{"key": "uploads/photo.jpg"},
		map[string]any{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
		map[string]any{"x-amz-credential": "AKIDEXAMPLE/20261125/eu-central-1/s3/aws4_request"},
		map[string]any{"x-amz-date": "20261125T143015Z"},
	}, pol.Conditions)
}

func TestPresignPostSessionToken(t *testing.T) {
	t.Parallel()
	p := testPresigner()
	p.Credentials = StaticCredentials(testAccessKey, testSecret, "session/token+=")
	post, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
	require.NoError(t, err)
	assert.True(t, post.Fields["x-amz-security-token"] == "session/token+=", "the session token is a form field")
	pol := decodePolicy(t, post.Fields["policy"])
	assert.Contains(t, pol.Conditions, map[string]any{"x-amz-security-token": "session/token+="})
}

func mapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestPresignPostCoversEveryField checks the promise that S3 never answers
// "Extra input fields": every returned field except policy and
// x-amz-signature has a condition, and every field value meets the
// conditions on its field.
func TestPresignPostCoversEveryField(t *testing.T) {
	t.Parallel()
	inputs := []PostInput{
		{Bucket: "b-1", Key: "plain"},
		{Bucket: "b-1", Key: "uploads/${filename}", Fields: map[string]string{"Content-Type": "image/png", "x-amz-meta-user": "42"}},
		{Bucket: "b-1", Key: "a/${filename}.jpg", Fields: map[string]string{"success_action_redirect": "https://example.com/done?u=${filename}"}},
		{Bucket: "b-1", Key: "k", Fields: map[string]string{"content-type": "text/plain"}, Conditions: []Condition{StartsWith("Content-Type", "text/")}},
		{Bucket: "b-1", Key: "user/1/x", Conditions: []Condition{StartsWith("key", "user/1/"), ContentLengthRange(0, 5)}},
	}
	for _, in := range inputs {
		post, err := testPresigner().PresignPost(context.Background(), in)
		require.NoError(t, err, "%+v", in)
		pol, err := DecodePolicy(post.Fields["policy"])
		require.NoError(t, err, "%+v", in)
		for name, value := range post.Fields {
			if name == "policy" || name == "x-amz-signature" {
				continue
			}
			// S3 substitutes ${filename} before it checks the conditions.
			value = substituteFilename(value, "some file.txt")
			covered := false
			for _, c := range pol.Conditions {
				if c.Op == "content-length-range" || !strings.EqualFold(c.Field, name) {
					continue
				}
				covered = true
				assert.True(t, c.Meets(value), "field %q=%q does not meet %v", name, value, c)
			}
			assert.True(t, covered, "field %q has no condition in %+v", name, pol)
		}
	}
}

func TestPresignPostFilename(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		in     PostInput
		want   []any // the conditions before the bucket's
		key    any   // the key condition
	}{
		{
			reason: "${filename} at the end: starts-with the directory",
			in:     PostInput{Key: "uploads/${filename}"},
			key:    []any{"starts-with", "$key", "uploads/"},
		},
		{
			reason: "${filename} in the middle: starts-with the text before it, never an exact match",
			in:     PostInput{Key: "uploads/${filename}/original"},
			key:    []any{"starts-with", "$key", "uploads/"},
		},
		{
			reason: "a key that is only ${filename}: any key",
			in:     PostInput{Key: "${filename}"},
			key:    []any{"starts-with", "$key", ""},
		},
		{
			reason: "${filename} in another field: starts-with too",
			in:     PostInput{Key: "k", Fields: map[string]string{"Content-Disposition": "attachment; filename=${filename}"}},
			want:   []any{[]any{"starts-with", "$Content-Disposition", "attachment; filename="}},
			key:    map[string]any{"key": "k"},
		},
		{
			reason: "${filename} after text that JSON escapes: the prefix is escaped",
			in:     PostInput{Key: "\"é\"\\${filename}", Fields: map[string]string{"x-amz-meta-name": "ü\t${filename}"}},
			want:   []any{[]any{"starts-with", "$x-amz-meta-name", "ü\t"}},
			key:    []any{"starts-with", "$key", "\"é\"\\"},
		},
		{
			reason: "the caller's key condition replaces the automatic one",
			in:     PostInput{Key: "users/7/${filename}", Conditions: []Condition{StartsWith("$key", "users/7/")}},
			want:   []any{[]any{"starts-with", "$key", "users/7/"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			tc.in.Bucket = "example-bucket"
			post, err := testPresigner().PresignPost(context.Background(), tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.in.Key, post.Fields["key"], "the key field keeps ${filename} for S3 to substitute")
			got := decodePolicy(t, post.Fields["policy"]).Conditions
			want := append(append([]any{}, tc.want...), map[string]any{"bucket": "example-bucket"})
			if tc.key != nil {
				want = append(want, tc.key)
			}
			assert.Equal(t, want, got[:len(want)])
		})
	}
}

func TestPresignPostURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		p      *Presigner
		bucket string
		want   string
	}{
		{"regional virtual-hosted URL, never the global host", &Presigner{Region: "eu-central-1"}, "photos", "https://photos.s3.eu-central-1.amazonaws.com/"},
		{"us-east-1 buckets live behind the global host", &Presigner{Region: "us-east-1"}, "photos", "https://photos.s3.amazonaws.com/"},
		{"dotted bucket: path style, since TLS wildcards cover one label", &Presigner{Region: "eu-west-1"}, "my.photos", "https://s3.eu-west-1.amazonaws.com/my.photos"},
		{"legacy us-east-1 name with capitals: path style", &Presigner{Region: "us-east-1"}, "My_Photos", "https://s3.amazonaws.com/My_Photos"},
		{"path style when asked", &Presigner{Region: "ap-southeast-2", AddressingStyle: AddressingPath}, "photos", "https://s3.ap-southeast-2.amazonaws.com/photos"},
		{"virtual style when asked", &Presigner{Region: "ap-southeast-2", AddressingStyle: AddressingVirtual}, "photos", "https://photos.s3.ap-southeast-2.amazonaws.com/"},
		{"China partition", &Presigner{Region: "cn-north-1"}, "photos", "https://photos.s3.cn-north-1.amazonaws.com.cn/"},
		{"GovCloud", &Presigner{Region: "us-gov-west-1"}, "photos", "https://photos.s3.us-gov-west-1.amazonaws.com/"},
		{"GovCloud FIPS", &Presigner{Region: "us-gov-west-1", UseFIPS: true}, "photos", "https://photos.s3-fips.us-gov-west-1.amazonaws.com/"},
		{"FIPS", &Presigner{Region: "us-east-1", UseFIPS: true}, "photos", "https://photos.s3-fips.us-east-1.amazonaws.com/"},
		{"dual-stack", &Presigner{Region: "eu-west-1", UseDualStack: true}, "photos", "https://photos.s3.dualstack.eu-west-1.amazonaws.com/"},
		{"dual-stack us-east-1 is regional", &Presigner{Region: "us-east-1", UseDualStack: true}, "photos", "https://photos.s3.dualstack.us-east-1.amazonaws.com/"},
		{"FIPS and dual-stack", &Presigner{Region: "us-west-2", UseFIPS: true, UseDualStack: true}, "photos", "https://photos.s3-fips.dualstack.us-west-2.amazonaws.com/"},
		{"China dual-stack", &Presigner{Region: "cn-northwest-1", UseDualStack: true}, "photos", "https://photos.s3.dualstack.cn-northwest-1.amazonaws.com.cn/"},
		{"accelerate", &Presigner{Region: "eu-west-1", UseAccelerate: true}, "photos", "https://photos.s3-accelerate.amazonaws.com/"},
		{"accelerate dual-stack", &Presigner{Region: "eu-west-1", UseAccelerate: true, UseDualStack: true}, "photos", "https://photos.s3-accelerate.dualstack.amazonaws.com/"},
		{"custom endpoint: path style by default", &Presigner{Region: "us-east-1", Endpoint: "http://127.0.0.1:7070"}, "photos", "http://127.0.0.1:7070/photos"},
		{"custom endpoint keeps its base path", &Presigner{Region: "us-east-1", Endpoint: "https://s3.example.com:8443/base/"}, "photos", "https://s3.example.com:8443/base/photos"},
		{"custom endpoint, virtual when asked", &Presigner{Region: "us-east-1", Endpoint: "http://localhost:7070", AddressingStyle: AddressingVirtual}, "photos", "http://photos.localhost:7070/"},
		{"custom endpoint, virtual over http allows dots", &Presigner{Region: "garage", Endpoint: "http://s3.local/base", AddressingStyle: AddressingVirtual}, "a.b", "http://a.b.s3.local/base/"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			got, err := tc.p.postURL(tc.bucket)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestPresignPostChecksNewCredentials checks that credentials are checked
// also when the Presigner has signed with others before: its signer cache
// holds only credentials that passed.
func TestPresignPostChecksNewCredentials(t *testing.T) {
	t.Parallel()
	var next atomic.Pointer[Credentials]
	p := testPresigner()
	p.Credentials = CredentialsProviderFunc(func(context.Context) (Credentials, error) { return *next.Load(), nil })
	in := PostInput{Bucket: "example-bucket", Key: "k"}

	next.Store(&Credentials{AccessKeyID: "AK", SecretAccessKey: "s"})
	_, err := p.PresignPost(context.Background(), in)
	require.NoError(t, err)
	for _, bad := range []Credentials{
		{AccessKeyID: "A/K", SecretAccessKey: "s"},
		{AccessKeyID: "AK ", SecretAccessKey: "s"},
		{AccessKeyID: "A\x00K", SecretAccessKey: "s"}, // a NUL from a shared credentials file
		{AccessKeyID: "AK\x7f", SecretAccessKey: "s"},
		{AccessKeyID: "AK"},
		{SecretAccessKey: "s"},
	} {
		next.Store(&bad)
		_, err := p.PresignPost(context.Background(), in)
		require.ErrorIs(t, err, ErrMissingCredentials, "access key %q", bad.AccessKeyID)
	}
	next.Store(&Credentials{AccessKeyID: "AK", SecretAccessKey: "s"})
	_, err = p.PresignPost(context.Background(), in)
	require.NoError(t, err, "the good credentials still sign")
}

func TestPresignPostErrors(t *testing.T) {
	t.Parallel()
	valid := PostInput{Bucket: "example-bucket", Key: "k"}
	with := func(f func(*PostInput)) PostInput {
		in := valid
		f(&in)
		return in
	}
	expired := func(c Credentials) *Presigner {
		p := testPresigner()
		p.Credentials = CredentialsProviderFunc(func(context.Context) (Credentials, error) { return c, nil })
		return p
	}
	tests := []struct {
		reason string
		p      *Presigner
		in     PostInput
		want   error
		msg    string // a part of the message
	}{
		{"no credentials provider", &Presigner{Region: "us-east-1"}, valid, ErrMissingCredentials, "Presigner.Credentials"},
		{"empty static keys", &Presigner{Region: "us-east-1", Credentials: StaticCredentials("", "", "")}, valid, ErrMissingCredentials, "must be set"},
		{"provider returns empty keys", expired(Credentials{AccessKeyID: "AK"}), valid, ErrMissingCredentials, "empty access key ID or secret"},
		{"access key with a slash breaks the scope", expired(Credentials{AccessKeyID: "A/K", SecretAccessKey: "s"}), valid, ErrMissingCredentials, "'/'"},
		{"access key with a NUL", expired(Credentials{AccessKeyID: "A\x00K", SecretAccessKey: "s"}), valid, ErrMissingCredentials, "control character"},
		{"credentials already expired", expired(Credentials{AccessKeyID: "AK", SecretAccessKey: "s", Expires: testNow}), valid, ErrCredentialsExpired, "expired at 2026-11-25T14:30:15Z"},
		{"expired and without a secret: the missing secret comes first", expired(Credentials{AccessKeyID: "AK", Expires: testNow}), valid, ErrMissingCredentials, "empty access key ID or secret"},
		{"form would outlive the credentials", expired(Credentials{AccessKeyID: "AK", SecretAccessKey: "s", Expires: testNow.Add(30 * time.Minute)}), valid, ErrCredentialsExpired, "shorten PostInput.Expires"},
		{"no region", &Presigner{Credentials: StaticCredentials("a", "b", "")}, valid, ErrInvalidRegion, "region is empty"},
		{"region with a slash", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "eu/1"}, valid, ErrInvalidRegion, "contains"},
		{"not an AWS region", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "europe"}, valid, ErrInvalidRegion, "not an AWS region"},
		{"isolated partition", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-iso-east-1"}, valid, ErrInvalidRegion, "isolated partition"},
		{"empty bucket", testPresigner(), with(func(in *PostInput) { in.Bucket = "" }), ErrInvalidBucket, "empty"},
		{"ARN", testPresigner(), with(func(in *PostInput) { in.Bucket = "arn:aws:s3:eu-central-1:123456789012:accesspoint/ap" }), ErrInvalidBucket, "ARNs are not supported"},
		{"bucket too short", testPresigner(), with(func(in *PostInput) { in.Bucket = "ab" }), ErrInvalidBucket, "3 to 63"},
		{"bucket with a slash", testPresigner(), with(func(in *PostInput) { in.Bucket = "a/b" }), ErrInvalidBucket, `contains "/"`},
		{"bucket ending in a hyphen", testPresigner(), with(func(in *PostInput) { in.Bucket = "abc-" }), ErrInvalidBucket, "begin and end"},
		{"directory bucket", testPresigner(), with(func(in *PostInput) { in.Bucket = "b--use1-az4--x-s3" }), ErrInvalidBucket, "directory bucket"},
		{"legacy name outside us-east-1", testPresigner(), with(func(in *PostInput) { in.Bucket = "My_Bucket" }), ErrInvalidBucket, "outside us-east-1"},
		{"empty key", testPresigner(), with(func(in *PostInput) { in.Key = "" }), ErrInvalidKey, "key is empty"},
		{"key over 1024 bytes", testPresigner(), with(func(in *PostInput) { in.Key = strings.Repeat("k", 1025) }), ErrInvalidKey, "1025 bytes"},
		{"key not UTF-8", testPresigner(), with(func(in *PostInput) { in.Key = "k\xff" }), ErrInvalidKey, "UTF-8"},
		{"reserved field policy", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"Policy": "x"} }), ErrInvalidField, "reserved"},
		{"reserved field key", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"key": "x"} }), ErrInvalidField, "PostInput.Key"},
		{"reserved field x-amz-signature", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"X-Amz-Signature": "x"} }), ErrInvalidField, "signer"},
		{"reserved field x-amz-security-token", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"x-amz-security-token": "x"} }), ErrInvalidField, "session token"},
		{"reserved field file", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"file": "x"} }), ErrInvalidField, "last form part"},
		{"empty field name", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"": "x"} }), ErrInvalidField, "empty"},
		{"field name with a quote", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{`a"b`: "x"} }), ErrInvalidField, "contains"},
		{"field name with $", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"$acl": "x"} }), ErrInvalidField, "leading '$'"},
		{"same field twice in different case", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"ACL": "private", "acl": "private"} }), ErrInvalidField, "case-insensitive"},
		{"field value not UTF-8", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"acl": "\xff"} }), ErrInvalidField, "UTF-8"},
		{"nil condition", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{nil} }), ErrInvalidCondition, "nil"},
		{"condition on an empty field", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{Eq("", "x")} }), ErrInvalidCondition, "empty"},
		{"condition on a signer field", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{Eq("x-amz-date", "x")} }), ErrInvalidCondition, "signer"},
		{"condition on the policy", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{StartsWith("policy", "")} }), ErrInvalidCondition, "does not check"},
		{"negative size", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{ContentLengthRange(-1, 10)} }), ErrInvalidCondition, "negative"},
		{"min above max", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{ContentLengthRange(10, 1)} }), ErrInvalidCondition, "above its maximum"},
		{"disjoint size ranges", testPresigner(), with(func(in *PostInput) {
			in.Conditions = []Condition{ContentLengthRange(0, 10), ContentLengthRange(11, 20)}
		}), ErrUnsatisfiable, "no possible size"},
		{"content type outside its own condition", testPresigner(), with(func(in *PostInput) {
			in.Fields = map[string]string{"Content-Type": "text/plain"}
			in.Conditions = []Condition{StartsWith("content-type", "image/")}
		}), ErrUnsatisfiable, `does not meet ["starts-with", "$content-type", "image/"]`},
		{"key outside its own condition", testPresigner(), with(func(in *PostInput) {
			in.Key = "other/${filename}"
			in.Conditions = []Condition{StartsWith("key", "uploads/")}
		}), ErrUnsatisfiable, "does not meet"},
		{"bucket outside its own condition", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{Eq("bucket", "other")} }), ErrUnsatisfiable, "does not meet"},
		{"a field the browser fills in, with no possible value", testPresigner(), with(func(in *PostInput) {
			in.Conditions = []Condition{Eq("acl", "private"), Eq("ACL", "public-read")}
		}), ErrUnsatisfiable, "no value of ACL"},
		{"two prefixes that exclude each other", testPresigner(), with(func(in *PostInput) {
			in.Conditions = []Condition{StartsWith("Content-Type", "image/"), StartsWith("Content-Type", "video/")}
		}), ErrUnsatisfiable, "no value"},
		{"negative expiry", testPresigner(), with(func(in *PostInput) { in.Expires = -time.Minute }), ErrInvalidExpiry, "negative"},
		{"expiry over 7 days", testPresigner(), with(func(in *PostInput) { in.Expires = 7*24*time.Hour + time.Second }), ErrInvalidExpiry, "7 days"},
		{"expiry under a second", testPresigner(), with(func(in *PostInput) { in.Expires = time.Millisecond }), ErrInvalidExpiry, "under a second"},
		{"unknown addressing style", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", AddressingStyle: 7}, valid, ErrInvalidEndpoint, "AddressingStyle(7)"},
		{"virtual style with a dotted bucket on AWS", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", AddressingStyle: AddressingVirtual}, with(func(in *PostInput) { in.Bucket = "a.b" }), ErrInvalidEndpoint, "TLS host name"},
		{"accelerate with a dotted bucket", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", UseAccelerate: true}, with(func(in *PostInput) { in.Bucket = "a.b" }), ErrInvalidEndpoint, "without dots"},
		{"accelerate in China", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "cn-north-1", UseAccelerate: true}, valid, ErrInvalidEndpoint, "not available"},
		{"accelerate with FIPS", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", UseAccelerate: true, UseFIPS: true}, valid, ErrInvalidEndpoint, "no FIPS"},
		{"accelerate with path style", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", UseAccelerate: true, AddressingStyle: AddressingPath}, valid, ErrInvalidEndpoint, "virtual-hosted"},
		{"FIPS with a dotted bucket", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-2", UseFIPS: true}, with(func(in *PostInput) { in.Bucket = "a.b" }), ErrInvalidEndpoint, "virtual-hosted URLs only"},
		{"FIPS with path style", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-2", UseFIPS: true, AddressingStyle: AddressingPath}, valid, ErrInvalidEndpoint, "do not set AddressingPath"},
		{"FIPS in Europe", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "eu-west-1", UseFIPS: true}, valid, ErrInvalidEndpoint, "no FIPS endpoint"},
		{"endpoint without scheme", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", Endpoint: "127.0.0.1:7070"}, valid, ErrInvalidEndpoint, "scheme"},
		{"endpoint with credentials", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", Endpoint: "http://u:p@host"}, valid, ErrInvalidEndpoint, "must not contain credentials"},
		{"endpoint with a query", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", Endpoint: "http://host/?x=1"}, valid, ErrInvalidEndpoint, "query"},
		{"endpoint with accelerate", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", Endpoint: "http://host", UseAccelerate: true}, valid, ErrInvalidEndpoint, "AWS endpoints only"},
		{"virtual style on an IP endpoint", &Presigner{Credentials: StaticCredentials("a", "b", ""), Region: "us-east-1", Endpoint: "http://127.0.0.1:7070", AddressingStyle: AddressingVirtual}, valid, ErrInvalidEndpoint, "IP address"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			post, err := tc.p.PresignPost(context.Background(), tc.in)
			require.Error(t, err)
			assert.Nil(t, post)
			assert.ErrorIs(t, err, tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "s3post: "), "error %q lacks the package prefix", err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.False(t, strings.Contains(err.Error(), testSecret), "the error shows the secret")
			var ie *InputError
			if errors.As(err, &ie) {
				assert.NotEmpty(t, ie.Input)
			}
		})
	}
}

func TestPresignPostCredentialsError(t *testing.T) {
	t.Parallel()
	boom := errors.New("metadata service down")
	p := testPresigner()
	p.Credentials = CredentialsProviderFunc(func(context.Context) (Credentials, error) { return Credentials{}, boom })
	_, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "s3post: retrieving credentials: metadata service down", err.Error())
}

func TestPresignPostValidatesBeforeRetrievingCredentials(t *testing.T) {
	t.Parallel()
	calls := 0
	p := testPresigner()
	p.Credentials = CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		calls++
		return Credentials{AccessKeyID: "a", SecretAccessKey: "b"}, nil
	})
	_, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket"})
	require.ErrorIs(t, err, ErrInvalidKey)
	assert.Zero(t, calls, "bad input must not cost a credentials fetch")
}

func TestPresignPostDoesNotMutateInput(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"acl": "private", "Content-Type": "image/png"}
	conds := make([]Condition, 2, 4) // spare capacity that an append would write into
	conds[0], conds[1] = StartsWith("Content-Type", "image/"), ContentLengthRange(1, 100)
	in := PostInput{Bucket: "example-bucket", Key: "uploads/${filename}", Fields: fields, Conditions: conds}
	p := testPresigner()
	post, err := p.PresignPost(context.Background(), in)
	require.NoError(t, err)

	assert.Equal(t, map[string]string{"acl": "private", "Content-Type": "image/png"}, fields)
	assert.Equal(t, []Condition{StartsWith("Content-Type", "image/"), ContentLengthRange(1, 100)}, conds)
	assert.Equal(t, []Condition{nil, nil}, conds[2:4], "nothing appended into the caller's spare capacity")
	post.Fields["acl"] = "public-read"
	assert.Equal(t, "private", fields["acl"], "the result does not share the caller's map")
	assert.Equal(t, "eu-central-1", p.Region)
}

func TestPresignPostDeterministic(t *testing.T) {
	t.Parallel()
	in := PostInput{
		Bucket: "example-bucket", Key: "k",
		Fields: map[string]string{"b": "2", "a": "1", "c": "3", "x-amz-meta-z": "z", "Content-Type": "t", "acl": "private"},
	}
	first, err := testPresigner().PresignPost(context.Background(), in)
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		again, err := testPresigner().PresignPost(context.Background(), in)
		require.NoError(t, err)
		require.Equal(t, first.Fields["policy"], again.Fields["policy"], "policy bytes must not depend on map order")
	}
}

func TestPresignPostClock(t *testing.T) {
	t.Parallel()
	p := testPresigner()
	p.Now = func() time.Time { return time.Date(2026, 3, 1, 23, 59, 59, 999_000_000, time.FixedZone("CET", 3600)) }
	post, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k", Expires: 90 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, "20260301T225959Z", post.Fields["x-amz-date"], "UTC, whole seconds")
	assert.Equal(t, "2026-03-01T23:01:29Z", decodePolicy(t, post.Fields["policy"]).Expiration)
	assert.Equal(t, time.Date(2026, 3, 1, 23, 1, 29, 0, time.UTC), post.Expires)
}

func TestPresignPostJSON(t *testing.T) {
	t.Parallel()
	post, err := testPresigner().PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
	require.NoError(t, err)
	b, err := json.Marshal(post)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "https://example-bucket.s3.eu-central-1.amazonaws.com/", back["url"])
	assert.Equal(t, "2026-11-25T15:30:15Z", back["expires"])
	assert.Contains(t, back["fields"], "x-amz-signature")
}

// TestPolicyGolden compares the exact policy documents, as signed, with the
// files under testdata/golden; run `go test -run TestPolicyGolden -update` to rewrite
// them after a deliberate change.
func TestPolicyGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		p  *Presigner
		in PostInput
	}{
		"minimal": {testPresigner(), PostInput{Bucket: "example-bucket", Key: "photo.jpg"}},
		"image-upload": {testPresigner(), PostInput{
			Bucket: "example-bucket", Key: "users/42/${filename}", Expires: 15 * time.Minute,
			Fields: map[string]string{
				"acl": "private", "success_action_status": "201", "x-amz-meta-user": "42", "Content-Type": "image/jpeg",
			},
			Conditions: []Condition{ContentLengthRange(1, 10<<20), StartsWith("Content-Type", "image/")},
		}},
		"escaping": {testPresigner(), PostInput{
			Bucket: "example-bucket", Key: "quote\" backslash\\ newline\n tab\t é 😀 <&>",
			Fields: map[string]string{"x-amz-meta-note": `"}, {"acl": "public-read"`},
		}},
		"session-token": {&Presigner{
			Credentials: StaticCredentials(testAccessKey, testSecret, "FwoGZXIvYXdzEXAMPLETOKEN"), Region: "us-east-1",
			Now: func() time.Time { return testNow },
		}, PostInput{Bucket: "example-bucket", Key: "k", Conditions: []Condition{StartsWith("x-amz-meta-tag", "")}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			post, err := tc.p.PresignPost(context.Background(), tc.in)
			require.NoError(t, err)
			raw, err := base64.StdEncoding.DecodeString(post.Fields["policy"])
			require.NoError(t, err)
			require.True(t, json.Valid(raw))
			got := append(raw, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestPresignPostRefreshesCredentialsForLongForms checks that a form is
// signed with credentials that outlive it: a cache whose credentials expire
// before the form does is refreshed early, not refused.
func TestPresignPostRefreshesCredentialsForLongForms(t *testing.T) {
	t.Parallel()
	now := testNow
	fetches := 0
	source := CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		fetches++
		return Credentials{AccessKeyID: fmt.Sprintf("AK%d", fetches), SecretAccessKey: "s", Expires: now.Add(90 * time.Minute)}, nil
	})
	p := testPresigner()
	p.Now = func() time.Time { return now }
	p.Credentials = NewCredentialsCache(source, CredentialsCacheOptions{Now: func() time.Time { return now }})

	post, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(post.Fields["x-amz-credential"], "AK1/"))

	now = now.Add(40 * time.Minute) // the cached keys expire 50 minutes from now, before a one-hour form
	post, err = p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(post.Fields["x-amz-credential"], "AK2/"), "refreshed early: %s", post.Fields["x-amz-credential"])
	assert.Equal(t, 2, fetches)

	_, err = p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k", Expires: 3 * time.Hour})
	assert.ErrorIs(t, err, ErrCredentialsExpired, "no source can outlive a three-hour form")
}

// TestPresignPostExpiration checks that PresignedPost.Expires is the
// policy's expiration, to the nanosecond, whatever the lifetime and clock,
// also when forms of several lifetimes share a second's stamp; and that a
// clock whose forms' expiration a policy cannot write is an error.
func TestPresignPostExpiration(t *testing.T) {
	t.Parallel()
	p := testPresigner() // one Presigner: the forms share its stamp cache
	at := testNow.Add(250 * time.Millisecond)
	p.Now = func() time.Time { return at }
	for _, tc := range []struct {
		reason   string
		lifetime time.Duration
		want     time.Time
	}{
		{"one hour", time.Hour, testNow.Add(time.Hour)},
		{"1.5 s: the fraction is dropped", 1500 * time.Millisecond, testNow.Add(time.Second)},
		{"one second", time.Second, testNow.Add(time.Second)},
		{"1.999999999 s in the same second", 2*time.Second - 1, testNow.Add(time.Second)},
		{"2.5 s", 2500 * time.Millisecond, testNow.Add(2 * time.Second)},
		{"seven days, less half a second", MaxExpiry - 500*time.Millisecond, testNow.Add(MaxExpiry - time.Second)},
		{"one hour again", time.Hour, testNow.Add(time.Hour)},
	} {
		post, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k", Expires: tc.lifetime})
		require.NoError(t, err, tc.reason)
		assert.Equal(t, tc.want, post.Expires, tc.reason)
		assert.Equal(t, tc.want.Format(expirationFormat), decodePolicy(t, post.Fields["policy"]).Expiration, tc.reason)
	}

	for _, tc := range []struct {
		reason string
		now    time.Time
		msg    string
	}{
		{"a form that would expire in year 10000", time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC),
			"s3post: Presigner.Now: the form would expire at 10000-01-01T00:30:00Z, after 9999-12-31T23:59:59Z, the last time that a policy's expiration can hold: check the clock"},
		{"a clock in year 10000", time.Date(10000, 6, 1, 0, 0, 0, 0, time.UTC), "after 9999-12-31T23:59:59Z"},
		{"a clock before year 0", time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
			"s3post: Presigner.Now: the clock says -0001-06-01T00:00:00Z, before 0000-01-01T00:00:00Z, the first time that x-amz-date can hold: check the clock"},
	} {
		p := testPresigner()
		p.Now = func() time.Time { return tc.now }
		post, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
		require.ErrorIs(t, err, ErrInvalidExpiry, tc.reason)
		assert.Nil(t, post)
		assert.Contains(t, err.Error(), tc.msg, tc.reason)
	}

	p = testPresigner()
	p.Now = func() time.Time { return time.Date(9999, 12, 31, 22, 59, 59, 0, time.UTC) }
	post, err := p.PresignPost(context.Background(), PostInput{Bucket: "example-bucket", Key: "k"})
	require.NoError(t, err, "a form that expires at the last second of 9999")
	assert.Equal(t, "9999-12-31T23:59:59Z", decodePolicy(t, post.Fields["policy"]).Expiration)
}
