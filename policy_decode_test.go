package s3post

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodePolicy decodes policies that S3 reads; the policies it refuses
// are covered by TestVerifyPolicyDocument.
func TestDecodePolicy(t *testing.T) {
	t.Parallel()
	exp := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		reason string
		policy string // base64
		want   PolicyDocument
	}{
		{"AWS's published example keeps the conditions in order and the fields as spelled", awsExamplePolicy, PolicyDocument{
			Expiration: time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC),
			Conditions: []PolicyCondition{
				{Op: "eq", Field: "bucket", Value: "sigv4examplebucket"},
				{Op: "starts-with", Field: "key", Value: "user/user1/"},
				{Op: "eq", Field: "acl", Value: "public-read"},
				{Op: "eq", Field: "success_action_redirect", Value: "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
				{Op: "starts-with", Field: "Content-Type", Value: "image/"},
				{Op: "eq", Field: "x-amz-meta-uuid", Value: "14365123651274"},
				{Op: "eq", Field: "x-amz-server-side-encryption", Value: "AES256"},
				{Op: "starts-with", Field: "x-amz-meta-tag", Value: ""},
				{Op: "eq", Field: "x-amz-credential", Value: "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
				{Op: "eq", Field: "x-amz-algorithm", Value: "AWS4-HMAC-SHA256"},
				{Op: "eq", Field: "x-amz-date", Value: "20151229T000000Z"},
			},
		}},
		{"the operator is case-insensitive and comes out lower-case", b64(`{"expiration": "2099-01-01T00:00:00Z", "conditions": [["EQ", "$Key", "a"], ["Starts-With", "$acl", ""]]}`), PolicyDocument{
			Expiration: exp,
			Conditions: []PolicyCondition{{Op: "eq", Field: "Key", Value: "a"}, {Op: "starts-with", Field: "acl"}},
		}},
		{"range bounds may be numbers or strings of digits", b64(`{"expiration": "2099-01-01T00:00:00Z", "conditions": [["content-length-range", 1, "10485760"], ["content-length-range", "0", 0]]}`), PolicyDocument{
			Expiration: exp,
			Conditions: []PolicyCondition{{Op: "content-length-range", Min: 1, Max: 10485760}, {Op: "content-length-range"}},
		}},
		{"no conditions is an empty list", b64(`{"expiration": "2099-01-01T00:00:00Z", "conditions": []}`), PolicyDocument{
			Expiration: exp, Conditions: []PolicyCondition{},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			got, err := DecodePolicy(tc.policy)
			require.NoError(t, err)
			assert.Equal(t, tc.want, *got)
		})
	}
}

func TestPolicyConditionMeets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		c      PolicyCondition
		value  string
		want   bool
	}{
		{"eq is exact", PolicyCondition{Op: "eq", Field: "key", Value: "a"}, "a", true},
		{"eq is case-sensitive", PolicyCondition{Op: "eq", Field: "key", Value: "a"}, "A", false},
		{"eq on a prefix fails", PolicyCondition{Op: "eq", Field: "key", Value: "a"}, "ab", false},
		{"starts-with is a prefix", PolicyCondition{Op: "starts-with", Field: "key", Value: "user/"}, "user/1", true},
		{"starts-with empty takes anything", PolicyCondition{Op: "starts-with", Field: "key"}, "", true},
		{"a comma is plain text outside Content-Type", PolicyCondition{Op: "starts-with", Field: "key", Value: "a/"}, "a/x, b/y", true},
		{"each Content-Type in a list must match", PolicyCondition{Op: "starts-with", Field: "Content-Type", Value: "image/"}, "image/png, image/jpeg", true},
		{"one Content-Type in a list fails", PolicyCondition{Op: "starts-with", Field: "content-type", Value: "image/"}, "image/png, text/plain", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.c.Meets(tc.value), tc.reason)
	}
}

func TestPolicyConditionString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `["starts-with", "$Content-Type", "image/"]`, PolicyCondition{Op: "starts-with", Field: "Content-Type", Value: "image/"}.String())
	assert.Equal(t, `["eq", "$x-amz-meta-note", "a \"quoted\" <value>"]`, PolicyCondition{Op: "eq", Field: "x-amz-meta-note", Value: `a "quoted" <value>`}.String())
	assert.Equal(t, `["content-length-range", 1, 10]`, PolicyCondition{Op: "content-length-range", Min: 1, Max: 10}.String())
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// FuzzDecodePolicyFast checks the one-pass decoder against encoding/json:
// whatever document it takes, it decodes as decodePolicyJSON does.
func FuzzDecodePolicyFast(f *testing.F) {
	raw, err := base64.StdEncoding.DecodeString(awsExamplePolicy)
	require.NoError(f, err)
	f.Add(raw)
	for _, doc := range fastPolicyDocs {
		f.Add([]byte(doc.doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		fast, ok := decodePolicyFast(doc)
		if !ok {
			return
		}
		want, err := decodePolicyJSON(doc)
		require.NoError(t, err, "the fast decoder took a document that encoding/json refuses: %q", doc)
		require.Equal(t, want, fast, "%q", doc)
	})
}

// fastPolicyDocs are documents that the one-pass decoder takes or leaves to
// encoding/json.
var fastPolicyDocs = []struct {
	reason string
	doc    string
	fast   bool
}{
	{"what PresignPost writes", `{"expiration":"2026-11-25T13:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],["content-length-range",1,10485760],{"x-amz-date":"20261125T120000Z"}]}`, true},
	{"white space, escapes, string bounds and a capitalised operator", "{ \"expiration\" : \"2099-01-01T00:00:00.000Z\",\r\n\t\"conditions\": [ [\"EQ\", \"$key\", \"a\\\"b\\\\c\\/d\\n\"], [\"content-length-range\", \"0\", \"+5\"] ] }", true},
	{"no conditions", `{"expiration":"2099-01-01T00:00:00Z","conditions":[]}`, true},
	{"conditions first", `{"conditions":[],"expiration":"2099-01-01T00:00:00Z"}`, true},
	{"a \\u escape", `{"expiration":"2099-01-01T00:00:00Z","conditions":[{"k\u0065y":"a"}]}`, false},
	{"a byte outside ASCII", `{"expiration":"2099-01-01T00:00:00Z","conditions":[{"key":"é"}]}`, false},
	{"a key spelled in capitals", `{"Expiration":"2099-01-01T00:00:00Z","conditions":[]}`, false},
	{"a key twice", `{"expiration":"2099-01-01T00:00:00Z","expiration":"2098-01-01T00:00:00Z","conditions":[]}`, false},
	{"another key", `{"expiration":"2099-01-01T00:00:00Z","conditions":[],"x":1}`, false},
	{"a bound with a fraction", `{"expiration":"2099-01-01T00:00:00Z","conditions":[["content-length-range",1.0,2]]}`, false},
	{"a bound with a leading zero", `{"expiration":"2099-01-01T00:00:00Z","conditions":[["content-length-range",01,2]]}`, false},
	{"text after the document", `{"expiration":"2099-01-01T00:00:00Z","conditions":[]} x`, false},
	{"a condition S3 refuses", `{"expiration":"2099-01-01T00:00:00Z","conditions":[["eq","key","x"]]}`, false},
	{"an expiration S3 refuses", `{"expiration":"tomorrow","conditions":[]}`, false},
	{"a two-key object", `{"expiration":"2099-01-01T00:00:00Z","conditions":[{"a":"1","b":"2"}]}`, false},
	{"a null", `{"expiration":null,"conditions":[]}`, false},
}

// TestDecodePolicyFast checks which documents the one-pass decoder takes,
// so that the common ones do not fall back to encoding/json unnoticed, and
// that it decodes them as encoding/json does.
func TestDecodePolicyFast(t *testing.T) {
	t.Parallel()
	for _, tc := range fastPolicyDocs {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			got, ok := decodePolicyFast([]byte(tc.doc))
			require.Equal(t, tc.fast, ok)
			if !ok {
				return
			}
			want, err := decodePolicyJSON([]byte(tc.doc))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
	raw, err := base64.StdEncoding.DecodeString(awsExamplePolicy)
	require.NoError(t, err)
	_, ok := decodePolicyFast(raw)
	assert.True(t, ok, "AWS's published example policy")
}
