package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUploadTornFile is the torn upload: a file rewritten in place (same
// size, other bytes) while s3post upload sends it. It is made
// deterministic by rewriting the file after the request is built (the file
// hashed) and before it is sent. Where the form allows a checksum, S3
// refuses the body and stores nothing, and the command says so and exits
// 1; before, the torn file was stored with exit 0.
func TestUploadTornFile(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	original := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	tests := []struct {
		reason   string
		object   s3post.ObjectFields
		args     []string
		rewrite  bool
		wantCode int
		wantErr  string
	}{
		{reason: "a SHA-256 checksum: BadDigest, nothing stored", rewrite: true,
			object:   s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()},
			wantCode: 1, wantErr: "s3post: S3 said: BadDigest: The SHA256 you specified did not match the calculated checksum. (400 Bad Request)\n"},
		{reason: "a Content-MD5: BadDigest, nothing stored", rewrite: true,
			object:   s3post.ObjectFields{ContentMD5: s3post.AnyValue()},
			wantCode: 1, wantErr: "s3post: S3 said: BadDigest: The Content-MD5 you specified did not match what we received. (400 Bad Request)\n"},
		{reason: "a file left alone is stored with its checksum",
			object: s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumCRC32, Checksum: s3post.AnyValue()}},
		{reason: "-no-checksum: the torn file is stored, as the caller asked", rewrite: true, args: []string{"-no-checksum"},
			object: s3post.ObjectFields{ContentMD5: s3post.AnyValue()}},
	}
	for i, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			key := "torn/" + string(rune('a'+i))
			post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{Bucket: "test-bucket", Key: key, Object: tc.object})
			require.NoError(t, err)
			form, err := json.Marshal(post)
			require.NoError(t, err)
			formPath := filepath.Join(dir, "form.json")
			require.NoError(t, os.WriteFile(formPath, form, 0o600))
			path := filepath.Join(dir, "data.bin")
			require.NoError(t, os.WriteFile(path, original, 0o600))

			var stdout, stderr bytes.Buffer
			std := &stdio{out: &stdout, err: &stderr, beforeSend: func() {
				if !tc.rewrite {
					return
				}
				w, err := os.OpenFile(path, os.O_WRONLY, 0)
				if assert.NoError(t, err) {
					_, err = w.WriteAt([]byte("REWRITTEN"), int64(len(original)/2))
					assert.NoError(t, err)
					assert.NoError(t, w.Close())
				}
			}}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			args := append(append([]string{"upload", "-form", formPath}, tc.args...), path)
			code := run(ctx, args, std)
			assert.Equal(t, tc.wantCode, code, "stderr: %s", stderr.String())
			obj, stored := srv.Object("test-bucket", key)
			if tc.wantCode != 0 {
				assert.Equal(t, tc.wantErr, stderr.String())
				assert.False(t, stored, "nothing torn is stored")
				return
			}
			require.True(t, stored)
			if !tc.rewrite {
				assert.Equal(t, original, obj.Body)
				sum := crc32IEEE(original)
				assert.Equal(t, sum, obj.Checksum)
				return
			}
			assert.NotEqual(t, original, obj.Body)
		})
	}
}

// crc32IEEE is the base64 of b's CRC32, as S3 gives it.
func crc32IEEE(b []byte) string {
	sum := crc32.NewIEEE()
	sum.Write(b)
	return base64.StdEncoding.EncodeToString(sum.Sum(nil))
}
