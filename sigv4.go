package s3post

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// SigV4 constants for POST policies.
const (
	// Algorithm is the value of the x-amz-algorithm form field.
	Algorithm = "AWS4-HMAC-SHA256"

	service       = "s3"
	scopeTerminal = "aws4_request"
	amzDateFormat = "20060102T150405Z"
	dateFormat    = "20060102"
)

// deriveSigningKey computes the SigV4 signing key: four chained HMAC-SHA256
// steps over the date, region, service and terminal string.
func deriveSigningKey(secret, date, region string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminal)
}

// signPolicy returns the lowercase hex HMAC-SHA256 of the base64 policy under
// the signing key: the x-amz-signature of a POST form.
func signPolicy(signingKey []byte, policyBase64 string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, policyBase64))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// credentialScope returns "AKID/YYYYMMDD/region/s3/aws4_request", the value
// of the x-amz-credential form field.
func credentialScope(accessKeyID string, t time.Time, region string) string {
	return accessKeyID + "/" + t.Format(dateFormat) + "/" + region + "/" + service + "/" + scopeTerminal
}

// signingKeyCache remembers the most recently derived signing key, so that
// the four-HMAC derivation runs once a day per credentials and region rather
// than on every form. It is safe for concurrent use and never blocks: a miss
// derives the key and publishes it with an atomic store.
type signingKeyCache struct {
	last atomic.Pointer[signingKeyEntry]
}

type signingKeyEntry struct {
	accessKeyID, secret, date, region string
	key                               []byte
}

func (c *signingKeyCache) get(creds Credentials, date, region string) []byte {
	if e := c.last.Load(); e != nil && e.date == date && e.region == region &&
		e.accessKeyID == creds.AccessKeyID && e.secret == creds.SecretAccessKey {
		return e.key
	}
	e := &signingKeyEntry{
		accessKeyID: creds.AccessKeyID,
		secret:      creds.SecretAccessKey,
		date:        date,
		region:      region,
		key:         deriveSigningKey(creds.SecretAccessKey, date, region),
	}
	c.last.Store(e)
	return e.key
}
