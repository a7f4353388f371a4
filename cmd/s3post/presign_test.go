package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// form is the JSON that presign prints.
type form struct {
	URL     string            `json:"url"`
	Fields  map[string]string `json:"fields"`
	Expires time.Time         `json:"expires"`
}

// policyDoc is a decoded POST policy.
type policyDoc struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}

func decodeForm(t *testing.T, out string) form {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var f form
	require.NoError(t, dec.Decode(&f), "stdout: %s", out)
	return f
}

func decodePolicy(t *testing.T, encoded string) policyDoc {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err)
	var p policyDoc
	require.NoError(t, json.Unmarshal(raw, &p), "policy: %s", raw)
	return p
}

// presignArgs is a form with every kind of field and condition.
var presignArgs = []string{
	"presign", "-bucket", "my-bucket", "-key", "uploads/${filename}",
	"-expires", "15m", "-min-size", "1", "-max-size", "10MiB",
	"-content-type-prefix", "image/",
	"-field", "acl=private", "-field", "x-amz-meta-owner=ana",
	"-conditions", `[["starts-with", "$x-amz-meta-tag", ""], {"cache-control": "no-cache"}]`,
}

func TestPresignJSON(t *testing.T) {
	t.Parallel()
	before := time.Now().UTC().Truncate(time.Second)
	r := runCLI(t, credsEnv(t), "", presignArgs...)
	require.Equal(t, 0, r.code, "%v", r)
	assert.Empty(t, r.stderr)

	f := decodeForm(t, r.stdout)
	assert.Equal(t, "https://my-bucket.s3.eu-central-1.amazonaws.com/", f.URL)
	assert.WithinDuration(t, before.Add(15*time.Minute), f.Expires, 5*time.Second)
	assert.Equal(t, "uploads/${filename}", f.Fields["key"])
	assert.Equal(t, "private", f.Fields["acl"])
	assert.Equal(t, "ana", f.Fields["x-amz-meta-owner"])
	assert.Equal(t, "AWS4-HMAC-SHA256", f.Fields["x-amz-algorithm"])
	assert.Regexp(t, `^`+testAccessKey+`/\d{8}/eu-central-1/s3/aws4_request$`, f.Fields["x-amz-credential"])
	assert.Regexp(t, `^[0-9a-f]{64}$`, f.Fields["x-amz-signature"])

	p := decodePolicy(t, f.Fields["policy"])
	assert.Equal(t, f.Expires.Format(time.RFC3339), p.Expiration)
	for _, want := range []any{
		map[string]any{"bucket": "my-bucket"},
		[]any{"starts-with", "$key", "uploads/"},
		map[string]any{"acl": "private"},
		map[string]any{"x-amz-meta-owner": "ana"},
		[]any{"starts-with", "$Content-Type", "image/"},
		[]any{"content-length-range", float64(1), float64(10 << 20)},
		[]any{"starts-with", "$x-amz-meta-tag", ""},
		map[string]any{"cache-control": "no-cache"},
		map[string]any{"x-amz-credential": f.Fields["x-amz-credential"]},
	} {
		assert.Contains(t, p.Conditions, want)
	}
}

func TestPresignHTML(t *testing.T) {
	t.Parallel()
	r := runCLI(t, credsEnv(t), "", append(presignArgs, "-format", "html")...)
	require.Equal(t, 0, r.code, "%v", r)
	assert.True(t, strings.HasPrefix(r.stdout, `<form action="https://my-bucket.s3.eu-central-1.amazonaws.com/" method="post" enctype="multipart/form-data">`), r.stdout)
	for _, want := range []string{
		`<input type="hidden" name="key" value="uploads/${filename}">`,
		`<input type="hidden" name="acl" value="private">`,
		`<input type="hidden" name="policy" value="`,
		`<input type="file" name="file" accept="image/*" required>`,
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.Less(t, strings.Index(r.stdout, `name="x-amz-signature"`), strings.Index(r.stdout, `type="file"`), "the file input is not last")
	// The fields that the policy names but the form cannot carry by itself
	// are pointed out, on stderr.
	assert.Contains(t, r.stderr, `s3post: note: the policy wants a field "Content-Type" starting with "image/"`)
	assert.Contains(t, r.stderr, `s3post: note: the policy wants a field "x-amz-meta-tag" starting with ""`)
	assert.Contains(t, r.stderr, `s3post: note: the policy wants a field "cache-control" equal to "no-cache"`)
}

func TestPresignCurl(t *testing.T) {
	t.Parallel()
	tricky := `it's @me; "quoted" $HOME` + "`id`"
	r := runCLI(t, credsEnv(t), "", "presign", "-bucket", "my-bucket", "-key", "uploads/${filename}",
		"-field", "x-amz-meta-note="+tricky, "-field", "acl=private", "-format", "curl")
	require.Equal(t, 0, r.code, "%v", r)
	assert.Empty(t, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 11, r.stdout)
	assert.Equal(t, `curl -i \`, lines[0])
	assert.Equal(t, `  -F 'key=uploads/${filename}' \`, lines[2])
	assert.Equal(t, `  -F file=@FILE \`, lines[9])
	assert.Equal(t, `  https://my-bucket.s3.eu-central-1.amazonaws.com/`, lines[10])

	if runtime.GOOS == "windows" {
		t.Skip("no POSIX shell to run the command with")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// Run the command with a curl that prints its arguments, to see what
	// the shell hands to curl.
	dir := t.TempDir()
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "curl"), []byte(fake), 0o755))
	cmd := exec.Command(sh, "-c", r.stdout)
	cmd.Env = []string{"PATH=" + dir, "HOME=/nonexistent"}
	out, err := cmd.Output()
	require.NoError(t, err)
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	require.Len(t, args, 1+2*9+1, "%q", args)
	assert.Equal(t, "-i", args[0])
	var names []string
	fields := map[string]string{}
	for i := 1; i < len(args)-1; i += 2 {
		name, value, ok := strings.Cut(args[i+1], "=")
		require.True(t, ok, args[i+1])
		names = append(names, name)
		fields[name] = value
		if name == "x-amz-meta-note" {
			assert.Equal(t, "--form-string", args[i], "a value with ';' and '@' must be passed literally")
		} else {
			assert.Equal(t, "-F", args[i])
		}
	}
	assert.Equal(t, []string{"acl", "key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-meta-note", "x-amz-signature", "file"}, names)
	assert.Equal(t, tricky, fields["x-amz-meta-note"])
	assert.Equal(t, "uploads/${filename}", fields["key"])
	assert.Equal(t, "@FILE", fields["file"])
	assert.Equal(t, "https://my-bucket.s3.eu-central-1.amazonaws.com/", args[len(args)-1])
	assert.Contains(t, decodePolicy(t, fields["policy"]).Conditions, map[string]any{"x-amz-meta-note": tricky})
}

func TestPresignRegionAndEndpoint(t *testing.T) {
	t.Parallel()
	base := []string{"presign", "-bucket", "my-bucket", "-key", "k"}
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		wantURL string
	}{
		{"flag", nil, []string{"-region", "ap-south-1"}, "https://my-bucket.s3.ap-south-1.amazonaws.com/"},
		{"AWS_REGION", []string{"AWS_REGION=eu-west-3"}, nil, "https://my-bucket.s3.eu-west-3.amazonaws.com/"},
		{"AWS_DEFAULT_REGION", []string{"AWS_DEFAULT_REGION=sa-east-1"}, nil, "https://my-bucket.s3.sa-east-1.amazonaws.com/"},
		{"AWS_REGION wins", []string{"AWS_REGION=eu-west-3", "AWS_DEFAULT_REGION=sa-east-1"}, nil, "https://my-bucket.s3.eu-west-3.amazonaws.com/"},
		{"flag wins", []string{"AWS_REGION=eu-west-3"}, []string{"-region", "us-west-2"}, "https://my-bucket.s3.us-west-2.amazonaws.com/"},
		{"path style", nil, []string{"-region", "us-west-2", "-path-style"}, "https://s3.us-west-2.amazonaws.com/my-bucket"},
		{"endpoint", nil, []string{"-region", "us-east-1", "-endpoint", "http://127.0.0.1:7070"}, "http://127.0.0.1:7070/my-bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := append(cleanEnv(t), "AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecret)
			r := runCLI(t, append(env, tc.env...), "", append(base, tc.args...)...)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Equal(t, tc.wantURL, decodeForm(t, r.stdout).URL)
		})
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		env := append(cleanEnv(t), "AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecret)
		requireFailure(t, runCLI(t, env, "", base...), 2, "no region: pass -region")
	})
}

func TestPresignRegionFromProfile(t *testing.T) {
	t.Parallel()
	env := append(cleanEnv(t), "AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecret)
	config := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(config, []byte("[default]\nregion = eu-north-1\n\n[profile other]\nregion = ca-central-1\n"), 0o600))
	env = append(env, "AWS_CONFIG_FILE="+config)
	r := runCLI(t, env, "", "presign", "-bucket", "my-bucket", "-key", "k")
	require.Equal(t, 0, r.code, "%v", r)
	assert.Equal(t, "https://my-bucket.s3.eu-north-1.amazonaws.com/", decodeForm(t, r.stdout).URL)

	r = runCLI(t, append(env, "AWS_PROFILE=other"), "", "presign", "-bucket", "my-bucket", "-key", "k")
	require.Equal(t, 0, r.code, "%v", r)
	assert.Equal(t, "https://my-bucket.s3.ca-central-1.amazonaws.com/", decodeForm(t, r.stdout).URL)
}

func TestPresignSharedCredentialsFile(t *testing.T) {
	t.Parallel()
	env := cleanEnv(t)
	file := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = "+testSecret+"\n"), 0o600))
	env = append(env, "AWS_SHARED_CREDENTIALS_FILE="+file, "AWS_REGION="+testRegion)
	r := runCLI(t, env, "", "presign", "-bucket", "my-bucket", "-key", "k")
	require.Equal(t, 0, r.code, "%v", r)
	assert.True(t, strings.HasPrefix(decodeForm(t, r.stdout).Fields["x-amz-credential"], "AKIAFROMFILE/"))
}

func TestPresignCredentialErrors(t *testing.T) {
	t.Parallel()
	args := []string{"presign", "-bucket", "my-bucket", "-key", "k", "-region", testRegion}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"none", nil, "no credentials found"},
		{"no secret", []string{"AWS_ACCESS_KEY_ID=" + testAccessKey}, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
		{"no key ID", []string{"AWS_SECRET_ACCESS_KEY=" + testSecret}, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			requireFailure(t, runCLI(t, append(cleanEnv(t), tc.env...), "", args...), 1, tc.want)
		})
	}
}

func TestPresignUsageErrors(t *testing.T) {
	t.Parallel()
	base := []string{"presign", "-bucket", "my-bucket", "-key", "uploads/${filename}"}
	for _, tc := range []struct {
		name string
		args []string // after base, or instead of it when noBase
		want string
	}{
		{"unknown flag", []string{"-bukcet", "b"}, "flag provided but not defined: -bukcet"},
		{"bad size unit", []string{"-max-size", "10XB"}, `invalid value "10XB" for flag -max-size: unknown unit "XB"`},
		{"size not a number", []string{"-min-size", "lots"}, `"lots" is not a size`},
		{"fractional bytes", []string{"-max-size", "0.5B"}, "not a whole number of bytes"},
		{"min above max", []string{"-min-size", "2MB", "-max-size", "1MB"}, "-min-size 2000000 is above -max-size 1000000"},
		{"field without =", []string{"-field", "acl"}, `"acl" is not name=value`},
		{"field without name", []string{"-field", "=x"}, "no field name"},
		{"field twice", []string{"-field", "acl=private", "-field", "ACL=public-read"}, `the field "ACL" is given twice`},
		{"reserved field", []string{"-field", "policy=x"}, `-field "policy": reserved field`},
		{"conditions not JSON", []string{"-conditions", "[starts-with"}, "-conditions: want a JSON array of conditions"},
		{"conditions bad operator", []string{"-conditions", `[["gt", "$key", "a"]]`}, `-conditions[0]: unknown operator "gt"`},
		{"unsatisfiable", []string{"-field", "Content-Type=text/html", "-content-type-prefix", "image/"}, `-content-type-prefix: the Content-Type value "text/html" does not meet`},
		{"bad expires", []string{"-expires", "soon"}, `"soon" is not a duration`},
		{"expires too long", []string{"-expires", "8d"}, "-expires: the lifetime 192h0m0s is over the 7 days"},
		{"expires zero", []string{"-expires", "0s"}, "-expires 0s: want a positive duration"},
		{"bad format", []string{"-format", "yaml"}, `-format "yaml": want json, html or curl`},
		{"bad bucket", []string{"-bucket", "My_Bucket"}, `-bucket: "My_Bucket" is not a valid bucket name`},
		{"bad endpoint", []string{"-endpoint", "ftp://example.com"}, "-endpoint:"},
		{"bad region", []string{"-region", "eu central"}, "-region:"},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
		{"a field too long for S3's 20 KB before the file", []string{"-field", "Content-Disposition=" + strings.Repeat("d", 12000)},
			`-field "Content-Disposition": the fields before the file would take up to `},
		{"conditions too long for S3's 20 KB before the file", []string{"-conditions", manyConditions(2500)},
			"presign: -conditions: the fields before the file would take at least "},
		{"a field name with a non-ASCII letter", []string{"-field", "abç=1"}, `-field "abç": the field name contains "ç" (U+00E7) at offset 2`},
		{"a bucket with a non-ASCII letter", []string{"-bucket", "abç"}, `-bucket: "abç" contains "ç" (U+00E7) at offset 2`},
		{"a region with a non-ASCII letter", []string{"-region", "eu-zentral-ä"}, `-region: "eu-zentral-ä" contains "ä" (U+00E4) at offset 11`},
		{"a size range no POST can meet", []string{"-min-size", "6GiB", "-max-size", "7GiB"}, "-min-size/-max-size: the content-length-range minimum 6442450944 is over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			requireFailure(t, runCLI(t, credsEnv(t), "", append(base, tc.args...)...), 2, tc.want)
		})
	}
	t.Run("long inputs make short messages", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("a", 100<<10) // under the 128 KiB that one argument may have
		for _, args := range [][]string{
			{"-field", long},
			{"-field", "=" + long},
			{"-field", long + "ç=1"},
			{"-field", "acl=" + long, "-field", "ACL=" + long},
			{"-bucket", long},
			{"-key", long},
			{"-region", long},
			{"-region", long + "ç"},
			{"-endpoint", "ftp://" + long},
			{"-format", long},
			{"-expires", long},
			{"-max-size", long},
			{"-max-size", "1" + long},
			{"-conditions", `[["` + long + `", "$key", ""]]`},
			{"-conditions", `[` + long + `]`},
			{"-" + long},
			{long},
		} {
			r := runCLI(t, credsEnv(t), "", append(append([]string{}, base...), args...)...)
			require.Equal(t, 2, r.code, "%.300s", r.stderr)
			assert.Less(t, len(r.stderr), 600, "%.300s", r.stderr)
			assert.True(t, utf8.ValidString(r.stderr), "%.300q", r.stderr)
		}
	})
	t.Run("missing bucket", func(t *testing.T) {
		t.Parallel()
		requireFailure(t, runCLI(t, credsEnv(t), "", "presign", "-key", "k"), 2, "-bucket is required")
	})
	t.Run("missing key", func(t *testing.T) {
		t.Parallel()
		requireFailure(t, runCLI(t, credsEnv(t), "", "presign", "-bucket", "my-bucket"), 2, "-key is required")
	})
}

// TestPresignNoSecret checks every format of a form signed with a session
// token: the token is part of the form, the secret never is.
func TestPresignNoSecret(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "html", "curl"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, credsEnv(t, "AWS_SESSION_TOKEN=session-token-value"), "",
				"presign", "-bucket", "my-bucket", "-key", "k", "-format", format)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Contains(t, r.stdout, "session-token-value") // s3post checks the output for the secret
		})
	}
}

// manyConditions returns n conditions in boto3's JSON, about 40 bytes each.
func manyConditions(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `["starts-with", "$x-amz-meta-tag-%04d", ""]`, i)
	}
	return b.String() + "]"
}

// TestPresignEndpointDefaultRegion checks that a custom endpoint without a
// region signs for us-east-1, as other S3 tools do, and says so.
func TestPresignEndpointDefaultRegion(t *testing.T) {
	t.Parallel()
	base := []string{"presign", "-bucket", "my-bucket", "-key", "k"}
	for _, tc := range []struct {
		reason     string
		env, args  []string
		wantRegion string
		wantNote   bool
	}{
		{"an endpoint without a region anywhere signs for us-east-1", nil, []string{"-endpoint", "http://127.0.0.1:7070"}, "us-east-1", true},
		{"the -region flag wins over the default", nil, []string{"-endpoint", "http://127.0.0.1:7070", "-region", "eu-west-1"}, "eu-west-1", false},
		{"AWS_REGION wins over the default", []string{"AWS_REGION=ap-south-1"}, []string{"-endpoint", "http://127.0.0.1:7070"}, "ap-south-1", false},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			env := append(cleanEnv(t), "AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecret)
			r := runCLI(t, append(env, tc.env...), "", append(base, tc.args...)...)
			require.Equal(t, 0, r.code, "%v", r)
			f := decodeForm(t, r.stdout)
			assert.Equal(t, "http://127.0.0.1:7070/my-bucket", f.URL)
			assert.Regexp(t, `^`+testAccessKey+`/\d{8}/`+tc.wantRegion+`/s3/aws4_request$`, f.Fields["x-amz-credential"])
			if tc.wantNote {
				assert.Equal(t, "s3post: note: -endpoint without a region: signing for us-east-1, as S3-compatible servers expect by default; pass -region to sign for another\n", r.stderr)
			} else {
				assert.Empty(t, r.stderr)
			}
		})
	}
}

// TestPresignOutputFile checks -o: the form goes to the file, a page for
// -format html, and stderr says where to open it.
func TestPresignOutputFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reason, format string
		want           []string // in the file
		wantStderr     string
	}{
		{"html is a whole page, to open in a browser", "html",
			[]string{"<!doctype html>\n", `<meta charset="utf-8">`, `<form action="https://my-bucket.s3.eu-central-1.amazonaws.com/" method="post" enctype="multipart/form-data">`, `<input type="file" name="file" required>`},
			"s3post: wrote the upload page to %s: open file://%s in a browser\n"},
		{"json is the form as JSON", "json", []string{`"url": "https://my-bucket.s3.eu-central-1.amazonaws.com/"`}, "s3post: wrote the form to %s\n"},
		{"curl is the command", "curl", []string{"curl -i \\\n", "  -F file=@FILE \\\n"}, "s3post: wrote the curl command to %s\n"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "out."+tc.format)
			r := runCLI(t, credsEnv(t), "", "presign", "-bucket", "my-bucket", "-key", "k", "-format", tc.format, "-o", path)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Empty(t, r.stdout, "the form goes to the file only")
			content, err := os.ReadFile(path)
			require.NoError(t, err)
			for _, want := range tc.want {
				assert.Contains(t, string(content), want)
			}
			abs, err := filepath.Abs(path)
			require.NoError(t, err)
			if tc.format == "html" {
				assert.Equal(t, fmt.Sprintf(tc.wantStderr, path, filepath.ToSlash(abs)), r.stderr)
			} else {
				assert.Equal(t, fmt.Sprintf(tc.wantStderr, path), r.stderr)
			}
		})
	}
	t.Run("a directory that does not exist is an error, and nothing is printed", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "nope", "page.html")
		requireFailure(t, runCLI(t, credsEnv(t), "", "presign", "-bucket", "my-bucket", "-key", "k", "-format", "html", "-o", path), 1, "presign: -o: open "+path)
	})
}

// TestPresignCurlFile checks that -file names the file in the curl command,
// quoted for the shell and for curl's -F, so that curl uploads that file.
func TestPresignCurlFile(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if runtime.GOOS == "windows" || err != nil {
		t.Skip("no POSIX shell to run the command with")
	}
	for _, tc := range []struct {
		reason, file, wantLine, wantArg string
	}{
		{"a plain path is as it is", "photo.jpg", `  -F file=@photo.jpg \`, "file=@photo.jpg"},
		{"a space is quoted for the shell", "holiday photo.jpg", `  -F 'file=@holiday photo.jpg' \`, "file=@holiday photo.jpg"},
		{"a shell quote is quoted for the shell", "it's.txt", `  -F 'file=@it'\''s.txt' \`, "file=@it's.txt"},
		{"a ';' or ',' that curl would read is quoted for curl", "a;type=x,b.txt", `  -F 'file=@"a;type=x,b.txt"' \`, `file=@"a;type=x,b.txt"`},
		{"a '\"' or '\\' in a path quoted for curl is escaped", `say "hi"\.txt`, `  -F 'file=@"say \"hi\"\\.txt"' \`, `file=@"say \"hi\"\\.txt"`},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, credsEnv(t), "", "presign", "-bucket", "my-bucket", "-key", "k", "-format", "curl", "-file", tc.file)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Empty(t, r.stderr)
			assert.NotContains(t, r.stdout, "FILE")
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			require.GreaterOrEqual(t, len(lines), 2, r.stdout)
			assert.Equal(t, tc.wantLine, lines[len(lines)-2])

			dir := t.TempDir()
			fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, "curl"), []byte(fake), 0o755))
			cmd := exec.Command(sh, "-c", r.stdout)
			cmd.Env = []string{"PATH=" + dir, "HOME=/nonexistent"}
			out, err := cmd.Output()
			require.NoError(t, err)
			args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			require.GreaterOrEqual(t, len(args), 3, "%q", args)
			assert.Equal(t, tc.wantArg, args[len(args)-2], "what curl gets")
		})
	}
	t.Run("-file without -format curl is a usage error", func(t *testing.T) {
		t.Parallel()
		requireFailure(t, runCLI(t, credsEnv(t), "", "presign", "-bucket", "my-bucket", "-key", "k", "-file", "a.txt"), 2,
			"presign: -file names the file of the curl command: add -format curl")
	})
}
