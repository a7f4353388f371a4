package awsenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// jsonKeys decoded into a map, so a repeated key field kept only its last
// value: the first one, a secret, then went unredacted.
func TestJSONKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reason, body string
		want               []string
	}{
		{name: "flat", reason: "the key fields' values, not others", body: `{"AccessKeyId":"a","SecretAccessKey":"s","Token":"t","Code":"c","Message":"m"}`,
			want: []string{"a", "s", "t"}},
		{name: "repeated", reason: "every value of a repeated key field", body: `{"SecretAccessKey":"first","SecretAccessKey":"second","Code":"first"}`,
			want: []string{"first", "second"}},
		{name: "nested", reason: "key fields at any depth, and everything under them", body: `{"Credentials":{"SessionToken":"t","x":[{"token":["u",{"y":"v"}]}]},"n":1}`,
			want: []string{"t", "u", "v"}},
		{name: "names are not values", reason: "a field named like a key field inside a key field is a name, its value is a key", body: `{"Token":{"Token":"inner"}}`,
			want: []string{"inner"}},
		{name: "malformed", reason: "what was read before the error still counts", body: `{"SecretAccessKey":"s","Code":`,
			want: []string{"s"}},
		{name: "not JSON", reason: "no keys", body: `<html>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, jsonKeys([]byte(tc.body)), tc.reason)
		})
	}
}
