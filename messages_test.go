package s3post

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorMessagesNameTheCharacter checks that a message about a bad
// character shows the character, not one of its bytes as a character, and
// an invalid UTF-8 byte as a byte with its offset.
func TestErrorMessagesNameTheCharacter(t *testing.T) {
	t.Parallel()
	valid := PostInput{Bucket: "example-bucket", Key: "k"}
	with := func(f func(*PostInput)) PostInput {
		in := valid
		f(&in)
		return in
	}
	region := func(r string) *Presigner {
		p := testPresigner()
		p.Region = r
		return p
	}
	tests := []struct {
		reason string
		p      *Presigner
		in     PostInput
		want   string
	}{
		{"a bucket with a non-ASCII letter", testPresigner(), with(func(in *PostInput) { in.Bucket = "abç" }),
			`s3post: Bucket: "abç" contains "ç" (U+00E7) at offset 2; bucket names use lowercase letters, digits, '.' and '-'`},
		{"a bucket with an ASCII character", testPresigner(), with(func(in *PostInput) { in.Bucket = "a/b" }), `"a/b" contains "/" at offset 1;`},
		{"a bucket with a control character", testPresigner(), with(func(in *PostInput) { in.Bucket = "a\nb" }), `"a\nb" contains "\n" (U+000A) at offset 1;`},
		{"a bucket with an invalid UTF-8 byte", testPresigner(), with(func(in *PostInput) { in.Bucket = "ab\xc3" }), `"ab\xc3" contains an invalid UTF-8 byte 0xC3 at offset 2;`},
		{"a field name with a non-ASCII letter", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"x-amz-meta-ünit": "1"} }),
			`s3post: Fields["x-amz-meta-ünit"]: the field name contains "ü" (U+00FC) at offset 11; use letters, digits, '-' and '_'`},
		{"a field name with an emoji", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"a😀": "1"} }), `contains "😀" (U+1F600) at offset 1`},
		{"a field name with an invalid UTF-8 byte", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"a\xff": "1"} }),
			`Fields["a\xff"]: the field name contains an invalid UTF-8 byte 0xFF at offset 1`},
		{"a condition's field name", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{StartsWith("é", "")} }),
			`s3post: Conditions[0]: the field name contains "é" (U+00E9) at offset 0`},
		{"a field value with an invalid UTF-8 byte", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"acl": "pri\xe9vate"} }),
			`s3post: Fields["acl"]: the value is not valid UTF-8: an invalid UTF-8 byte 0xE9 at offset 3`},
		{"a key with an invalid UTF-8 byte", testPresigner(), with(func(in *PostInput) { in.Key = "uploads/\xc3(" }),
			`s3post: Key: the key is not valid UTF-8: an invalid UTF-8 byte 0xC3 at offset 8`},
		{"a condition value with an invalid UTF-8 byte", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{Eq("acl", "\x80")} }),
			`s3post: Conditions[0]: the value for "acl" is not valid UTF-8: an invalid UTF-8 byte 0x80 at offset 0`},
		{"a region with a non-ASCII letter", region("eu-zentral-ä"), valid,
			`s3post: Presigner.Region: "eu-zentral-ä" contains "ä" (U+00E4) at offset 11; a region is made of letters, digits, '-', '_' and '.'`},
		{"a region with a space", region("eu central"), valid, `"eu central" contains " " at offset 2;`},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			_, err := tc.p.PresignPost(context.Background(), tc.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, utf8.ValidString(err.Error()) || strings.Contains(tc.want, `\x`), "%q", err)
		})
	}

	_, err := ParseConditions([]byte(`[["starts-with", "$naïve", ""]]`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `s3post: ParseConditions[0]: the field name contains "ï" (U+00EF) at offset 2`)
}

// TestErrorMessagesAbbreviateHugeInputs feeds inputs of a mebibyte and
// checks that every message stays short, valid UTF-8, and says how long the
// input was where it quotes it.
func TestErrorMessagesAbbreviateHugeInputs(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	huge := strings.Repeat("a", mib)
	hugeUnicode := strings.Repeat("é", mib/2) // cut anywhere, it could split a character
	valid := PostInput{Bucket: "example-bucket", Key: "k"}
	with := func(f func(*PostInput)) PostInput {
		in := valid
		f(&in)
		return in
	}
	presigner := func(f func(*Presigner)) *Presigner {
		p := testPresigner()
		f(p)
		return p
	}
	tests := []struct {
		reason string
		p      *Presigner
		in     PostInput
		length bool // the message says the input's length
	}{
		{"a huge bucket", testPresigner(), with(func(in *PostInput) { in.Bucket = huge }), true},
		{"a huge bucket of non-ASCII letters", testPresigner(), with(func(in *PostInput) { in.Bucket = hugeUnicode[:200] }), true},
		{"a huge key", testPresigner(), with(func(in *PostInput) { in.Key = huge }), false},
		{"a huge field name", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{huge: "v"} }), true},
		{"a huge bad field name", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{hugeUnicode: "v"} }), true},
		{"a huge field value", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"acl": huge} }), false},
		{"a huge metadata value", testPresigner(), with(func(in *PostInput) { in.Fields = map[string]string{"x-amz-meta-" + huge: hugeUnicode} }), true},
		{"a long value that misses its condition", testPresigner(), with(func(in *PostInput) {
			in.Fields = map[string]string{"Content-Type": strings.Repeat("t", 8000)}
			in.Conditions = []Condition{StartsWith("Content-Type", "image/")}
		}), true},
		{"a long value that its long condition misses", testPresigner(), with(func(in *PostInput) {
			in.Fields = map[string]string{"Content-Type": "text/plain"}
			in.Conditions = []Condition{StartsWith("Content-Type", strings.Repeat("i", 8000))}
		}), true},
		{"two long conditions that exclude each other", testPresigner(), with(func(in *PostInput) {
			in.Conditions = []Condition{StartsWith("x-amz-meta-a", strings.Repeat("i", 4000)), StartsWith("x-amz-meta-a", strings.Repeat("j", 4000))}
		}), true},
		{"a huge condition field name", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{Eq(huge, "\xff")} }), true},
		{"a huge condition value", testPresigner(), with(func(in *PostInput) { in.Conditions = []Condition{Eq("acl", huge)} }), false},
		{"a huge region", presigner(func(p *Presigner) { p.Region = huge }), valid, true},
		{"a huge bad region", presigner(func(p *Presigner) { p.Region = hugeUnicode }), valid, true},
		{"a huge endpoint", presigner(func(p *Presigner) { p.Endpoint = "ftp://" + huge }), valid, true},
		{"a huge endpoint port", presigner(func(p *Presigner) { p.Endpoint = "http://host:" + strings.Repeat("9", mib) }), valid, true},
		{"a huge endpoint that is not a URL", presigner(func(p *Presigner) { p.Endpoint = "http://[" + huge }), valid, true},
		{"a huge bucket for accelerate", presigner(func(p *Presigner) { p.Region = "us-east-1"; p.UseAccelerate = true }),
			with(func(in *PostInput) { in.Bucket = "a." + strings.Repeat("b", 200) }), true},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			_, err := tc.p.PresignPost(context.Background(), tc.in)
			require.Error(t, err)
			checkShort(t, err, tc.length)
		})
	}

	parse := []string{
		`[["` + huge + `", "$key", "x"]]`,
		`[["eq", "$key", ` + strings.Repeat("1", mib) + `]]`,
		`[["content-length-range", "` + huge + `", 1]]`,
		`[["content-length-range", ` + strings.Repeat("9", mib) + `, 1]]`,
		`[{"` + huge + `": 1}]`,
		`["` + huge + `"]`,
		`[{"key": "` + hugeUnicode + `"}, 1]`,
	}
	for _, in := range parse {
		_, err := ParseConditions([]byte(in))
		require.Error(t, err)
		checkShort(t, err, false)
	}

	for _, policy := range []string{
		`{"expiration": "` + huge + `", "conditions": []}`,
		`{"expiration": "2026-11-25T15:30:15Z", "conditions": [["starts-with", "` + huge + `"]]}`,
	} {
		_, err := DecodePolicy(b64(policy))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 1200, "S3's messages quote up to 1 KiB: %.300s", err)
		assert.True(t, utf8.ValidString(err.Error()))
	}
}

func checkShort(t *testing.T, err error, length bool) {
	t.Helper()
	msg := err.Error()
	assert.Less(t, len(msg), 500, "the message has %d bytes: %.300s", len(msg), msg)
	assert.True(t, utf8.ValidString(msg), "the message is not valid UTF-8: %.300q", msg)
	if length {
		assert.True(t, regexp.MustCompile(`\.\.\." \([0-9]+ bytes\)`).MatchString(msg), "the message does not say how long the input is: %.300s", msg)
	}
	var ie *InputError
	if errors.As(err, &ie) {
		assert.Less(t, len(ie.Input), 200, "the input's name is short: %.300s", ie.Input)
	}
}

// TestVerifyMessagesAbbreviateHugeInputs checks that the Verifier's
// messages, which quote fields and conditions whole as S3's do, stay
// bounded for a submission with a mebibyte's name or value.
func TestVerifyMessagesAbbreviateHugeInputs(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("é", 1<<19)
	post := presignForTest(t, PostInput{Bucket: "example-bucket", Key: "k", Conditions: []Condition{StartsWith("Content-Type", "image/")}})
	for _, extra := range []map[string]string{
		{"x-amz-meta-" + huge: "1", "Content-Type": "image/png"},
		{"Content-Type": "text/" + huge},
	} {
		_, err := testVerifier().Verify(context.Background(), submission("example-bucket", post, extra, "a.png"))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 1200, "%.300s", err)
		assert.True(t, utf8.ValidString(err.Error()))
	}
	sub := submission("example-bucket", post, map[string]string{"Content-Type": "image/png"}, "a.png")
	sub.Fields = append(sub.Fields, Field{"X-Amz-Meta-" + huge, "1"}, Field{"x-amz-meta-" + huge, "2"})
	_, err := testVerifier().Verify(context.Background(), sub)
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 1200, "%.300s", err)
}

// TestQuote checks the quoting of inputs for messages: whole up to 100
// bytes, else a short, valid start and the length, whatever characters the
// input holds.
func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason, in, want string
	}{
		{"short", "abc", `"abc"`},
		{"100 bytes, whole", strings.Repeat("a", 100), `"` + strings.Repeat("a", 100) + `"`},
		{"101 bytes, cut", strings.Repeat("a", 101), `"` + strings.Repeat("a", 60) + `..." (101 bytes)`},
		{"cut before a character that the cut would split", strings.Repeat("a", 59) + strings.Repeat("é", 30), `"` + strings.Repeat("a", 59) + `..." (119 bytes)`},
		{"escapes make the quote longer: cut shorter", strings.Repeat("\x00", 200), `"` + strings.Repeat(`\x00`, 15) + `..." (200 bytes)`},
		{"four-byte characters", strings.Repeat("😀", 30), `"` + strings.Repeat("😀", 15) + `..." (120 bytes)`},
		{"invalid bytes", strings.Repeat("\xff", 101), `"` + strings.Repeat(`\xff`, 15) + `..." (101 bytes)`},
	}
	for _, tc := range tests {
		got := quote(tc.in)
		assert.Equal(t, tc.want, got, tc.reason)
		assert.True(t, utf8.ValidString(got), tc.reason)
		assert.LessOrEqual(t, len(got), 102, tc.reason)
	}
	assert.Equal(t, `"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9..." (200 bytes)`, jsonQuote(strings.Repeat("é", 100)), "JSON's quoting, as the policy holds it")
	assert.Equal(t, strings.Repeat("é", 30)+"... (200 bytes)", abbreviate(strings.Repeat("é", 100)))
}
