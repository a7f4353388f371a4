package s3post

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFilenameLength is the most bytes that SafeFilename returns, the limit
// of most file systems on a name.
const maxFilenameLength = 255

// maxKeptExtension is the longest extension, dot included, that
// SafeFilename keeps when it shortens a name.
const maxKeptExtension = 16

// SafeFilename turns a file name that a browser proposes into a segment
// that a presign endpoint can put at the end of a key it chose itself, such
// as "uploads/<unique prefix>/" + SafeFilename(name). The proposed name is
// the client's claim; SafeFilename keeps what is after its last '/' or '\',
// drops control and format characters (such as bidi overrides) and bytes
// that are not UTF-8, turns '$' into '_' (so that S3 never reads
// "${filename}" in the key), drops dots and spaces at both ends (no hidden
// files, no "." or ".."), and cuts what is left to at most 255 bytes at a character
// boundary, keeping an extension of up to 16 bytes. When nothing is left it
// returns "file". It is idempotent and keeps a name that is already safe as
// it is.
//
// SafeFilename does not make keys unique: the endpoint adds the unique
// prefix, and decides which names and types it takes.
func SafeFilename(name string) string {
	if i := strings.LastIndexAny(strings.TrimRight(name, `/\`), `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1, r == '/', r == '\\',
			unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		case r == '$':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := trimName(b.String())
	if len(s) > maxFilenameLength {
		ext := ""
		if dot := strings.LastIndexByte(s, '.'); dot > 0 && len(s)-dot <= maxKeptExtension {
			ext = s[dot:]
		}
		s = trimName(cutRunes(s[:len(s)-len(ext)], maxFilenameLength-len(ext)) + ext)
	}
	if s == "" {
		return "file"
	}
	return s
}

// trimName drops dots and spaces at both ends of a name.
func trimName(s string) string { return strings.TrimFunc(s, isDotOrSpace) }

func isDotOrSpace(r rune) bool { return r == '.' || unicode.IsSpace(r) }

// cutRunes returns the longest prefix of s of at most n bytes that ends at a
// character boundary.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
