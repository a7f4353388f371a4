package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSameWork decodes each implementation's form and checks that it is the
// form of form.go, signed: so that no implementation is measured doing less.
func TestSameWork(t *testing.T) {
	for _, k := range []keys{staticKeys, sessionKeys} {
		for _, impl := range implementations {
			t.Run(k.name+"/"+impl.name, func(t *testing.T) {
				presign, err := impl.make(k)
				if err != nil {
					t.Fatal(err)
				}
				before := time.Now().UTC().Truncate(time.Second)
				f, err := presign(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				after := time.Now().UTC()
				checkForm(t, impl.name, k, f, before, after)
			})
		}
	}
	if n := awsRequests.Load(); n != 0 {
		t.Errorf("aws-sdk-go-v2 made %d network requests, want none", n)
	}
	if n := minioRequests.Load(); n != 0 {
		t.Errorf("minio-go made %d network requests, want none", n)
	}
}

// condition is a policy condition in one shape: an operator, a field name
// in lower case (S3 compares them so) and the operands.
type condition struct{ op, field, value string }

func (c condition) String() string { return fmt.Sprintf("[%s %s %q]", c.op, c.field, c.value) }

func checkForm(t *testing.T, impl string, k keys, f form, before, after time.Time) {
	t.Helper()
	if strings.TrimSuffix(f.url, "/") != strings.TrimSuffix(wantURL, "/") {
		t.Errorf("URL %q, want %q", f.url, wantURL)
	}

	fields := map[string]string{} // by lower-case name, as S3 reads them
	for name, value := range f.fields {
		lower := strings.ToLower(name)
		if _, dup := fields[lower]; dup {
			t.Errorf("field %q appears twice", lower)
		}
		fields[lower] = value
	}
	amzDate, err := time.Parse("20060102T150405Z", fields["x-amz-date"])
	if err != nil || amzDate.Before(before) || amzDate.After(after) {
		t.Fatalf("x-amz-date %q, want the time of the call", fields["x-amz-date"])
	}
	date := amzDate.Format("20060102")
	scope := k.accessKeyID + "/" + date + "/" + region + "/s3/aws4_request"
	want := map[string]string{
		"key":                   key,
		"acl":                   "private",
		"success_action_status": "201",
		"x-amz-meta-user":       "42",
		"x-amz-algorithm":       "AWS4-HMAC-SHA256",
		"x-amz-credential":      scope,
	}
	if k.sessionToken != "" {
		want["x-amz-security-token"] = k.sessionToken
	} else if _, ok := fields["x-amz-security-token"]; ok {
		t.Errorf("x-amz-security-token is set without a session token")
	}
	if impl == "minio-go" {
		delete(want, "acl") // minio-go cannot sign an acl condition
	}
	for name, value := range want {
		if fields[name] != value {
			t.Errorf("field %s = %q, want %q", name, fields[name], value)
		}
	}

	// The signature is the HMAC of the policy field under the signing key.
	mac := hmac.New(sha256.New, deriveSigningKey(k.secretAccessKey, date, region))
	mac.Write([]byte(fields["policy"]))
	if got, want := fields["x-amz-signature"], hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("x-amz-signature %q, want %q", got, want)
	}

	expiration, conds := decodePolicy(t, fields["policy"])
	if lo, hi := before.Add(expiry), after.Add(expiry); expiration.Before(lo.Truncate(time.Second)) || expiration.After(hi) {
		t.Errorf("policy expiration %v, want one hour after the call", expiration)
	}
	wantConds := []condition{
		{"content-length-range", "", fmt.Sprint(minSize, " ", maxSize)},
		{"starts-with", "content-type", contentTypePrefix},
		{"eq", "acl", "private"},
		{"eq", "success_action_status", "201"},
		{"eq", "x-amz-meta-user", "42"},
		{"eq", "bucket", bucket},
		{"starts-with", "key", keyPrefix},
		{"eq", "x-amz-algorithm", "AWS4-HMAC-SHA256"},
		{"eq", "x-amz-credential", scope},
		{"eq", "x-amz-date", fields["x-amz-date"]},
	}
	if k.sessionToken != "" {
		wantConds = append(wantConds, condition{"eq", "x-amz-security-token", k.sessionToken})
	}
	if impl == "minio-go" {
		wantConds = slices.DeleteFunc(wantConds, func(c condition) bool { return c.field == "acl" })
	}
	for _, c := range conds {
		if !slices.Contains(wantConds, c) {
			t.Errorf("policy has an unexpected condition %v", c)
		}
	}
	for _, c := range wantConds {
		if n := count(conds, c); n != 1 {
			t.Errorf("policy has condition %v %d times, want once", c, n)
		}
	}

	// As S3 does: every field but these must meet a condition on it.
	for name, value := range fields {
		switch name {
		case "policy", "x-amz-signature":
			continue
		}
		if !slices.ContainsFunc(conds, func(c condition) bool { return c.field == name && meets(c, value) }) {
			t.Errorf("field %s = %q meets no condition of the policy", name, value)
		}
	}
}

func decodePolicy(t *testing.T, policy string) (time.Time, []condition) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(policy)
	if err != nil {
		t.Fatalf("policy is not base64: %v", err)
	}
	var doc struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, raw)
	}
	expiration, err := time.Parse(time.RFC3339, doc.Expiration)
	if err != nil {
		t.Fatalf("policy expiration: %v", err)
	}
	var conds []condition
	for _, rc := range doc.Conditions {
		var obj map[string]string
		if json.Unmarshal(rc, &obj) == nil {
			for name, value := range obj {
				conds = append(conds, condition{"eq", strings.ToLower(name), value})
			}
			continue
		}
		var arr []any
		dec := json.NewDecoder(bytes.NewReader(rc))
		dec.UseNumber() // numbers as written, not as float64
		if err := dec.Decode(&arr); err != nil || len(arr) != 3 {
			t.Fatalf("policy condition %s is neither an object nor a triple", rc)
		}
		op := strings.ToLower(fmt.Sprint(arr[0]))
		if op == "content-length-range" {
			conds = append(conds, condition{op, "", fmt.Sprint(arr[1], " ", arr[2])})
			continue
		}
		field, _ := arr[1].(string)
		value, _ := arr[2].(string)
		conds = append(conds, condition{op, strings.ToLower(strings.TrimPrefix(field, "$")), value})
	}
	return expiration, conds
}

func count(conds []condition, c condition) int {
	n := 0
	for _, d := range conds {
		if d == c {
			n++
		}
	}
	return n
}

// meets reports whether a form field's value meets the condition, where
// S3 replaces ${filename} with the file's name before it checks.
func meets(c condition, value string) bool {
	switch c.op {
	case "eq":
		return value == c.value
	case "starts-with":
		before, _, _ := strings.Cut(value, "${filename}")
		return strings.HasPrefix(before, c.value)
	}
	return false
}
