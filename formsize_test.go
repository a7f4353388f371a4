package s3post

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPresignPostFormSize checks S3's limits on the form as a whole: the
// fields before the file (policy included) within the 20 KB that S3 reads
// before the file, and a size range that a POST upload can meet.
func TestPresignPostFormSize(t *testing.T) {
	t.Parallel()
	many := map[string]string{}
	for i := range 10000 {
		many[fmt.Sprintf("f%d", i)] = "1"
	}
	var longConditions strings.Builder // about 120 KB of boto3's JSON
	longConditions.WriteString("[")
	for i := range 3000 {
		if i > 0 {
			longConditions.WriteString(", ")
		}
		fmt.Fprintf(&longConditions, `["starts-with", "$x-amz-meta-tag-%04d", ""]`, i)
	}
	longConditions.WriteString("]")
	parsed, err := ParseConditions([]byte(longConditions.String()))
	require.NoError(t, err, "ParseConditions has no size limit of its own")
	require.Greater(t, longConditions.Len(), 120000)

	tests := []struct {
		reason string
		in     PostInput
		token  string
		want   error    // nil: accepted
		msgs   []string // parts of the message
	}{
		{reason: "a 5,000-byte value fits", in: PostInput{Fields: map[string]string{"Content-Disposition": strings.Repeat("d", 5000)}}},
		{reason: "a 10 KiB value: it is in the form and, in base64, in the policy", in: PostInput{Fields: map[string]string{"Content-Disposition": strings.Repeat("d", 10<<10)}},
			want: ErrUnsatisfiable, msgs: []string{`Fields["Content-Disposition"]: the fields before the file would take up to `, "over the 20480 bytes that S3 reads before the file (it answers MaxPostPreDataLengthExceeded)", "shorten or drop fields or conditions; this one is the longest, with 10259 bytes of name and value"}},
		{reason: "a 19 KiB metadata value is over the metadata limit first", in: PostInput{Fields: map[string]string{"x-amz-meta-note": strings.Repeat("d", 19<<10)}},
			want: ErrInvalidField, msgs: []string{"user metadata"}},
		{reason: "10,000 short fields", in: PostInput{Fields: many}, want: ErrUnsatisfiable, msgs: []string{"Fields: the fields before the file would take at least ", "most of it is the 10000 fields"}},
		{reason: "120 KB of -conditions", in: PostInput{Conditions: parsed}, want: ErrUnsatisfiable, msgs: []string{"Conditions: ", "would take at least", "the policy at least", "most of it is the 3000 conditions"}},
		{reason: "a long key with ${filename} in a long field", in: PostInput{Key: strings.Repeat("k", 1000) + "/${filename}", Fields: map[string]string{"success_action_redirect": "https://example.com/" + strings.Repeat("r", 7000)}},
			want: ErrUnsatisfiable, msgs: []string{`Fields["success_action_redirect"]`}},
		{reason: "a long session token counts too, twice", in: PostInput{Fields: map[string]string{"Content-Disposition": strings.Repeat("d", 5000)}}, token: strings.Repeat("T", 4000),
			want: ErrUnsatisfiable, msgs: []string{"Fields[\"Content-Disposition\"]"}},
		{reason: "a session token longer than any value is named as the longest", in: PostInput{}, token: strings.Repeat("T", 9000),
			want: ErrUnsatisfiable, msgs: []string{"Presigner.Credentials: ", "the session token is the longest value, with 9000 bytes"}},
		{reason: "line breaks may become CRLF in a browser: each counts twice", in: PostInput{Fields: map[string]string{"Content-Disposition": strings.Repeat("\n", 4000)}},
			want: ErrUnsatisfiable},
		{reason: "a size range up to S3's 5 GiB", in: PostInput{Conditions: []Condition{ContentLengthRange(5<<30, 5<<30)}}},
		{reason: "a maximum above 5 GiB is S3's own limit", in: PostInput{Conditions: []Condition{ContentLengthRange(1, 1<<62)}}},
		{reason: "a minimum above 5 GiB", in: PostInput{Conditions: []Condition{ContentLengthRange(5<<30+1, 6<<30)}},
			want: ErrUnsatisfiable, msgs: []string{"Conditions[0]: the content-length-range minimum 5368709121 is over the 5368709120 bytes (5 GiB) of the largest POST upload"}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			tc.in.Bucket = "example-bucket"
			if tc.in.Key == "" {
				tc.in.Key = "k"
			}
			p := testPresigner()
			p.Credentials = StaticCredentials(testAccessKey, testSecret, tc.token)
			post, err := p.PresignPost(context.Background(), tc.in)
			if tc.want == nil {
				require.NoError(t, err)
				assert.LessOrEqual(t, browserPreFileBytes(t, post), maxPreFileSize)
				return
			}
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, post)
			for _, msg := range tc.msgs {
				assert.Contains(t, err.Error(), msg)
			}
			assert.Less(t, len(err.Error()), 500, "the message is short: %s", err)
		})
	}
}

// TestPresignPostFormSizeEdge finds the longest field value that
// PresignPost accepts, and checks that a browser's encoding of that form,
// with the longest boundary and a file part with a long name, still fits in
// the 20 KB that S3 reads before the file, and that one byte more is
// refused: the estimate is never below what is sent, and not far above it.
func TestPresignPostFormSizeEdge(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"", strings.Repeat("T", 1000)} {
		p := testPresigner()
		p.Credentials = StaticCredentials(testAccessKey, testSecret, token)
		presign := func(n int) (*PresignedPost, error) {
			return p.PresignPost(context.Background(), PostInput{
				Bucket: "example-bucket", Key: "uploads/${filename}",
				Fields:     map[string]string{"Content-Type": "image/png", "Content-Disposition": strings.Repeat("d", n)},
				Conditions: []Condition{ContentLengthRange(1, 10<<20)},
			})
		}
		lo, hi := 0, maxPreFileSize // presign(lo) succeeds, presign(hi) fails
		for hi-lo > 1 {
			if mid := (lo + hi) / 2; func() bool { _, err := presign(mid); return err == nil }() {
				lo = mid
			} else {
				hi = mid
			}
		}
		post, err := presign(lo)
		require.NoError(t, err)
		sent := browserPreFileBytes(t, post)
		assert.LessOrEqual(t, sent, maxPreFileSize, "with a token of %d bytes", len(token))
		assert.Greater(t, sent, maxPreFileSize-600, "the estimate is not far above what is sent, with a token of %d bytes", len(token))
		_, err = presign(hi)
		require.ErrorIs(t, err, ErrUnsatisfiable)
	}
}

// browserPreFileBytes returns how many bytes of a multipart/form-data body
// come before the file's content when the form is posted with the longest
// boundary that RFC 2046 allows and a file part with a 100-byte name.
func browserPreFileBytes(t *testing.T, post *PresignedPost) int {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	require.NoError(t, w.SetBoundary(strings.Repeat("-", 30)+strings.Repeat("b", 40)))
	for name, value := range post.Fields {
		value = strings.ReplaceAll(value, "\n", "\r\n") // as browsers send line breaks
		require.NoError(t, w.WriteField(name, value))
	}
	_, err := w.CreateFormFile("file", strings.Repeat("f", 96)+".png")
	require.NoError(t, err)
	return body.Len()
}

// TestPresignPostFormSizeBeforeCredentials checks that a form whose fields
// and conditions alone are over S3's limit is refused before the
// credentials are retrieved.
func TestPresignPostFormSizeBeforeCredentials(t *testing.T) {
	t.Parallel()
	calls := 0
	p := testPresigner()
	p.Credentials = CredentialsProviderFunc(func(context.Context) (Credentials, error) {
		calls++
		return Credentials{AccessKeyID: "a", SecretAccessKey: "b"}, nil
	})
	for _, in := range []PostInput{
		{Bucket: "example-bucket", Key: "k", Fields: map[string]string{"Content-Disposition": strings.Repeat("d", 21000)}},
		{Bucket: "example-bucket", Key: "k", Conditions: []Condition{StartsWith("Content-Disposition", strings.Repeat("d", 16000))}},
	} {
		_, err := p.PresignPost(context.Background(), in)
		require.ErrorIs(t, err, ErrUnsatisfiable)
		assert.Contains(t, err.Error(), "would take at least")
	}
	assert.Zero(t, calls, "a form too large cost a credentials fetch")
}
