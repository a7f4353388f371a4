package e2e

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/s3post/s3post"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verdict is the status and S3 error code that a server gives an upload.
type verdict struct {
	status int
	code   string
}

var (
	noContent          = verdict{status: http.StatusNoContent}
	signatureMismatch  = verdict{http.StatusForbidden, "SignatureDoesNotMatch"}
	accessDenied       = verdict{http.StatusForbidden, "AccessDenied"}
	entityTooLarge     = verdict{http.StatusBadRequest, "EntityTooLarge"}
	entityTooSmall     = verdict{http.StatusBadRequest, "EntityTooSmall"}
	invalidArgument    = verdict{http.StatusBadRequest, "InvalidArgument"}
	badDigest          = verdict{http.StatusBadRequest, "BadDigest"}
	versityUnknownUser = verdict{http.StatusNotFound, "XAdminUserNotFound"}
)

// difference is a server's verdict where it differs from the case's, and
// why: a server quirk, named, never a silent skip.
type difference struct {
	want verdict
	why  string
}

// uploadCase is one presign input, the upload made with its form, and what
// the servers must answer.
type uploadCase struct {
	name string
	// in is the presign input; prefix is a key prefix unique to the run.
	in func(e *env, prefix string) s3post.PostInput
	// presigner adjusts the presigner: clock, region, keys. Optional.
	presigner func(p *s3post.Presigner, e *env)
	// filename and content are the uploaded file.
	filename, content string
	// extra are fields the client adds to the form.
	extra map[string]string
	// raw rewrites the form's parts, for malformed uploads; nil sends the
	// request built by PresignedPost.NewUploadRequest.
	raw func(parts []part) []part
	// contentType replaces the request's Content-Type, for raw uploads.
	contentType string
	// postTo is the bucket whose URL the form is posted to. Optional; nil
	// means the bucket the form was signed for.
	postTo func(e *env) string
	want   verdict
	differ map[string]difference
	// check inspects a successful upload; key is the stored object's key.
	check func(t *testing.T, e *env, s server, key string, o outcome)
}

func keyIn(key string) func(*env, string) s3post.PostInput {
	return func(e *env, prefix string) s3post.PostInput {
		return s3post.PostInput{Bucket: e.bucket, Key: prefix + key}
	}
}

func with(key string, f func(in *s3post.PostInput)) func(*env, string) s3post.PostInput {
	return func(e *env, prefix string) s3post.PostInput {
		in := s3post.PostInput{Bucket: e.bucket, Key: prefix + key}
		f(&in)
		return in
	}
}

// checkBody reads the object back and compares its content.
func checkBody(t *testing.T, e *env, s server, key string, content string) object {
	obj := getObject(t, s, e.bucket, key)
	assert.Equal(t, content, obj.body, "%s: stored bytes", s.name)
	return obj
}

// redirectDropsQuery names the servers that replace the query of
// success_action_redirect instead of adding to it, as AWS does.
var redirectDropsQuery = map[string]string{
	"seaweedfs": "SeaweedFS drops the query of success_action_redirect; AWS keeps it and adds bucket, key and etag",
}

var versityNoFilename = "VersityGW v1.8.0 stores ${filename} literally; AWS, SeaweedFS and Ceph RGW substitute the file name"

// redirectSecondQuery names the servers that add bucket, key and etag to a
// success_action_redirect that has a query of its own after a second '?'.
var redirectSecondQuery = map[string]string{
	"ceph": "Ceph RGW 16.2 adds ?bucket=...&key=...&etag=... after the redirect's own query with a second '?'; AWS joins them with '&'",
}

// noCacheHeaders names the servers that do not store Cache-Control and
// Content-Disposition from a form.
var noCacheHeaders = map[string]string{
	"ceph": "Ceph RGW 16.2 does not store Cache-Control or Content-Disposition given as form fields",
}

// cephAnonymousDenial is Ceph RGW's answer to a bad signature or an unknown
// access key.
var cephAnonymousDenial = difference{accessDenied, "Ceph RGW 16.2 answers 403 AccessDenied with no message where AWS answers 403 SignatureDoesNotMatch or InvalidAccessKeyId"}

// cephSurrogates is why Ceph RGW refuses keys with characters outside the
// Basic Multilingual Plane.
const cephSurrogates = "Ceph RGW 16.2 decodes the policy's JSON escape of a character outside the Basic Multilingual Plane (a surrogate pair such as \\ud83d\\ude00, as boto3 and s3post write it) wrongly, so a condition with such a character (in the key or any other field) fails: 403 (AccessDenied \"Policy check failed\" for an exact key); AWS accepts it"

func uploadCases() []uploadCase {
	filenameCase := func(name, key string) uploadCase {
		return uploadCase{
			name: name, in: keyIn(key), filename: "hello world.txt", content: "substituted",
			want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				checkBody(t, e, s, key, "substituted")
			},
		}
	}
	cases := []uploadCase{
		{name: "plain key", in: keyIn("plain.txt"), filename: "a.txt", content: "plain", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "plain") }},
		filenameCase("filename key", "uploads/${filename}"),
		filenameCase("filename in the middle of the key", "uploads/${filename}/original"),
		{name: "unicode key", in: keyIn("日本語/é ü ñ.txt"), filename: "u.txt", content: "unicode", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "unicode") }},
		{name: "key outside the basic multilingual plane", in: keyIn("emoji-😀.txt"), filename: "u.txt", content: "emoji", want: noContent,
			differ: map[string]difference{"ceph": {accessDenied, cephSurrogates}},
			check:  func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "emoji") }},
		{name: "key with spaces plus hash question mark", in: keyIn("a b+c#d?e=f&g.txt"), filename: "s.txt", content: "specials", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "specials") }},
		{name: "content type exact", in: with("ct-exact.txt", func(in *s3post.PostInput) {
			in.Fields = map[string]string{"Content-Type": "text/plain; charset=utf-8"}
		}), filename: "c.txt", content: "typed", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				assert.Equal(t, "text/plain; charset=utf-8", checkBody(t, e, s, key, "typed").contentType)
			}},
		{name: "content type prefix set by the client", in: with("ct-prefix.png", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.StartsWith("Content-Type", "image/")}
		}), extra: map[string]string{"Content-Type": "image/png"}, filename: "p.png", content: "\x89PNG", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				assert.Equal(t, "image/png", checkBody(t, e, s, key, "\x89PNG").contentType)
			}},
		{name: "metadata cache-control content-disposition", in: with("meta.txt", func(in *s3post.PostInput) {
			in.Fields = map[string]string{
				"x-amz-meta-user":     "42",
				"x-amz-meta-project":  "s3post",
				"Cache-Control":       "max-age=60",
				"Content-Disposition": `attachment; filename="report.txt"`,
			}
		}), filename: "m.txt", content: "meta", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				obj := checkBody(t, e, s, key, "meta")
				assert.Equal(t, map[string]string{"user": "42", "project": "s3post"}, obj.metadata)
				if why, quirk := noCacheHeaders[s.name]; quirk {
					t.Logf("%s: %s", s.name, why)
					assert.Empty(t, obj.cacheControl+obj.disposition, "%s: the quirk is gone; drop it from noCacheHeaders", s.name)
					return
				}
				assert.Equal(t, "max-age=60", obj.cacheControl)
				assert.Equal(t, `attachment; filename="report.txt"`, obj.disposition)
			}},
		{name: "success_action_status 200", in: with("status200.txt", func(in *s3post.PostInput) {
			in.Fields = map[string]string{"success_action_status": "200"}
		}), filename: "s.txt", content: "200", want: verdict{status: http.StatusOK},
			check: func(t *testing.T, e *env, s server, key string, o outcome) { checkBody(t, e, s, key, "200") }},
		{name: "success_action_status 201", in: with("status201.txt", func(in *s3post.PostInput) {
			in.Fields = map[string]string{"success_action_status": "201"}
		}), filename: "s.txt", content: "201", want: verdict{status: http.StatusCreated},
			check: func(t *testing.T, e *env, s server, key string, o outcome) {
				var r postResponse
				require.NoError(t, xml.Unmarshal(o.body, &r), "%s: PostResponse XML: %s", s.name, o.body)
				assert.Equal(t, e.bucket, r.Bucket)
				assert.Equal(t, key, r.Key)
				assert.NotEmpty(t, strings.Trim(r.ETag, `"`))
				checkBody(t, e, s, key, "201")
			}},
		{name: "success_action_status 204", in: with("status204.txt", func(in *s3post.PostInput) {
			in.Fields = map[string]string{"success_action_status": "204"}
		}), filename: "s.txt", content: "204", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, o outcome) { checkBody(t, e, s, key, "204") }},
		{name: "success_action_redirect", in: with("redirect.txt", func(in *s3post.PostInput) {
			in.Fields = map[string]string{"success_action_redirect": "http://app.example/done?from=s3post"}
		}), filename: "r.txt", content: "redirect", want: verdict{status: http.StatusSeeOther},
			check: func(t *testing.T, e *env, s server, key string, o outcome) {
				location := o.location
				if why, quirk := redirectSecondQuery[s.name]; quirk {
					t.Logf("%s: %s", s.name, why)
					first := strings.Index(location, "?")
					require.Positive(t, first, "%s: the redirect has its query", s.name)
					second := strings.Index(location[first+1:], "?")
					require.Positive(t, second, "%s: the quirk is gone; drop it from redirectSecondQuery", s.name)
					location = location[:first+1+second] + "&" + location[first+2+second:]
				}
				u, err := url.Parse(location)
				require.NoError(t, err)
				assert.Equal(t, "app.example", u.Host)
				q := u.Query()
				if why, quirk := redirectDropsQuery[s.name]; quirk {
					t.Logf("%s: %s", s.name, why)
				} else {
					assert.Equal(t, "s3post", q.Get("from"), "%s keeps the redirect's own query", s.name)
				}
				assert.Equal(t, e.bucket, q.Get("bucket"))
				assert.Equal(t, key, q.Get("key"))
				assert.NotEmpty(t, q.Get("etag"))
				checkBody(t, e, s, key, "redirect")
			}},
		{name: "size at the minimum", in: with("min.txt", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.ContentLengthRange(3, 5)}
		}), filename: "m.txt", content: "abc", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "abc") }},
		{name: "size at the maximum", in: with("max.txt", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.ContentLengthRange(3, 5)}
		}), filename: "m.txt", content: "abcde", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "abcde") }},
		{name: "dotted bucket, path style", in: func(e *env, prefix string) s3post.PostInput {
			return s3post.PostInput{Bucket: e.dotBucket, Key: prefix + "dotted.txt"}
		}, filename: "d.txt", content: "dotted", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				assert.Equal(t, "dotted", getObject(t, s, e.dotBucket, key).body)
			}},
		{name: "virtual-hosted style", in: keyIn("virtual.txt"), filename: "v.txt", content: "virtual", want: noContent,
			presigner: func(p *s3post.Presigner, _ *env) {
				p.Endpoint = strings.Replace(p.Endpoint, "127.0.0.1", "localhost", 1)
				p.AddressingStyle = s3post.AddressingVirtual
			},
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "virtual") }},
		{name: "any value with the empty prefix", in: with("any.txt", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.StartsWith("x-amz-meta-tag", "")}
		}), extra: map[string]string{"x-amz-meta-tag": "chosen by the client"}, filename: "a.txt", content: "any", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				assert.Equal(t, "chosen by the client", checkBody(t, e, s, key, "any").metadata["tag"])
			}},
		{name: "x-ignore fields need no condition", in: keyIn("ignore.txt"),
			extra: map[string]string{"x-ignore-note": "not in the policy"}, filename: "i.txt", content: "ignored", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "ignored") }},

		// Uploads that must be refused.
		{name: "tampered signature", in: keyIn("bad.txt"), filename: "b.txt", content: "x", want: signatureMismatch,
			raw:    editField("x-amz-signature", func(v string) string { return flipHex(v) }),
			differ: map[string]difference{"ceph": cephAnonymousDenial}},
		{name: "tampered policy", in: keyIn("bad.txt"), filename: "b.txt", content: "x", want: signatureMismatch,
			raw: editField("policy", func(v string) string {
				raw, _ := base64.StdEncoding.DecodeString(v)
				// A form that lives a century longer, signed by nobody.
				return base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"expiration": "20`, `"expiration": "21`, 1)))
			}),
			differ: map[string]difference{"ceph": cephAnonymousDenial}},
		{name: "wrong secret", in: keyIn("bad.txt"), filename: "b.txt", content: "x", want: signatureMismatch,
			presigner: func(p *s3post.Presigner, e *env) {
				p.Credentials = s3post.StaticCredentials(e.accessKey, "not-the-secret", "")
			},
			differ: map[string]difference{"ceph": cephAnonymousDenial}},
		{name: "unknown access key", in: keyIn("bad.txt"), filename: "b.txt", content: "x",
			want: verdict{http.StatusForbidden, "InvalidAccessKeyId"},
			presigner: func(p *s3post.Presigner, e *env) {
				p.Credentials = s3post.StaticCredentials("NOSUCHACCESSKEY", e.secretKey, "")
			},
			differ: map[string]difference{
				"versitygw": {versityUnknownUser, "VersityGW in single-account mode answers 404 XAdminUserNotFound where AWS answers 403 InvalidAccessKeyId"},
				"ceph":      cephAnonymousDenial,
			}},
		{name: "expired form", in: with("expired.txt", func(in *s3post.PostInput) { in.Expires = time.Minute }), filename: "e.txt", content: "x",
			want: accessDenied,
			presigner: func(p *s3post.Presigner, _ *env) {
				p.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
			}},
		{name: "one byte over the range", in: with("big.txt", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.ContentLengthRange(3, 5)}
		}), filename: "b.txt", content: "abcdef", want: entityTooLarge},
		{name: "one byte under the range", in: with("small.txt", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.ContentLengthRange(3, 5)}
		}), filename: "s.txt", content: "ab", want: entityTooSmall},
		{name: "key outside the prefix", in: keyIn("uploads/${filename}"), filename: "k.txt", content: "x", want: accessDenied,
			raw: editField("key", func(string) string { return "elsewhere/k.txt" })},
		{name: "wrong content type", in: with("ct.png", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.StartsWith("Content-Type", "image/")}
		}), extra: map[string]string{"Content-Type": "text/html"}, filename: "x.html", content: "<p>", want: accessDenied},
		{name: "metadata field not in the policy", in: keyIn("extra.txt"), extra: map[string]string{"x-amz-meta-sneaky": "1"},
			filename: "x.txt", content: "x", want: accessDenied},
		{name: "Cache-Control field not in the policy", in: keyIn("extra.txt"), extra: map[string]string{"Cache-Control": "no-store"},
			filename: "x.txt", content: "x", want: accessDenied,
			differ: map[string]difference{"seaweedfs": {noContent, "SeaweedFS accepts and applies form fields that the policy does not mention, except x-amz-meta-*; AWS answers 403 Extra input fields"}}},
		{name: "form for another bucket", in: func(e *env, prefix string) s3post.PostInput {
			return s3post.PostInput{Bucket: e.otherBucket, Key: prefix + "other.txt"}
		}, filename: "o.txt", content: "x", want: accessDenied,
			postTo: func(e *env) string { return e.bucket }},
		{name: "credential region not the server's", in: keyIn("region.txt"), filename: "r.txt", content: "x", want: invalidArgument,
			presigner: func(p *s3post.Presigner, _ *env) { p.Region = "eu-west-3" },
			differ: map[string]difference{
				"seaweedfs": {noContent, "SeaweedFS accepts a credential scope of any region"},
				"ceph":      {noContent, "Ceph RGW 16.2 accepts a credential scope of any region"},
			}},
		{name: "missing key", in: keyIn("nokey.txt"), filename: "n.txt", content: "x", want: invalidArgument,
			raw:    dropField("key"),
			differ: map[string]difference{"seaweedfs": {verdict{http.StatusBadRequest, "InvalidRequest"}, "SeaweedFS answers 400 InvalidRequest where AWS and VersityGW answer 400 InvalidArgument"}}},
		// AWS documents that it ignores the fields after the file, so this
		// form lacks its key and signature there; both servers read them.
		{name: "file not last", in: keyIn("notlast.txt"), filename: "n.txt", content: "x", want: invalidArgument,
			raw: func(parts []part) []part {
				file := parts[len(parts)-1]
				return append([]part{file}, parts[:len(parts)-1]...)
			},
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW reads the fields after the file part, which AWS documents that it ignores"},
				"seaweedfs": {noContent, "SeaweedFS reads the fields after the file part, which AWS documents that it ignores"},
			}},
		{name: "not multipart", in: keyIn("form.txt"), filename: "f.txt", content: "x", want: verdict{http.StatusPreconditionFailed, "PreconditionFailed"},
			raw: func(parts []part) []part { return parts }, contentType: "application/x-www-form-urlencoded",
			differ: map[string]difference{
				"seaweedfs": {verdict{http.StatusMethodNotAllowed, "MethodNotAllowed"}, "SeaweedFS answers 405 MethodNotAllowed where AWS and VersityGW answer 412 PreconditionFailed"},
				"ceph":      {invalidArgument, "Ceph RGW 16.2 answers 400 InvalidArgument where AWS and VersityGW answer 412 PreconditionFailed"},
			}},
	}
	cases = append(cases, strictnessCases()...)
	return append(cases, typedUploadCases()...)
}

// o abbreviates outcome in check signatures.
type o = outcome

func editField(name string, edit func(string) string) func([]part) []part {
	return func(parts []part) []part {
		out := append([]part(nil), parts...)
		for i := range out {
			if out[i].name == name {
				out[i].value = edit(out[i].value)
			}
		}
		return out
	}
}

func dropField(name string) func([]part) []part {
	return func(parts []part) []part {
		var out []part
		for _, p := range parts {
			if p.name != name {
				out = append(out, p)
			}
		}
		return out
	}
}

func flipHex(s string) string {
	if s == "" {
		return s
	}
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}

// TestUploads runs every case of the corpus against every server: VersityGW,
// SeaweedFS, Ceph RGW and the in-memory s3posttest endpoint. Each verdict must be the
// case's, which is AWS's; a server that differs must be named in the case's
// differ map with the reason. s3posttest has no such entry, so any verdict
// of it that differs from the real servers' fails the test (parity).
func TestUploads(t *testing.T) {
	e := loadEnv(t)
	for _, s := range e.servers {
		t.Run(s.name, func(t *testing.T) {
			for _, tc := range uploadCases() {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					runUpload(t, e, s, tc)
				})
			}
		})
	}
}

func runUpload(t *testing.T, e *env, s server, tc uploadCase) {
	prefix := uniqueKey(t)
	p := e.presigner(s)
	if tc.presigner != nil {
		tc.presigner(p, e)
	}
	in := tc.in(e, prefix)
	post, err := p.PresignPost(t.Context(), in)
	require.NoError(t, err)

	if tc.postTo != nil {
		post.URL = strings.Replace(post.URL, "/"+in.Bucket, "/"+tc.postTo(e), 1)
	}
	var req *http.Request
	if tc.raw == nil {
		req, err = post.NewUploadRequest(t.Context(), s3post.Upload{
			Filename: tc.filename, Body: strings.NewReader(tc.content), Fields: tc.extra,
		})
		require.NoError(t, err)
	} else {
		fields := make(map[string]string, len(post.Fields)+len(tc.extra))
		for k, v := range post.Fields {
			fields[k] = v
		}
		for k, v := range tc.extra {
			fields[k] = v
		}
		parts := tc.raw(formParts(fields, tc.filename, tc.content))
		if tc.contentType == "application/x-www-form-urlencoded" {
			form := url.Values{}
			for _, p := range parts {
				form.Set(p.name, p.value)
			}
			req, err = http.NewRequest(http.MethodPost, post.URL, strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", tc.contentType)
		} else {
			req = multipartRequest(t, post.URL, parts)
		}
	}
	if p.AddressingStyle == s3post.AddressingVirtual {
		require.True(t, strings.HasPrefix(post.URL, "http://"+in.Bucket+".localhost:"), post.URL)
	}
	got := send(t, req)

	want, why := tc.want, ""
	if d, ok := tc.differ[s.name]; ok {
		want, why = d.want, d.why
	}
	require.Equal(t, want, verdict{got.status, got.code}, "%s answered %v; %s", s.name, got, why)
	if tc.check != nil && got.status < 400 {
		key := in.Key
		if strings.Contains(key, "${filename}") && s.name != "versitygw" {
			key = strings.ReplaceAll(key, "${filename}", tc.filename)
		} else if strings.Contains(key, "${filename}") {
			t.Logf("%s: %s", s.name, versityNoFilename)
		}
		tc.check(t, e, s, key, got)
	}
}

// typedQuirks names, by what an upload's check reads back and by server,
// what a server stores instead of what AWS stores.
var typedQuirks = map[string]map[string]string{
	"Content-Encoding": {"ceph": "Ceph RGW 16.2 does not store Content-Encoding given as a form field"},
	"Expires":          {"ceph": "Ceph RGW 16.2 does not store Expires given as a form field"},
	"storage class": {
		"versitygw": "VersityGW v1.8.0 stores the object as STANDARD whatever x-amz-storage-class says",
	},
	"public-read ACL": {
		"versitygw": "VersityGW v1.8.0 accepts acl=public-read but does not apply it: an anonymous GET gets 403",
		"seaweedfs": "SeaweedFS accepts acl=public-read but does not apply it: an anonymous GET gets 403",
	},
	"server-side encryption": {
		"versitygw": "VersityGW v1.8.0 accepts x-amz-server-side-encryption AES256 but does not report it on HEAD",
	},
	"website redirect location": {
		"seaweedfs": "SeaweedFS does not store x-amz-website-redirect-location given as a form field",
	},
	"checksum": {
		"ceph": "Ceph RGW 16.2 predates S3's checksums: it neither stores nor returns x-amz-checksum-sha256",
	},
	"SSE-KMS":                    {"versitygw": versityNoKMS},
	"SSE-KMS key id":             {"versitygw": versityNoKMS},
	"SSE-KMS encryption context": {"versitygw": versityNoKMS},
	"S3 Bucket Key":              {"versitygw": versityNoKMS},
	"DSSE-KMS":                   {"versitygw": versityNoKMS, "seaweedfs": seaweedNoDSSE},
	"DSSE-KMS key id":            {"versitygw": versityNoKMS, "seaweedfs": seaweedNoDSSE},
	"SSE-C key required on HEAD": {"versitygw": versityNoSSEC},
	"SSE-C algorithm":            {"versitygw": versityNoSSEC},
	"SSE-C key MD5":              {"versitygw": versityNoSSEC},
}

// The servers' answers to SSE-KMS, DSSE-KMS and SSE-C, where they are not
// AWS's.
const (
	versityNoKMS  = "VersityGW v1.8.0 accepts x-amz-server-side-encryption aws:kms or aws:kms:dsse with a key id, context and bucket key, but applies none of them: HEAD reports no encryption, key, context or bucket key"
	versityNoSSEC = "VersityGW v1.8.0 accepts the SSE-C fields but does not apply them: HEAD without the key answers 200 and reports no SSE-C algorithm or key MD5; AWS answers 400 without the key and reports both with it"
	seaweedNoDSSE = "SeaweedFS (run without a KMS) accepts x-amz-server-side-encryption aws:kms:dsse but does not apply it: HEAD reports no encryption and no key id"
	cephCryptSSL  = "Ceph RGW 16.2 refuses server-side encryption with KMS or customer keys over plain HTTP (rgw_crypt_require_ssl, on by default; the suite's servers run on HTTP): 400 InvalidRequest. AWS takes SSE-KMS over HTTP with SigV4, and SSE-C over HTTPS only"
)

// stored checks one thing read back from a typed upload, or, where the
// server is known to store something else, that it still does.
func stored(t *testing.T, s server, what string, want, got any) {
	t.Helper()
	if why, quirk := typedQuirks[what][s.name]; quirk {
		t.Logf("%s: %s", s.name, why)
		assert.NotEqual(t, want, got, "%s: the quirk is gone; drop it from typedQuirks[%q]", s.name, what)
		return
	}
	assert.Equal(t, want, got, "%s: %s", s.name, what)
}

// headObject reads an object's headers back, with its checksums.
func headObject(t *testing.T, s server, bucket, key string) *s3.HeadObjectOutput {
	t.Helper()
	out, err := s.client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: s3types.ChecksumModeEnabled})
	require.NoError(t, err, "%s: reading back %q", s.name, key)
	return out
}

func sha256Base64(content string) string {
	sum := sha256.Sum256([]byte(content))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func md5Base64(content string) string {
	sum := md5.Sum([]byte(content))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// seaweedUnknownCondition is SeaweedFS's answer to a policy condition on a
// field it does not know.
func seaweedUnknownCondition(field string) difference {
	return difference{accessDenied, "SeaweedFS refuses a policy condition on " + field + " (\"unknown condition key\"), which AWS checks and applies"}
}

// e2eKMSKey is the KMS key of the SSE-KMS cases, a well-formed ARN.
const e2eKMSKey = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// e2eCustomerKey is the SSE-C key of the SSE-C case.
func e2eCustomerKey() s3post.SSECustomerKey {
	k := make(s3post.SSECustomerKey, 32)
	for i := range k {
		k[i] = byte(i + 1)
	}
	return k
}

// headObjectRaw reads an object's headers back, with the raw response
// headers for what the SDK does not decode; opt adds to the request.
func headObjectRaw(t *testing.T, s server, bucket, key string, opt func(*s3.HeadObjectInput)) (*s3.HeadObjectOutput, http.Header) {
	t.Helper()
	in := &s3.HeadObjectInput{Bucket: &bucket, Key: &key}
	if opt != nil {
		opt(in)
	}
	out, err := s.client.HeadObject(context.Background(), in)
	require.NoError(t, err, "%s: reading back %q", s.name, key)
	raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
	require.True(t, ok, "the raw response of HeadObject")
	return out, raw.Header
}

// statusOf is the HTTP status of an SDK call's error: 200 without one, 0
// for an error without a response.
func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// typedUploadCases upload with PostInput.Object's settings and read the
// object back.
func typedUploadCases() []uploadCase {
	typed := func(key string, o s3post.ObjectFields) func(*env, string) s3post.PostInput {
		return with(key, func(in *s3post.PostInput) { in.Object = o })
	}
	return []uploadCase{
		{name: "typed avatar: type prefix, size, metadata, cache", in: with("avatar", func(in *s3post.PostInput) {
			in.Conditions = []s3post.Condition{s3post.ContentLengthRange(1, 1<<20)}
			in.Object = s3post.ObjectFields{
				ContentType:  s3post.Prefix("image/"),
				CacheControl: "public, max-age=86400",
				Metadata:     map[string]s3post.Match{"user-id": s3post.Exactly("42"), "caption": s3post.AnyValue()},
			}
		}), extra: map[string]string{"Content-Type": "image/png", "x-amz-meta-caption": "me"}, filename: "a.png", content: "\x89PNG avatar", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				obj := checkBody(t, e, s, key, "\x89PNG avatar")
				assert.Equal(t, "image/png", obj.contentType)
				assert.Equal(t, map[string]string{"user-id": "42", "caption": "me"}, obj.metadata)
				if why, quirk := noCacheHeaders[s.name]; quirk {
					t.Logf("%s: %s", s.name, why)
					return
				}
				assert.Equal(t, "public, max-age=86400", obj.cacheControl)
			}},
		{name: "typed avatar: a type outside the prefix", in: typed("avatar-html", s3post.ObjectFields{ContentType: s3post.Prefix("image/")}),
			extra: map[string]string{"Content-Type": "text/html"}, filename: "a.html", content: "<script>", want: accessDenied},
		{name: "typed content headers and expires", in: typed("headers.txt", s3post.ObjectFields{
			ContentType:     s3post.Exactly("text/plain"),
			ContentEncoding: s3post.Exactly("identity"),
			Expires:         time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		}), filename: "h.txt", content: "headers", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				h := headObject(t, s, e.bucket, key)
				assert.Equal(t, "text/plain", aws.ToString(h.ContentType), "%s: Content-Type", s.name)
				stored(t, s, "Content-Encoding", "identity", aws.ToString(h.ContentEncoding))
				stored(t, s, "Expires", "Wed, 02 Jan 2030 03:04:05 GMT", aws.ToString(h.ExpiresString))
			}},
		{name: "typed tagging", in: typed("tagged.txt", s3post.ObjectFields{Tagging: map[string]string{"team": "web", "stage": "test 1"}}),
			filename: "t.txt", content: "tagged", want: noContent, differ: map[string]difference{"seaweedfs": seaweedUnknownCondition("tagging")},
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				out, err := s.client.GetObjectTagging(context.Background(), &s3.GetObjectTaggingInput{Bucket: &e.bucket, Key: &key})
				require.NoError(t, err, "%s: GetObjectTagging", s.name)
				got := map[string]string{}
				for _, tag := range out.TagSet {
					got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
				}
				stored(t, s, "tags", map[string]string{"team": "web", "stage": "test 1"}, got)
			}},
		{name: "typed storage class", in: typed("rrs.txt", s3post.ObjectFields{StorageClass: s3post.StorageClassReducedRedundancy}),
			filename: "s.txt", content: "class", want: noContent,
			differ: map[string]difference{"ceph": {invalidArgument, "Ceph RGW 16.2 refuses a storage class that its zone does not define (400 InvalidArgument), as REDUCED_REDUNDANCY is not by default; AWS stores it"}},
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				stored(t, s, "storage class", s3types.StorageClassReducedRedundancy, headObject(t, s, e.bucket, key).StorageClass)
			}},
		// AWS applies the ACL when the bucket's Object Ownership allows ACLs
		// and Block Public Access does not block them, as the servers'
		// buckets do.
		{name: "typed public-read ACL", in: typed("public.txt", s3post.ObjectFields{ACL: s3post.ACLPublicRead}),
			filename: "p.txt", content: "public", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				resp, err := http.Get(s.url + "/" + e.bucket + "/" + (&url.URL{Path: key}).EscapedPath())
				require.NoError(t, err)
				_ = resp.Body.Close()
				stored(t, s, "public-read ACL", http.StatusOK, resp.StatusCode)
			}},
		{name: "typed SSE-S3", in: typed("sse.txt", s3post.ObjectFields{ServerSideEncryption: s3post.SSES3}),
			filename: "e.txt", content: "encrypted", want: noContent,
			differ: map[string]difference{"ceph": {verdict{http.StatusBadRequest, "InvalidRequest"}, "Ceph RGW 16.2 refuses SSE-S3 unless it is set up with a key store (400 InvalidRequest); AWS encrypts with S3's keys"}},
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				checkBody(t, e, s, key, "encrypted")
				stored(t, s, "server-side encryption", s3types.ServerSideEncryptionAes256, headObject(t, s, e.bucket, key).ServerSideEncryption)
			}},
		// SSE-KMS with a key, an encryption context and a bucket key: S3
		// returns all of them on HEAD. (s3posttest has no KMS: it takes any
		// well-formed key id and returns it as given.)
		{name: "typed SSE-KMS with key, context and bucket key", in: typed("kms.txt", s3post.ObjectFields{
			ServerSideEncryption: s3post.SSEKMS, SSEKMSKeyID: e2eKMSKey,
			SSEKMSEncryptionContext: map[string]string{"project": "s3post"}, BucketKeyEnabled: true,
		}), filename: "k.txt", content: "kms", want: noContent,
			differ: map[string]difference{
				"seaweedfs": {verdict{http.StatusInternalServerError, "InternalError"}, "SeaweedFS (run without a KMS) answers 500 InternalError to SSE-KMS with a key id; AWS encrypts with the key"},
				"ceph":      {verdict{http.StatusBadRequest, "InvalidRequest"}, cephCryptSSL},
			},
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				h, raw := headObjectRaw(t, s, e.bucket, key, nil)
				stored(t, s, "SSE-KMS", s3types.ServerSideEncryptionAwsKms, h.ServerSideEncryption)
				stored(t, s, "SSE-KMS key id", e2eKMSKey, aws.ToString(h.SSEKMSKeyId))
				stored(t, s, "SSE-KMS encryption context", base64.StdEncoding.EncodeToString([]byte(`{"project":"s3post"}`)), raw.Get("x-amz-server-side-encryption-context"))
				stored(t, s, "S3 Bucket Key", true, aws.ToBool(h.BucketKeyEnabled))
				checkBody(t, e, s, key, "kms")
			}},
		{name: "typed DSSE-KMS", in: typed("dsse.txt", s3post.ObjectFields{ServerSideEncryption: s3post.SSEKMSDSSE, SSEKMSKeyID: e2eKMSKey}),
			filename: "d.txt", content: "dsse", want: noContent,
			differ: map[string]difference{"ceph": {verdict{http.StatusBadRequest, "InvalidRequest"}, cephCryptSSL}},
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				h, _ := headObjectRaw(t, s, e.bucket, key, nil)
				stored(t, s, "DSSE-KMS", s3types.ServerSideEncryptionAwsKmsDsse, h.ServerSideEncryption)
				stored(t, s, "DSSE-KMS key id", e2eKMSKey, aws.ToString(h.SSEKMSKeyId))
				checkBody(t, e, s, key, "dsse")
			}},
		// SSE-C: S3 keeps no key, and asks for it on HEAD and GET. AWS takes
		// SSE-C over HTTPS only; the suite's servers listen on plain HTTP, so
		// this case is the upload that AWS takes over HTTPS (s3posttest
		// takes SSE-C over its plain HTTP, as documented).
		{name: "typed SSE-C", in: typed("ssec.txt", s3post.ObjectFields{SSECustomerKey: e2eCustomerKey()}),
			filename: "c.txt", content: "customer", want: noContent,
			differ: map[string]difference{"ceph": {verdict{http.StatusBadRequest, "InvalidRequest"}, cephCryptSSL}},
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				_, err := s.client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &e.bucket, Key: &key})
				stored(t, s, "SSE-C key required on HEAD", http.StatusBadRequest, statusOf(err))
				k := e2eCustomerKey()
				sum := md5.Sum(k)
				h, _ := headObjectRaw(t, s, e.bucket, key, func(in *s3.HeadObjectInput) {
					in.SSECustomerAlgorithm = aws.String("AES256")
					in.SSECustomerKey = aws.String(base64.StdEncoding.EncodeToString(k))
					in.SSECustomerKeyMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
				})
				stored(t, s, "SSE-C algorithm", "AES256", aws.ToString(h.SSECustomerAlgorithm))
				stored(t, s, "SSE-C key MD5", base64.StdEncoding.EncodeToString(sum[:]), aws.ToString(h.SSECustomerKeyMD5))
				out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &e.bucket, Key: &key,
					SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(k)),
					SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
				require.NoError(t, err, "%s: GET with the SSE-C key", s.name)
				defer out.Body.Close()
				body, err := io.ReadAll(out.Body)
				require.NoError(t, err)
				assert.Equal(t, "customer", string(body), "%s: stored bytes", s.name)
			}},
		{name: "typed website redirect location", in: typed("redirecting.txt", s3post.ObjectFields{WebsiteRedirectLocation: "/elsewhere.txt"}),
			filename: "w.txt", content: "w", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				stored(t, s, "website redirect location", "/elsewhere.txt", aws.ToString(headObject(t, s, e.bucket, key).WebsiteRedirectLocation))
			}},
		{name: "typed SHA-256 checksum", in: typed("sum.txt", s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.Exactly(sha256Base64("summed"))}),
			filename: "s.txt", content: "summed", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				checkBody(t, e, s, key, "summed")
				stored(t, s, "checksum", sha256Base64("summed"), aws.ToString(headObject(t, s, e.bucket, key).ChecksumSHA256))
			}},
		{name: "typed Content-MD5", in: typed("md5.txt", s3post.ObjectFields{ContentMD5: s3post.Exactly(md5Base64("digested"))}),
			filename: "m.txt", content: "digested", want: noContent, differ: map[string]difference{"seaweedfs": seaweedUnknownCondition("Content-MD5")},
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "digested") }},
		// A form that lets the uploader send the checksum: NewUploadRequest
		// computes it from the file before sending.
		{name: "typed any checksum, computed by NewUploadRequest", in: typed("anysum.txt", s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}),
			filename: "a.txt", content: "any sum", want: noContent,
			check: func(t *testing.T, e *env, s server, key string, _ o) {
				checkBody(t, e, s, key, "any sum")
				stored(t, s, "checksum", sha256Base64("any sum"), aws.ToString(headObject(t, s, e.bucket, key).ChecksumSHA256))
			}},
		{name: "typed any Content-MD5, computed by NewUploadRequest", in: typed("anymd5.txt", s3post.ObjectFields{ContentMD5: s3post.AnyValue()}),
			filename: "a.txt", content: "any md5", want: noContent, differ: map[string]difference{"seaweedfs": seaweedUnknownCondition("Content-MD5")},
			check: func(t *testing.T, e *env, s server, key string, _ o) { checkBody(t, e, s, key, "any md5") }},
		// S3 checks the file against the checksum and the Content-MD5 that
		// the form gives, and stores nothing that does not match.
		{name: "a wrong checksum is refused", in: typed("badsum.txt", s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.Exactly(sha256Base64("other"))}),
			filename: "s.txt", content: "summed", want: badDigest,
			differ: map[string]difference{"ceph": {noContent, "Ceph RGW 16.2 predates S3's checksums: it stores a file whose x-amz-checksum-sha256 does not match; AWS answers 400 BadDigest"}}},
		{name: "a wrong Content-MD5 is refused", in: typed("badmd5.txt", s3post.ObjectFields{ContentMD5: s3post.Exactly(md5Base64("other"))}),
			filename: "m.txt", content: "digested", want: badDigest,
			differ: map[string]difference{
				"versitygw": {noContent, "VersityGW v1.8.0 does not check a POST's Content-MD5: it stores a file that does not match; AWS answers 400 BadDigest"},
				"seaweedfs": seaweedUnknownCondition("Content-MD5"),
				"ceph":      {noContent, "Ceph RGW 16.2 does not check a POST's Content-MD5: it stores a file that does not match; AWS answers 400 BadDigest"},
			}},
	}
}
