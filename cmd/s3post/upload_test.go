package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// part is one part of a multipart upload, as a fake S3 received it.
type part struct {
	name, filename, value string
}

// fakeS3 stands in for S3: it records each upload's parts, in order, and
// answers with respond.
type fakeS3 struct {
	*httptest.Server
	mu      sync.Mutex
	uploads [][]part
	gets    int
}

func newFakeS3(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *fakeS3 {
	t.Helper()
	f := &fakeS3{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			f.mu.Lock()
			f.gets++
			f.mu.Unlock()
			http.Error(w, "not S3", http.StatusTeapot)
			return
		}
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if !assert.NoError(t, err) {
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		var parts []part
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if !assert.NoError(t, err) {
				return
			}
			body, err := io.ReadAll(p)
			assert.NoError(t, err)
			parts = append(parts, part{p.FormName(), p.FileName(), string(body)})
		}
		f.mu.Lock()
		f.uploads = append(f.uploads, parts)
		f.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// only returns the one upload the server received.
func (f *fakeS3) only(t *testing.T) []part {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.uploads, 1)
	return f.uploads[0]
}

func (f *fakeS3) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.uploads)
}

// testForm returns a form for url whose policy holds conditions (JSON
// texts), and the fields given.
func testForm(url string, conditions []string, fields map[string]string) string {
	policy := fmt.Sprintf(`{"expiration": "2099-01-01T00:00:00Z", "conditions": [%s]}`, strings.Join(conditions, ", "))
	f := map[string]string{
		"key":              "uploads/${filename}",
		"x-amz-algorithm":  "AWS4-HMAC-SHA256",
		"x-amz-credential": testAccessKey + "/20990101/us-east-1/s3/aws4_request",
		"x-amz-date":       "20990101T000000Z",
		"x-amz-signature":  strings.Repeat("0", 64),
		"policy":           base64.StdEncoding.EncodeToString([]byte(policy)),
	}
	for k, v := range fields {
		f[k] = v
	}
	out, err := json.Marshal(map[string]any{"url": url, "fields": f, "expires": time.Now().Add(time.Hour).UTC()})
	if err != nil {
		panic(err)
	}
	return string(out)
}

// writeFile writes content to a file named name in a new directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

var basicConditions = []string{`{"bucket": "b"}`, `["starts-with", "$key", "uploads/"]`}

func TestUpload204(t *testing.T) {
	t.Parallel()
	s3 := newFakeS3(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"0123abcd"`)
		w.Header().Set("Location", "https://b.example/uploads/hello.txt")
		w.WriteHeader(http.StatusNoContent)
	})
	file := writeFile(t, "hello.txt", "hello, world\n")
	formText := testForm(s3.URL+"/b", basicConditions, map[string]string{"acl": "private"})

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"form on stdin", formText, []string{"upload", file}},
		{"form on stdin with -", formText, []string{"upload", "-form", "-", file}},
		{"form in a file", "", []string{"upload", "-form", writeFile(t, "form.json", formText), file}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, cleanEnv(t), tc.stdin, tc.args...)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Empty(t, r.stderr, "no progress bar when stderr is not a terminal")
			assert.Equal(t, "status:   204 No Content\n"+
				"location: https://b.example/uploads/hello.txt\n"+
				`etag:     "0123abcd"`+"\n", r.stdout)
		})
	}
	require.Equal(t, 3, s3.count())
	parts := s3.uploads[0]
	var names []string
	for _, p := range parts {
		names = append(names, p.name)
	}
	assert.Equal(t, []string{"acl", "key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "file"}, names)
	assert.Equal(t, part{"file", "hello.txt", "hello, world\n"}, parts[len(parts)-1])
	assert.Equal(t, part{"key", "", "uploads/${filename}"}, parts[1])
}

func TestUpload201(t *testing.T) {
	t.Parallel()
	s3 := newFakeS3(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<PostResponse><Location>https://b.example/uploads/a%20b.txt</Location><Bucket>b</Bucket><Key>uploads/a b.txt</Key><ETag>"e7a9"</ETag></PostResponse>`)
	})
	form := testForm(s3.URL+"/b", append(basicConditions, `{"success_action_status": "201"}`), map[string]string{"success_action_status": "201"})
	r := runCLI(t, cleanEnv(t), form, "upload", writeFile(t, "a b.txt", "x"))
	require.Equal(t, 0, r.code, "%v", r)
	assert.Equal(t, "status:   201 Created\n"+
		"location: https://b.example/uploads/a%20b.txt\n"+
		"bucket:   b\n"+
		"key:      uploads/a b.txt\n"+
		`etag:     "e7a9"`+"\n", r.stdout)
}

func TestUpload303(t *testing.T) {
	t.Parallel()
	s3 := newFakeS3(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:1/done?bucket=b&key=uploads%2Fx.txt&etag=%22e7a9%22", http.StatusSeeOther)
	})
	form := testForm(s3.URL+"/b", append(basicConditions, `{"success_action_redirect": "http://127.0.0.1:1/done"}`),
		map[string]string{"success_action_redirect": "http://127.0.0.1:1/done"})
	r := runCLI(t, cleanEnv(t), form, "upload", writeFile(t, "x.txt", "x"))
	require.Equal(t, 0, r.code, "%v", r)
	assert.Equal(t, "status:   303 See Other\n"+
		"redirect: http://127.0.0.1:1/done?bucket=b&key=uploads%2Fx.txt&etag=%22e7a9%22\n"+
		"bucket:   b\n"+
		"key:      uploads/x.txt\n"+
		`etag:     "e7a9"`+"\n", r.stdout, "the redirect is reported, not followed")
}

func TestUploadRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{"S3 XML error", http.StatusForbidden,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message><RequestId>1</RequestId></Error>",
			"s3post: S3 said: AccessDenied: Invalid according to Policy: Policy expired. (403 Forbidden)\n"},
		{"S3 XML error over lines", http.StatusBadRequest,
			"<Error>\n  <Code>EntityTooLarge</Code>\n  <Message>Your proposed upload exceeds\nthe maximum allowed size</Message>\n</Error>",
			"s3post: S3 said: EntityTooLarge: Your proposed upload exceeds the maximum allowed size (400 Bad Request)\n"},
		{"not XML", http.StatusBadGateway, "upstream\nunavailable", "s3post: upload failed with 502 Bad Gateway: upstream unavailable\n"},
		{"no body", http.StatusInternalServerError, "", "s3post: upload failed with 500 Internal Server Error\n"},
		{"other redirect", http.StatusTemporaryRedirect,
			"<Error><Code>TemporaryRedirect</Code><Message>Please re-send this request to the specified temporary endpoint.</Message></Error>",
			"s3post: S3 said: TemporaryRedirect: Please re-send this request to the specified temporary endpoint. (307 Temporary Redirect)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s3 := newFakeS3(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			})
			r := runCLI(t, cleanEnv(t), testForm(s3.URL+"/b", basicConditions, nil), "upload", writeFile(t, "x.txt", "x"))
			requireFailure(t, r, 1, "")
			assert.Equal(t, tc.wantErr, r.stderr)
		})
	}
}

func TestUploadClientFields(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	imagePrefix := append(basicConditions[:2:2], `["starts-with", "$Content-Type", "image/"]`)
	for _, tc := range []struct {
		name       string
		conditions []string
		file       string
		args       []string
		want       []part // the parts expected besides the form's
	}{
		{"Content-Type from the extension", imagePrefix, "cat.png", nil,
			[]part{{"Content-Type", "", "image/png"}}},
		{"Content-Type from the content", imagePrefix, "cat", nil,
			[]part{{"Content-Type", "", "image/gif"}}},
		{"Content-Type from the flag", imagePrefix, "cat.png", []string{"-content-type", "image/x-cat"},
			[]part{{"Content-Type", "", "image/x-cat"}}},
		{"Content-Type as a field", imagePrefix, "cat.png", []string{"-field", "content-type=image/webp"},
			[]part{{"content-type", "", "image/webp"}}},
		{"exact match from the policy", append(basicConditions[:2:2], `{"x-amz-meta-kind": "cat"}`), "cat.png", nil,
			[]part{{"x-amz-meta-kind", "", "cat"}}},
		{"starts-with from a flag", append(basicConditions[:2:2], `["starts-with", "$x-amz-meta-tag", ""]`), "cat.png", []string{"-field", "x-amz-meta-tag=pets"},
			[]part{{"x-amz-meta-tag", "", "pets"}}},
		{"nothing extra", basicConditions, "cat.png", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s3 := newFakeS3(t, ok)
			file := writeFile(t, tc.file, "GIF89a\x01\x00\x01\x00")
			args := append(append([]string{"upload"}, tc.args...), file)
			r := runCLI(t, cleanEnv(t), testForm(s3.URL+"/b", tc.conditions, nil), args...)
			require.Equal(t, 0, r.code, "%v", r)
			parts := s3.only(t)
			assert.Equal(t, "file", parts[len(parts)-1].name, "the file is not last")
			var extra []part
			for _, p := range parts[:len(parts)-1] {
				switch p.name {
				case "key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature":
				default:
					extra = append(extra, p)
				}
			}
			assert.Equal(t, tc.want, extra)
		})
	}
}

func TestUploadErrors(t *testing.T) {
	t.Parallel()
	s3 := newFakeS3(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	good := testForm(s3.URL+"/b", basicConditions, nil)
	file := writeFile(t, "cat.png", "0123456789")
	expired := strings.Replace(good, `"expires":"`, `"expires":"2001-01-01T00:00:00Z","x":"`, 1)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no file", good, []string{"upload"}, 2, "upload: no file to upload"},
		{"two files", good, []string{"upload", file, file}, 2, "one file at a time, got 2"},
		{"unknown flag", good, []string{"upload", "-from", "x", file}, 2, "flag provided but not defined: -from"},
		{"bad -field", good, []string{"upload", "-field", "x", file}, 2, `"x" is not name=value`},
		{"form not JSON", "url=x", []string{"upload", file}, 2, "the form in standard input is not JSON"},
		{"empty form", "", []string{"upload", file}, 2, "the form in standard input is not JSON"},
		{"form without url", `{"fields": {"key": "k"}}`, []string{"upload", file}, 2, `has no "url"`},
		{"form without fields", `{"url": "http://127.0.0.1:1/b"}`, []string{"upload", file}, 2, `has no "fields"`},
		{"form without policy", `{"url": "http://127.0.0.1:1/b", "fields": {"key": "k"}}`, []string{"upload", file}, 2, "the form has no policy field"},
		{"form file missing", "", []string{"upload", "-form", filepath.Join(t.TempDir(), "nope.json"), file}, 1, "upload: reading the form: open "},
		{"file missing", good, []string{"upload", filepath.Join(t.TempDir(), "nope.png")}, 1, "nope.png: no such file or directory"},
		{"file is a directory", good, []string{"upload", t.TempDir()}, 1, "is a directory, not a regular file"},
		{"expired form", expired, []string{"upload", file}, 1, "the form expired at 2001-01-01T00:00:00Z: presign a new one"},
		{"file too large", testForm(s3.URL+"/b", append(basicConditions[:2:2], `["content-length-range", 1, 4]`), nil), []string{"upload", file}, 1,
			"has 10 bytes, and the form takes files of 1 to 4 bytes"},
		{"range bounds as strings, which S3 takes", testForm(s3.URL+"/b", append(basicConditions[:2:2], `["content-length-range", "1", "4"]`), nil), []string{"upload", file}, 1,
			"has 10 bytes, and the form takes files of 1 to 4 bytes"},
		{"unknown operator", testForm(s3.URL+"/b", append(basicConditions[:2:2], `["ends-with", "$key", ".png"]`), nil), []string{"upload", file}, 2,
			`upload: S3 would refuse the form's policy: Invalid Policy: Invalid Condition: ["ends-with","$key",".png"]`},
		{"object with two fields", testForm(s3.URL+"/b", append(basicConditions[:2:2], `{"acl": "private", "x-amz-meta-kind": "cat"}`), nil), []string{"upload", file}, 2,
			"upload: S3 would refuse the form's policy: Invalid Policy: Invalid Condition: "},
		{"wrong Content-Type", testForm(s3.URL+"/b", append(basicConditions[:2:2], `["starts-with", "$Content-Type", "text/"]`), nil), []string{"upload", file}, 2,
			`the form wants a Content-Type starting with "text/", and the file's type is "image/png": pass -content-type`},
		{"missing field", testForm(s3.URL+"/b", append(basicConditions[:2:2], `["starts-with", "$x-amz-meta-tag", ""]`), nil), []string{"upload", file}, 2,
			`the form's policy wants a field "x-amz-meta-tag" starting with "", which the form does not have: pass -field x-amz-meta-tag=VALUE`},
		{"-content-type not wanted", good, []string{"upload", "-content-type", "image/png", file}, 2, "the form's policy has no Content-Type condition"},
		{"field already in the form", good, []string{"upload", "-field", "Key=x", file}, 2, `Upload.Fields["Key"]: the form already has this field`},
		{"server down", testForm("http://127.0.0.1:1/b", basicConditions, nil), []string{"upload", file}, 1, "upload: posting to http://127.0.0.1:1/b: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			requireFailure(t, runCLI(t, cleanEnv(t), tc.stdin, tc.args...), tc.code, tc.want)
		})
	}
	assert.Zero(t, s3.count(), "a form refused before posting reached the server")
}

// TestPresignThenUpload pipes presign into upload against the in-memory S3
// endpoint, which checks the signature and every condition.
func TestPresignThenUpload(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"photos"}, AccessKeyID: testAccessKey, SecretAccessKey: testSecret})
	t.Cleanup(srv.Close)
	env := credsEnv(t)
	presign := func(t *testing.T, args ...string) string {
		t.Helper()
		base := []string{"presign", "-endpoint", srv.URL, "-region", srv.Region(), "-bucket", "photos", "-key", "uploads/${filename}"}
		r := runCLI(t, env, "", append(base, args...)...)
		require.Equal(t, 0, r.code, "%v", r)
		return r.stdout
	}

	form := presign(t, "-content-type-prefix", "text/", "-max-size", "1KiB", "-field", "success_action_status=201", "-field", "x-amz-meta-by=cli")
	r := runCLI(t, env, form, "upload", writeFile(t, "notes.txt", "hello\n"))
	require.Equal(t, 0, r.code, "%v", r)
	assert.Contains(t, r.stdout, "status:   201 Created\n")
	assert.Contains(t, r.stdout, "key:      uploads/notes.txt\n")
	obj, ok := srv.Object("photos", "uploads/notes.txt")
	require.True(t, ok)
	assert.Equal(t, "hello\n", string(obj.Body))
	assert.Equal(t, "text/plain; charset=utf-8", obj.ContentType)
	assert.Equal(t, map[string]string{"by": "cli"}, obj.Metadata)

	// The server's refusals come back as S3's code and message.
	form = presign(t, "-expires", "1s")
	time.Sleep(2 * time.Second)
	var f map[string]any
	require.NoError(t, json.Unmarshal([]byte(form), &f))
	delete(f, "expires") // so that upload does not refuse it itself
	stale, err := json.Marshal(f)
	require.NoError(t, err)
	r = runCLI(t, env, string(stale), "upload", writeFile(t, "late.txt", "late"))
	requireFailure(t, r, 1, "s3post: S3 said: AccessDenied: Invalid according to Policy: Policy expired. (403 Forbidden)")
}
