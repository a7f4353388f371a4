package s3post

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
