package s3post

import (
	"context"
	"fmt"
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
