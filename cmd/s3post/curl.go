package main

import (
	"sort"
	"strings"

	"github.com/s3post/s3post"
)

// curlFilePlaceholder stands for the file to upload in the curl command.
const curlFilePlaceholder = "FILE"

// curlCommand returns a POSIX shell command that uploads the file at path
// (curlFilePlaceholder when path is "") with the form using curl: one -F
// per field, sorted by name, then the file, which S3 needs last. A value
// that curl would read specially with -F (a leading '@', '<' or '"', or a
// ';' that could start ";type=") is passed with --form-string, which curl
// takes literally.
func curlCommand(post *s3post.PresignedPost, path string) string {
	names := make([]string, 0, len(post.Fields))
	for name := range post.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("curl -i")
	for _, name := range names {
		value := post.Fields[name]
		opt := "-F"
		if !curlPlain(value) {
			opt = "--form-string"
		}
		b.WriteString(" \\\n  " + opt + " " + shellQuote(name+"="+value))
	}
	if path == "" {
		path = curlFilePlaceholder
	}
	b.WriteString(" \\\n  -F " + shellQuote("file=@"+curlPath(path)))
	b.WriteString(" \\\n  " + shellQuote(post.URL) + "\n")
	return b.String()
}

// curlPath returns path as curl -F reads a file name after '@': in double
// quotes, with '"' and '\\' escaped, when it holds a character that curl
// would read otherwise (';' starts ";type=", ',' separates files).
func curlPath(path string) string {
	if !strings.ContainsAny(path, `;,"\`) && strings.TrimSpace(path) == path {
		return path
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(path) + `"`
}

// curlPlain reports whether curl -F name=value sends value as it is.
func curlPlain(value string) bool {
	return !strings.HasPrefix(value, "@") && !strings.HasPrefix(value, "<") &&
		!strings.HasPrefix(value, `"`) && !strings.Contains(value, ";")
}

// shellQuote quotes s for a POSIX shell: as it is when it holds only
// characters that no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
