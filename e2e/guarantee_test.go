package e2e

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/s3post/s3post"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The guarantee s3post sells: a form that PresignPost signs is a form S3
// accepts (for an upload that meets the declared conditions), and an input
// that can only produce a rejected form is an error at presign time.

const guaranteeSeed = 20261125

// generated is a random presign input and an upload that meets its
// conditions.
type generated struct {
	in       s3post.PostInput
	extra    map[string]string // fields the client adds for conditions without a field
	filename string
	content  string
}

var keyPieces = []string{"a", "Z", "0", "-", "_", ".", " ", "+", "#", "?", "&", "=", "é", "日本", "😀", "%20", "(", "'", "!"}

func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(keyPieces[r.IntN(len(keyPieces))])
	}
	return b.String()
}

// generate makes one random input that s3post must accept, and an upload
// that meets every condition of the form.
func generate(r *rand.Rand, bucket, prefix string) generated {
	g := generated{
		in:       s3post.PostInput{Bucket: bucket, Fields: map[string]string{}},
		extra:    map[string]string{},
		filename: "file-" + fmt.Sprint(r.IntN(1000)) + ".bin",
	}
	g.content = strings.Repeat("x", r.IntN(64))
	key := prefix + randomText(r, 1+r.IntN(6))
	if r.IntN(3) == 0 {
		key += "/${filename}"
	}
	g.in.Key = key
	if r.IntN(2) == 0 { // the browser may change the key within a prefix
		g.in.Conditions = append(g.in.Conditions, s3post.StartsWith("key", prefix))
	}

	types := []string{"text/plain", "image/png", "application/json", "application/octet-stream"}
	ct := types[r.IntN(len(types))]
	switch r.IntN(4) {
	case 0: // exact, signed as a field
		g.in.Fields["Content-Type"] = ct
	case 1: // prefix condition, value in the form
		g.in.Fields["Content-Type"] = ct
		g.in.Conditions = append(g.in.Conditions, s3post.StartsWith("Content-Type", ct[:strings.Index(ct, "/")+1]))
	case 2: // prefix condition, value chosen by the client
		g.in.Conditions = append(g.in.Conditions, s3post.StartsWith("Content-Type", ct[:1+r.IntN(len(ct))]))
		g.extra["Content-Type"] = ct
	}
	for i := 0; i < r.IntN(3); i++ {
		g.in.Fields[fmt.Sprintf("x-amz-meta-f%d", i)] = randomText(r, r.IntN(5))
	}
	if r.IntN(3) == 0 {
		g.in.Conditions = append(g.in.Conditions, s3post.StartsWith("x-amz-meta-free", ""))
		g.extra["x-amz-meta-free"] = "client value " + fmt.Sprint(r.IntN(100))
	}
	if r.IntN(2) == 0 {
		g.in.Fields["Cache-Control"] = []string{"no-cache", "max-age=3600", "private"}[r.IntN(3)]
	}
	if r.IntN(3) == 0 {
		g.in.Fields["Content-Disposition"] = "attachment; filename=\"" + g.filename + "\""
	}
	if r.IntN(2) == 0 {
		g.in.Fields["success_action_status"] = []string{"200", "201", "204"}[r.IntN(3)]
	}
	if r.IntN(2) == 0 {
		size := int64(len(g.content))
		g.in.Conditions = append(g.in.Conditions, s3post.ContentLengthRange(size-int64(r.IntN(int(size)+1)), size+int64(r.IntN(10))))
	}
	if r.IntN(4) == 0 {
		g.in.Conditions = append(g.in.Conditions, s3post.Eq("x-amz-meta-f0", "pinned"))
		g.in.Fields["x-amz-meta-f0"] = "pinned"
	}
	return g
}

// TestGuaranteeSignedFormsUpload presigns a large generated set of inputs and
// uploads each to every server (VersityGW is the strict one; SeaweedFS
// substitutes ${filename}): every one must succeed.
func TestGuaranteeSignedFormsUpload(t *testing.T) {
	e := loadEnv(t)
	for _, s := range e.servers {
		t.Run(s.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(guaranteeSeed, 1))
			prefix := uniqueKey(t)
			const n = 200
			for i := 0; i < n; i++ {
				g := generate(r, e.bucket, fmt.Sprintf("%s%03d/", prefix, i))
				post, err := e.presigner(s).PresignPost(t.Context(), g.in)
				require.NoError(t, err, "case %d: s3post refused a valid input %+v", i, g.in)
				req, err := post.NewUploadRequest(t.Context(), s3post.Upload{
					Filename: g.filename, Body: strings.NewReader(g.content), Fields: g.extra,
				})
				require.NoError(t, err)
				got := send(t, req)
				if s.name == "ceph" && policyOutsideBMP(t, post) {
					// Named in the corpus: see cephSurrogates.
					require.Equal(t, http.StatusForbidden, got.status, "case %d: %s", i, cephSurrogates)
					continue
				}
				require.Less(t, got.status, 300, "case %d: %s refused a signed form: %v\ninput: %+v\nextra: %v", i, s.name, got, g.in, g.extra)
			}
			t.Logf("%d generated forms uploaded to %s (seed %d)", n, s.name, guaranteeSeed)
		})
	}
}

// TestGuaranteeRejectedAtPresign breaks generated inputs in ways that can
// only produce a form S3 rejects, and checks that PresignPost refuses each.
// It needs no server.
func TestGuaranteeRejectedAtPresign(t *testing.T) {
	t.Parallel()
	p := &s3post.Presigner{Credentials: s3post.StaticCredentials("AK", "SK", ""), Region: "us-east-1", Endpoint: "http://127.0.0.1:1"}
	breakers := []struct {
		name  string
		apply func(in *s3post.PostInput)
	}{
		{"content type outside its own condition", func(in *s3post.PostInput) {
			in.Fields["Content-Type"] = "text/html"
			in.Conditions = append(in.Conditions, s3post.StartsWith("Content-Type", "image/"))
		}},
		{"a field value against its exact condition", func(in *s3post.PostInput) {
			in.Fields["x-amz-meta-q"] = "one"
			in.Conditions = append(in.Conditions, s3post.Eq("X-Amz-Meta-Q", "two"))
		}},
		{"a field the client fills in, with no possible value", func(in *s3post.PostInput) {
			in.Conditions = append(in.Conditions, s3post.Eq("x-amz-meta-none", "a"), s3post.StartsWith("x-amz-meta-none", "b"))
		}},
		{"a key outside its own prefix", func(in *s3post.PostInput) {
			in.Conditions = append(in.Conditions, s3post.StartsWith("key", "somewhere-else/"))
		}},
		{"disjoint size ranges", func(in *s3post.PostInput) {
			in.Conditions = append(in.Conditions, s3post.ContentLengthRange(0, 1), s3post.ContentLengthRange(2, 3))
		}},
	}
	r := rand.New(rand.NewPCG(guaranteeSeed, 2))
	for i := 0; i < 200; i++ {
		g := generate(r, "guarantee-bucket", "in/")
		b := breakers[i%len(breakers)]
		b.apply(&g.in)
		_, err := p.PresignPost(t.Context(), g.in)
		require.Error(t, err, "case %d (%s): s3post signed a form S3 must reject: %+v", i, b.name, g.in)
		var ie *s3post.InputError
		assert.True(t, errors.As(err, &ie) && errors.Is(err, s3post.ErrUnsatisfiable), "case %d (%s): %v", i, b.name, err)
	}
}

// policyOutsideBMP reports whether the form's policy has a condition value
// with a character outside the Basic Multilingual Plane,
// which JSON escapes as a surrogate pair (see cephSurrogates).
func policyOutsideBMP(t *testing.T, post *s3post.PresignedPost) bool {
	t.Helper()
	doc, err := s3post.DecodePolicy(post.Fields["policy"])
	require.NoError(t, err)
	for _, c := range doc.Conditions {
		for _, r := range c.Value {
			if r > 0xFFFF {
				return true
			}
		}
	}
	return false
}
