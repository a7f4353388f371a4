package s3post

import (
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// awsExamplePolicy is the base64 policy of AWS's published example "Browser-Based
// Upload using HTTP POST (Using AWS Signature Version 4)"; it decodes to a JSON
// document with CRLF line ends.
const awsExamplePolicy = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"

const (
	awsExampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	awsExampleSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func TestSignPolicyKnownAnswer(t *testing.T) {
	t.Parallel()
	key := deriveSigningKey(awsExampleSecret, "20151229", "us-east-1")
	assert.Equal(t, "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e", signPolicy(key, awsExamplePolicy))

	decoded, err := base64.StdEncoding.DecodeString(awsExamplePolicy)
	require.NoError(t, err)
	assert.Contains(t, string(decoded), `{"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"}`)
	day := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request", credentialScope(awsExampleAccessKey, day, "us-east-1"))
	assert.Equal(t, "20151229T000000Z", day.Format(amzDateFormat))
}

func TestSigningKeyCache(t *testing.T) {
	t.Parallel()
	var c signingKeyCache
	creds := Credentials{AccessKeyID: "AK", SecretAccessKey: "one"}
	get := func(creds Credentials, date, region string) []byte {
		t.Helper()
		s, err := c.signer(creds, date, region)
		require.NoError(t, err)
		return s.key
	}
	k1 := get(creds, "20260101", "eu-west-1")
	assert.Equal(t, deriveSigningKey("one", "20260101", "eu-west-1"), k1)
	assert.Same(t, &k1[0], &get(creds, "20260101", "eu-west-1")[0], "a hit returns the cached key")

	for _, tc := range []struct {
		reason       string
		secret, date string
		region       string
	}{
		{"another day derives a new key", "one", "20260102", "eu-west-1"},
		{"another region derives a new key", "one", "20260102", "us-east-1"},
		{"a rotated secret derives a new key", "two", "20260102", "us-east-1"},
	} {
		got := get(Credentials{AccessKeyID: "AK", SecretAccessKey: tc.secret}, tc.date, tc.region)
		assert.Equal(t, deriveSigningKey(tc.secret, tc.date, tc.region), got, tc.reason)
	}
}

// TestSigningKeyCacheConcurrent runs presigners for several regions and keys
// at once, for the race detector, and checks every signature.
func TestSigningKeyCacheConcurrent(t *testing.T) {
	t.Parallel()
	p := testPresigner()
	regions := []string{"eu-central-1", "us-west-2", "ap-south-1"}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				region := regions[(g+i)%len(regions)]
				creds := Credentials{AccessKeyID: "AK", SecretAccessKey: fmt.Sprint("secret-", g%2)}
				s, err := p.keys.signer(creds, "20261125", region)
				assert.NoError(t, err)
				assert.Equal(t, deriveSigningKey(creds.SecretAccessKey, "20261125", region), s.key)
			}
		}()
	}
	wg.Wait()
}

// TestAppendISO8601 checks the hand-written timestamps against time.Format.
func TestAppendISO8601(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		time.Date(2026, 11, 25, 14, 30, 15, 999_999_999, time.UTC),
		time.Date(2026, 3, 1, 23, 59, 59, 0, time.FixedZone("CET", 3600)),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 9, 5, 7, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 15, 12, 0, 0, 0, time.UTC),
		{},
	}
	for i := 0; i < 1000; i++ {
		times = append(times, time.Unix(int64(i)*7919*86413, 0))
	}
	for _, tm := range times {
		assert.Equal(t, tm.UTC().Format(amzDateFormat), string(appendISO8601(nil, tm, false)))
		assert.Equal(t, tm.UTC().Format(expirationFormat), string(appendISO8601([]byte{}, tm, true)))
	}
}

// TestPolicySignerSign checks that the pooled, pre-keyed HMACs sign as
// signPolicy does, from many goroutines at once, and that each credentials
// (session token included), day and region get their own signer.
func TestPolicySignerSign(t *testing.T) {
	t.Parallel()
	var c signingKeyCache
	creds := Credentials{AccessKeyID: "AK", SecretAccessKey: "secret", SessionToken: "token-1"}
	signer := func(creds Credentials) *policySigner {
		t.Helper()
		s, err := c.signer(creds, "20261125", "eu-west-1")
		require.NoError(t, err)
		return s
	}
	s := signer(creds)
	assert.Same(t, s, signer(creds), "a hit returns the cached signer")
	assert.Equal(t, "AK/20261125/eu-west-1/s3/aws4_request", s.scope)
	assert.Equal(t, `{"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "AK/20261125/eu-west-1/s3/aws4_request"}`, string(s.conditions.credential))
	assert.Equal(t, `, {"x-amz-security-token": "token-1"}`, string(s.conditions.securityToken))

	rotated := creds
	rotated.SessionToken = "token-2"
	assert.Equal(t, `, {"x-amz-security-token": "token-2"}`, string(signer(rotated).conditions.securityToken),
		"a new session token gets its own signer")

	key := deriveSigningKey("secret", "20261125", "eu-west-1")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				policy := base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("policy ", g, " ", i)))
				sc := s.scratch()
				got := sc.sign([]byte(policy))
				s.release(sc)
				assert.Equal(t, signPolicy(key, policy), string(got[:]))
			}
		}()
	}
	wg.Wait()
}
