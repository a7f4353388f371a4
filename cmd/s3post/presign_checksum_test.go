package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	be "encoding/binary"
	"hash/crc32"
	"hash/crc64"
	"strings"
	"testing"

	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPresignChecksumThenUpload pipes "presign -checksum ALG" into upload
// against the in-memory S3 endpoint, which checks the checksum against the
// file and stores it.
func TestPresignChecksumThenUpload(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"photos"}, AccessKeyID: testAccessKey, SecretAccessKey: testSecret})
	t.Cleanup(srv.Close)
	content := []byte("checked by S3\n")
	b64 := base64.StdEncoding.EncodeToString
	sha1Sum, sha256Sum := sha1.Sum(content), sha256.Sum256(content)
	tests := []struct {
		reason, flag, wantAlg, wantSum string
	}{
		{"crc32", "crc32", "crc32", b64(be.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(content)))},
		{"crc32c", "crc32c", "crc32c", b64(be.BigEndian.AppendUint32(nil, crc32.Checksum(content, crc32.MakeTable(crc32.Castagnoli))))},
		{"crc64nvme", "crc64nvme", "crc64nvme", b64(be.BigEndian.AppendUint64(nil, crc64.Checksum(content, crc64.MakeTable(0x9a6c9329ac4bc9b5))))},
		{"sha1", "sha1", "sha1", b64(sha1Sum[:])},
		{"sha256", "sha256", "sha256", b64(sha256Sum[:])},
		{"the algorithm's name in capitals", "SHA256", "sha256", b64(sha256Sum[:])},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			env := credsEnv(t)
			key := "sums/" + tc.reason
			r := runCLI(t, env, "", "presign", "-endpoint", srv.URL, "-region", srv.Region(), "-bucket", "photos", "-key", key, "-checksum", tc.flag)
			require.Equal(t, 0, r.code, "%v", r)
			assert.Contains(t, r.stdout, `"x-amz-checksum-algorithm": "`+strings.ToUpper(tc.wantAlg)+`"`, "the form fixes the algorithm")
			r = runCLI(t, env, r.stdout, "upload", writeFile(t, "notes.txt", string(content)))
			require.Equal(t, 0, r.code, "%v", r)
			obj, ok := srv.Object("photos", key)
			require.True(t, ok)
			assert.Equal(t, content, obj.Body)
			assert.Equal(t, tc.wantAlg, obj.ChecksumAlgorithm)
			assert.Equal(t, tc.wantSum, obj.Checksum, "the checksum that upload computed and S3 checked")
		})
	}
}

func TestPresignChecksumRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		args   []string
		want   string
	}{
		{"an algorithm S3 does not have", []string{"-checksum", "md5"},
			`s3post: presign: -checksum "md5": want crc32, crc32c, crc64nvme, sha1 or sha256` + "\n"},
		{"the algorithm set twice, by -checksum and -field", []string{"-checksum", "sha256", "-field", "x-amz-checksum-algorithm=SHA256"},
			`s3post: presign: -field "x-amz-checksum-algorithm": -checksum sets the field x-amz-checksum-algorithm too: set it in one place` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"presign", "-bucket", "my-bucket", "-key", "k"}, tc.args...)
			r := runCLI(t, credsEnv(t), "", args...)
			requireFailure(t, r, 2, tc.want)
			assert.Equal(t, tc.want, r.stderr)
		})
	}
}
