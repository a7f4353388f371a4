package s3post

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSSECKey is an SSE-C key for tests; it must never show in a message.
var testSSECKey = SSECustomerKey(bytes.Repeat([]byte("K"), 32))

func objectInput(o ObjectFields) PostInput {
	return PostInput{Bucket: "example-bucket", Key: "uploads/${filename}", Object: o}
}

// TestObjectFieldsForm checks the fields and conditions that each typed
// setting makes: the value in the form with an exact condition, or, for
// what the browser chooses, a starts-with condition alone.
func TestObjectFieldsForm(t *testing.T) {
	t.Parallel()
	kmsContext := base64.StdEncoding.EncodeToString([]byte(`{"a":"1","b":"2"}`))
	keyMD5 := md5.Sum(testSSECKey)
	for _, tc := range []struct {
		reason     string
		object     ObjectFields
		fields     map[string]string // the fields beyond the signer's and key
		conditions []any             // the policy's conditions on them
	}{
		{"an exact content type", ObjectFields{ContentType: Exactly("image/png")},
			map[string]string{"Content-Type": "image/png"}, []any{map[string]any{"Content-Type": "image/png"}}},
		{"a content type chosen by the browser under a prefix", ObjectFields{ContentType: Prefix("image/")},
			nil, []any{[]any{"starts-with", "$Content-Type", "image/"}}},
		{"any content disposition", ObjectFields{ContentDisposition: AnyValue()},
			nil, []any{[]any{"starts-with", "$Content-Disposition", ""}}},
		{"headers the backend sets", ObjectFields{CacheControl: "max-age=60", ContentEncoding: Exactly("gzip"),
			Expires: time.Date(2027, 1, 2, 3, 4, 5, 600, time.FixedZone("CET", 3600))},
			map[string]string{"Cache-Control": "max-age=60", "Content-Encoding": "gzip", "Expires": "Sat, 02 Jan 2027 02:04:05 GMT"},
			[]any{map[string]any{"Cache-Control": "max-age=60"}, map[string]any{"Content-Encoding": "gzip"}, map[string]any{"Expires": "Sat, 02 Jan 2027 02:04:05 GMT"}}},
		{"ACL, storage class, redirect location, status",
			ObjectFields{ACL: ACLPublicRead, StorageClass: StorageClassStandardIA, WebsiteRedirectLocation: "/other", SuccessActionStatus: 201},
			map[string]string{"acl": "public-read", "x-amz-storage-class": "STANDARD_IA", "x-amz-website-redirect-location": "/other", "success_action_status": "201"},
			[]any{map[string]any{"acl": "public-read"}, map[string]any{"success_action_status": "201"}, map[string]any{"x-amz-storage-class": "STANDARD_IA"}, map[string]any{"x-amz-website-redirect-location": "/other"}}},
		{"metadata, fixed and chosen by the browser", ObjectFields{Metadata: map[string]Match{"user": Exactly("42"), "caption": AnyValue()}},
			map[string]string{"x-amz-meta-user": "42"},
			[]any{[]any{"starts-with", "$x-amz-meta-caption", ""}, map[string]any{"x-amz-meta-user": "42"}}},
		{"tags as XML, sorted and escaped", ObjectFields{Tagging: map[string]string{"z": "a+b", "team": "x/y@z"}},
			map[string]string{"tagging": "<Tagging><TagSet><Tag><Key>team</Key><Value>x/y@z</Value></Tag><Tag><Key>z</Key><Value>a+b</Value></Tag></TagSet></Tagging>"},
			[]any{map[string]any{"tagging": "<Tagging><TagSet><Tag><Key>team</Key><Value>x/y@z</Value></Tag><Tag><Key>z</Key><Value>a+b</Value></Tag></TagSet></Tagging>"}}},
		{"SSE-KMS with context and bucket key", ObjectFields{ServerSideEncryption: SSEKMS, SSEKMSKeyID: "alias/uploads",
			SSEKMSEncryptionContext: map[string]string{"b": "2", "a": "1"}, BucketKeyEnabled: true},
			map[string]string{"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "alias/uploads",
				"x-amz-server-side-encryption-context": kmsContext, "x-amz-server-side-encryption-bucket-key-enabled": "true"},
			[]any{map[string]any{"x-amz-server-side-encryption": "aws:kms"}, map[string]any{"x-amz-server-side-encryption-aws-kms-key-id": "alias/uploads"},
				map[string]any{"x-amz-server-side-encryption-bucket-key-enabled": "true"}, map[string]any{"x-amz-server-side-encryption-context": kmsContext}}},
		{"SSE-C", ObjectFields{SSECustomerKey: testSSECKey},
			map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256",
				"x-amz-server-side-encryption-customer-key":     base64.StdEncoding.EncodeToString(testSSECKey),
				"x-amz-server-side-encryption-customer-key-MD5": base64.StdEncoding.EncodeToString(keyMD5[:])},
			[]any{map[string]any{"x-amz-server-side-encryption-customer-algorithm": "AES256"},
				map[string]any{"x-amz-server-side-encryption-customer-key": base64.StdEncoding.EncodeToString(testSSECKey)},
				map[string]any{"x-amz-server-side-encryption-customer-key-MD5": base64.StdEncoding.EncodeToString(keyMD5[:])}}},
		{"a checksum that the browser computes", ObjectFields{ChecksumAlgorithm: ChecksumSHA256, Checksum: AnyValue(), ContentMD5: AnyValue()},
			map[string]string{"x-amz-checksum-algorithm": "SHA256"},
			[]any{[]any{"starts-with", "$Content-MD5", ""}, []any{"starts-with", "$x-amz-checksum-sha256", ""}, map[string]any{"x-amz-checksum-algorithm": "SHA256"}}},
		{"a fixed CRC32 checksum", ObjectFields{ChecksumAlgorithm: ChecksumCRC32, Checksum: Exactly("AAAAAA==")},
			map[string]string{"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": "AAAAAA=="},
			[]any{map[string]any{"x-amz-checksum-algorithm": "CRC32"}, map[string]any{"x-amz-checksum-crc32": "AAAAAA=="}}},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			post, err := testPresigner().PresignPost(context.Background(), objectInput(tc.object))
			require.NoError(t, err)
			got := map[string]string{}
			for name, value := range post.Fields {
				switch name {
				case "key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature":
				default:
					got[name] = value
				}
			}
			if tc.fields == nil {
				tc.fields = map[string]string{}
			}
			assert.Equal(t, tc.fields, got, "form fields")
			conditions := decodePolicy(t, post.Fields["policy"]).Conditions
			// The typed conditions come before bucket, key and the signer's four.
			require.GreaterOrEqual(t, len(conditions), 5)
			assert.Equal(t, fmt.Sprint(tc.conditions), fmt.Sprint(conditions[:len(conditions)-5]), "policy conditions")
		})
	}
}

// TestObjectFieldsErrors checks that each typed value that S3 would refuse
// is an error before signing, naming the setting and why.
func TestObjectFieldsErrors(t *testing.T) {
	t.Parallel()
	longKey := strings.Repeat("k", 129)
	elevenTags := map[string]string{}
	for i := range 11 {
		elevenTags[fmt.Sprintf("t%d", i)] = "v"
	}
	for _, tc := range []struct {
		reason string
		object ObjectFields
		fields map[string]string
		want   error
		msg    string
	}{
		{"an ACL that S3 does not have", ObjectFields{ACL: "public"}, nil, ErrInvalidField, `s3post: Object.ACL: "public" is not one of S3's canned ACLs`},
		{"a bucket-only ACL", ObjectFields{ACL: "log-delivery-write"}, nil, ErrInvalidField, "Object.ACL"},
		{"a storage class in lower case", ObjectFields{StorageClass: "standard"}, nil, ErrInvalidField, `Object.StorageClass: "standard" is not one of S3's storage classes`},
		{"a status that S3 does not answer", ObjectFields{SuccessActionStatus: 202}, nil, ErrInvalidField, `Object.SuccessActionStatus: "202" is not a status`},
		{"a relative redirect", ObjectFields{SuccessActionRedirect: "/done"}, nil, ErrInvalidField, "Object.SuccessActionRedirect: \"/done\" is not an absolute http or https URL"},
		{"a redirect to another scheme", ObjectFields{SuccessActionRedirect: "javascript:alert(1)"}, nil, ErrInvalidField, "not an absolute http or https URL"},
		{"a website redirect that is no path or URL", ObjectFields{WebsiteRedirectLocation: "other"}, nil, ErrInvalidField, "Object.WebsiteRedirectLocation"},
		{"an Expires past year 9999", ObjectFields{Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil, ErrInvalidField, "Object.Expires: the year 10000"},
		{"an MD5 that is not 16 bytes", ObjectFields{ContentMD5: Exactly("AAAA")}, nil, ErrInvalidField, "Object.ContentMD5: \"AAAA\" has 4 characters; the base64 of an MD5 has 24"},
		{"an MD5 that is not base64", ObjectFields{ContentMD5: Exactly(strings.Repeat("!", 22) + "==")}, nil, ErrInvalidField, "not standard padded base64"},
		{"a prefix for a digest", ObjectFields{ContentMD5: Prefix("AA")}, nil, ErrInvalidField, "Object.ContentMD5: a digest has no meaningful prefix"},
		{"a checksum without its algorithm", ObjectFields{Checksum: AnyValue()}, nil, ErrInvalidField, "Object.Checksum: a checksum needs its ChecksumAlgorithm"},
		{"an unknown checksum algorithm", ObjectFields{ChecksumAlgorithm: "MD5", Checksum: AnyValue()}, nil, ErrInvalidField, `Object.ChecksumAlgorithm: "MD5" is not one of S3's checksum algorithms`},
		{"a SHA-256 checksum of a CRC32's length", ObjectFields{ChecksumAlgorithm: ChecksumSHA256, Checksum: Exactly("AAAAAA==")}, nil, ErrInvalidField, "Object.Checksum: \"AAAAAA==\" has 8 characters; the base64 of a SHA256 checksum has 44"},
		{"eleven tags", ObjectFields{Tagging: elevenTags}, nil, ErrInvalidField, "Object.Tagging: 11 tags; S3 takes at most 10"},
		{"a tag key of 129 characters", ObjectFields{Tagging: map[string]string{longKey: "v"}}, nil, ErrInvalidField, "has 129 characters; S3 takes 1 to 128"},
		{"a tag value of 257 characters", ObjectFields{Tagging: map[string]string{"k": strings.Repeat("é", 257)}}, nil, ErrInvalidField, "has 257 characters; S3 takes at most 256"},
		{"an empty tag key", ObjectFields{Tagging: map[string]string{"": "v"}}, nil, ErrInvalidField, "has 0 characters"},
		{"a tag key with a character S3 refuses", ObjectFields{Tagging: map[string]string{"a<b": "v"}}, nil, ErrInvalidField, `the tag key contains "<" at offset 1`},
		{"a tag value with a character S3 refuses", ObjectFields{Tagging: map[string]string{"k": "a*b"}}, nil, ErrInvalidField, `the tag value of "k" contains "*" at offset 1`},
		{"a tag key that AWS reserves", ObjectFields{Tagging: map[string]string{"aws:x": "v"}}, nil, ErrInvalidField, "which AWS reserves"},
		{"an SSE-C key of 16 bytes", ObjectFields{SSECustomerKey: testSSECKey[:16]}, nil, ErrInvalidField, "Object.SSECustomerKey: the key has 16 bytes; SSE-C keys have 32"},
		{"SSE-C with SSE-S3", ObjectFields{SSECustomerKey: testSSECKey, ServerSideEncryption: SSES3}, nil, ErrInvalidField, "SSE-C excludes ServerSideEncryption"},
		{"a server-side encryption that S3 does not have", ObjectFields{ServerSideEncryption: "aws:kms:x"}, nil, ErrInvalidField, "Object.ServerSideEncryption"},
		{"a KMS key without SSE-KMS", ObjectFields{SSEKMSKeyID: "k"}, nil, ErrInvalidField, "Object.SSEKMSKeyID: a KMS key needs"},
		{"a KMS context without SSE-KMS", ObjectFields{SSEKMSEncryptionContext: map[string]string{"a": "b"}}, nil, ErrInvalidField, "Object.SSEKMSEncryptionContext"},
		{"a bucket key with DSSE-KMS", ObjectFields{ServerSideEncryption: SSEKMSDSSE, BucketKeyEnabled: true}, nil, ErrInvalidField, "Object.BucketKeyEnabled"},
		{"metadata named with its prefix", ObjectFields{Metadata: map[string]Match{"x-amz-meta-a": Exactly("b")}}, nil, ErrInvalidField, `Object.Metadata["x-amz-meta-a"]: give the name without`},
		{"metadata with an empty name", ObjectFields{Metadata: map[string]Match{"": Exactly("b")}}, nil, ErrInvalidField, `Object.Metadata[""]: the metadata name: the field name is empty`},
		{"metadata with a space in its name", ObjectFields{Metadata: map[string]Match{"a b": Exactly("c")}}, nil, ErrInvalidField, `contains " " at offset 1`},
		{"metadata over 2 KB", ObjectFields{Metadata: map[string]Match{"big": Exactly(strings.Repeat("v", 2100))}}, nil, ErrInvalidField, "user metadata"},
		{"a name set typed and raw", ObjectFields{ContentType: Exactly("image/png")}, map[string]string{"content-type": "image/png"}, ErrInvalidField,
			`s3post: Fields["content-type"]: Object.ContentType sets the field Content-Type too: set it in one place`},
		{"a prefix that the caller's condition excludes", ObjectFields{ContentType: Prefix("video/")}, nil, ErrUnsatisfiable, "Object.ContentType: no value of Content-Type meets both"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			in := objectInput(tc.object)
			in.Fields = tc.fields
			if tc.want == ErrUnsatisfiable {
				in.Conditions = []Condition{StartsWith("Content-Type", "image/")}
			}
			post, err := testPresigner().PresignPost(context.Background(), in)
			require.Error(t, err)
			assert.Nil(t, post)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
			assert.NotContains(t, err.Error(), base64.StdEncoding.EncodeToString(testSSECKey), "the error shows the SSE-C key")
			var ie *InputError
			require.True(t, errors.As(err, &ie))
		})
	}
}

// TestRawFieldValueErrors checks that PostInput.Fields gets the same value
// checks as the typed settings, for the same names in any case.
func TestRawFieldValueErrors(t *testing.T) {
	t.Parallel()
	key := base64.StdEncoding.EncodeToString(testSSECKey)
	otherMD5 := md5.Sum([]byte("other"))
	for _, tc := range []struct {
		reason string
		fields map[string]string
		msg    string
	}{
		{"an ACL that S3 does not have", map[string]string{"acl": "public"}, `Fields["acl"]: "public" is not one of S3's canned ACLs`},
		{"a storage class in any case of the name", map[string]string{"X-Amz-Storage-Class": "CHEAP"}, `Fields["X-Amz-Storage-Class"]: "CHEAP" is not one of S3's storage classes`},
		{"a status S3 does not answer", map[string]string{"success_action_status": "302"}, `"302" is not a status`},
		{"a relative redirect", map[string]string{"success_action_redirect": "done.html"}, "not an absolute http or https URL"},
		{"a relative legacy redirect", map[string]string{"redirect": "done.html"}, `Fields["redirect"]`},
		{"an Expires that is no HTTP date", map[string]string{"Expires": "tomorrow"}, `Fields["Expires"]: "tomorrow" is not an HTTP date`},
		{"an MD5 of the wrong length", map[string]string{"Content-MD5": "AAAA"}, "the base64 of an MD5 has 24"},
		{"a checksum of the wrong length", map[string]string{"x-amz-checksum-crc64nvme": "AAAAAA=="}, "the base64 of a CRC64NVME checksum has 12"},
		{"an unknown checksum algorithm", map[string]string{"x-amz-checksum-algorithm": "XXH3"}, "checksum algorithms"},
		{"a tagging field that is no XML", map[string]string{"tagging": "a=b"}, `Fields["tagging"]: not a <Tagging>`},
		{"a tag repeated", map[string]string{"tagging": "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>"}, "is there twice"},
		{"a tag without a value", map[string]string{"tagging": "<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>"}, "needs a <Key> and a <Value>"},
		{"an encryption S3 does not have", map[string]string{"x-amz-server-side-encryption": "aes256"}, "server-side encryptions"},
		{"a KMS context that is no base64", map[string]string{"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-context": "{}"}, "not standard padded base64 (of a JSON object)"},
		{"a KMS context that is a JSON array", map[string]string{"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-context": base64.StdEncoding.EncodeToString([]byte(`["a"]`))}, "not the base64 of a JSON object of strings"},
		{"a KMS context with a number", map[string]string{"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-context": base64.StdEncoding.EncodeToString([]byte(`{"a":1}`))}, "not the base64 of a JSON object of strings"},
		{"a bucket key flag that is no boolean", map[string]string{"x-amz-server-side-encryption-bucket-key-enabled": "yes"}, `"yes" is neither "true" nor "false"`},
		{"an SSE-C key of the wrong length", map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": "AAAA"}, "the value has 4 characters; the base64 of an SSE-C key has 44"},
		{"an SSE-C algorithm S3 does not have", map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES128", "x-amz-server-side-encryption-customer-key": key}, "SSE-C algorithm"},
		{"an SSE-C key without its algorithm", map[string]string{"x-amz-server-side-encryption-customer-key": key}, "SSE-C needs both"},
		{"an SSE-C key with SSE-S3", map[string]string{"x-amz-server-side-encryption": "AES256", "x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": key}, "excludes this field"},
		{"an SSE-C key whose MD5 is another's", map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": key,
			"x-amz-server-side-encryption-customer-key-MD5": base64.StdEncoding.EncodeToString(otherMD5[:])}, "the key's MD5 is not the one"},
		{"a KMS key id with SSE-S3", map[string]string{"x-amz-server-side-encryption": "AES256", "x-amz-server-side-encryption-aws-kms-key-id": "k"}, `Fields["x-amz-server-side-encryption-aws-kms-key-id"]: this field needs`},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			in := objectInput(ObjectFields{})
			in.Fields = tc.fields
			post, err := testPresigner().PresignPost(context.Background(), in)
			require.Error(t, err)
			assert.Nil(t, post)
			assert.ErrorIs(t, err, ErrInvalidField)
			assert.Contains(t, err.Error(), tc.msg)
			assert.NotContains(t, err.Error(), key, "the error shows the SSE-C key")
		})
	}
}

// TestRawFieldValuesAccepted checks that the value checks accept what S3
// accepts, including values that the browser's file name completes.
func TestRawFieldValuesAccepted(t *testing.T) {
	t.Parallel()
	for _, fields := range []map[string]string{
		{"acl": "bucket-owner-full-control", "x-amz-storage-class": "GLACIER_IR", "success_action_status": "200"},
		{"Expires": "Wed, 25 Nov 2026 12:00:00 GMT", "success_action_redirect": "HTTPS://example.com/a?b=c"},
		{"x-amz-website-redirect-location": "https://example.com/", "x-amz-checksum-algorithm": "sha256"},
		{"tagging": "<Tagging><TagSet><Tag><Key>é 1</Key><Value></Value></Tag></TagSet></Tagging>"},
		{"Content-Type": "${filename}", "x-amz-meta-name": "${filename}"},
		{"x-amz-server-side-encryption": "aws:kms:dsse", "x-amz-server-side-encryption-context": base64.StdEncoding.EncodeToString([]byte(`{"a":"b"}`))},
	} {
		in := objectInput(ObjectFields{})
		in.Fields = fields
		_, err := testPresigner().PresignPost(context.Background(), in)
		assert.NoError(t, err, "%v", fields)
	}
}

// TestObjectFieldsDoNotMutate checks that presigning leaves the caller's
// maps, slices and key as they were, and that the policy is the same every
// time (map order aside).
func TestObjectFieldsDoNotMutate(t *testing.T) {
	t.Parallel()
	key := SSECustomerKey(bytes.Clone(testSSECKey))
	conditions := make([]Condition, 1, 4)
	conditions[0] = ContentLengthRange(1, 100)
	in := PostInput{
		Bucket: "example-bucket", Key: "a/${filename}",
		Fields:     map[string]string{"x-amz-meta-raw": "r"},
		Conditions: conditions,
		Object: ObjectFields{
			ContentType: Prefix("image/"), Metadata: map[string]Match{"a": Exactly("1"), "b": AnyValue(), "c": Exactly("3")},
			Tagging: map[string]string{"x": "1", "y": "2", "z": "3"}, SSECustomerKey: key,
			SSEKMSEncryptionContext: nil,
		},
	}
	var policies []string
	for range 5 {
		post, err := testPresigner().PresignPost(context.Background(), in)
		require.NoError(t, err)
		policies = append(policies, post.Fields["policy"])
	}
	for _, p := range policies[1:] {
		assert.Equal(t, policies[0], p, "the policy depends on map order")
	}
	assert.Equal(t, map[string]string{"x-amz-meta-raw": "r"}, in.Fields)
	assert.Len(t, in.Conditions, 1)
	assert.Nil(t, conditions[:2][1], "the caller's spare capacity is untouched")
	assert.True(t, bytes.Equal(testSSECKey, key), "the SSE-C key changed")
}

// TestSSECustomerKeyNeverPrints checks that the SSE-C key shows in no
// formatting of itself or of the structs that hold it.
func TestSSECustomerKeyNeverPrints(t *testing.T) {
	t.Parallel()
	in := objectInput(ObjectFields{SSECustomerKey: testSSECKey})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
		for _, v := range []any{testSSECKey, in.Object, in, &in} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "KKKK", "%s of %T", verb, v)
			assert.NotContains(t, out, "4b4b4b4b", "%s of %T", verb, v)
			assert.NotContains(t, out, "4B4B4B4B", "%s of %T", verb, v)
			assert.NotContains(t, out, "75 75 75", "%s of %T", verb, v)
		}
	}
	assert.Equal(t, "SSECustomerKey(redacted, 32 bytes)", testSSECKey.String())
}

// TestTaggingXMLRoundTrip checks that the tags that the form carries read
// back, through an XML decoder, as the tags given, whatever characters.
func TestTaggingXMLRoundTrip(t *testing.T) {
	t.Parallel()
	tags := map[string]string{"a&b": "c<d>e", `q"'`: "x", "ü": ""}
	doc := taggingXML(tags)
	var parsed struct {
		Tags []struct{ Key, Value string } `xml:"TagSet>Tag"`
	}
	require.NoError(t, xml.Unmarshal([]byte(doc), &parsed))
	got := map[string]string{}
	for _, tag := range parsed.Tags {
		got[tag.Key] = tag.Value
	}
	assert.Equal(t, tags, got)
}

// TestMatchString checks how a Match prints.
func TestMatchString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Exactly(\"a\")", Exactly("a").String())
	assert.Equal(t, "Prefix(\"image/\")", Prefix("image/").String())
	assert.Equal(t, "AnyValue()", AnyValue().String())
	assert.Equal(t, "Match{}", Match{}.String())
	assert.True(t, Match{}.IsZero())
	assert.False(t, AnyValue().IsZero())
}

// TestObjectPolicyGolden compares the policies of forms with typed settings
// with the files under testdata/golden, as TestPolicyGolden does; run
// `go test -run PolicyGolden -update` to rewrite them after a deliberate
// change.
func TestObjectPolicyGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]PostInput{
		"object-avatar": {Bucket: "example-bucket", Key: "avatars/42",
			Conditions: []Condition{ContentLengthRange(1, 1<<20)},
			Object: ObjectFields{ContentType: Prefix("image/"), CacheControl: "public, max-age=86400",
				Metadata: map[string]Match{"user-id": Exactly("42"), "caption": AnyValue()}}},
		"object-every-field": {Bucket: "example-bucket", Key: "all/${filename}",
			Fields: map[string]string{"x-amz-meta-raw": "r"},
			Object: ObjectFields{
				ContentType: Exactly("text/plain"), CacheControl: "no-cache", ContentDisposition: Exactly(`attachment; filename="a.txt"`),
				ContentEncoding: Exactly("identity"), Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), ContentMD5: AnyValue(),
				ACL: ACLBucketOwnerFullControl, StorageClass: StorageClassIntelligentTiering,
				Metadata: map[string]Match{"b": Exactly("2"), "a": Prefix("x")}, Tagging: map[string]string{"k": "v w"},
				WebsiteRedirectLocation: "https://example.com/", SuccessActionStatus: 201, SuccessActionRedirect: "https://example.com/done",
				ServerSideEncryption: SSEKMSDSSE, SSEKMSKeyID: "arn:aws:kms:eu-central-1:111122223333:key/k", SSEKMSEncryptionContext: map[string]string{"z": "1", "a": "2"},
				ChecksumAlgorithm: ChecksumCRC64NVME, Checksum: AnyValue(),
			}},
		"object-sse-c": {Bucket: "example-bucket", Key: "secret.bin", Object: ObjectFields{SSECustomerKey: testSSECKey, ChecksumAlgorithm: ChecksumSHA1, Checksum: Exactly("AAAAAAAAAAAAAAAAAAAAAAAAAAA=")}},
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			post, err := testPresigner().PresignPost(context.Background(), in)
			require.NoError(t, err)
			raw, err := base64.StdEncoding.DecodeString(post.Fields["policy"])
			require.NoError(t, err)
			require.True(t, json.Valid(raw))
			got := append(raw, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -run PolicyGolden -update to create it")
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestObjectFieldsErrorsNameTheSetting checks that the checks that the
// object settings share with PostInput.Fields name the setting, not a
// field or condition that the caller never wrote.
func TestObjectFieldsErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reason string
		in     PostInput
		want   error
		msg    string
	}{
		{"a value that is not UTF-8", objectInput(ObjectFields{ContentDisposition: Exactly("a\xffb")}), ErrInvalidField,
			"s3post: Object.ContentDisposition: the value is not valid UTF-8"},
		{"a value outside the caller's own condition", PostInput{Bucket: "example-bucket", Key: "k",
			Conditions: []Condition{StartsWith("Content-Type", "image/")}, Object: ObjectFields{ContentType: Exactly("text/plain")}},
			ErrUnsatisfiable, `s3post: Conditions[0]: the Content-Type value "text/plain" does not meet`},
		{"a prefix that the caller's condition excludes", PostInput{Bucket: "example-bucket", Key: "k",
			Conditions: []Condition{StartsWith("x-amz-meta-a", "b")}, Object: ObjectFields{Metadata: map[string]Match{"a": Prefix("c")}}},
			ErrUnsatisfiable, `s3post: Object.Metadata["a"]: no value of x-amz-meta-a meets both`},
		{"a form too large", objectInput(ObjectFields{CacheControl: strings.Repeat("c", 20<<10)}), ErrUnsatisfiable,
			"s3post: Object.CacheControl: the fields before the file"},
		{"typed metadata over 2 KB names Object.Metadata, not Fields", objectInput(ObjectFields{Metadata: map[string]Match{"big": Exactly(strings.Repeat("v", 2100))}}), ErrInvalidField,
			`s3post: Object.Metadata: the x-amz-meta-* fields hold 2103 bytes of user metadata (names after "x-amz-meta-" and values); S3 takes at most 2048: shorten or drop some, the largest being Object.Metadata["big"] (2103 bytes)`},
		{"raw and typed metadata over 2 KB, the largest raw, names Fields", PostInput{Bucket: "example-bucket", Key: "k",
			Fields: map[string]string{"x-amz-meta-raw": strings.Repeat("r", 1500)}, Object: ObjectFields{Metadata: map[string]Match{"typed": Exactly(strings.Repeat("t", 1000))}}},
			ErrInvalidField, `s3post: Fields: the x-amz-meta-* fields hold 2508 bytes of user metadata (names after "x-amz-meta-" and values); S3 takes at most 2048: shorten or drop some, the largest being Fields["x-amz-meta-raw"] (1503 bytes)`},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			_, err := testPresigner().PresignPost(context.Background(), tc.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

// TestValueListsAgree checks that every ACL, storage class, encryption and
// checksum constant passes its own check, and that the message listing
// S3's values names each.
func TestValueListsAgree(t *testing.T) {
	t.Parallel()
	for field, values := range map[string][]string{
		"acl":                          {string(ACLPrivate), string(ACLPublicRead), string(ACLPublicReadWrite), string(ACLAuthenticatedRead), string(ACLAWSExecRead), string(ACLBucketOwnerRead), string(ACLBucketOwnerFullControl)},
		"x-amz-storage-class":          {string(StorageClassStandard), string(StorageClassReducedRedundancy), string(StorageClassStandardIA), string(StorageClassOnezoneIA), string(StorageClassIntelligentTiering), string(StorageClassGlacier), string(StorageClassDeepArchive), string(StorageClassGlacierIR), string(StorageClassOutposts), string(StorageClassSnow)},
		"x-amz-server-side-encryption": {string(SSES3), string(SSEKMS), string(SSEKMSDSSE)},
		"x-amz-checksum-algorithm":     {string(ChecksumCRC32), string(ChecksumCRC32C), string(ChecksumCRC64NVME), string(ChecksumSHA1), string(ChecksumSHA256)},
	} {
		err := checkFieldValue(field, "nonsense")
		require.Error(t, err, field)
		for _, v := range values {
			assert.NoError(t, checkFieldValue(field, v), "%s %s", field, v)
			assert.NoError(t, checkFieldValue(strings.ToUpper(field), v), "%s %s, the name in upper case", field, v)
			assert.Contains(t, err.Error(), `"`+v+`"`, "the message for %s lists %s", field, v)
		}
	}
}

// TestSSECustomerKeyNotInConditionErrors checks that a condition on the
// SSE-C key that the key does not meet is refused without showing the key
// or the condition's value.
func TestSSECustomerKeyNotInConditionErrors(t *testing.T) {
	t.Parallel()
	key := base64.StdEncoding.EncodeToString(testSSECKey)
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("Z"), 32))
	for _, tc := range []struct {
		reason string
		in     PostInput
	}{
		{"a typed key outside the caller's condition", PostInput{Bucket: "example-bucket", Key: "k", Object: ObjectFields{SSECustomerKey: testSSECKey},
			Conditions: []Condition{Eq("x-amz-server-side-encryption-customer-key", other)}}},
		{"a raw key outside the caller's condition", PostInput{Bucket: "example-bucket", Key: "k",
			Fields:     map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": key},
			Conditions: []Condition{StartsWith("X-Amz-Server-Side-Encryption-Customer-Key", other[:10])}}},
		{"two conditions on the key that exclude each other", PostInput{Bucket: "example-bucket", Key: "k",
			Conditions: []Condition{Eq("x-amz-server-side-encryption-customer-key", key), Eq("x-amz-server-side-encryption-customer-key", other)}}},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			_, err := testPresigner().PresignPost(context.Background(), tc.in)
			require.ErrorIs(t, err, ErrUnsatisfiable)
			assert.Contains(t, err.Error(), "not shown: it holds an SSE-C key")
			assert.NotContains(t, err.Error(), key[:10])
			assert.NotContains(t, err.Error(), other[:10])
		})
	}
}
