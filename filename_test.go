package s3post_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/s3post/s3post"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSafeFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 300)
	cases := []struct {
		reason, in, want string
	}{
		{"a plain name is kept", "photo.png", "photo.png"},
		{"spaces and Unicode letters are kept", "Été 2026 – plage.JPG", "Été 2026 – plage.JPG"},
		{"a Unix path keeps its last element", "../../etc/passwd", "passwd"},
		{"a Windows path keeps its last element", `C:\fakepath\report.pdf`, "report.pdf"},
		{"a name ending in a slash keeps what is before it", "dir/name/", "name"},
		{"control characters are dropped", "a\x00b\nc\r\td\x7fe\u0085f.txt", "abcdef.txt"},
		{"bidi overrides are dropped, so the extension shown is the real one", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"invalid UTF-8 is dropped", "ab\xffc\xc3.txt", "abc.txt"},
		{"$ becomes _, so S3 never reads ${filename} in a concrete key", "${filename}.png", "_{filename}.png"},
		{"leading dots are dropped: no hidden files, no . or ..", "..hidden", "hidden"},
		{"trailing dots and spaces are dropped", "  name. . ", "name"},
		{"nothing left gives file", "..", "file"},
		{"an empty name gives file", "", "file"},
		{"only controls give file", "\x01\x02", "file"},
		{"a long name is cut to 255 bytes, keeping its extension", long + ".png", strings.Repeat("a", 251) + ".png"},
		{"a long name without extension is cut to 255 bytes", long, strings.Repeat("a", 255)},
		{"a cut never splits a rune", strings.Repeat("é", 200) + ".txt", strings.Repeat("é", 125) + ".txt"},
		{"a long extension is cut with the rest", "a." + long, "a." + strings.Repeat("a", 253)},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, s3post.SafeFilename(tc.in), tc.reason)
		})
	}
}

// FuzzSafeFilename checks SafeFilename's promises on any input: a non-empty
// UTF-8 segment of at most 255 bytes, without separators, controls, '$',
// or dots and spaces at its ends; idempotent; names already safe are kept;
// and a key ending in it is signed as the exact key.
func FuzzSafeFilename(f *testing.F) {
	for _, s := range []string{"photo.png", "../x", `a\b`, "${filename}", "\u202e", "\xff", "..", " . ", strings.Repeat("é", 200) + ".txt"} {
		f.Add(s)
	}
	p := &s3post.Presigner{
		Credentials: s3post.StaticCredentials("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		Region:      "us-east-1",
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := s3post.SafeFilename(in)
		require.NotEmpty(t, out)
		require.LessOrEqual(t, len(out), 255)
		require.True(t, utf8.ValidString(out), "%q", out)
		require.False(t, strings.ContainsAny(out, `/\$`), "%q", out)
		for _, r := range out {
			require.False(t, unicode.IsControl(r) || unicode.Is(unicode.Cf, r), "%q holds %U", out, r)
		}
		require.False(t, strings.HasPrefix(out, "."), "%q", out)
		require.False(t, strings.HasSuffix(out, "."), "%q", out)
		require.Equal(t, strings.TrimSpace(out), out)
		require.Equal(t, out, s3post.SafeFilename(out), "idempotent")
		if utf8.ValidString(in) && len(in) <= 255 && in == strings.TrimSpace(in) && !strings.ContainsAny(in, `/\$`) &&
			in != "" && in[0] != '.' && in[len(in)-1] != '.' && strings.IndexFunc(in, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) < 0 {
			require.Equal(t, in, out, "a safe name is kept")
		}
		post, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "example-bucket", Key: "uploads/" + out})
		require.NoError(t, err)
		require.Equal(t, "uploads/"+out, post.Fields["key"])
		policy, err := base64.StdEncoding.DecodeString(post.Fields["policy"])
		require.NoError(t, err)
		require.NotContains(t, string(policy), `"$key"`, "the key is signed exactly, not as a prefix")
	})
}
