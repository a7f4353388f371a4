package s3posttest_test

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const kmsKeyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func TestKMSKeyIDs(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	tests := []struct {
		reason, keyID string
		wantCode      string // "" when stored
	}{
		{reason: "a key id (UUID) is taken", keyID: "1234abcd-12ab-34cd-56ef-1234567890ab"},
		{reason: "a multi-Region key id is taken", keyID: "mrk-1234abcd12ab34cd56ef1234567890ab"},
		{reason: "a key ARN is taken", keyID: kmsKeyARN},
		{reason: "an alias name is taken", keyID: "alias/uploads"},
		{reason: "an alias ARN is taken", keyID: "arn:aws:kms:us-east-1:111122223333:alias/uploads"},
		{reason: "a name that is no key id is refused as KMS refuses an unknown key", keyID: "key-1", wantCode: "KMS.NotFoundException"},
		{reason: "an ARN of another service is refused", keyID: "arn:aws:s3:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", wantCode: "KMS.NotFoundException"},
		{reason: "an ARN without a 12-digit account is refused", keyID: "arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab", wantCode: "KMS.NotFoundException"},
		{reason: "a UUID with a non-hex digit is refused", keyID: "1234abcd-12ab-34cd-56ef-1234567890ag", wantCode: "KMS.NotFoundException"},
		{reason: "an empty alias is refused", keyID: "alias/", wantCode: "KMS.NotFoundException"},
	}
	for i, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			key := "kms-" + string(rune('a'+i))
			resp := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: key, Object: s3post.ObjectFields{
				ServerSideEncryption: s3post.SSEKMS, SSEKMSKeyID: tc.keyID,
				SSEKMSEncryptionContext: map[string]string{"project": "s3post"},
			}}, "k.txt", "kms", nil)
			if tc.wantCode != "" {
				require.Equal(t, http.StatusBadRequest, resp.StatusCode)
				e := readError(t, resp)
				assert.Equal(t, tc.wantCode, e.Code)
				assert.Equal(t, "Invalid keyId "+tc.keyID, e.Message)
				_, stored := srv.Object("test-bucket", key)
				assert.False(t, stored)
				return
			}
			require.Equal(t, http.StatusNoContent, resp.StatusCode)
			head, err := http.Head(srv.URL + "/test-bucket/" + key)
			require.NoError(t, err)
			head.Body.Close()
			assert.Equal(t, "aws:kms", head.Header.Get("x-amz-server-side-encryption"))
			assert.Equal(t, tc.keyID, head.Header.Get("x-amz-server-side-encryption-aws-kms-key-id"))
			assert.Equal(t, base64.StdEncoding.EncodeToString([]byte(`{"project":"s3post"}`)), head.Header.Get("x-amz-server-side-encryption-context"))
		})
	}
}

func TestSSECKeyOnRead(t *testing.T) {
	t.Parallel()
	srv := s3posttest.NewServer(s3posttest.Config{})
	t.Cleanup(srv.Close)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	other := make([]byte, 32)
	b64 := base64.StdEncoding.EncodeToString
	md5b64 := func(k []byte) string { sum := md5.Sum(k); return b64(sum[:]) }
	resp := upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "ssec.txt", Object: s3post.ObjectFields{SSECustomerKey: key}}, "c.txt", "secret", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp = upload(t, srv, s3post.PostInput{Bucket: "test-bucket", Key: "plain.txt"}, "p.txt", "plain", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	obj, ok := srv.Object("test-bucket", "ssec.txt")
	require.True(t, ok)
	assert.Equal(t, "AES256", obj.SSECustomerAlgorithm)
	assert.Equal(t, md5b64(key), obj.SSECustomerKeyMD5)
	assert.Empty(t, obj.ServerSideEncryption, "an SSE-C object is not SSE-S3 too")

	tests := []struct {
		reason    string
		object    string
		headers   map[string]string
		wantCode  string // "" for 200
		wantState int
	}{
		{reason: "GET of an SSE-C object without the key is InvalidRequest", object: "ssec.txt",
			wantCode: "InvalidRequest", wantState: http.StatusBadRequest},
		{reason: "GET with the algorithm alone is InvalidRequest", object: "ssec.txt",
			headers:  map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256"},
			wantCode: "InvalidRequest", wantState: http.StatusBadRequest},
		{reason: "GET with another key is AccessDenied", object: "ssec.txt",
			headers: map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256",
				"x-amz-server-side-encryption-customer-key": b64(other), "x-amz-server-side-encryption-customer-key-MD5": md5b64(other)},
			wantCode: "AccessDenied", wantState: http.StatusForbidden},
		{reason: "GET with a key whose MD5 is wrong is InvalidArgument", object: "ssec.txt",
			headers: map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256",
				"x-amz-server-side-encryption-customer-key": b64(key), "x-amz-server-side-encryption-customer-key-MD5": md5b64(other)},
			wantCode: "InvalidArgument", wantState: http.StatusBadRequest},
		{reason: "GET with the key serves the object and its SSE-C headers", object: "ssec.txt",
			headers: map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256",
				"x-amz-server-side-encryption-customer-key": b64(key), "x-amz-server-side-encryption-customer-key-MD5": md5b64(key)},
			wantState: http.StatusOK},
		{reason: "GET of an object without SSE-C, with SSE-C headers, is InvalidRequest", object: "plain.txt",
			headers: map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256",
				"x-amz-server-side-encryption-customer-key": b64(key), "x-amz-server-side-encryption-customer-key-MD5": md5b64(key)},
			wantCode: "InvalidRequest", wantState: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/test-bucket/"+tc.object, nil)
			require.NoError(t, err)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tc.wantState, resp.StatusCode)
			if tc.wantCode != "" {
				assert.Equal(t, tc.wantCode, readError(t, resp).Code)
				return
			}
			assert.Equal(t, "AES256", resp.Header.Get("x-amz-server-side-encryption-customer-algorithm"))
			assert.Equal(t, md5b64(key), resp.Header.Get("x-amz-server-side-encryption-customer-key-MD5"))
			assert.Empty(t, resp.Header.Get("x-amz-server-side-encryption"))
		})
	}
}
