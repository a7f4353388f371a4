package s3post

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReservedField checks every reserved name, in any case, against the
// length filter that rules out most names before they are compared.
func TestReservedField(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"key", "bucket", "file", "policy", "x-amz-signature", "x-amz-algorithm",
		"x-amz-credential", "x-amz-date", "x-amz-security-token", "signature", "awsaccesskeyid",
	} {
		for _, variant := range []string{name, strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]} {
			why, reserved := reservedField(variant)
			assert.True(t, reserved, "%s is reserved", variant)
			assert.NotEmpty(t, why, "%s says why it is reserved", variant)
		}
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
