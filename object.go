package s3post

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Match says what a form field that the browser fills in may hold: a value
// fixed by the backend ([Exactly]), any value that starts with a prefix
// ([Prefix]), or any value at all ([AnyValue]). The zero Match leaves the
// field out of the form.
//
// With Exactly, the form carries the field and the policy an exact-match
// condition on it. With Prefix and AnyValue, the form does not carry the
// field: the browser adds it, and the policy carries a starts-with
// condition that allows it.
type Match struct {
	kind  matchKind
	value string
}

type matchKind uint8

const (
	matchNone matchKind = iota
	matchExactly
	matchPrefix
)

// Exactly returns a Match that fixes the field's value: the form carries
// it, and the policy allows no other.
func Exactly(value string) Match { return Match{kind: matchExactly, value: value} }

// Prefix returns a Match that lets the browser send any value that starts
// with prefix, such as Prefix("image/") for a Content-Type.
func Prefix(prefix string) Match { return Match{kind: matchPrefix, value: prefix} }

// AnyValue returns a Match that lets the browser send any value, such as a
// checksum that it computes from the file.
func AnyValue() Match { return Match{kind: matchPrefix} }

// IsZero reports whether the Match is the zero Match, which leaves the
// field out of the form.
func (m Match) IsZero() bool { return m.kind == matchNone }

// String returns the Match as Go code that makes it, e.g. Exactly("a").
func (m Match) String() string {
	switch {
	case m.kind == matchExactly:
		return "Exactly(" + quote(m.value) + ")"
	case m.kind == matchPrefix && m.value == "":
		return "AnyValue()"
	case m.kind == matchPrefix:
		return "Prefix(" + quote(m.value) + ")"
	}
	return "Match{}"
}

// ACL is one of S3's canned access control lists for an object, the form
// field "acl".
type ACL string

// The canned ACLs that S3 applies to objects.
const (
	ACLPrivate                ACL = "private"
	ACLPublicRead             ACL = "public-read"
	ACLPublicReadWrite        ACL = "public-read-write"
	ACLAuthenticatedRead      ACL = "authenticated-read"
	ACLAWSExecRead            ACL = "aws-exec-read"
	ACLBucketOwnerRead        ACL = "bucket-owner-read"
	ACLBucketOwnerFullControl ACL = "bucket-owner-full-control"
)

// StorageClass is one of S3's storage classes, the form field
// "x-amz-storage-class".
type StorageClass string

// The storage classes that an S3 POST upload can choose.
const (
	StorageClassStandard           StorageClass = "STANDARD"
	StorageClassReducedRedundancy  StorageClass = "REDUCED_REDUNDANCY"
	StorageClassStandardIA         StorageClass = "STANDARD_IA"
	StorageClassOnezoneIA          StorageClass = "ONEZONE_IA"
	StorageClassIntelligentTiering StorageClass = "INTELLIGENT_TIERING"
	StorageClassGlacier            StorageClass = "GLACIER"
	StorageClassDeepArchive        StorageClass = "DEEP_ARCHIVE"
	StorageClassGlacierIR          StorageClass = "GLACIER_IR"
	StorageClassOutposts           StorageClass = "OUTPOSTS"
	StorageClassSnow               StorageClass = "SNOW"
)

// ServerSideEncryption is how S3 encrypts the object with keys that it
// manages, the form field "x-amz-server-side-encryption".
type ServerSideEncryption string

// The server-side encryption that S3 applies with its own or KMS keys.
const (
	// SSES3 is SSE-S3: S3's own keys.
	SSES3 ServerSideEncryption = "AES256"
	// SSEKMS is SSE-KMS: a KMS key.
	SSEKMS ServerSideEncryption = "aws:kms"
	// SSEKMSDSSE is DSSE-KMS: two layers of encryption with a KMS key.
	SSEKMSDSSE ServerSideEncryption = "aws:kms:dsse"
)

// ChecksumAlgorithm is the algorithm of the checksum that S3 checks the
// file against, the form field "x-amz-checksum-algorithm".
type ChecksumAlgorithm string

// The checksum algorithms of S3.
const (
	ChecksumCRC32     ChecksumAlgorithm = "CRC32"
	ChecksumCRC32C    ChecksumAlgorithm = "CRC32C"
	ChecksumCRC64NVME ChecksumAlgorithm = "CRC64NVME"
	ChecksumSHA1      ChecksumAlgorithm = "SHA1"
	ChecksumSHA256    ChecksumAlgorithm = "SHA256"
)

// SSECustomerKey is the 256-bit key of SSE-C encryption. It never prints:
// its String and every fmt verb show only its length. (The form itself
// carries the key, in base64, as SSE-C requires.)
type SSECustomerKey []byte

// String returns a redacted description of the key.
func (k SSECustomerKey) String() string {
	return "SSECustomerKey(redacted, " + strconv.Itoa(len(k)) + " bytes)"
}

// GoString returns the redacted description, for %#v.
func (k SSECustomerKey) GoString() string { return k.String() }

// Format writes the redacted description, whatever the verb.
func (k SSECustomerKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// ObjectFields are the settings of the uploaded object that S3's POST form
// fields carry, typed. Zero values leave a field out of the form. Each field
// set here becomes a form field and its policy condition, or, for a [Match]
// that lets the browser choose, a condition alone; its value is checked
// against S3's rules before signing. Names set here must not be set in
// PostInput.Fields too.
//
// Content-Language and the object lock fields (x-amz-object-lock-mode,
// -retain-until-date, -legal-hold) are headers of PUT Object, but not form
// fields of POST Object: neither AWS's POST Object reference
// (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html,
// its table of form fields) nor the form fields of its user guide's
// "Browser-based uploads using POST" (HTTPPOSTForms in
// github.com/awsdocs/amazon-s3-developer-guide) lists them, so they have
// no typed field here. (A bucket's default retention still applies to POST
// uploads.)
type ObjectFields struct {
	// ContentType is the object's Content-Type. Optional.
	ContentType Match
	// CacheControl is the object's Cache-Control header. Optional.
	CacheControl string
	// ContentDisposition is the object's Content-Disposition. Optional.
	ContentDisposition Match
	// ContentEncoding is the object's Content-Encoding. Optional.
	ContentEncoding Match
	// Expires is the object's Expires header, written as an HTTP date
	// (whole seconds, UTC). Optional.
	Expires time.Time
	// ContentMD5 is the base64 of the file's MD5, which S3 checks the file
	// against: Exactly a value, or AnyValue for one that the browser
	// computes, or [PresignedPost.NewUploadRequest]. Optional.
	ContentMD5 Match

	// ACL is the object's canned ACL. Optional; S3's default is private
	// (the bucket may disable ACLs, and then refuses all but private).
	ACL ACL
	// StorageClass is the object's storage class. Optional; S3's default
	// is STANDARD.
	StorageClass StorageClass
	// Metadata is the user metadata, by name without the "x-amz-meta-"
	// prefix. Names are HTTP tokens; names and values take at most 2 KB.
	// Optional.
	Metadata map[string]Match
	// Tagging is the object's tags, by key, sent as S3's <Tagging> XML: at
	// most 10, keys of 1 to 128 and values of up to 256 characters.
	// Optional.
	Tagging map[string]string
	// WebsiteRedirectLocation redirects requests for the object to another
	// object ("/path") or URL, when the bucket is a website. Optional.
	WebsiteRedirectLocation string

	// SuccessActionStatus is the status S3 answers an upload with: 200,
	// 201 (with an XML document) or 204. Optional; S3's default is 204.
	SuccessActionStatus int
	// SuccessActionRedirect is the absolute http or https URL to which S3
	// redirects the browser after an upload. Optional.
	SuccessActionRedirect string

	// ServerSideEncryption is SSE-S3, SSE-KMS or DSSE-KMS. Optional; S3
	// then applies the bucket's default encryption.
	ServerSideEncryption ServerSideEncryption
	// SSEKMSKeyID is the KMS key of SSE-KMS or DSSE-KMS. Optional; S3's
	// default is the AWS managed key aws/s3.
	SSEKMSKeyID string
	// SSEKMSEncryptionContext is the KMS encryption context of SSE-KMS or
	// DSSE-KMS, sent as S3 wants it: the base64 of a JSON object. Optional.
	SSEKMSEncryptionContext map[string]string
	// BucketKeyEnabled makes SSE-KMS use an S3 Bucket Key. Optional.
	BucketKeyEnabled bool
	// SSECustomerKey is the 32-byte key of SSE-C: the form then carries
	// the algorithm AES256, the key in base64 and its MD5. Optional; it
	// excludes ServerSideEncryption.
	SSECustomerKey SSECustomerKey

	// ChecksumAlgorithm is the algorithm of Checksum. Optional; required
	// with Checksum.
	ChecksumAlgorithm ChecksumAlgorithm
	// Checksum is the base64 of the file's checksum with ChecksumAlgorithm,
	// the field x-amz-checksum-<algorithm>: Exactly a value, or AnyValue
	// for one that the browser computes, or [PresignedPost.NewUploadRequest]
	// (and so s3post upload) before it sends the file. S3 refuses a file
	// that does not match it (BadDigest) and stores nothing. Optional.
	Checksum Match
}

// isZero reports whether no object field is set: the common case, tested
// without allocating.
func (o *ObjectFields) isZero() bool {
	return o.ContentType.kind == matchNone && o.CacheControl == "" && o.ContentDisposition.kind == matchNone &&
		o.ContentEncoding.kind == matchNone && o.Expires.IsZero() && o.ContentMD5.kind == matchNone &&
		o.ACL == "" && o.StorageClass == "" && len(o.Metadata) == 0 && len(o.Tagging) == 0 &&
		o.WebsiteRedirectLocation == "" && o.SuccessActionStatus == 0 && o.SuccessActionRedirect == "" &&
		o.ServerSideEncryption == "" && o.SSEKMSKeyID == "" && len(o.SSEKMSEncryptionContext) == 0 &&
		!o.BucketKeyEnabled && o.SSECustomerKey == nil && o.ChecksumAlgorithm == "" && o.Checksum.kind == matchNone
}

// objectField is one form field that ObjectFields sets, with the input that
// set it, for messages.
type objectField struct {
	input, name string
	match       Match
}

// formFields returns the form fields of the object settings, in the order
// of ObjectFields' fields (metadata by name), after checking the settings
// that no single field's value shows.
func (o *ObjectFields) formFields() ([]objectField, error) {
	var out []objectField
	add := func(input, name string, m Match) {
		if m.kind != matchNone {
			out = append(out, objectField{input: "Object." + input, name: name, match: m})
		}
	}
	set := func(input, name, value string) {
		if value != "" {
			add(input, name, Exactly(value))
		}
	}
	add("ContentType", "Content-Type", o.ContentType)
	set("CacheControl", "Cache-Control", o.CacheControl)
	add("ContentDisposition", "Content-Disposition", o.ContentDisposition)
	add("ContentEncoding", "Content-Encoding", o.ContentEncoding)
	if !o.Expires.IsZero() {
		e := o.Expires.UTC()
		if e.Year() < 1 || e.Year() > 9999 {
			return nil, inputError(ErrInvalidField, "Object.Expires",
				fmt.Sprintf("the year %d is outside the years 0001 to 9999 that an HTTP date can hold", e.Year()))
		}
		set("Expires", "Expires", e.Format(httpDateFormat))
	}
	add("ContentMD5", "Content-MD5", o.ContentMD5)
	set("ACL", "acl", string(o.ACL))
	set("StorageClass", "x-amz-storage-class", string(o.StorageClass))
	for _, name := range sortedKeys(o.Metadata) {
		input := "Metadata[" + quote(name) + "]"
		if len(name) >= len(metaPrefix) && equalFoldBytes(name[:len(metaPrefix)], metaPrefix) {
			return nil, inputError(ErrInvalidField, "Object."+input,
				fmt.Sprintf("give the name without %q, which s3post adds", metaPrefix))
		}
		if err := checkFieldName(name); err != nil {
			return nil, inputError(ErrInvalidField, "Object."+input, "the metadata name: "+err.Error())
		}
		add(input, metaPrefix+name, o.Metadata[name])
	}
	if len(o.Tagging) > 0 {
		set("Tagging", "tagging", taggingXML(o.Tagging))
	}
	set("WebsiteRedirectLocation", "x-amz-website-redirect-location", o.WebsiteRedirectLocation)
	if o.SuccessActionStatus != 0 {
		set("SuccessActionStatus", "success_action_status", strconv.Itoa(o.SuccessActionStatus))
	}
	set("SuccessActionRedirect", "success_action_redirect", o.SuccessActionRedirect)

	kms := o.ServerSideEncryption == SSEKMS || o.ServerSideEncryption == SSEKMSDSSE
	switch {
	case o.SSECustomerKey != nil && o.ServerSideEncryption != "":
		return nil, inputError(ErrInvalidField, "Object.SSECustomerKey",
			fmt.Sprintf("SSE-C excludes ServerSideEncryption %s: set one of them", quote(string(o.ServerSideEncryption))))
	case !kms && o.SSEKMSKeyID != "":
		return nil, inputError(ErrInvalidField, "Object.SSEKMSKeyID", "a KMS key needs ServerSideEncryption SSEKMS or SSEKMSDSSE")
	case !kms && len(o.SSEKMSEncryptionContext) > 0:
		return nil, inputError(ErrInvalidField, "Object.SSEKMSEncryptionContext", "an encryption context needs ServerSideEncryption SSEKMS or SSEKMSDSSE")
	case o.ServerSideEncryption != SSEKMS && o.BucketKeyEnabled:
		return nil, inputError(ErrInvalidField, "Object.BucketKeyEnabled", "S3 Bucket Keys work with ServerSideEncryption SSEKMS alone")
	}
	set("ServerSideEncryption", "x-amz-server-side-encryption", string(o.ServerSideEncryption))
	set("SSEKMSKeyID", "x-amz-server-side-encryption-aws-kms-key-id", o.SSEKMSKeyID)
	if len(o.SSEKMSEncryptionContext) > 0 {
		doc, err := json.Marshal(o.SSEKMSEncryptionContext) // keys sorted
		if err != nil {
			return nil, inputError(ErrInvalidField, "Object.SSEKMSEncryptionContext", err.Error())
		}
		set("SSEKMSEncryptionContext", "x-amz-server-side-encryption-context", base64.StdEncoding.EncodeToString(doc))
	}
	if o.BucketKeyEnabled {
		set("BucketKeyEnabled", "x-amz-server-side-encryption-bucket-key-enabled", "true")
	}
	if o.SSECustomerKey != nil {
		if len(o.SSECustomerKey) != sseCustomerKeyLen {
			return nil, inputError(ErrInvalidField, "Object.SSECustomerKey",
				fmt.Sprintf("the key has %d bytes; SSE-C keys have %d (AES-256)", len(o.SSECustomerKey), sseCustomerKeyLen))
		}
		sum := md5.Sum(o.SSECustomerKey)
		set("SSECustomerKey", "x-amz-server-side-encryption-customer-algorithm", "AES256")
		set("SSECustomerKey", "x-amz-server-side-encryption-customer-key", base64.StdEncoding.EncodeToString(o.SSECustomerKey))
		set("SSECustomerKey", "x-amz-server-side-encryption-customer-key-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}

	if o.Checksum.kind != matchNone && o.ChecksumAlgorithm == "" {
		return nil, inputError(ErrInvalidField, "Object.Checksum", "a checksum needs its ChecksumAlgorithm")
	}
	set("ChecksumAlgorithm", "x-amz-checksum-algorithm", string(o.ChecksumAlgorithm))
	if o.Checksum.kind != matchNone {
		if _, known := checksumSizes[strings.ToLower(string(o.ChecksumAlgorithm))]; known {
			add("Checksum", "x-amz-checksum-"+strings.ToLower(string(o.ChecksumAlgorithm)), o.Checksum)
		}
	}

	for _, f := range out {
		if f.match.kind != matchExactly {
			if f.match.value != "" && (f.name == "Content-MD5" || strings.HasPrefix(f.name, "x-amz-checksum-")) {
				return nil, inputError(ErrInvalidField, f.input, "a digest has no meaningful prefix: use Exactly(value) or AnyValue()")
			}
			continue
		}
		if err := checkFieldValue(f.name, f.match.value); err != nil {
			return nil, inputError(ErrInvalidField, f.input, err.Error())
		}
	}
	return out, nil
}

// sortedKeys returns the keys of a map in order, so that the form and the
// policy do not depend on map order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// taggingXML renders tags as the <Tagging> document that S3 reads from the
// "tagging" field, sorted by key, with keys and values escaped.
func taggingXML(tags map[string]string) string {
	var b strings.Builder
	b.WriteString("<Tagging><TagSet>")
	for _, k := range sortedKeys(tags) {
		b.WriteString("<Tag><Key>")
		xmlEscape(&b, k)
		b.WriteString("</Key><Value>")
		xmlEscape(&b, tags[k])
		b.WriteString("</Value></Tag>")
	}
	b.WriteString("</TagSet></Tagging>")
	return b.String()
}

// xmlEscape writes s with the characters that XML text cannot hold as
// they are escaped. (Tag characters are checked, so no control character
// is written.)
func xmlEscape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
}

// withObject returns a copy of the input with the object settings turned
// into fields and conditions, and the settings that they come from, for
// messages. It refuses a name set both in Object and in Fields. The
// caller's map and slice are left as they are.
func withObject(in *PostInput) (*PostInput, *typedInputs, error) {
	typed, err := in.Object.formFields()
	if err != nil {
		return nil, nil, err
	}
	inputs := &typedInputs{callerConditions: len(in.Conditions), fields: make(map[string]string, len(typed))}
	out := *in
	out.Object = ObjectFields{}
	out.Fields = make(map[string]string, len(in.Fields)+len(typed))
	for name, value := range in.Fields {
		out.Fields[name] = value
	}
	out.Conditions = slices.Clip(in.Conditions)
	for _, f := range typed {
		for name := range in.Fields {
			if equalFold(name, f.name) {
				return nil, nil, inputError(ErrInvalidField, fieldInput(name),
					fmt.Sprintf("%s sets the field %s too: set it in one place", f.input, f.name))
			}
		}
		if f.match.kind == matchExactly {
			out.Fields[f.name] = f.match.value
			inputs.fields[f.name] = f.input
			continue
		}
		out.Conditions = append(out.Conditions, StartsWith(f.name, f.match.value))
		inputs.conditions = append(inputs.conditions, f.input)
	}
	return &out, inputs, nil
}

// typedInputs names the object settings behind the fields and conditions
// that withObject added, for messages.
type typedInputs struct {
	// callerConditions is the number of the caller's own conditions, which
	// come before those added.
	callerConditions int
	// conditions are the settings behind the added conditions, in order.
	conditions []string
	// fields are the settings behind the added fields, by field name.
	fields map[string]string
}

// rename makes an error about a field or condition that the object settings
// added name the setting, rather than a Fields name or a Conditions index
// that the caller never wrote.
func (ti *typedInputs) rename(err error) error {
	var ie *InputError
	if !errors.As(err, &ie) {
		return err
	}
	input := ""
	if ie.Input == "Fields" {
		// The user metadata over S3's limit: the message names the largest
		// field; when a setting made it, name the setting.
		for name, setting := range ti.fields {
			ref := fieldInput(name)
			if !strings.Contains(ie.Reason, ref) {
				continue
			}
			renamed := *ie
			renamed.Input, _, _ = strings.Cut(setting, "[")
			renamed.Reason = strings.Replace(ie.Reason, ref, setting, 1)
			return &renamed
		}
		return err
	}
	if name, ok := strings.CutPrefix(ie.Input, "Fields["); ok {
		unquoted, uerr := strconv.Unquote(strings.TrimSuffix(name, "]"))
		if uerr == nil {
			input = ti.fields[unquoted]
		}
	} else if index, ok := strings.CutPrefix(ie.Input, "Conditions["); ok {
		i, cerr := strconv.Atoi(strings.TrimSuffix(index, "]"))
		if cerr == nil && i >= ti.callerConditions && i-ti.callerConditions < len(ti.conditions) {
			input = ti.conditions[i-ti.callerConditions]
		}
	}
	if input == "" {
		return err
	}
	renamed := *ie
	renamed.Input = input
	return &renamed
}
