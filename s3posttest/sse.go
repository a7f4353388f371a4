package s3posttest

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/s3post/s3post"
)

// Server-side encryption, as s3posttest models it.
//
// SSE-KMS and DSSE-KMS: the server has no KMS. It takes any well-formed KMS
// key id (a key id, a multi-Region key id, an alias name, or a key or alias
// ARN; see wellFormedKMSKeyID), stores it as the form gives it, and returns
// it on GET and HEAD with the encryption context and bucket key fields, as
// S3 returns them. (S3 returns the ARN of the key that an alias names, and
// the ARN of the AWS managed key aws/s3 when the form names no key; the
// server returns what the form gave, and no key id when it gave none.) A
// malformed key id is refused with 400 KMS.NotFoundException, as S3 refuses
// a key that KMS does not know.
//
// SSE-C: the server keeps the MD5 of the key, never the key, and asks for
// the key on GET and HEAD as S3 does: without the SSE-C headers, 400
// InvalidRequest; with another key, 403 AccessDenied; with SSE-C headers
// for an object stored without SSE-C, 400 InvalidRequest. S3 refuses SSE-C
// over plain HTTP (400 InvalidRequest, "must be made over a secure
// connection"); the server listens on plain HTTP only, on the loopback
// interface, and so takes SSE-C over it as S3 takes it over HTTPS.

// encryption is the server-side encryption that an accepted form asks for.
type encryption struct {
	sse, kmsKeyID, context, bucketKey string
	customerAlgorithm, customerKeyMD5 string
}

// readEncryption reads the encryption fields of an accepted form, and
// refuses what S3 refuses before it reads the file: a malformed KMS key id,
// and an SSE-C key that is not the base64 of 32 bytes or does not match the
// MD5 that the form gives.
func readEncryption(fields map[string]string) (encryption, *s3post.S3Error) {
	enc := encryption{
		sse:               fields["x-amz-server-side-encryption"],
		kmsKeyID:          fields["x-amz-server-side-encryption-aws-kms-key-id"],
		context:           fields["x-amz-server-side-encryption-context"],
		bucketKey:         fields["x-amz-server-side-encryption-bucket-key-enabled"],
		customerAlgorithm: fields["x-amz-server-side-encryption-customer-algorithm"],
	}
	if enc.kmsKeyID != "" && !wellFormedKMSKeyID(enc.kmsKeyID) {
		return enc, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "KMS.NotFoundException", Message: "Invalid keyId " + enc.kmsKeyID}
	}
	if enc.customerAlgorithm == "" {
		if enc.sse == "" {
			enc.sse = "AES256" // S3 encrypts every object with SSE-S3 by default
		}
		return enc, nil
	}
	key, err := base64.StdEncoding.DecodeString(fields["x-amz-server-side-encryption-customer-key"])
	if err != nil || len(key) != 32 {
		return enc, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "The secret key was invalid for the specified algorithm.",
			Details: []s3post.ErrorDetail{{Name: "ArgumentName", Value: "x-amz-server-side-encryption-customer-key"}}}
	}
	sum := md5.Sum(key)
	enc.customerKeyMD5 = base64.StdEncoding.EncodeToString(sum[:])
	if given, ok := fields["x-amz-server-side-encryption-customer-key-md5"]; ok && given != enc.customerKeyMD5 {
		return enc, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "The calculated MD5 hash of the key did not match the hash that was provided.",
			Details: []s3post.ErrorDetail{{Name: "ArgumentName", Value: "x-amz-server-side-encryption-customer-key-MD5"}}}
	}
	return enc, nil
}

// wellFormedKMSKeyID reports whether id has one of the forms that KMS takes
// for a key: a key id (a UUID), a multi-Region key id ("mrk-" and 32 hex
// digits), an alias name ("alias/..."), or the ARN of a key or an alias
// ("arn:aws:kms:REGION:ACCOUNT:key/..." or ".../alias/...").
func wellFormedKMSKeyID(id string) bool {
	if rest, ok := strings.CutPrefix(id, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5) // partition, service, region, account, resource
		if len(parts) != 5 || !strings.HasPrefix(parts[0], "aws") || parts[1] != "kms" || parts[2] == "" ||
			len(parts[3]) != 12 || strings.Trim(parts[3], "0123456789") != "" {
			return false
		}
		if name, ok := strings.CutPrefix(parts[4], "alias/"); ok {
			return aliasName(name)
		}
		resource, ok := strings.CutPrefix(parts[4], "key/")
		return ok && keyID(resource)
	}
	if name, ok := strings.CutPrefix(id, "alias/"); ok {
		return aliasName(name)
	}
	return keyID(id)
}

// keyID reports whether s is a KMS key id: a UUID, or "mrk-" and 32 hex
// digits.
func keyID(s string) bool {
	if hexDigits, ok := strings.CutPrefix(s, "mrk-"); ok {
		return len(hexDigits) == 32 && strings.Trim(strings.ToLower(hexDigits), "0123456789abcdef") == ""
	}
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i] | 0x20 // ASCII lower case
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// aliasName reports whether s is the name of a KMS alias after "alias/": 1
// to 250 letters, digits, '/', '_' and '-'.
func aliasName(s string) bool {
	if len(s) == 0 || len(s) > 250 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '/' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// checkCustomerKey refuses a GET or HEAD as S3 does when its SSE-C headers
// do not fit the object: none for an SSE-C object, a key that is not the
// object's, or SSE-C headers for an object stored without SSE-C.
func checkCustomerKey(r *http.Request, obj *Object) *s3post.S3Error {
	alg := r.Header.Get("x-amz-server-side-encryption-customer-algorithm")
	key := r.Header.Get("x-amz-server-side-encryption-customer-key")
	switch {
	case obj.SSECustomerAlgorithm == "" && alg == "" && key == "":
		return nil
	case obj.SSECustomerAlgorithm == "":
		return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidRequest", Message: "The encryption parameters are not applicable to this object."}
	case alg == "" || key == "":
		return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidRequest",
			Message: "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."}
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if alg != "AES256" || err != nil || len(raw) != 32 {
		return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidArgument", Message: "The secret key was invalid for the specified algorithm."}
	}
	sum := md5.Sum(raw)
	got := base64.StdEncoding.EncodeToString(sum[:])
	if given := r.Header.Get("x-amz-server-side-encryption-customer-key-MD5"); given != "" && given != got {
		return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidArgument", Message: "The calculated MD5 hash of the key did not match the hash that was provided."}
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(obj.SSECustomerKeyMD5)) != 1 {
		return &s3post.S3Error{StatusCode: http.StatusForbidden, Code: "AccessDenied", Message: "Access Denied"}
	}
	return nil
}
