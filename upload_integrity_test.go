package s3post_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"hash/crc32"
	"hash/crc64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sumBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// s3Answer is the code of an S3 error document.
func s3Answer(t *testing.T, resp *http.Response) string {
	t.Helper()
	var e struct{ Code string }
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(body) > 0 {
		require.NoError(t, xml.Unmarshal(body, &e), string(body))
	}
	return e.Code
}

// sentParts reads an upload request's body: the fields sent, by name, and
// the file's content.
func sentParts(t *testing.T, req *http.Request) (map[string]string, string) {
	t.Helper()
	_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	require.NoError(t, err)
	mr := multipart.NewReader(req.Body, params["boundary"])
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields, ""
		}
		require.NoError(t, err)
		value, err := io.ReadAll(part)
		require.NoError(t, err)
		if part.FormName() == "file" {
			return fields, string(value)
		}
		fields[part.FormName()] = string(value)
	}
}

func TestNewUploadRequestChecksum(t *testing.T) {
	t.Parallel()
	const content = "the file's content"
	sha := sha256.Sum256([]byte(content))
	md := md5.Sum([]byte(content))
	crc := crc32.Checksum([]byte(content), crc32.MakeTable(crc32.Castagnoli))
	crcB64 := sumBase64([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	nvme := crc64.Checksum([]byte(content), crc64.MakeTable(0x9a6c9329ac4bc9b5))
	nvmeB64 := sumBase64([]byte{byte(nvme >> 56), byte(nvme >> 48), byte(nvme >> 40), byte(nvme >> 32), byte(nvme >> 24), byte(nvme >> 16), byte(nvme >> 8), byte(nvme)})
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)

	tests := []struct {
		reason     string
		in         s3post.PostInput
		body       func() io.Reader
		fields     map[string]string
		noChecksum bool
		want       map[string]string // the integrity fields sent
	}{
		{reason: "AnyValue with SHA256: the checksum is computed and sent",
			in:   s3post.PostInput{Object: s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}},
			body: func() io.Reader { return strings.NewReader(content) }, want: map[string]string{"x-amz-checksum-sha256": sumBase64(sha[:])}},
		{reason: "AnyValue with CRC32C, from a bytes.Buffer, which hashing does not consume",
			in:   s3post.PostInput{Object: s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumCRC32C, Checksum: s3post.AnyValue()}},
			body: func() io.Reader { return bytes.NewBufferString(content) }, want: map[string]string{"x-amz-checksum-crc32c": crcB64}},
		{reason: "AnyValue with CRC64NVME",
			in:   s3post.PostInput{Object: s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumCRC64NVME, Checksum: s3post.AnyValue()}},
			body: func() io.Reader { return strings.NewReader(content) }, want: map[string]string{"x-amz-checksum-crc64nvme": nvmeB64}},
		{reason: "Content-MD5 AnyValue and a checksum: both are sent",
			in:   s3post.PostInput{Object: s3post.ObjectFields{ContentMD5: s3post.AnyValue(), ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}},
			body: func() io.Reader { return bytes.NewReader([]byte(content)) }, want: map[string]string{"Content-MD5": sumBase64(md[:]), "x-amz-checksum-sha256": sumBase64(sha[:])}},
		{reason: "a raw starts-with \"\" condition allows it as well",
			in:   s3post.PostInput{Conditions: []s3post.Condition{s3post.StartsWith("X-Amz-Checksum-SHA256", "")}},
			body: func() io.Reader { return strings.NewReader(content) }, want: map[string]string{"x-amz-checksum-sha256": sumBase64(sha[:])}},
		{reason: "of two allowed checksums, the one the form's algorithm names is sent, alone, as S3 takes one",
			in: s3post.PostInput{Fields: map[string]string{"x-amz-checksum-algorithm": "CRC32C"}, Conditions: []s3post.Condition{
				s3post.StartsWith("x-amz-checksum-sha256", ""), s3post.StartsWith("x-amz-checksum-crc32c", "")}},
			body: func() io.Reader { return strings.NewReader(content) }, want: map[string]string{"x-amz-checksum-crc32c": crcB64}},
		{reason: "a prefix condition is not \"any value\": nothing computed",
			in:   s3post.PostInput{Conditions: []s3post.Condition{s3post.StartsWith("Content-MD5", "x")}},
			body: func() io.Reader { return strings.NewReader(content) }, want: map[string]string{}},
		{reason: "a value that the caller gives is sent as it is, not computed",
			in:     s3post.PostInput{Object: s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}},
			fields: map[string]string{"x-amz-checksum-sha256": "given"},
			body:   func() io.Reader { return strings.NewReader(content) }, want: map[string]string{"x-amz-checksum-sha256": "given"}},
		{reason: "NoChecksum: none is sent",
			in:   s3post.PostInput{Object: s3post.ObjectFields{ContentMD5: s3post.AnyValue(), ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}},
			body: func() io.Reader { return strings.NewReader(content) }, noChecksum: true, want: map[string]string{}},
		{reason: "a reader that cannot be read twice is sent without the checksum",
			in:   s3post.PostInput{Object: s3post.ObjectFields{ContentMD5: s3post.AnyValue()}},
			body: func() io.Reader { return iotest.HalfReader(strings.NewReader(content)) }, want: map[string]string{}},
		{reason: "a form that allows no checksum gets none",
			in:   s3post.PostInput{},
			body: func() io.Reader { return strings.NewReader(content) }, want: map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.Bucket, in.Key = "test-bucket", "k"
			post, err := srv.Presigner().PresignPost(context.Background(), in)
			require.NoError(t, err)
			req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "f.txt", Body: tc.body(), Fields: tc.fields, NoChecksum: tc.noChecksum})
			require.NoError(t, err)
			fields, file := sentParts(t, req)
			assert.Equal(t, content, file, "the whole body is sent after hashing")
			got := map[string]string{}
			for name, value := range fields {
				if strings.EqualFold(name, "Content-MD5") || strings.HasPrefix(strings.ToLower(name), "x-amz-checksum-") && !strings.EqualFold(name, "x-amz-checksum-algorithm") {
					got[name] = value
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestNewUploadRequestTornFile is the torn upload: a file rewritten in
// place (same size, other bytes) after NewUploadRequest hashed it and
// before it is sent. With a checksum, S3 refuses the body and stores
// nothing; without one (NoChecksum), the torn file is stored.
func TestNewUploadRequestTornFile(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	tests := []struct {
		reason     string
		object     s3post.ObjectFields
		noChecksum bool
		wantStatus int
		wantCode   string
	}{
		{"a SHA-256 checksum: BadDigest, nothing stored", s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}, false, http.StatusBadRequest, "BadDigest"},
		{"a CRC64NVME checksum: BadDigest, nothing stored", s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumCRC64NVME, Checksum: s3post.AnyValue()}, false, http.StatusBadRequest, "BadDigest"},
		{"a Content-MD5: BadDigest, nothing stored", s3post.ObjectFields{ContentMD5: s3post.AnyValue()}, false, http.StatusBadRequest, "BadDigest"},
		{"NoChecksum: the torn file is stored", s3post.ObjectFields{ContentMD5: s3post.AnyValue()}, true, http.StatusNoContent, ""},
	}
	for i, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "data.bin")
			original := bytes.Repeat([]byte("original "), 10000)
			require.NoError(t, os.WriteFile(path, original, 0o600))
			file, err := os.Open(path)
			require.NoError(t, err)
			t.Cleanup(func() { file.Close() })

			key := "torn/" + string(rune('a'+i))
			post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "test-bucket", Key: key, Object: tc.object})
			require.NoError(t, err)
			req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "data.bin", Body: file, NoChecksum: tc.noChecksum})
			require.NoError(t, err)

			// Rewritten in place: same size, other bytes in the middle.
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = w.WriteAt([]byte("REWRITTEN"), int64(len(original)/2))
			require.NoError(t, err)
			require.NoError(t, w.Close())

			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.wantStatus, resp.StatusCode)
			assert.Equal(t, tc.wantCode, s3Answer(t, resp))
			obj, stored := srv.Object("test-bucket", key)
			if tc.wantCode != "" {
				assert.False(t, stored, "nothing torn is stored")
				return
			}
			require.True(t, stored)
			assert.NotEqual(t, original, obj.Body, "without a checksum the torn file is stored")
		})
	}
}

// TestNewUploadRequestChecksumFromPosition: the digests cover the body from
// where the reader was, as it is sent, and the reader is put back there.
func TestNewUploadRequestChecksumFromPosition(t *testing.T) {
	t.Parallel()
	post, err := (&s3post.Presigner{Credentials: s3post.StaticCredentials("AKIDEXAMPLE", "secret", ""), Region: "us-east-1"}).PresignPost(context.Background(),
		s3post.PostInput{Bucket: "bucket", Key: "k", Object: s3post.ObjectFields{ContentMD5: s3post.AnyValue(), ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()}})
	require.NoError(t, err)
	body := strings.NewReader("skipped|sent")
	_, err = body.Seek(int64(len("skipped|")), io.SeekStart)
	require.NoError(t, err)
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "f", Body: body})
	require.NoError(t, err)
	fields, file := sentParts(t, req)
	md := md5.Sum([]byte("sent"))
	sha := sha256.Sum256([]byte("sent"))
	assert.Equal(t, "sent", file)
	assert.Equal(t, sumBase64(md[:]), fields["Content-MD5"])
	assert.Equal(t, sumBase64(sha[:]), fields["x-amz-checksum-sha256"])
}

func TestNewUploadRequestChecksumHonoursContext(t *testing.T) {
	t.Parallel()
	post, err := (&s3post.Presigner{Credentials: s3post.StaticCredentials("AKIDEXAMPLE", "secret", ""), Region: "us-east-1"}).PresignPost(context.Background(),
		s3post.PostInput{Bucket: "bucket", Key: "k", Object: s3post.ObjectFields{ContentMD5: s3post.AnyValue()}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = post.NewUploadRequest(ctx, s3post.Upload{Filename: "f", Body: strings.NewReader("x")})
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualError(t, err, "s3post: reading Upload.Body to compute its checksum: context canceled")
}
