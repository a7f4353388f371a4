package s3post

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testVerifier() *Verifier {
	return &Verifier{
		Region: "eu-central-1",
		Now:    func() time.Time { return testNow.Add(time.Minute) },
		Lookup: func(_ context.Context, id string) (Credentials, error) {
			if id != testAccessKey {
				return Credentials{}, ErrNoCredentials
			}
			return Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecret}, nil
		},
	}
}

// submission turns a presigned form into what a browser submits: its fields
// in name order, plus extra fields.
func submission(bucket string, post *PresignedPost, extra map[string]string, filename string) Submission {
	sub := Submission{Bucket: bucket, Filename: filename}
	for name, value := range post.Fields {
		sub.Fields = append(sub.Fields, Field{name, value})
	}
	for name, value := range extra {
		sub.Fields = append(sub.Fields, Field{name, value})
	}
	sort.Slice(sub.Fields, func(i, j int) bool { return sub.Fields[i].Name < sub.Fields[j].Name })
	return sub
}

func presignForTest(t *testing.T, in PostInput) *PresignedPost {
	t.Helper()
	post, err := testPresigner().PresignPost(context.Background(), in)
	require.NoError(t, err)
	return post
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	post := presignForTest(t, PostInput{
		Bucket: "example-bucket", Key: "uploads/${filename}",
		Fields:     map[string]string{"x-amz-meta-user": "42", "success_action_status": "201"},
		Conditions: []Condition{StartsWith("Content-Type", "image/"), ContentLengthRange(2, 10)},
	})
	extra := map[string]string{"Content-Type": "image/png", "x-ignore-this": "1"}
	acc, err := testVerifier().Verify(context.Background(), submission("example-bucket", post, extra, `C:\Users\me\photo.png`))
	require.NoError(t, err)
	assert.Equal(t, "uploads/photo.png", acc.Key, "${filename} is the text after the last slash or backslash")
	assert.Equal(t, "image/png", acc.Fields["content-type"])
	assert.Equal(t, "42", acc.Fields["x-amz-meta-user"])
	assert.Equal(t, int64(2), acc.MinSize)
	assert.Equal(t, int64(10), acc.MaxSize)
	assert.Equal(t, testNow.Add(time.Hour), acc.Expiration)

	assert.NoError(t, acc.CheckSize(2))
	assert.NoError(t, acc.CheckSize(10))
	assertS3Error(t, acc.CheckSize(1), 400, "EntityTooSmall", "smaller than the minimum")
	assertS3Error(t, acc.CheckSize(11), 400, "EntityTooLarge", "exceeds the maximum")
}

// TestVerifyFilenameInAnyField checks that ${filename} is replaced in every
// field, as S3 does, so that a form PresignPost signs with it in a metadata
// field passes, with an exact condition too.
func TestVerifyFilenameInAnyField(t *testing.T) {
	t.Parallel()
	post := presignForTest(t, PostInput{
		Bucket: "example-bucket", Key: "k",
		Fields:     map[string]string{"x-amz-meta-name": "${filename}", "Content-Disposition": "attachment; filename=${filename}"},
		Conditions: []Condition{Eq("x-amz-meta-name", "photo.png")},
	})
	acc, err := testVerifier().Verify(context.Background(), submission("example-bucket", post, nil, "photo.png"))
	require.NoError(t, err)
	assert.Equal(t, "photo.png", acc.Fields["x-amz-meta-name"])
	assert.Equal(t, "attachment; filename=photo.png", acc.Fields["content-disposition"])

	_, err = testVerifier().Verify(context.Background(), submission("example-bucket", post, nil, "other.png"))
	assertS3Error(t, err, 403, "AccessDenied", `Policy Condition failed: ["eq", "$x-amz-meta-name", "photo.png"]`)
}

func assertS3Error(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	var s3err *S3Error
	require.True(t, errors.As(err, &s3err), "want an *S3Error, got %v", err)
	assert.Equal(t, status, s3err.StatusCode)
	assert.Equal(t, code, s3err.Code)
	assert.Contains(t, s3err.Message, msg)
	assert.True(t, strings.HasPrefix(err.Error(), "s3post: "+code+": "))
	assert.False(t, strings.Contains(err.Error(), testSecret), "the error shows the secret")
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	in := PostInput{
		Bucket: "example-bucket", Key: "uploads/${filename}",
		Fields:     map[string]string{"Content-Type": "image/png"},
		Conditions: []Condition{StartsWith("Content-Type", "image/")},
	}
	post := presignForTest(t, in)
	set := func(name, value string) func(*Submission) {
		return func(s *Submission) {
			for i := range s.Fields {
				if strings.EqualFold(s.Fields[i].Name, name) {
					s.Fields[i].Value = value
					return
				}
			}
			s.Fields = append(s.Fields, Field{name, value})
		}
	}
	drop := func(name string) func(*Submission) {
		return func(s *Submission) {
			var kept []Field
			for _, f := range s.Fields {
				if !strings.EqualFold(f.Name, name) {
					kept = append(kept, f)
				}
			}
			s.Fields = kept
		}
	}
	policyJSON := func(doc string) string { return base64.StdEncoding.EncodeToString([]byte(doc)) }
	tests := []struct {
		reason    string
		edit      func(*Submission)
		verifier  func(*Verifier)
		status    int
		code, msg string
	}{
		{reason: "missing key", edit: drop("key"), status: 400, code: "InvalidArgument", msg: "field named 'key'"},
		{reason: "missing policy: an anonymous upload", edit: drop("policy"), status: 403, code: "AccessDenied", msg: "Access Denied"},
		{reason: "missing signature", edit: drop("x-amz-signature"), status: 400, code: "InvalidArgument", msg: "x-amz-signature"},
		{reason: "other algorithm", edit: set("x-amz-algorithm", "AWS4-HMAC-SHA1"), status: 400, code: "InvalidArgument", msg: "AWS4-HMAC-SHA256"},
		{reason: "malformed credential", edit: set("x-amz-credential", "AK/20261125/eu-central-1"), status: 400, code: "InvalidArgument", msg: "mal-formed"},
		{reason: "credential for another region", verifier: func(v *Verifier) { v.Region = "us-east-1" }, status: 400, code: "InvalidArgument", msg: "region 'eu-central-1' is wrong"},
		{reason: "credential date not the x-amz-date", edit: set("x-amz-date", "20261126T000000Z"), status: 400, code: "InvalidArgument", msg: "not the day of x-amz-date"},
		{reason: "x-amz-date not a timestamp", edit: set("x-amz-date", "2026-11-25T14:30:15Z"), status: 400, code: "InvalidArgument", msg: "ISO8601"},
		{reason: "credential without a date", edit: set("x-amz-credential", testAccessKey+"//eu-central-1/s3/aws4_request"), status: 400, code: "InvalidArgument", msg: "not the day"},
		{reason: "unknown access key", edit: set("x-amz-credential", "NOSUCHKEY/20261125/eu-central-1/s3/aws4_request"), status: 403, code: "InvalidAccessKeyId", msg: "does not exist"},
		{reason: "tampered signature", edit: set("x-amz-signature", strings.Repeat("0", 64)), status: 403, code: "SignatureDoesNotMatch", msg: "does not match"},
		{reason: "signature not hex", edit: set("x-amz-signature", "zz"), status: 403, code: "SignatureDoesNotMatch", msg: "does not match"},
		{reason: "tampered policy", edit: set("policy", policyJSON(`{"expiration": "2099-01-01T00:00:00Z", "conditions": []}`)), status: 403, code: "SignatureDoesNotMatch", msg: "does not match"},
		{reason: "wrong secret", verifier: func(v *Verifier) {
			v.Lookup = func(context.Context, string) (Credentials, error) {
				return Credentials{AccessKeyID: testAccessKey, SecretAccessKey: "other"}, nil
			}
		}, status: 403, code: "SignatureDoesNotMatch", msg: "does not match"},
		{reason: "a token the credentials do not have", edit: set("x-amz-security-token", "bogus"), status: 400, code: "InvalidToken", msg: "token"},
		{reason: "expired", verifier: func(v *Verifier) { v.Now = func() time.Time { return testNow.Add(time.Hour) } }, status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired."},
		{reason: "key outside its prefix", edit: set("key", "elsewhere/x"), status: 403, code: "AccessDenied", msg: `Policy Condition failed: ["starts-with", "$key", "uploads/"]`},
		{reason: "content type outside its prefix", edit: set("Content-Type", "text/html"), status: 403, code: "AccessDenied", msg: `Policy Condition failed: ["starts-with", "$Content-Type", "image/"]`},
		{reason: "one of several content types outside its prefix", edit: set("Content-Type", "image/png, text/html"), status: 403, code: "AccessDenied", msg: "Condition failed"},
		{reason: "field not in the policy", edit: set("x-amz-meta-sneaky", "1"), status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky"},
		{reason: "field sent twice", edit: func(s *Submission) { s.Fields = append(s.Fields, Field{"KEY", "uploads/x"}) }, status: 400, code: "InvalidArgument", msg: "exactly one value"},
		{reason: "posted to another bucket", edit: func(s *Submission) { s.Bucket = "other-bucket" }, status: 403, code: "AccessDenied", msg: `["eq", "$bucket", "example-bucket"]`},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			sub := submission("example-bucket", post, nil, "photo.png")
			if tc.edit != nil {
				tc.edit(&sub)
			}
			v := testVerifier()
			if tc.verifier != nil {
				tc.verifier(v)
			}
			acc, err := v.Verify(context.Background(), sub)
			assert.Nil(t, acc)
			assertS3Error(t, err, tc.status, tc.code, tc.msg)
		})
	}
}

// TestVerifyPolicyDocument covers policies that S3 cannot read, signed with
// the right key so that only the document is at fault.
func TestVerifyPolicyDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason, doc, msg string
	}{
		{"not base64", "", "Invalid 'Base64'"},
		{"not JSON", `{"expiration": `, "Invalid JSON"},
		{"no expiration", `{"conditions": []}`, "missing expiration"},
		{"bad expiration", `{"expiration": "tomorrow", "conditions": []}`, "Invalid 'expiration'"},
		{"no conditions", `{"expiration": "2099-01-01T00:00:00Z"}`, "missing conditions"},
		{"unknown operator", `{"expiration": "2099-01-01T00:00:00Z", "conditions": [["ends-with", "$key", "x"]]}`, "Invalid Condition"},
		{"two-key object", `{"expiration": "2099-01-01T00:00:00Z", "conditions": [{"a": "1", "b": "2"}]}`, "Invalid Condition"},
		{"field without $", `{"expiration": "2099-01-01T00:00:00Z", "conditions": [["eq", "key", "x"]]}`, "Invalid Condition"},
		{"range min above max", `{"expiration": "2099-01-01T00:00:00Z", "conditions": [["content-length-range", 5, 1]]}`, "Invalid Condition"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			policy := base64.StdEncoding.EncodeToString([]byte(tc.doc))
			if tc.doc == "" {
				policy = "!!not base64!!"
			}
			key := deriveSigningKey(testSecret, "20261125", "eu-central-1")
			sub := Submission{Bucket: "example-bucket", Fields: []Field{
				{"key", "k"}, {"policy", policy},
				{"x-amz-algorithm", Algorithm},
				{"x-amz-credential", testAccessKey + "/20261125/eu-central-1/s3/aws4_request"},
				{"x-amz-date", "20261125T143015Z"},
				{"x-amz-signature", signPolicy(key, policy)},
			}}
			_, err := testVerifier().Verify(context.Background(), sub)
			assertS3Error(t, err, 400, "InvalidPolicyDocument", tc.msg)
		})
	}
}

func TestVerifyRequiresBucketCondition(t *testing.T) {
	t.Parallel()
	doc := `{"expiration": "2099-01-01T00:00:00Z", "conditions": [{"key": "k"}, {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "AKIDEXAMPLE/20261125/eu-central-1/s3/aws4_request"}, {"x-amz-date": "20261125T143015Z"}]}`
	policy := base64.StdEncoding.EncodeToString([]byte(doc))
	sub := Submission{Bucket: "example-bucket", Fields: []Field{
		{"key", "k"}, {"policy", policy}, {"x-amz-algorithm", Algorithm},
		{"x-amz-credential", testAccessKey + "/20261125/eu-central-1/s3/aws4_request"},
		{"x-amz-date", "20261125T143015Z"},
		{"x-amz-signature", signPolicy(deriveSigningKey(testSecret, "20261125", "eu-central-1"), policy)},
	}}
	_, err := testVerifier().Verify(context.Background(), sub)
	assertS3Error(t, err, 403, "AccessDenied", "Extra input fields: bucket")
}

func TestVerifyLookupError(t *testing.T) {
	t.Parallel()
	post := presignForTest(t, PostInput{Bucket: "example-bucket", Key: "k"})
	v := testVerifier()
	boom := errors.New("key store down")
	v.Lookup = func(context.Context, string) (Credentials, error) { return Credentials{}, boom }
	_, err := v.Verify(context.Background(), submission("example-bucket", post, nil, "f"))
	require.ErrorIs(t, err, boom)
	var s3err *S3Error
	assert.False(t, errors.As(err, &s3err), "a failing key store is not the uploader's fault")
}

// FuzzVerifyRoundTrip checks the two halves of the promise: whatever
// PresignPost signs, the verifier accepts for a form that meets it; and any
// single change to a signed field is refused.
func FuzzVerifyRoundTrip(f *testing.F) {
	f.Add("uploads/${filename}", "x-amz-meta-a", "v", "Content-Type", "image/", "photo.png", uint8(0), "x")
	f.Add("k", "acl", "private", "key", "", "f", uint8(3), "")
	f.Add("a/b c", "Cache-Control", "max-age=1", "x-amz-meta-z", "", "dir/f.txt", uint8(7), "é")
	f.Fuzz(func(t *testing.T, key, field, value, condField, prefix, filename string, which uint8, mutation string) {
		in := PostInput{Bucket: "example-bucket", Key: key, Fields: map[string]string{field: value},
			Conditions: []Condition{StartsWith(condField, prefix)}}
		post, err := testPresigner().PresignPost(context.Background(), in)
		if err != nil {
			return
		}
		if filename == "" {
			filename = "f"
		}
		// Fill in the field the condition leaves to the client, if any.
		extra := map[string]string{}
		lc := strings.ToLower(strings.TrimPrefix(condField, "$"))
		if _, ok := post.Fields[condField]; !ok && lc != "key" && lc != "bucket" && !strings.EqualFold(lc, field) {
			extra[strings.TrimPrefix(condField, "$")] = prefix + "tail"
		}
		sub := submission("example-bucket", post, extra, filename)
		acc, err := testVerifier().Verify(context.Background(), sub)
		if k := substituteFilename(key, filename); k == "" || len(k) > MaxKeyLength {
			var s3err *S3Error
			require.True(t, errors.As(err, &s3err), "the file name %q makes the key %q, which S3 refuses", filename, k)
			return
		}
		require.NoError(t, err, "the verifier refused a form that PresignPost signed")
		require.Equal(t, substituteFilename(key, filename), acc.Key)

		// Change one signed field; the form must be refused.
		names := make([]string, 0, len(post.Fields))
		for name := range post.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		name := names[int(which)%len(names)]
		i := sort.Search(len(sub.Fields), func(i int) bool { return sub.Fields[i].Name >= name })
		if mutation == "" {
			mutation = "!"
		}
		sub.Fields[i].Value += mutation
		if strings.EqualFold(name, "key") && strings.HasPrefix(sub.Fields[i].Value, strings.SplitN(key, filenameVariable, 2)[0]) && strings.Contains(key, filenameVariable) {
			return // a key under the signed prefix is allowed to change
		}
		if _, ok := in.Fields[name]; ok && strings.Contains(value, filenameVariable) && !strings.EqualFold(name, condField) {
			return // so is a templated field under its automatic prefix condition
		}
		if strings.EqualFold(name, condField) || strings.EqualFold("$"+name, condField) {
			return // a field under a starts-with condition may grow
		}
		_, err = testVerifier().Verify(context.Background(), sub)
		var s3err *S3Error
		require.True(t, errors.As(err, &s3err), "changing %s by %q was not refused", name, mutation)
	})
}

// TestVerifyKeyAfterFilename checks the key that ${filename} makes: S3
// refuses one left empty (by an empty file name, or one that ends in a
// slash) and one longer than 1,024 bytes.
func TestVerifyKeyAfterFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1000) + "${filename}"
	tests := []struct {
		reason, key, filename string
		want                  string // the key, or "" for a refusal
		status                int
		code, msg             string
	}{
		{reason: "an empty file name", key: "${filename}", filename: "", status: 400, code: "InvalidArgument", msg: "User key must have a length greater than 0."},
		{reason: "a file name that ends in a slash", key: "${filename}", filename: "dir/", status: 400, code: "InvalidArgument", msg: "User key must have a length greater than 0."},
		{reason: "a Windows path that ends in a backslash", key: "${filename}", filename: `C:\dir\`, status: 400, code: "InvalidArgument", msg: "User key must have a length greater than 0."},
		{reason: "a prefix and an empty file name: a key like a folder", key: "uploads/${filename}", filename: "", want: "uploads/"},
		{reason: "1,024 bytes after the substitution", key: long, filename: strings.Repeat("b", 24), want: strings.Repeat("a", 1000) + strings.Repeat("b", 24)},
		{reason: "1,025 bytes after the substitution", key: long, filename: strings.Repeat("b", 25), status: 400, code: "KeyTooLongError", msg: "Your key is too long"},
		{reason: "a long file name after its directories are cut", key: long, filename: strings.Repeat("d", 100) + "/" + strings.Repeat("b", 24), want: strings.Repeat("a", 1000) + strings.Repeat("b", 24)},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			post := presignForTest(t, PostInput{Bucket: "example-bucket", Key: tc.key})
			acc, err := testVerifier().Verify(context.Background(), submission("example-bucket", post, nil, tc.filename))
			if tc.want != "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, acc.Key)
				return
			}
			assert.True(t, acc == nil, "the form was accepted")
			assertS3Error(t, err, tc.status, tc.code, tc.msg)
		})
	}
}

// TestVerifyNamesFoldASCIICaseOnly checks that field names compare as S3
// compares them, ignoring the case of ASCII letters only: "\u212Aey"
// (KELVIN SIGN) is not "key", whatever Unicode case folding says.
func TestVerifyNamesFoldASCIICaseOnly(t *testing.T) {
	t.Parallel()
	const kelvin = "\u212A"
	credential := testAccessKey + "/20261125/eu-central-1/s3/aws4_request"
	signed := func(conditions string) Submission {
		doc := `{"expiration": "2099-01-01T00:00:00Z", "conditions": [` + conditions +
			`, {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "` + credential + `"}, {"x-amz-date": "20261125T143015Z"}]}`
		policy := base64.StdEncoding.EncodeToString([]byte(doc))
		return Submission{Bucket: "example-bucket", Fields: []Field{
			{"key", "k"}, {"policy", policy}, {"x-amz-algorithm", Algorithm},
			{"x-amz-credential", credential}, {"x-amz-date", "20261125T143015Z"},
			{"x-amz-signature", signPolicy(deriveSigningKey(testSecret, "20261125", "eu-central-1"), policy)},
		}}
	}
	rename := func(sub Submission, from, to string) Submission {
		for i := range sub.Fields {
			if sub.Fields[i].Name == from {
				sub.Fields[i].Name = to
			}
		}
		return sub
	}
	tests := []struct {
		reason    string
		sub       Submission
		status    int
		code, msg string
	}{
		{"ASCII capitals in a field name", rename(signed(`{"bucket": "example-bucket"}, {"key": "k"}`), "key", "KEY"), 0, "", ""},
		{"ASCII capitals in a condition's field", signed(`{"BUCKET": "example-bucket"}, ["starts-with", "$KeY", ""]`), 0, "", ""},
		{"a field named with KELVIN SIGN is not the key", rename(signed(`{"bucket": "example-bucket"}, {"key": "k"}`), "key", kelvin+"ey"), 400, "InvalidArgument", "field named 'key'"},
		{"a condition on KELVIN SIGN does not cover the key", signed(`{"bucket": "example-bucket"}, ["starts-with", "$` + kelvin + `ey", ""]`), 403, "AccessDenied", "Extra input fields: key"},
		{"a condition on KELVIN SIGN is not the bucket's: the form has no such field", signed(`{"buc` + kelvin + `et": "example-bucket"}, {"key": "k"}`), 403, "AccessDenied", "Policy Condition failed"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			acc, err := testVerifier().Verify(context.Background(), tc.sub)
			if tc.code == "" {
				require.NoError(t, err)
				assert.Equal(t, "k", acc.Key)
				return
			}
			assert.True(t, acc == nil, "the form was accepted")
			assertS3Error(t, err, tc.status, tc.code, tc.msg)
		})
	}
}

// TestVerifyErrorDetails checks the elements that S3 adds to its error
// document for each code, which S3Error.Details carries.
func TestVerifyErrorDetails(t *testing.T) {
	t.Parallel()
	post := presignForTest(t, PostInput{Bucket: "example-bucket", Key: "k"})
	acc := &Accepted{MinSize: 2, MaxSize: 10}
	detailsOf := func(err error) []ErrorDetail {
		var s3err *S3Error
		require.True(t, errors.As(err, &s3err), "want an *S3Error, got %v", err)
		return s3err.Details
	}
	verify := func(edit func(*Submission)) error {
		sub := submission("example-bucket", post, nil, "f")
		edit(&sub)
		_, err := testVerifier().Verify(context.Background(), sub)
		return err
	}
	withField := func(name, value string) func(*Submission) {
		return func(s *Submission) {
			for i := range s.Fields {
				if strings.EqualFold(s.Fields[i].Name, name) {
					s.Fields[i].Value = value
				}
			}
		}
	}
	tests := []struct {
		reason string
		err    error
		want   []ErrorDetail
	}{
		{"EntityTooSmall", acc.CheckSize(1), []ErrorDetail{{"ProposedSize", "1"}, {"MinSizeAllowed", "2"}}},
		{"EntityTooLarge", acc.CheckSize(11), []ErrorDetail{{"ProposedSize", "11"}, {"MaxSizeAllowed", "10"}}},
		{"a missing field", verify(func(s *Submission) {
			s.Fields = withoutField(s.Fields, "x-amz-date")
		}), []ErrorDetail{{"ArgumentName", "x-amz-date"}, {"ArgumentValue", ""}}},
		{"an unknown access key", verify(withField("x-amz-credential", "NOSUCHKEY/20261125/eu-central-1/s3/aws4_request")), []ErrorDetail{{"AWSAccessKeyId", "NOSUCHKEY"}}},
		{"a wrong signature", verify(withField("x-amz-signature", "00ff")), []ErrorDetail{
			{"AWSAccessKeyId", testAccessKey}, {"StringToSign", post.Fields["policy"]}, {"SignatureProvided", "00ff"},
			{"StringToSignBytes", spacedHex(post.Fields["policy"])},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, detailsOf(tc.err))
		})
	}
	assert.Equal(t, "65 79 4a", spacedHex("eyJ"), "StringToSignBytes is hex, a space between bytes")
}

func withoutField(fields []Field, name string) []Field {
	var kept []Field
	for _, f := range fields {
		if !strings.EqualFold(f.Name, name) {
			kept = append(kept, f)
		}
	}
	return kept
}

// BenchmarkVerify verifies the form of BenchmarkPresignPost as a browser
// submits it; compare the two (the bench module's BenchmarkVerify does so
// in one run).
func BenchmarkVerify(b *testing.B) {
	p := benchPresigner("")
	post, err := p.PresignPost(context.Background(), benchInput())
	if err != nil {
		b.Fatal(err)
	}
	sub := submission("example-bucket", post, map[string]string{"Content-Type": "image/png"}, "photo.png")
	v := &Verifier{
		Region: "us-west-2",
		Now:    func() time.Time { return time.Date(2026, 11, 25, 12, 1, 0, 0, time.UTC) },
		Lookup: func(context.Context, string) (Credentials, error) {
			return Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, nil
		},
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, sub); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyCachedKeys checks the signing keys that one Verifier keeps:
// used from many goroutines, by secret, date and region, and bounded.
func TestVerifyCachedKeys(t *testing.T) {
	t.Parallel()
	post := presignForTest(t, PostInput{Bucket: "example-bucket", Key: "k"})
	sub := submission("example-bucket", post, nil, "f")
	var secret atomic.Value
	secret.Store(testSecret)
	v := testVerifier()
	v.Lookup = func(context.Context, string) (Credentials, error) {
		return Credentials{AccessKeyID: testAccessKey, SecretAccessKey: secret.Load().(string)}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.Verify(context.Background(), sub)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()

	tests := []struct {
		reason string
		secret string
		ok     bool
	}{
		{"another secret after the right one is refused", "other", false},
		{"the right one again", testSecret, true},
	}
	for _, tc := range tests {
		secret.Store(tc.secret)
		_, err := v.Verify(context.Background(), sub)
		if tc.ok {
			assert.NoError(t, err, tc.reason)
		} else {
			assertS3Error(t, err, 403, "SignatureDoesNotMatch", "does not match")
		}
	}

	for i := range 2 * maxVerifierKeys {
		v.keys.key(fmt.Sprint("secret", i), "20261125", "eu-central-1")
	}
	assert.LessOrEqual(t, len(*v.keys.entries.Load()), maxVerifierKeys, "the cache is bounded")
}
