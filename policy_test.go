package s3post

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzAppendJSONString checks the hand-written JSON string encoder against
// encoding/json: whatever the string, the encoder writes one valid JSON
// string of printable ASCII, which encoding/json decodes to the same string
// as it decodes its own encoding of it (invalid UTF-8 becomes U+FFFD in
// both).
func FuzzAppendJSONString(f *testing.F) {
	for _, seed := range []string{
		"", "uploads/user-42/${filename}", `"`, `\`, `"}, {"acl": "public-read"}, {"x": "`,
		"\x00\x01\x1f\x7f", "\b\f\n\r\t", "é", "😀", "\u2028\u2029", "\ufffd", "\xff", "a\xc3", "\xed\xa0\x80",
		strings.Repeat("token", 200), "12345678\"2345678\\", "abcdefgh\x7fbcdefgh\x00", "ABCDEFGHIJKLMNOPé",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString([]byte("prefix:"), s)
		require.True(t, strings.HasPrefix(string(got), "prefix:"), "appends")
		got = got[len("prefix:"):]
		for _, c := range got {
			require.True(t, c >= 0x20 && c < 0x7f, "byte %#x in %q is not printable ASCII", c, got)
		}
		require.True(t, json.Valid(got), "not JSON: %q", got)
		var decoded string
		require.NoError(t, json.Unmarshal(got, &decoded))

		theirs, err := json.Marshal(s)
		require.NoError(t, err)
		var want string
		require.NoError(t, json.Unmarshal(theirs, &want))
		require.Equal(t, want, decoded)
	})
}

// TestJSONSafePrefix puts every byte value at every position of a string,
// and checks that the scan stops exactly at the bytes that need escaping.
func TestJSONSafePrefix(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		safe := c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'
		for pos := 0; pos < 19; pos++ {
			b := []byte(strings.Repeat("a", 19))
			b[pos] = byte(c)
			want := pos
			if safe {
				want = len(b)
			}
			if got := jsonSafePrefix(string(b)); got != want {
				t.Fatalf("byte %#x at %d: jsonSafePrefix = %d, want %d", c, pos, got, want)
			}
		}
	}
}

// TestEncodePolicy checks that the policy buffer can be reused: whatever it
// held and however small it was, the base64 is that of the document alone.
func TestEncodePolicy(t *testing.T) {
	t.Parallel()
	in, err := checkInput(&PostInput{
		Bucket: "example-bucket",
		Key:    "uploads/${filename}",
		Fields: map[string]string{"x-amz-meta-note": strings.Repeat(`"é"`, 300), "acl": "private"},
		Conditions: []Condition{
			ContentLengthRange(1, 10<<20),
			StartsWith("Content-Type", "image/"),
		},
	}, nil)
	require.NoError(t, err)
	signer := newSignerConditions("AKID/20261125/eu-central-1/s3/aws4_request", "token")
	var stamps stampCache
	expires := time.Date(2026, 11, 25, 15, 30, 15, 0, time.UTC)
	clock := stamps.get(time.Date(2026, 11, 25, 14, 30, 15, 0, time.UTC), expires)
	doc := appendPolicy(nil, &in, expires, clock, signer)
	require.True(t, json.Valid(doc), "%s", doc)

	for _, tc := range []struct {
		reason string
		buf    []byte
	}{
		{"no buffer", nil},
		{"a buffer too small", make([]byte, 0, 10)},
		{"a used buffer", []byte(strings.Repeat("stale", 1000))},
	} {
		grown, policy := encodePolicy(tc.buf, &in, expires, clock, signer)
		assert.Equal(t, base64.StdEncoding.EncodeToString(doc), string(policy), tc.reason)
		assert.Equal(t, &grown[len(grown)-1], &policy[len(policy)-1], "%s: the base64 is in the returned buffer", tc.reason)
	}
}

// TestAppendFieldCondition checks that the condition written for a field is
// byte for byte the one appendEq or appendStartsWith writes, on the plain
// path and on the escaping one.
func TestAppendFieldCondition(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"", "private", "201", `"quoted"`, "é", "uploads/${filename}", `"é"\${filename}.jpg`, "${filename}"} {
		want := appendEq(nil, "x-amz-meta-a", value)
		if prefix, _, templated := strings.Cut(value, "${filename}"); templated {
			want = appendStartsWith(nil, "x-amz-meta-a", prefix)
		}
		got := appendFieldCondition([]byte{}, "x-amz-meta-a", value, plainJSON(value))
		assert.Equal(t, string(want), string(got), "value %q", value)
	}
}
