package s3post

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
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

// appendISO8601 appends t, in UTC and whole seconds, in one of the two ISO
// 8601 layouts of SigV4 POST forms: the basic "20060102T150405Z" of
// x-amz-date, or the extended "2006-01-02T15:04:05Z" of the policy's
// expiration. It writes the digits itself, several times faster than
// time.Format, and leaves years that four digits cannot hold to it.
func appendISO8601(b []byte, t time.Time, extended bool) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		if extended {
			return t.AppendFormat(b, expirationFormat)
		}
		return t.AppendFormat(b, amzDateFormat)
	}
	hour, minute, second := t.Clock()
	b = append(b, digit(year/1000), digit(year/100), digit(year/10), digit(year))
	if extended {
		b = append(b, '-', digit(int(month)/10), digit(int(month)), '-', digit(day/10), digit(day),
			'T', digit(hour/10), digit(hour), ':', digit(minute/10), digit(minute), ':', digit(second/10), digit(second), 'Z')
	} else {
		b = append(b, digit(int(month)/10), digit(int(month)), digit(day/10), digit(day),
			'T', digit(hour/10), digit(hour), digit(minute/10), digit(minute), digit(second/10), digit(second), 'Z')
	}
	return b
}

// digit returns the last decimal digit of n >= 0.
func digit(n int) byte { return byte('0' + n%10) }

// credentialScope returns "AKID/YYYYMMDD/region/s3/aws4_request", the value
// of the x-amz-credential form field.
func credentialScope(accessKeyID string, t time.Time, region string) string {
	return scopeOf(accessKeyID, t.Format(dateFormat), region)
}

func scopeOf(accessKeyID, date, region string) string {
	return accessKeyID + "/" + date + "/" + region + "/" + service + "/" + scopeTerminal
}

// signingKeyCache remembers the signer of the most recent credentials, date
// and region, so that the four-HMAC key derivation, and the encoding of what
// depends only on them, run once a day per credentials and region rather than
// on every form. It is safe for concurrent use and never blocks: a miss
// derives the key and publishes it with an atomic store.
type signingKeyCache struct {
	last atomic.Pointer[policySigner]
}

// policySigner signs policies for one set of credentials, date and region.
type policySigner struct {
	accessKeyID, secret, sessionToken, date, region string

	key        []byte            // the SigV4 signing key
	scope      string            // the x-amz-credential value
	conditions *signerConditions // the policy's conditions on the signer's fields
	// formSize is the bytes that the signer's fields take in the form, but
	// for the policy's value (see signerFormSize).
	formSize int

	// scratches holds *signingScratch values keyed with key.
	scratches sync.Pool
}

// signingScratch is what signing one policy needs: an HMAC keyed with the
// signing key, room for its sum, and a buffer for the policy. Signers keep
// them in a pool, so that signing neither rehashes the key nor allocates.
type signingScratch struct {
	mac hash.Hash
	sum [sha256.Size]byte
	buf []byte
}

// maxPooledBuffer is the largest policy buffer that goes back to the pool;
// a larger one, for a rare huge policy, is left to the garbage collector.
const maxPooledBuffer = 64 << 10

// signer returns the policy signer for the credentials, date (YYYYMMDD) and
// region, from the cache when it has them. Credentials that cannot sign (an
// empty key, an access key ID that would break the scope) get an error, and
// are checked only on a miss: the cache holds only credentials that passed.
func (c *signingKeyCache) signer(creds Credentials, date, region string) (*policySigner, error) {
	if s := c.last.Load(); s != nil && s.date == date && s.region == region &&
		s.accessKeyID == creds.AccessKeyID && s.secret == creds.SecretAccessKey && s.sessionToken == creds.SessionToken {
		return s, nil
	}
	if err := checkKeys(creds); err != nil {
		return nil, err
	}
	key := deriveSigningKey(creds.SecretAccessKey, date, region)
	scope := scopeOf(creds.AccessKeyID, date, region)
	s := &policySigner{
		accessKeyID:  creds.AccessKeyID,
		secret:       creds.SecretAccessKey,
		sessionToken: creds.SessionToken,
		date:         date,
		region:       region,
		key:          key,
		scope:        scope,
		conditions:   newSignerConditions(scope, creds.SessionToken),
		formSize:     signerFormSize(scope, creds.SessionToken),
	}
	s.scratches.New = func() any { return &signingScratch{mac: hmac.New(sha256.New, key)} }
	c.last.Store(s)
	return s, nil
}

// scratch returns scratch space for signing one policy; give it back with
// release when done with its buffer.
func (s *policySigner) scratch() *signingScratch {
	return s.scratches.Get().(*signingScratch)
}

func (s *policySigner) release(sc *signingScratch) {
	if cap(sc.buf) <= maxPooledBuffer {
		s.scratches.Put(sc)
	}
}

// sign returns the lowercase hex HMAC-SHA256 of the base64 policy under the
// signing key, as signPolicy does.
func (sc *signingScratch) sign(policyBase64 []byte) (signature [2 * sha256.Size]byte) {
	sc.mac.Reset()
	sc.mac.Write(policyBase64)
	hex.Encode(signature[:], sc.mac.Sum(sc.sum[:0]))
	return signature
}
