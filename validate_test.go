package s3post

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReservedField checks every reserved name, in any case, past the
// length filter that rules out most names before they are compared.
func TestReservedField(t *testing.T) {
	t.Parallel()
	for _, r := range reservedFields {
		for _, variant := range []string{r.name, strings.ToUpper(r.name), strings.ToUpper(r.name[:1]) + r.name[1:]} {
			why, reserved := reservedField(variant)
			assert.True(t, reserved, "%s is reserved", variant)
			assert.Equal(t, r.why, why, "%s says why it is reserved", variant)
		}
	}
	for _, name := range signerFields {
		_, reserved := reservedField(name)
		assert.True(t, reserved, "%s, which the signer sets, is reserved", name)
	}
	for _, name := range []string{"acl", "x-amz-meta-user", "keys", "Content-Type", "success_action_status", strings.Repeat("k", 70)} {
		_, reserved := reservedField(name)
		assert.False(t, reserved, "%s is not reserved", name)
	}
}

// TestSortFields checks that fields come out ordered by name ignoring case,
// with both the insertion sort of small forms and the library sort of
// large ones.
func TestSortFields(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 3, 12, 13, 40} {
		fields := make([]formField, n)
		for i := range fields {
			// Names in an order that is neither sorted nor reversed, in
			// mixed case.
			name := fmt.Sprintf("x-amz-meta-%02d", (i*7)%n)
			if i%2 == 1 {
				name = strings.ToUpper(name)
			}
			fields[i] = formField{name: name, value: name}
		}
		sortFields(fields)
		for i := 1; i < n; i++ {
			assert.Negative(t, compareFold(fields[i-1].name, fields[i].name), "n=%d: %s before %s", n, fields[i-1].name, fields[i].name)
		}
	}

	// Names equal but for case (which checkFields then refuses) come out
	// in one order whatever their order in, so that the error names the
	// same field every time.
	for _, in := range [][]string{{"acl", "ACL", "Acl"}, {"Acl", "acl", "ACL"}, {"ACL", "Acl", "acl"}} {
		fields := make([]formField, len(in))
		for i, name := range in {
			fields[i] = formField{name: name}
		}
		sortFields(fields)
		assert.Equal(t, []string{"ACL", "Acl", "acl"}, []string{fields[0].name, fields[1].name, fields[2].name}, "from %v", in)
	}
}

// TestCheckFieldsReportsTheSameField checks that with several bad fields the
// error names the same one every time, whatever the map's order.
func TestCheckFieldsReportsTheSameField(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"b d": "x", "a c": "x", "Policy": "x", "x-amz-meta-ok": "\xff", "acl": "private"}
	_, first := checkFields(nil, fields)
	assert.ErrorContains(t, first, `Fields["a c"]`)
	for range 50 {
		_, err := checkFields(nil, fields)
		assert.Equal(t, first.Error(), err.Error())
	}
}

// TestUserMetadata checks the rules that S3 applies to x-amz-meta-* fields,
// in PostInput.Fields and in conditions: a name after the prefix, made of
// HTTP token characters, and at most 2 KB of names (after the prefix) and
// values together.
func TestUserMetadata(t *testing.T) {
	t.Parallel()
	meta := func(fields ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(fields); i += 2 {
			m[fields[i]] = fields[i+1]
		}
		return m
	}
	tests := []struct {
		reason     string
		fields     map[string]string
		conditions []Condition
		want       error  // nil: accepted
		msg        string // a part of the message
	}{
		{reason: "a name after the prefix", fields: meta("x-amz-meta-user", "42")},
		{reason: "the prefix alone", fields: meta("x-amz-meta-", "42"), want: ErrInvalidField, msg: `Fields["x-amz-meta-"]: the metadata name after "x-amz-meta-" is empty`},
		{reason: "the prefix alone, in capitals", fields: meta("X-Amz-Meta-", "42"), want: ErrInvalidField, msg: "is empty"},
		{reason: "a condition on the prefix alone", conditions: []Condition{StartsWith("x-amz-meta-", "")}, want: ErrInvalidCondition, msg: "Conditions[0]"},
		{reason: "an exact match on the prefix alone", conditions: []Condition{Eq("$X-AMZ-META-", "v")}, want: ErrInvalidCondition, msg: "is empty"},
		{reason: "a name with a space", fields: meta("x-amz-meta-a b", "1"), want: ErrInvalidField, msg: "contains"},
		{reason: "a name with a colon", conditions: []Condition{StartsWith("x-amz-meta-a:b", "")}, want: ErrInvalidCondition, msg: "contains"},
		{reason: "a name with every token character", fields: meta("x-amz-meta-!#$%&'*+-.^_`|~09az", "1")},
		{reason: "exactly 2048 bytes", fields: meta("x-amz-meta-ab", strings.Repeat("v", 2046))},
		{reason: "2049 bytes in one field", fields: meta("x-amz-meta-ab", strings.Repeat("v", 2047)), want: ErrInvalidField,
			msg: `the x-amz-meta-* fields hold 2049 bytes of user metadata (names after "x-amz-meta-" and values); S3 takes at most 2048: shorten or drop some, the largest being Fields["x-amz-meta-ab"] (2049 bytes)`},
		{reason: "2049 bytes over three fields", fields: meta("x-amz-meta-a", strings.Repeat("v", 1000), "X-Amz-Meta-B", strings.Repeat("v", 1000), "x-amz-meta-c", strings.Repeat("v", 46)),
			want: ErrInvalidField, msg: "2049 bytes of user metadata"},
		{reason: "other fields do not count", fields: meta("x-amz-meta-a", strings.Repeat("v", 2047), "Content-Disposition", strings.Repeat("v", 3000))},
		{reason: "${filename} is not counted: S3 counts the file name it puts there, which may be short",
			fields: meta("x-amz-meta-a", strings.Repeat("v", 2047)+filenameVariable)},
		{reason: "the text around ${filename} is counted",
			fields: meta("x-amz-meta-a", strings.Repeat("v", 1024)+filenameVariable+strings.Repeat("v", 1024)), want: ErrInvalidField, msg: "2049 bytes"},
		{reason: "a value that a condition allows is counted too", fields: meta("x-amz-meta-a", strings.Repeat("v", 2048)),
			conditions: []Condition{StartsWith("x-amz-meta-a", "")}, want: ErrInvalidField, msg: "2049 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			in := PostInput{Bucket: "example-bucket", Key: "k", Fields: tc.fields, Conditions: tc.conditions}
			post, err := testPresigner().PresignPost(context.Background(), in)
			if tc.want == nil {
				require.NoError(t, err)
				require.NotNil(t, post)
				return
			}
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}

	_, err := ParseConditions([]byte(`[["starts-with", "$x-amz-meta-", ""]]`))
	require.ErrorIs(t, err, ErrInvalidCondition, "ParseConditions refuses the prefix alone")
	assert.Contains(t, err.Error(), "is empty")
}

// TestFilenameConditions checks which conditions a value holding
// ${filename} can meet. S3 replaces every ${filename}, in every field, with
// the file's name after its last '/' or '\', so the text it puts there never
// holds either; a condition met only by a name with one is refused.
func TestFilenameConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason    string
		key       string
		fields    map[string]string
		condition Condition
		ok        bool
	}{
		{"a file name", "uploads/${filename}", nil, Eq("key", "uploads/b.txt"), true},
		{"a file name with a directory", "uploads/${filename}", nil, Eq("key", "uploads/a/b.txt"), false},
		{"a file name with a Windows directory", "uploads/${filename}", nil, Eq("key", `uploads/a\b.txt`), false},
		{"another directory", "uploads/${filename}", nil, Eq("key", "other/b.txt"), false},
		{"an empty file name", "uploads/${filename}", nil, Eq("key", "uploads/"), true},
		{"the directory", "uploads/${filename}", nil, StartsWith("key", "uploads/"), true},
		{"part of the directory", "uploads/${filename}", nil, StartsWith("key", "upl"), true},
		{"the start of a file name", "uploads/${filename}", nil, StartsWith("key", "uploads/a"), true},
		{"a subdirectory", "uploads/${filename}", nil, StartsWith("key", "uploads/a/"), false},
		{"a Windows subdirectory", "uploads/${filename}", nil, StartsWith("key", `uploads/a\`), false},
		{"text after the name: its start", "uploads/${filename}/original", nil, StartsWith("key", "uploads/a/o"), true},
		{"text after the name: all of it", "uploads/${filename}/original", nil, StartsWith("key", "uploads/a/original"), true},
		{"text after the name: more than all of it", "uploads/${filename}/original", nil, StartsWith("key", "uploads/a/original/"), false},
		{"text after the name: another text", "uploads/${filename}/original", nil, StartsWith("key", "uploads/a/x"), false},
		{"text after the name: a subdirectory", "uploads/${filename}/original", nil, StartsWith("key", "uploads/a/b/"), false},
		{"text after the name: exactly", "uploads/${filename}/original", nil, Eq("key", "uploads/a/original"), true},
		{"text after the name: a name with a directory", "uploads/${filename}/original", nil, Eq("key", "uploads/a/b/original"), false},
		{"a name that holds the text after it", "uploads/${filename}/o", nil, Eq("key", "uploads/a/o/o"), false},
		{"twice: the same name", "${filename}-${filename}", nil, Eq("key", "a-a"), true},
		{"twice: two names", "${filename}-${filename}", nil, Eq("key", "a-b"), false},
		{"twice: a name with a '-'", "${filename}-${filename}", nil, Eq("key", "a-b-a-b"), true},
		{"twice: a name with a directory", "${filename}-${filename}", nil, Eq("key", "a/b-a/b"), false},
		{"twice: the start of the second", "${filename}-${filename}", nil, StartsWith("key", "ab-a"), true},
		{"twice: a name that is all of the prefix", "${filename}-${filename}", nil, StartsWith("key", "ab-b"), true},
		{"twice: another second", "${filename}-${filename}", nil, StartsWith("key", "ab-b/"), false},
		{"past the end", "${filename}.txt", nil, StartsWith("key", "a.txt/"), false},
		{"up to the end", "${filename}.txt", nil, StartsWith("key", "a.txt"), true},
		{"twice: a '-' in the name", "${filename}-${filename}", nil, StartsWith("key", "a-b-a-b"), true},
		{"twice: a directory", "${filename}-${filename}", nil, StartsWith("key", "a/"), false},
		{"another field: a content type holds '/', which no file name does", "k", map[string]string{"Content-Type": "${filename}"}, Eq("Content-Type", "image/png"), false},
		{"another field: a prefix with '/'", "k", map[string]string{"Content-Type": "${filename}"}, StartsWith("Content-Type", "image/"), false},
		{"another field: a prefix without '/'", "k", map[string]string{"Content-Type": "${filename}"}, StartsWith("Content-Type", "image"), true},
		{"another field: a file name", "k", map[string]string{"Content-Type": "${filename}"}, Eq("content-type", "photo.png"), true},
		{"another field: the type before the name", "k", map[string]string{"Content-Type": "image/${filename}"}, Eq("Content-Type", "image/svg+xml"), true},
		{"another field: a subtype with '/'", "k", map[string]string{"Content-Type": "image/${filename}"}, Eq("Content-Type", "image/a/b"), false},
		{"a literal ${filename} in a condition is text like any other", "uploads/${filename}", nil, Eq("key", "uploads/${filename}"), true},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			in := PostInput{Bucket: "example-bucket", Key: tc.key, Fields: tc.fields, Conditions: []Condition{tc.condition}}
			_, err := testPresigner().PresignPost(context.Background(), in)
			if tc.ok {
				require.NoError(t, err, "%s meets %s", tc.key, conditionText(tc.condition))
				return
			}
			require.ErrorIs(t, err, ErrUnsatisfiable)
			assert.Contains(t, err.Error(), "Conditions[0]: ")
			assert.Contains(t, err.Error(), "whatever file name S3 puts in place of ${filename} (the name after its last '/' or '\\')")
		})
	}
}

// TestTemplateCanMeetBruteForce compares templateCanMeet with a search over
// file names: for short values and conditions over a small alphabet, a
// condition can be met when some file name, put in place of ${filename} as
// the Verifier does, meets it. The names tried are every text of up to the
// condition's length over the letters of the values, which holds a witness
// whenever there is one.
func TestTemplateCanMeetBruteForce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 3))
	text := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	var names []string // every text of up to 5 letters over "ab-"
	for n, level := 0, []string{""}; n <= 5; n++ {
		names = append(names, level...)
		var next []string
		for _, s := range level {
			for _, c := range "ab-" {
				next = append(next, s+string(c))
			}
		}
		level = next
	}
	for range 2000 {
		value := text("a/-", r.IntN(3))
		for range 1 + r.IntN(2) {
			value += filenameVariable + text("a/-", r.IntN(3))
		}
		want := text("ab/-", r.IntN(5))
		for _, c := range []Condition{Eq("f", want), StartsWith("f", want)} {
			_, exact := c.(eqCondition)
			found, witness := false, ""
			for _, name := range names {
				substituted := substituteFilename(value, "dir/"+name)
				if substituted == want || !exact && strings.HasPrefix(substituted, want) {
					found, witness = true, name
					break
				}
			}
			assert.Equal(t, found, templateCanMeet(value, c), "%q meets %s: witness %q", value, conditionText(c), witness)
		}
	}
}
