package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"time"
)

// newFloor presigns the form with the least work that yields it, written by
// hand for this one form: the policy JSON appended into a buffer, its base64,
// one HMAC-SHA256 under the signing key, and the fields in a map. Whatever
// does not change from form to form is done once: the signing key and the
// HMAC keyed with it (once a day), and the buffer (grown once). It validates
// nothing, escapes nothing (the form's strings need no escaping) and is not
// safe for concurrent use: it is the yardstick, not a library.
func newFloor(k keys) (presignFunc, error) { return floor(k, true), nil }

// newFloorNewMAC is the floor, but keying a new HMAC for each form
// (hmac.New with the cached signing key), as hand-written code usually does.
func newFloorNewMAC(k keys) (presignFunc, error) { return floor(k, false), nil }

func floor(k keys, reuseMAC bool) presignFunc {
	var (
		date, scope string    // of the signing key
		signingKey  []byte    // derived once a day
		mac         hash.Hash // keyed with signingKey
		buf         []byte    // the policy JSON, then its base64
	)
	return func(context.Context) (form, error) {
		t := time.Now().UTC()
		amzDate := t.Format("20060102T150405Z")
		if amzDate[:8] != date {
			date = amzDate[:8]
			scope = k.accessKeyID + "/" + date + "/" + region + "/s3/aws4_request"
			signingKey = deriveSigningKey(k.secretAccessKey, date, region)
			mac = hmac.New(sha256.New, signingKey)
		}

		b := append(buf[:0], `{"expiration": "`...)
		b = t.Add(expiry).AppendFormat(b, "2006-01-02T15:04:05Z")
		b = append(b, `", "conditions": [["content-length-range", 1, 10485760], `+
			`["starts-with", "$Content-Type", "image/"], {"acl": "private"}, `+
			`{"success_action_status": "201"}, {"x-amz-meta-user": "42"}, `+
			`{"bucket": "example-bucket"}, ["starts-with", "$key", "uploads/user-42/"], `+
			`{"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "`...)
		b = append(b, scope...)
		b = append(b, `"}, {"x-amz-date": "`...)
		b = append(b, amzDate...)
		if k.sessionToken != "" {
			b = append(b, `"}, {"x-amz-security-token": "`...)
			b = append(b, k.sessionToken...)
		}
		b = append(b, `"}]}`...)
		n := len(b)
		buf = base64.StdEncoding.AppendEncode(b, b)
		policy := buf[n:]

		if reuseMAC {
			mac.Reset()
		} else {
			mac = hmac.New(sha256.New, signingKey)
		}
		mac.Write(policy)
		var sum [sha256.Size]byte
		var signature [2 * sha256.Size]byte
		hex.Encode(signature[:], mac.Sum(sum[:0]))

		fields := map[string]string{
			"acl":                   "private",
			"success_action_status": "201",
			"x-amz-meta-user":       "42",
			"key":                   key,
			"x-amz-algorithm":       "AWS4-HMAC-SHA256",
			"x-amz-credential":      scope,
			"x-amz-date":            amzDate,
			"policy":                string(policy),
			"x-amz-signature":       string(signature[:]),
		}
		if k.sessionToken != "" {
			fields["x-amz-security-token"] = k.sessionToken
		}
		return form{url: wantURL, fields: fields}, nil
	}
}

// deriveSigningKey is SigV4's signing key: four chained HMAC-SHA256 steps.
func deriveSigningKey(secret, date, region string) []byte {
	key := hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "s3")
	return hmacSHA256(key, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}
