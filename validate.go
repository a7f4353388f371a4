package s3post

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits that S3 sets on a POST upload.
const (
	// MaxKeyLength is the longest object key S3 accepts, in bytes.
	MaxKeyLength = 1024
	// MaxExpiry is the longest lifetime of a SigV4-signed form.
	MaxExpiry = 7 * 24 * time.Hour

	// maxUserMetadata is the most user metadata that S3 stores with an
	// object, in bytes: the names of the x-amz-meta-* fields after the
	// prefix, and their values ("2 KB"; S3's MetadataTooLarge error gives
	// MaxSizeAllowed 2048).
	maxUserMetadata = 2048
)

// metaPrefix begins the names of user metadata fields.
const metaPrefix = "x-amz-meta-"

// checkedInput is a PostInput that passed validation, with the fields in a
// fixed order and marks on those that some caller condition constrains.
type checkedInput struct {
	bucket, key string
	fields      []formField // sorted by name, ignoring case
	conditions  []Condition
	// keyConstrained reports whether a caller condition is on "key".
	keyConstrained bool
	// keyPlain reports whether the key needs no escaping in JSON.
	keyPlain bool
	// formSize is the bytes that the key and the caller's fields take in
	// the form, as partSize counts them.
	formSize int
	// unplain is the bytes of the values among them that JSON escapes,
	// which bound the bytes that their line breaks may add.
	unplain int
}

type formField struct {
	name, value string
	// constrained reports whether a caller condition is on this field.
	constrained bool
	// plain reports whether the value needs no escaping in JSON. (The name,
	// a checked field name, never does.)
	plain bool
}

// checkInput validates everything about the input that does not depend on
// the Presigner, and returns it in the shape the policy builder needs.
//
// The fields are appended to fieldsBuf, which the caller may provide so
// that small forms need no allocation.
func checkInput(in *PostInput, fieldsBuf []formField) (checkedInput, error) {
	if err := checkBucketName(in.Bucket); err != nil {
		return checkedInput{}, err
	}
	keyPlain, err := checkKey(in.Key)
	if err != nil {
		return checkedInput{}, err
	}
	fields, err := checkFields(fieldsBuf, in.Fields)
	if err != nil {
		return checkedInput{}, err
	}
	policy := 0 // a lower bound of the policy document's length
	for i, c := range in.Conditions {
		if err := checkCondition(c); err != nil {
			return checkedInput{}, inputError(ErrInvalidCondition, fmt.Sprintf("Conditions[%d]", i), err.Error())
		}
		policy += conditionSize(c)
	}
	ci := checkedInput{
		bucket:     in.Bucket,
		key:        in.Key,
		fields:     fields,
		conditions: in.Conditions,
		keyPlain:   keyPlain,
		formSize:   partSize("key", len(in.Key)),
	}
	if !keyPlain {
		ci.unplain = len(in.Key)
	}
	for _, f := range fields {
		ci.formSize += partSize(f.name, len(f.value))
		if !f.plain {
			ci.unplain += len(f.value)
		}
	}
	// Most of the form's size is known before the credentials are: a form
	// that is too large already is refused before they are retrieved, and
	// before the conditions are compared.
	if signer := signerFormSize("", ""); ci.formSize+ci.unplain+base64Len(policy)+signer > maxPreFileSize {
		if err := ci.checkFormSize(base64Len(policy), false, signer, ""); err != nil {
			return checkedInput{}, err
		}
	}
	if err := ci.checkSatisfiable(); err != nil {
		return checkedInput{}, err
	}
	return ci, nil
}

// checkBucketName applies the rules that every S3 bucket name follows,
// including the legacy us-east-1 names with capitals and underscores. The
// stricter rules for virtual-hosted URLs are in [dnsCompatibleBucket].
func checkBucketName(b string) error {
	bad := func(reason string) error { return inputError(ErrInvalidBucket, "Bucket", reason) }
	switch {
	case b == "":
		return bad("the bucket name is empty: set PostInput.Bucket")
	case strings.HasPrefix(b, "arn:"):
		return bad("access point, Outposts and other ARNs are not supported: pass the bucket name itself")
	case strings.HasSuffix(b, "--x-s3"):
		return bad(fmt.Sprintf("%s is an S3 Express directory bucket, which does not take POST uploads", quote(b)))
	case len(b) < 3 || len(b) > 255:
		return bad(fmt.Sprintf("%s has %d characters; S3 bucket names have 3 to 63", quote(b), len(b)))
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return bad(fmt.Sprintf("%s contains %s; bucket names use lowercase letters, digits, '.' and '-'", quote(b), describeChar(b, i)))
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return bad(fmt.Sprintf("%s must begin and end with a letter or a digit", quote(b)))
	}
	return nil
}

// dnsCompatibleBucket reports whether the bucket name can be a host name
// label sequence: 3 to 63 characters, lowercase, no underscores, no empty
// label, no label starting or ending with '-', and not an IP address.
func dnsCompatibleBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	if strings.Trim(b, "0123456789.") == "" { // only an IPv4 address has no other character
		if _, err := netip.ParseAddr(b); err == nil {
			return false
		}
	}
	for label := range strings.SplitSeq(b, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checkKey validates the object key, and reports whether it is plain: JSON
// holds it as it is.
func checkKey(k string) (plain bool, err error) {
	switch {
	case k == "":
		return false, inputError(ErrInvalidKey, "Key", "the key is empty: set PostInput.Key, e.g. \"uploads/${filename}\"")
	case len(k) > MaxKeyLength:
		return false, inputError(ErrInvalidKey, "Key", fmt.Sprintf("the key has %d bytes; S3 keys have at most %d", len(k), MaxKeyLength))
	}
	if plainJSON(k) {
		return true, nil // printable ASCII, so valid UTF-8
	}
	if !utf8.ValidString(k) {
		return false, inputError(ErrInvalidKey, "Key", "the key is not valid UTF-8: "+invalidUTF8(k))
	}
	return false, nil
}

// reservedFields are the names that a caller may not set in
// PostInput.Fields, compared ignoring case, and why.
var reservedFields = [...]struct{ name, why string }{
	{"key", "set the key with PostInput.Key"},
	{"bucket", "set the bucket with PostInput.Bucket; it is not a form field"},
	{"file", "the browser sends the file itself as the last form part"},
	{"policy", "the signer sets it"},
	{"x-amz-signature", "the signer sets it"},
	{"x-amz-algorithm", "the signer sets it"},
	{"x-amz-credential", "the signer sets it"},
	{"x-amz-date", "the signer sets it"},
	{"x-amz-security-token", "the signer sets it from the credentials' session token"},
	{"signature", "it belongs to SigV2 forms, which s3post does not make"},
	{"awsaccesskeyid", "it belongs to SigV2 forms, which s3post does not make"},
}

// reservedLengths has bit n set when a reserved field name has n bytes
// (all have fewer than 64).
var reservedLengths = func() (lengths uint64) {
	for _, r := range reservedFields {
		lengths |= 1 << len(r.name)
	}
	return lengths
}()

// reservedField returns why a caller may not set a field in
// PostInput.Fields, if it is one of those reserved.
func reservedField(name string) (why string, reserved bool) {
	if len(name) >= 64 || reservedLengths&(1<<len(name)) == 0 {
		return "", false // the usual case, ruled out by the length alone
	}
	for i := range reservedFields {
		if r := &reservedFields[i]; equalFold(name, r.name) {
			return r.why, true
		}
	}
	return "", false
}

// checkFields validates the caller's form fields and appends them to dst
// sorted by name ignoring case, so that the policy does not depend on map
// order. They are sorted first and checked in that order, so that the first
// bad field reported is always the same one.
func checkFields(dst []formField, fields map[string]string) ([]formField, error) {
	out := dst
	for name, value := range fields {
		out = append(out, formField{name: name, value: value})
	}
	sortFields(out)
	metadata := 0       // bytes of user metadata
	encryption := false // whether a field is an encryption setting
	for i, f := range out {
		if err := checkFieldName(f.name); err != nil {
			return nil, inputError(ErrInvalidField, fieldInput(f.name), err.Error())
		}
		if why, reserved := reservedField(f.name); reserved {
			return nil, inputError(ErrInvalidField, fieldInput(f.name), "reserved field: "+why)
		}
		out[i].plain = plainJSON(f.value)
		if !out[i].plain && !utf8.ValidString(f.value) {
			return nil, inputError(ErrInvalidField, fieldInput(f.name), "the value is not valid UTF-8: "+invalidUTF8(f.value))
		}
		if err := checkFieldValue(f.name, f.value); err != nil {
			return nil, inputError(ErrInvalidField, fieldInput(f.name), err.Error())
		}
		if len(f.name) >= len(sseFieldPrefix) && equalFoldBytes(f.name[:len(sseFieldPrefix)], sseFieldPrefix) {
			encryption = true
		}
		if i > 0 && equalFold(f.name, out[i-1].name) {
			return nil, inputError(ErrInvalidField, fieldInput(f.name),
				"duplicates "+fieldInput(out[i-1].name)+": S3 field names are case-insensitive, keep one")
		}
		if isMetadata(f.name) {
			metadata += len(f.name) - len(metaPrefix) + len(f.value)
		}
	}
	if metadata > maxUserMetadata {
		if err := checkUserMetadata(out); err != nil {
			return nil, err
		}
	}
	if encryption {
		if err := checkFieldSet(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fieldInput names a field of PostInput.Fields as an InputError's Input.
func fieldInput(name string) string { return "Fields[" + quote(name) + "]" }

// isMetadata reports whether a field name is that of a user metadata field,
// x-amz-meta-*, with a name after the prefix.
func isMetadata(name string) bool {
	return len(name) > len(metaPrefix) && equalFoldBytes(name[:len(metaPrefix)], metaPrefix)
}

// checkUserMetadata makes sure that the user metadata fits in S3's limit,
// counted as S3 counts it: the names after the prefix and the values. A
// ${filename} in a value counts as nothing, since S3 counts the file name
// it puts there, which may be short. checkFields calls it only when the
// fields' plain sum is over the limit.
func checkUserMetadata(fields []formField) error {
	total, largest, largestSize := 0, "", 0
	for _, f := range fields {
		if !isMetadata(f.name) {
			continue
		}
		size := len(f.name) - len(metaPrefix) + len(f.value) - strings.Count(f.value, filenameVariable)*len(filenameVariable)
		total += size
		if size > largestSize {
			largest, largestSize = f.name, size
		}
	}
	if total <= maxUserMetadata {
		return nil
	}
	return inputError(ErrInvalidField, "Fields",
		fmt.Sprintf("the x-amz-meta-* fields hold %d bytes of user metadata (names after %q and values); S3 takes at most %d: shorten or drop some, the largest being %s (%d bytes)",
			total, metaPrefix, maxUserMetadata, fieldInput(largest), largestSize))
}

// sortFields sorts fields by name ignoring case, then by name. Forms have a
// handful of fields, which an insertion sort orders fastest.
func sortFields(fields []formField) {
	if len(fields) > 12 {
		slices.SortFunc(fields, func(a, b formField) int { return compareFields(&a, &b) })
		return
	}
	for i := 1; i < len(fields); i++ {
		for j := i; j > 0 && compareFields(&fields[j], &fields[j-1]) < 0; j-- {
			fields[j], fields[j-1] = fields[j-1], fields[j]
		}
	}
}

// compareFields orders fields by name ignoring case, and names equal but
// for case by their bytes, so that the order never depends on the input's.
func compareFields(a, b *formField) int {
	if c := compareFold(a.name, b.name); c != 0 {
		return c
	}
	return strings.Compare(a.name, b.name)
}

// compareFold compares two field names as their lower-case forms compare.
// Field names are ASCII (see checkFieldName), so folding ASCII letters is
// all that S3's case-insensitive comparison needs.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if ca, cb := lowerASCII(a[i]), lowerASCII(b[i]); ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// equalFold reports whether two field names are equal ignoring case. The
// length test is inlined where it is called, and rules out most names.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	return equalFoldBytes(a, b)
}

// equalFoldBytes is equalFold for names of the same length.
func equalFoldBytes(a, b string) bool {
	for i := range len(a) {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// checkFieldName accepts the HTTP token characters that form field names and
// x-amz-meta-* header names are made of.
func checkFieldName(name string) error {
	if name == "" {
		return fmt.Errorf("the field name is empty")
	}
	if name[0] == '$' {
		return fmt.Errorf("field names have no leading '$' (only conditions write one)")
	}
	if len(name) == len(metaPrefix) && equalFoldBytes(name, metaPrefix) {
		return fmt.Errorf("the metadata name after %q is empty, and S3 refuses it: name the field x-amz-meta-NAME", metaPrefix)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !tokenChars[c] {
			return fmt.Errorf("the field name contains %s; use letters, digits, '-' and '_'", describeChar(name, i))
		}
	}
	return nil
}

// tokenChars holds the bytes that HTTP tokens (RFC 9110) are made of: the
// letters, the digits and !#$%&'*+-.^_`|~.
var tokenChars = func() (token [256]bool) {
	for c := 0; c < len(token); c++ {
		token[c] = isAlnum(byte(c)) || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return token
}()

// checkCondition validates one caller condition on its own.
func checkCondition(c Condition) error {
	var field, value string
	switch c := c.(type) {
	case nil:
		return fmt.Errorf("the condition is nil")
	case lengthRangeCondition:
		if c.min < 0 {
			return fmt.Errorf("content-length-range minimum %d is negative", c.min)
		}
		if c.max < c.min {
			return fmt.Errorf("content-length-range minimum %d is above its maximum %d", c.min, c.max)
		}
		return nil
	case eqCondition:
		field, value = c.field, c.value
	case startsWithCondition:
		field, value = c.field, c.prefix
	}
	if err := checkFieldName(field); err != nil {
		return err
	}
	for _, f := range signerFields {
		if equalFold(field, f) {
			return fmt.Errorf("%s is set and constrained by the signer: remove this condition", field)
		}
	}
	for _, f := range [...]string{"policy", "x-amz-signature", "file"} {
		if equalFold(field, f) {
			return fmt.Errorf("S3 does not check a condition on %s: remove it", field)
		}
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("the value for %s is not valid UTF-8: %s", quote(field), invalidUTF8(value))
	}
	return nil
}

// checkSatisfiable makes sure that the form that will be signed can pass its
// own policy: every field value meets every condition on its field, and the
// conditions on a field the browser fills in leave it some possible value.
// It marks the fields that the caller's conditions cover, which get no
// condition of their own in the policy.
func (ci *checkedInput) checkSatisfiable() error {
	// size is the intersection of the size ranges, which checkCondition
	// made sure are within [0, MaxInt64].
	size := lengthRangeCondition{min: 0, max: math.MaxInt64}
	for i, c := range ci.conditions {
		r, ok := c.(lengthRangeCondition)
		if !ok {
			continue
		}
		if r.min > maxPostObjectSize {
			return inputError(ErrUnsatisfiable, fmt.Sprintf("Conditions[%d]", i),
				fmt.Sprintf("the content-length-range minimum %d is over the %d bytes (5 GiB) of the largest POST upload: lower it", r.min, maxPostObjectSize))
		}
		size.min, size.max = max(size.min, r.min), min(size.max, r.max)
		if size.max < size.min {
			return inputError(ErrUnsatisfiable, fmt.Sprintf("Conditions[%d]", i),
				"the content-length-range conditions leave no possible size: keep one range")
		}
	}
	for i, c := range ci.conditions {
		field := conditionField(c)
		if field == "" {
			continue // a size range
		}
		if value, known := ci.valueOf(field); known {
			if !templateCanMeet(value, c) {
				return inputError(ErrUnsatisfiable, fmt.Sprintf("Conditions[%d]", i), unmet(field, value, c))
			}
			continue
		}
		for j, earlier := range ci.conditions[:i] {
			if equalFold(conditionField(earlier), field) && !conditionsCompatible(earlier, c) {
				return inputError(ErrUnsatisfiable, fmt.Sprintf("Conditions[%d]", i), incompatible(field, c, j, earlier))
			}
		}
	}
	return nil
}

// secretShown stands in a message for the value of a field that holds a
// secret (an SSE-C key), which no message shows.
const secretShown = "(not shown: it holds an SSE-C key)"

// unmet says that a field's value does not meet a condition on it. (Its
// own function, with the fields' value passed as a string: quote rather
// than %q, as a value handed to fmt escapes, and with it the fields that
// PresignPost keeps on its stack.)
func unmet(field, value string, c Condition) string {
	shown, condition := quote(value), conditionMessage(c)
	if equalFold(field, sseCustomerKeyField) {
		shown, condition = secretShown, secretShown
	}
	return fmt.Sprintf("the %s value %s does not meet %s%s: change the value or the condition", abbreviate(field), shown, condition, filenameNote(value))
}

// incompatible says that no value meets both conditions on a field.
func incompatible(field string, c Condition, j int, earlier Condition) string {
	first, second := conditionMessage(c), conditionMessage(earlier)
	if equalFold(field, sseCustomerKeyField) {
		first, second = secretShown, secretShown
	}
	return fmt.Sprintf("no value of %s meets both %s and Conditions[%d] %s: drop one", abbreviate(field), first, j, second)
}

// valueOf returns the value that the form will carry for a field, if the
// signer knows it, and marks the field as constrained by a condition.
func (ci *checkedInput) valueOf(field string) (string, bool) {
	switch {
	case equalFold(field, "key"):
		ci.keyConstrained = true
		return ci.key, true
	case equalFold(field, "bucket"):
		return ci.bucket, true
	}
	// A binary search over the fields, sorted by name ignoring case; written
	// out, unlike slices.BinarySearchFunc, it lets the fields stay on the
	// caller's stack.
	lo, hi := 0, len(ci.fields)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := compareFold(ci.fields[mid].name, field); {
		case c < 0:
			lo = mid + 1
		case c > 0:
			hi = mid
		default:
			ci.fields[mid].constrained = true
			return ci.fields[mid].value, true
		}
	}
	return "", false
}

func conditionField(c Condition) string {
	switch c := c.(type) {
	case eqCondition:
		return c.field
	case startsWithCondition:
		return c.field
	}
	return ""
}

func conditionText(c Condition) string {
	return string(c.appendJSON(nil))
}

// templateCanMeet reports whether a field value can meet the condition
// once S3 has replaced each ${filename} in it (as it does in every field)
// with the uploaded file's name. S3 puts there only the name after the last
// '/' or '\', so the text that replaces ${filename} may be any text without
// either, the empty text included, and is the same text everywhere.
func templateCanMeet(value string, c Condition) bool {
	first, rest, templated := strings.Cut(value, filenameVariable)
	switch c := c.(type) {
	case eqCondition:
		if !templated {
			return value == c.value
		}
		// The length of the name follows from the lengths of the rest.
		want, fixed := c.value, len(value)-len(filenameVariable)
		n := 1 + strings.Count(rest, filenameVariable)
		fixed -= (n - 1) * len(filenameVariable)
		if len(want) < fixed || (len(want)-fixed)%n != 0 || !strings.HasPrefix(want, first) {
			return false
		}
		name := want[len(first) : len(first)+(len(want)-fixed)/n]
		return !strings.ContainsAny(name, `/\`) && substitutedMatches(rest, name, want[len(first)+len(name):], true)
	case startsWithCondition:
		if !templated {
			return strings.HasPrefix(value, c.prefix)
		}
		if len(c.prefix) <= len(first) {
			return strings.HasPrefix(first, c.prefix)
		}
		if !strings.HasPrefix(c.prefix, first) {
			return false
		}
		// The prefix goes on into the first name: the name is a start of
		// what follows, up to its first '/' or '\', and the value must go
		// on as the rest of the prefix does.
		after := c.prefix[len(first):]
		slash := strings.IndexAny(after, `/\`)
		if slash < 0 {
			return true // the name can be all of it
		}
		for n := 0; n <= slash; n++ {
			if substitutedMatches(rest, after[:n], after[n:], false) {
				return true
			}
		}
		return false
	}
	return true
}

// substitutedMatches reports whether value, with each ${filename} replaced
// by name, equals want (exact) or starts with it.
func substitutedMatches(value, name, want string, exact bool) bool {
	for {
		piece, rest, more := strings.Cut(value, filenameVariable)
		if !exact && len(want) <= len(piece) {
			return strings.HasPrefix(piece, want)
		}
		if !strings.HasPrefix(want, piece) {
			return false
		}
		want = want[len(piece):]
		if !more {
			return want == ""
		}
		if !exact && len(want) <= len(name) {
			return strings.HasPrefix(name, want)
		}
		if !strings.HasPrefix(want, name) {
			return false
		}
		want, value = want[len(name):], rest
	}
}

// filenameNote explains, for a value with ${filename}, which names S3 puts
// there.
func filenameNote(value string) string {
	if !strings.Contains(value, filenameVariable) {
		return ""
	}
	return ` whatever file name S3 puts in place of ${filename} (the name after its last '/' or '\')`
}

// conditionsCompatible reports whether some value meets both conditions.
func conditionsCompatible(a, b Condition) bool {
	switch a := a.(type) {
	case eqCondition:
		switch b := b.(type) {
		case eqCondition:
			return a.value == b.value
		case startsWithCondition:
			return strings.HasPrefix(a.value, b.prefix)
		}
	case startsWithCondition:
		switch b := b.(type) {
		case eqCondition:
			return strings.HasPrefix(b.value, a.prefix)
		case startsWithCondition:
			return strings.HasPrefix(a.prefix, b.prefix) || strings.HasPrefix(b.prefix, a.prefix)
		}
	}
	return true
}

// checkExpiry validates a form lifetime, after the zero default is applied.
func checkExpiry(d time.Duration) error {
	if d < 0 {
		return inputError(ErrInvalidExpiry, "Expires", fmt.Sprintf("the lifetime %v is negative: use a positive duration such as 15*time.Minute, or 0 for one hour", d))
	}
	if d > MaxExpiry {
		return inputError(ErrInvalidExpiry, "Expires", fmt.Sprintf("the lifetime %v is over the 7 days that SigV4 allows", d))
	}
	if d < time.Second {
		return inputError(ErrInvalidExpiry, "Expires", fmt.Sprintf("the lifetime %v is under a second, and policy expirations have whole seconds", d))
	}
	return nil
}
