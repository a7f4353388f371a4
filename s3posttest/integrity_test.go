package s3posttest_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The check values of the CRCs, the checksums of "123456789".
const checkInput = "123456789"

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func be32(v uint32) string { return b64(binary.BigEndian.AppendUint32(nil, v)) }

func TestIntegrityChecks(t *testing.T) {
	t.Parallel()
	md5Sum := md5.Sum([]byte(checkInput))
	otherMD5 := md5.Sum([]byte("123456780"))
	sha1Sum := sha1.Sum([]byte(checkInput))
	sha256Sum := sha256.Sum256([]byte(checkInput))
	otherSHA256 := sha256.Sum256([]byte("123456780"))
	sums := map[string]string{
		"crc32":     be32(0xCBF43926),
		"crc32c":    be32(0xE3069283),
		"crc64nvme": b64(binary.BigEndian.AppendUint64(nil, 0xAE8B14860A799888)),
		"sha1":      b64(sha1Sum[:]),
		"sha256":    b64(sha256Sum[:]),
	}
	wrong := map[string]string{
		"crc32": be32(0xCBF43927), "crc32c": be32(0xE3069293),
		"crc64nvme": b64(binary.BigEndian.AppendUint64(nil, 0xAE8B14860A799889)),
		"sha1":      b64(make([]byte, 20)), "sha256": b64(otherSHA256[:]),
	}
	names := map[string]string{"crc32": "CRC32", "crc32c": "CRC32C", "crc64nvme": "CRC64NVME", "sha1": "SHA1", "sha256": "SHA256"}

	type tc struct {
		reason       string
		fields       map[string]string // sent by the client, under starts-with "" conditions
		wantCode     string            // "" for a stored upload
		wantMessage  string
		wantChecksum string // stored with the object
		wantAlg      string
	}
	tests := []tc{
		{reason: "a right Content-MD5 is accepted", fields: map[string]string{"Content-MD5": b64(md5Sum[:])}},
		{reason: "a wrong Content-MD5 is BadDigest", fields: map[string]string{"Content-MD5": b64(otherMD5[:])},
			wantCode: "BadDigest", wantMessage: "The Content-MD5 you specified did not match what we received."},
		{reason: "a Content-MD5 that is not the base64 of 16 bytes is InvalidDigest", fields: map[string]string{"Content-MD5": "abc"},
			wantCode: "InvalidDigest", wantMessage: "The Content-MD5 you specified was invalid."},
		{reason: "a checksum value of the wrong size is InvalidRequest", fields: map[string]string{"x-amz-checksum-sha256": b64(md5Sum[:])},
			wantCode: "InvalidRequest", wantMessage: "Value for x-amz-checksum-sha256 header is invalid."},
		{reason: "two checksum values are InvalidRequest", fields: map[string]string{"x-amz-checksum-sha256": sums["sha256"], "x-amz-checksum-crc32": sums["crc32"]},
			wantCode: "InvalidRequest", wantMessage: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."},
		{reason: "an unknown algorithm is InvalidRequest", fields: map[string]string{"x-amz-checksum-algorithm": "MD5"},
			wantCode: "InvalidRequest", wantMessage: "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"},
		{reason: "an algorithm that is not the checksum's is InvalidRequest", fields: map[string]string{"x-amz-checksum-algorithm": "SHA1", "x-amz-checksum-sha256": sums["sha256"]},
			wantCode: "InvalidRequest", wantMessage: "Value for x-amz-checksum-algorithm header is invalid: it names SHA1 and the form's checksum field is x-amz-checksum-sha256."},
		{reason: "an algorithm alone: S3 computes the checksum and keeps it", fields: map[string]string{"x-amz-checksum-algorithm": "CRC32C"},
			wantChecksum: sums["crc32c"], wantAlg: "crc32c"},
		{reason: "a right checksum with its algorithm is kept", fields: map[string]string{"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": sums["sha256"]},
			wantChecksum: sums["sha256"], wantAlg: "sha256"},
	}
	for alg, sum := range sums {
		tests = append(tests,
			tc{reason: alg + ": the right checksum is accepted and kept", fields: map[string]string{"x-amz-checksum-" + alg: sum}, wantChecksum: sum, wantAlg: alg},
			tc{reason: alg + ": a wrong checksum is BadDigest", fields: map[string]string{"x-amz-checksum-" + alg: wrong[alg]},
				wantCode: "BadDigest", wantMessage: "The " + names[alg] + " you specified did not match the calculated checksum."})
	}
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	for i, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			key := "obj" + string(rune('a'+i))
			var conds []s3post.Condition
			for name := range tc.fields {
				conds = append(conds, s3post.StartsWith(name, ""))
			}
			resp := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: key, Conditions: conds}, "f.txt", checkInput, tc.fields)
			obj, stored := srv.Object("test-bucket", key)
			if tc.wantCode != "" {
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
				assert.Equal(t, s3Error{tc.wantCode, tc.wantMessage}, readError(t, resp))
				assert.False(t, stored, "nothing is stored")
				return
			}
			require.Equal(t, http.StatusNoContent, resp.StatusCode)
			require.True(t, stored)
			assert.Equal(t, tc.wantChecksum, obj.Checksum)
			assert.Equal(t, tc.wantAlg, obj.ChecksumAlgorithm)
		})
	}
}

func TestObjectHeadersKept(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	sum := sha256.Sum256([]byte("kept"))
	resp := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "kept.txt", Object: s3post.ObjectFields{
		Expires:                 time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		StorageClass:            s3post.StorageClassStandardIA,
		WebsiteRedirectLocation: "/elsewhere",
		ServerSideEncryption:    s3post.SSEKMS, SSEKMSKeyID: "alias/uploads", BucketKeyEnabled: true,
		Tagging:           map[string]string{"team": "web", "stage": "a+b"},
		ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.Exactly(b64(sum[:])),
	}}, "k.txt", "kept", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	tests := []struct {
		reason string
		method string
		query  string
		mode   string
		want   map[string]string // headers; "" for one that must be absent
	}{
		{reason: "HEAD returns what the form set, and the checksum only when asked", method: http.MethodHead, want: map[string]string{
			"Expires": "Wed, 02 Jan 2030 03:04:05 GMT", "x-amz-storage-class": "STANDARD_IA", "x-amz-website-redirect-location": "/elsewhere",
			"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "alias/uploads",
			"x-amz-server-side-encryption-bucket-key-enabled": "true", "x-amz-tagging-count": "2", "x-amz-checksum-sha256": "",
		}},
		{reason: "x-amz-checksum-mode ENABLED returns the checksum", method: http.MethodHead, mode: "ENABLED", want: map[string]string{
			"x-amz-checksum-sha256": b64(sum[:]), "x-amz-checksum-type": "FULL_OBJECT",
		}},
		{reason: "GET returns the same headers", method: http.MethodGet, mode: "ENABLED", want: map[string]string{
			"x-amz-checksum-sha256": b64(sum[:]), "x-amz-tagging-count": "2", "x-amz-storage-class": "STANDARD_IA",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tc.method, srv.URL+"/test-bucket/kept.txt", nil)
			require.NoError(t, err)
			if tc.mode != "" {
				req.Header.Set("x-amz-checksum-mode", tc.mode)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			for name, want := range tc.want {
				assert.Equal(t, want, resp.Header.Get(name), name)
			}
		})
	}

	t.Run("GetObjectTagging returns the tags", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Get(srv.URL + "/test-bucket/kept.txt?tagging")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>stage</Key><Value>a+b</Value></Tag><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>`, string(body))
	})

	t.Run("an object without encryption fields is SSE-S3, as on S3", func(t *testing.T) {
		t.Parallel()
		resp := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "plain.txt"}, "p.txt", "plain", nil)
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		head, err := http.Head(srv.URL + "/test-bucket/plain.txt")
		require.NoError(t, err)
		head.Body.Close()
		assert.Equal(t, "AES256", head.Header.Get("x-amz-server-side-encryption"))
		assert.Empty(t, head.Header.Get("x-amz-tagging-count"))
		assert.Empty(t, head.Header.Get("x-amz-storage-class"))
	})
}
