package s3post

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConditionJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		c      Condition
		want   string
	}{
		{"exact match as an object", Eq("acl", "public-read"), `{"acl": "public-read"}`},
		{"the $ is optional", Eq("$acl", "private"), `{"acl": "private"}`},
		{"prefix", StartsWith("key", "uploads/"), `["starts-with", "$key", "uploads/"]`},
		{"$ written by the caller is not doubled", StartsWith("$Content-Type", "image/"), `["starts-with", "$Content-Type", "image/"]`},
		{"empty prefix is kept: any value", StartsWith("x-amz-meta-tag", ""), `["starts-with", "$x-amz-meta-tag", ""]`},
		{"size range", ContentLengthRange(1, 10485760), `["content-length-range", 1, 10485760]`},
		{"quotes cannot end the string", Eq("x-amz-meta-a", `"}, {"acl": "public-read`), `{"x-amz-meta-a": "\"}, {\"acl\": \"public-read"}`},
		{"non-ASCII escaped as json.dumps does", Eq("x-amz-meta-a", "é😀\x7f"), `{"x-amz-meta-a": "\u00e9\ud83d\ude00\u007f"}`},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tc.c)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
			direct, err := tc.c.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(direct), "policy bytes are laid out as json.dumps lays them out")
		})
	}
}

func TestParseConditions(t *testing.T) {
	t.Parallel()
	got, err := ParseConditions([]byte(`[
		{"acl": "public-read"},
		["eq", "$success_action_status", "201"],
		["EQ", "x-amz-meta-a", "b"],
		["starts-with", "$key", "uploads/"],
		["Starts-With", "$Content-Type", ""],
		["content-length-range", 2, 5]
	]`))
	require.NoError(t, err)
	assert.Equal(t, []Condition{
		Eq("acl", "public-read"),
		Eq("success_action_status", "201"),
		Eq("x-amz-meta-a", "b"),
		StartsWith("key", "uploads/"),
		StartsWith("Content-Type", ""),
		ContentLengthRange(2, 5),
	}, got)

	empty, err := ParseConditions([]byte(`[]`))
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestParseConditionsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason, in, msg string
	}{
		{"not JSON", `[`, "JSON array"},
		{"not an array", `{"acl": "x"}`, "JSON array"},
		{"null", `null`, "got null"},
		{"trailing data", `[] []`, "after the JSON array"},
		{"multi-key object", `[{"acl": "x", "key": "y"}]`, "exactly one field"},
		{"empty object", `[{}]`, "exactly one field"},
		{"non-string value", `[{"success_action_status": 201}]`, "JSON string"},
		{"a bare string", `["acl"]`, "a condition is an object"},
		{"two elements", `[["starts-with", "$key"]]`, "three elements"},
		{"unknown operator", `[["ends-with", "$key", "x"]]`, `unknown operator "ends-with"`},
		{"operator not a string", `[[1, "$key", "x"]]`, "operator string"},
		{"starts-with value not a string", `[["starts-with", "$key", 5]]`, "takes a field name and a string"},
		{"float size", `[["content-length-range", 1.5, 10]]`, "whole number"},
		{"exponent size", `[["content-length-range", 1, 1e3]]`, "whole number"},
		{"string size", `[["content-length-range", "1", 10]]`, "whole number"},
		{"negative size", `[["content-length-range", -1, 10]]`, "negative"},
		{"min above max", `[["content-length-range", 10, 1]]`, "above its maximum"},
		{"size over int64", `[["content-length-range", 1, 99999999999999999999]]`, "whole number"},
		{"empty field name", `[["eq", "$", "x"]]`, "empty"},
		{"signer's field", `[{"x-amz-credential": "x"}]`, "signer"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConditions([]byte(tc.in))
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, ErrInvalidCondition)
			assert.True(t, strings.HasPrefix(err.Error(), "s3post: ParseConditions"), err.Error())
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

// FuzzParseConditions checks that ParseConditions never panics, and that what
// it accepts marshals back to JSON that it parses to the same conditions.
func FuzzParseConditions(f *testing.F) {
	for _, seed := range []string{
		`[{"acl": "public-read"}, ["starts-with", "$key", ""], ["content-length-range", 0, 9223372036854775807]]`,
		`[["eq", "$a", "\u0000\ud83d\ude00"]]`,
		`[{"a": "b", "c": "d"}]`,
		`[["content-length-range", 1.0, 2]]`,
		`[[], {}, null, 1]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		conds, err := ParseConditions(data)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidCondition)
			return
		}
		parts := make([]string, len(conds))
		for i, c := range conds {
			b, err := json.Marshal(c)
			require.NoError(t, err)
			parts[i] = string(b)
		}
		again, err := ParseConditions([]byte("[" + strings.Join(parts, ", ") + "]"))
		require.NoError(t, err)
		require.Equal(t, conds, again)
	})
}

// FuzzPolicyNoInjection checks that whatever strings go into the key, a
// field and the conditions, the signed policy is JSON that decodes to exactly
// the conditions asked for: user data can never add or change a condition.
func FuzzPolicyNoInjection(f *testing.F) {
	f.Add("uploads/${filename}", "x-amz-meta-a", `"}, {"acl": "public-read"}, {"x": "`, "Content-Type", "image/")
	f.Add("k\\", "acl", "\\\"", "key", "k")
	f.Add("\x00\x1f\x7f\u2028é😀", "x-amz-meta-b", "\ufffd", "x-amz-meta-c", "")
	f.Fuzz(func(t *testing.T, key, field, value, condField, prefix string) {
		in := PostInput{
			Bucket:     "example-bucket",
			Key:        key,
			Fields:     map[string]string{field: value},
			Conditions: []Condition{StartsWith(condField, prefix)},
		}
		post, err := testPresigner().PresignPost(context.Background(), in)
		if err != nil {
			var ie *InputError
			require.ErrorAs(t, err, &ie, "every rejection is an InputError")
			return
		}
		require.True(t, utf8.ValidString(key) && utf8.ValidString(value) && utf8.ValidString(prefix))
		raw, err := base64.StdEncoding.DecodeString(post.Fields["policy"])
		require.NoError(t, err)
		var pol struct {
			Conditions []json.RawMessage `json:"conditions"`
		}
		require.NoError(t, json.Unmarshal(raw, &pol), "policy is not JSON: %q", raw)

		var decoded []any
		for _, c := range pol.Conditions {
			var v any
			require.NoError(t, json.Unmarshal(c, &v))
			decoded = append(decoded, v)
		}
		want := []any{[]any{"starts-with", "$" + strings.TrimPrefix(condField, "$"), prefix}}
		lowerField, lowerCond := strings.ToLower(field), strings.ToLower(strings.TrimPrefix(condField, "$"))
		if lowerField != lowerCond {
			want = append(want, decodedFieldCondition(field, value))
		}
		want = append(want, map[string]any{"bucket": "example-bucket"})
		if lowerCond != "key" {
			want = append(want, decodedFieldCondition("key", key))
		}
		require.Equal(t, want, decoded[:len(want)])
		require.Len(t, decoded, len(want)+3, "only the three signer conditions follow")
	})
}

func decodedFieldCondition(name, value string) any {
	if before, _, ok := strings.Cut(value, "${filename}"); ok {
		return []any{"starts-with", "$" + name, before}
	}
	return map[string]any{name: value}
}
