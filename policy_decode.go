package s3post

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// PolicyDocument is a decoded POST policy, as S3 reads it.
type PolicyDocument struct {
	// Expiration is when the policy expires.
	Expiration time.Time
	// Conditions are the policy's conditions, in policy order.
	Conditions []PolicyCondition
}

// PolicyCondition is one decoded condition of a [PolicyDocument].
type PolicyCondition struct {
	// Op is "eq", "starts-with" or "content-length-range", lower-case
	// whatever the policy's spelling. An object condition such as
	// {"acl": "private"} is an "eq".
	Op string
	// Field is the name of the field, without the '$', spelled as the
	// policy writes it: S3 compares field names ignoring the case of ASCII
	// letters only, so compare it that way (strings.EqualFold also folds
	// other letters, such as KELVIN SIGN with k). Empty for
	// content-length-range.
	Field string
	// Value is the value of an eq, or the prefix of a starts-with.
	Value string
	// Min and Max are the bounds of a content-length-range, in bytes.
	Min, Max int64
}

// Meets reports whether a submitted value meets an eq or starts-with
// condition, as S3 matches it: exactly, or by prefix. A starts-with on
// Content-Type checks each comma-separated value of a list.
func (c PolicyCondition) Meets(value string) bool {
	if c.Op == "eq" {
		return value == c.Value
	}
	if equalFold(c.Field, "content-type") && strings.Contains(value, ",") {
		for _, v := range strings.Split(value, ",") {
			if !strings.HasPrefix(strings.TrimSpace(v), c.Value) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(value, c.Value)
}

// String returns the condition as S3 quotes it in its errors, e.g.
// ["starts-with", "$key", "user/"].
func (c PolicyCondition) String() string {
	if c.Op == "content-length-range" {
		return fmt.Sprintf(`["content-length-range", %d, %d]`, c.Min, c.Max)
	}
	b := append([]byte(`["`), c.Op...)
	b = append(b, `", `...)
	b = appendJSONString(b, "$"+c.Field)
	b = append(b, ", "...)
	b = appendJSONString(b, c.Value)
	return string(append(b, ']'))
}

// DecodePolicy decodes a base64 POST policy as S3 reads it. A policy that S3
// cannot read is an [*S3Error] with the code InvalidPolicyDocument and S3's
// message: not base64 or JSON, an expiration missing or not RFC 3339,
// conditions missing, or a condition that is not one of an object with one
// string value, ["eq" or "starts-with", "$field", "value"], or
// ["content-length-range", min, max] with bounds that are numbers or strings
// of digits and 0 <= min <= max.
func DecodePolicy(policyBase64 string) (*PolicyDocument, error) {
	raw, err := base64.StdEncoding.DecodeString(policyBase64)
	if err != nil {
		return nil, invalidPolicy("Invalid 'Base64' encoded string.")
	}
	if pol, ok := decodePolicyFast(raw); ok {
		return pol, nil
	}
	return decodePolicyJSON(raw)
}

// decodePolicyJSON decodes a policy document with encoding/json: the
// reference for what S3 reads, used for every policy that decodePolicyFast
// leaves to it, and so for every policy that S3 refuses.
func decodePolicyJSON(raw []byte) (*PolicyDocument, error) {
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	if doc.Expiration == nil {
		return nil, invalidPolicy("Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339, *doc.Expiration)
	if err != nil {
		return nil, invalidPolicy("Invalid 'expiration' value: '%s'", abbreviateS3(*doc.Expiration))
	}
	if doc.Conditions == nil {
		return nil, invalidPolicy("Policy missing conditions.")
	}
	pol := &PolicyDocument{Expiration: exp, Conditions: make([]PolicyCondition, 0, len(doc.Conditions))}
	for _, rc := range doc.Conditions {
		c, err := decodeCondition(rc)
		if err != nil {
			return nil, err
		}
		pol.Conditions = append(pol.Conditions, c)
	}
	return pol, nil
}

// invalidPolicy is S3's refusal of a policy document it cannot read.
func invalidPolicy(format string, args ...any) *S3Error {
	return s3Error(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: "+format, args...)
}

// decodeCondition decodes one condition of a policy document.
func decodeCondition(rc json.RawMessage) (PolicyCondition, error) {
	c, ok := conditionOf(rc)
	if !ok {
		return PolicyCondition{}, invalidPolicy("Invalid Condition: %s", abbreviateS3(compactJSON(rc)))
	}
	return c, nil
}

// conditionOf reads one condition, or reports that S3 refuses it.
func conditionOf(rc json.RawMessage) (PolicyCondition, bool) {
	dec := json.NewDecoder(bytes.NewReader(rc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return PolicyCondition{}, false
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) != 1 {
			return PolicyCondition{}, false
		}
		for field, value := range v {
			s, ok := value.(string)
			if !ok {
				return PolicyCondition{}, false
			}
			return PolicyCondition{Op: "eq", Field: field, Value: s}, true
		}
	case []any:
		if len(v) != 3 {
			return PolicyCondition{}, false
		}
		op, _ := v[0].(string)
		switch op = strings.ToLower(op); op {
		case "eq", "starts-with":
			field, ok1 := v[1].(string)
			value, ok2 := v[2].(string)
			if !ok1 || !ok2 || !strings.HasPrefix(field, "$") {
				return PolicyCondition{}, false
			}
			return PolicyCondition{Op: op, Field: field[1:], Value: value}, true
		case "content-length-range":
			min, err1 := policyInt(v[1])
			max, err2 := policyInt(v[2])
			if err1 != nil || err2 != nil || min < 0 || max < min {
				return PolicyCondition{}, false
			}
			return PolicyCondition{Op: op, Min: min, Max: max}, true
		}
	}
	return PolicyCondition{}, false
}

// policyInt reads a content-length-range bound, which S3 takes as a JSON
// number or a string of digits.
func policyInt(v any) (int64, error) {
	switch v := v.(type) {
	case json.Number:
		return strconv.ParseInt(v.String(), 10, 64)
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("not a number")
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
