package s3post

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// httpDateFormat is the layout of an HTTP date (RFC 9110's IMF-fixdate), as
// the Expires header holds it.
const httpDateFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// S3's limits on the values of some form fields.
const (
	sseCustomerKeyLen   = 32 // AES-256
	maxTags             = 10
	maxTagKeyLen        = 128 // characters
	maxTagValueLen      = 256 // characters
	maxWebsiteRedirect  = 2 << 10
	reservedTagPrefix   = "aws:"
	sseFieldPrefix      = "x-amz-server-side-encryption"
	sseCustomerKeyField = "x-amz-server-side-encryption-customer-key"
)

// checksumSizes are the sizes in bytes of the checksums of each algorithm,
// by lower-case name as in x-amz-checksum-<name>.
var checksumSizes = map[string]int{"crc32": 4, "crc32c": 4, "crc64nvme": 8, "sha1": 20, "sha256": 32}

// valueCheckers are the form fields whose values S3 checks, by name
// (compared ignoring case), and the functions that check them as S3 does.
// Both the typed ObjectFields and the raw PostInput.Fields go through them.
var valueCheckers = [...]struct {
	name  string
	check func(string) error
}{
	{"acl", checkACL},
	{"x-amz-storage-class", checkStorageClass},
	{"success_action_status", checkSuccessActionStatus},
	{"success_action_redirect", checkRedirectURL},
	{"redirect", checkRedirectURL},
	{"x-amz-website-redirect-location", checkWebsiteRedirect},
	{"expires", checkHTTPDate},
	{"content-md5", func(v string) error { return checkBase64Digest(v, "an MD5", md5.Size, false) }},
	{"tagging", checkTaggingXML},
	{"x-amz-checksum-algorithm", checkChecksumAlgorithm},
	{"x-amz-checksum-crc32", checksumChecker("CRC32")},
	{"x-amz-checksum-crc32c", checksumChecker("CRC32C")},
	{"x-amz-checksum-crc64nvme", checksumChecker("CRC64NVME")},
	{"x-amz-checksum-sha1", checksumChecker("SHA1")},
	{"x-amz-checksum-sha256", checksumChecker("SHA256")},
	{"x-amz-server-side-encryption", checkSSE},
	{"x-amz-server-side-encryption-context", checkKMSContext},
	{"x-amz-server-side-encryption-bucket-key-enabled", checkBool},
	{"x-amz-server-side-encryption-customer-algorithm", checkSSECAlgorithm},
	{sseCustomerKeyField, func(v string) error { return checkBase64Digest(v, "an SSE-C key", sseCustomerKeyLen, true) }},
	{"x-amz-server-side-encryption-customer-key-md5", func(v string) error { return checkBase64Digest(v, "the MD5 of an SSE-C key", md5.Size, false) }},
}

// valueCheckLengths has bit n set when a field of valueCheckers has n bytes
// (all have fewer than 64), so that most field names need no comparison.
var valueCheckLengths = func() (lengths uint64) {
	for _, c := range valueCheckers {
		lengths |= 1 << len(c.name)
	}
	return lengths
}()

// checkFieldValue checks the value of a form field whose values S3 checks,
// and accepts any other. A value with ${filename} is not checked: S3 checks
// it once the browser's file name is in it.
func checkFieldValue(name, value string) error {
	if len(name) >= 64 || valueCheckLengths&(1<<len(name)) == 0 {
		return nil
	}
	for i := range valueCheckers {
		if c := &valueCheckers[i]; equalFold(name, c.name) {
			if strings.Contains(value, filenameVariable) {
				return nil
			}
			return c.check(value)
		}
	}
	return nil
}

func checkACL(v string) error {
	switch ACL(v) {
	case ACLPrivate, ACLPublicRead, ACLPublicReadWrite, ACLAuthenticatedRead, ACLAWSExecRead, ACLBucketOwnerRead, ACLBucketOwnerFullControl:
		return nil
	}
	acls := []ACL{ACLPrivate, ACLPublicRead, ACLPublicReadWrite, ACLAuthenticatedRead, ACLAWSExecRead, ACLBucketOwnerRead, ACLBucketOwnerFullControl}
	return fmt.Errorf("%s is not one of S3's canned ACLs for objects: %s", quote(v), joinQuoted(acls))
}

func checkStorageClass(v string) error {
	switch StorageClass(v) {
	case StorageClassStandard, StorageClassReducedRedundancy, StorageClassStandardIA, StorageClassOnezoneIA,
		StorageClassIntelligentTiering, StorageClassGlacier, StorageClassDeepArchive, StorageClassGlacierIR, StorageClassOutposts, StorageClassSnow:
		return nil
	}
	classes := []StorageClass{StorageClassStandard, StorageClassReducedRedundancy, StorageClassStandardIA, StorageClassOnezoneIA,
		StorageClassIntelligentTiering, StorageClassGlacier, StorageClassDeepArchive, StorageClassGlacierIR, StorageClassOutposts, StorageClassSnow}
	return fmt.Errorf("%s is not one of S3's storage classes: %s", quote(v), joinQuoted(classes))
}

func joinQuoted[S ~string](values []S) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(string(v)))
	}
	return b.String()
}

func checkSuccessActionStatus(v string) error {
	switch v {
	case "200", "201", "204":
		return nil
	}
	return fmt.Errorf("%s is not a status that S3 answers an upload with: use 200, 201 or 204", quote(v))
}

func checkRedirectURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || !(strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
		return fmt.Errorf("%s is not an absolute http or https URL, such as \"https://example.com/uploaded\"", quote(v))
	}
	return nil
}

func checkWebsiteRedirect(v string) error {
	if len(v) > maxWebsiteRedirect {
		return fmt.Errorf("the location has %d bytes; S3 takes at most %d", len(v), maxWebsiteRedirect)
	}
	if strings.HasPrefix(v, "/") {
		return nil
	}
	if err := checkRedirectURL(v); err != nil {
		return fmt.Errorf("%s is neither a path in the bucket starting with '/' nor an absolute http or https URL", quote(v))
	}
	return nil
}

func checkHTTPDate(v string) error {
	if _, err := parseHTTPDate(v); err != nil {
		return fmt.Errorf("%s is not an HTTP date such as \"Wed, 25 Nov 2026 12:00:00 GMT\"", quote(v))
	}
	return nil
}

// parseHTTPDate parses an HTTP date in the IMF-fixdate form.
func parseHTTPDate(v string) (time.Time, error) { return time.Parse(httpDateFormat, v) }

// checkBase64Digest checks that v is the padded base64 of size bytes. The
// value of a secret is never shown.
func checkBase64Digest(v, what string, size int, secret bool) error {
	shown := quote(v)
	if secret {
		shown = "the value"
	}
	if len(v) != base64Len(size) {
		return fmt.Errorf("%s has %d characters; the base64 of %s has %d (%d bytes)", shown, len(v), what, base64Len(size), size)
	}
	var buf [64]byte
	// The length alone does not make sure of the size: the decoder skips
	// line breaks.
	if n, err := base64.StdEncoding.Decode(buf[:], []byte(v)); err != nil || n != size {
		return fmt.Errorf("%s is not standard padded base64 (of %s, %d bytes)", shown, what, size)
	}
	return nil
}

func checksumChecker(algorithm string) func(string) error {
	size := checksumSizes[strings.ToLower(algorithm)]
	return func(v string) error { return checkBase64Digest(v, "a "+algorithm+" checksum", size, false) }
}

func checkChecksumAlgorithm(v string) error {
	if _, known := checksumSizes[strings.ToLower(v)]; known {
		return nil
	}
	return fmt.Errorf("%s is not one of S3's checksum algorithms: \"CRC32\", \"CRC32C\", \"CRC64NVME\", \"SHA1\", \"SHA256\"", quote(v))
}

func checkSSE(v string) error {
	switch ServerSideEncryption(v) {
	case SSES3, SSEKMS, SSEKMSDSSE:
		return nil
	}
	return fmt.Errorf("%s is not one of S3's server-side encryptions: \"AES256\", \"aws:kms\", \"aws:kms:dsse\"", quote(v))
}

func checkSSECAlgorithm(v string) error {
	if v != "AES256" {
		return fmt.Errorf("%s is not an SSE-C algorithm: S3 takes \"AES256\" alone", quote(v))
	}
	return nil
}

func checkBool(v string) error {
	if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		return fmt.Errorf("%s is neither \"true\" nor \"false\"", quote(v))
	}
	return nil
}

// checkKMSContext checks an encryption context as S3 takes it: the base64
// of a JSON object whose values are strings.
func checkKMSContext(v string) error {
	doc, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return fmt.Errorf("%s is not standard padded base64 (of a JSON object)", quote(v))
	}
	var context map[string]string
	if !bytes.HasPrefix(bytes.TrimSpace(doc), []byte("{")) || json.Unmarshal(doc, &context) != nil {
		return fmt.Errorf("%s is not the base64 of a JSON object of strings, such as {\"project\":\"x\"}", quote(abbreviate(string(doc))))
	}
	return nil
}

// checkTaggingXML checks a <Tagging> document and its tags as S3 does.
func checkTaggingXML(v string) error {
	var doc struct {
		XMLName xml.Name `xml:"Tagging"`
		Tags    []struct {
			Key   *string
			Value *string
		} `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal([]byte(v), &doc); err != nil {
		return fmt.Errorf("not a <Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging> document: %v", err)
	}
	if len(doc.Tags) > maxTags {
		return fmt.Errorf("%d tags; S3 takes at most %d an object", len(doc.Tags), maxTags)
	}
	seen := make(map[string]bool, len(doc.Tags))
	for _, tag := range doc.Tags {
		if tag.Key == nil || tag.Value == nil {
			return fmt.Errorf("every <Tag> needs a <Key> and a <Value>")
		}
		if err := checkTag(*tag.Key, *tag.Value); err != nil {
			return err
		}
		if seen[*tag.Key] {
			return fmt.Errorf("the tag key %s is there twice; S3 takes each key once", quote(*tag.Key))
		}
		seen[*tag.Key] = true
	}
	return nil
}

// checkTag checks a tag's key and value against S3's rules: lengths in
// characters, and letters, digits, spaces (Unicode's categories L, N and
// Z) and + - = . _ : / @.
func checkTag(key, value string) error {
	if n := utf8.RuneCountInString(key); n < 1 || n > maxTagKeyLen {
		return fmt.Errorf("the tag key %s has %d characters; S3 takes 1 to %d", quote(key), n, maxTagKeyLen)
	}
	if n := utf8.RuneCountInString(value); n > maxTagValueLen {
		return fmt.Errorf("the value of tag %s has %d characters; S3 takes at most %d", quote(key), n, maxTagValueLen)
	}
	if len(key) >= len(reservedTagPrefix) && strings.EqualFold(key[:len(reservedTagPrefix)], reservedTagPrefix) {
		return fmt.Errorf("the tag key %s starts with %q, which AWS reserves", quote(key), reservedTagPrefix)
	}
	for _, s := range [...]struct{ what, text string }{{"key", key}, {"value of " + quote(key), value}} {
		for i, r := range s.text {
			if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Z, r) && !strings.ContainsRune("+-=._:/@", r) {
				return fmt.Errorf("the tag %s contains %s; tags hold letters, digits, spaces and + - = . _ : / @", s.what, describeChar(s.text, i))
			}
		}
	}
	return nil
}

// checkFieldSet checks what only the fields together show: that the
// encryption fields belong together. checkFields calls it when a field's
// name starts with x-amz-server-side-encryption.
func checkFieldSet(fields []formField) error {
	get := func(suffix string) (string, string, bool) {
		for _, f := range fields {
			if equalFold(f.name, sseFieldPrefix+suffix) {
				return f.name, f.value, true
			}
		}
		return "", "", false
	}
	sseName, sse, hasSSE := get("")
	algName, _, hasAlg := get("-customer-algorithm")
	keyName, key, hasKey := get("-customer-key")
	_, keyMD5, hasMD5 := get("-customer-key-md5")
	kms := sse == string(SSEKMS) || sse == string(SSEKMSDSSE)
	switch {
	case hasSSE && (hasAlg || hasKey):
		return inputError(ErrInvalidField, fieldInput(sseName), "SSE-C (the x-amz-server-side-encryption-customer-* fields) excludes this field: keep one encryption")
	case hasAlg != hasKey:
		name := algName
		if hasKey {
			name = keyName
		}
		return inputError(ErrInvalidField, fieldInput(name), "SSE-C needs both x-amz-server-side-encryption-customer-algorithm and -customer-key")
	}
	for _, suffix := range [...]string{"-aws-kms-key-id", "-context"} {
		if name, _, has := get(suffix); has && !kms {
			return inputError(ErrInvalidField, fieldInput(name), "this field needs x-amz-server-side-encryption \"aws:kms\" or \"aws:kms:dsse\"")
		}
	}
	if hasKey && hasMD5 && !strings.Contains(key, filenameVariable) && !strings.Contains(keyMD5, filenameVariable) {
		k, err1 := base64.StdEncoding.DecodeString(key)
		sum, err2 := base64.StdEncoding.DecodeString(keyMD5)
		if want := md5.Sum(k); err1 == nil && err2 == nil && !bytes.Equal(want[:], sum) {
			return inputError(ErrInvalidField, fieldInput(keyName), "the key's MD5 is not the one that x-amz-server-side-encryption-customer-key-MD5 gives: S3 would refuse the upload")
		}
	}
	return nil
}
