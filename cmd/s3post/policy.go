package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/s3post/s3post"
)

// formPolicy is what a form's policy asks of an upload, as far as a client
// needs to know before posting: the fields it names and the size range.
type formPolicy struct {
	// conditions are the eq and starts-with conditions, in policy order.
	conditions []fieldCondition
	// minSize and maxSize are the content-length-range, when hasRange.
	minSize, maxSize int64
	hasRange         bool
}

// fieldCondition is an eq or starts-with condition on a form field.
type fieldCondition struct {
	op    string // "eq" or "starts-with"
	field string // without the "$"
	value string
}

// String prints the condition as it reads in a policy.
func (c fieldCondition) String() string {
	if c.op == "eq" {
		return fmt.Sprintf("%q equal to %q", c.field, c.value)
	}
	return fmt.Sprintf("%q starting with %q", c.field, c.value)
}

// readPolicy decodes the policy of a form. A form without a policy field,
// or with one that is not base64 JSON in S3's shape, is an error.
func readPolicy(post *s3post.PresignedPost) (*formPolicy, error) {
	encoded, ok := lookupFold(post.Fields, "policy")
	if !ok {
		return nil, fmt.Errorf("the form has no policy field")
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("the form's policy is not base64: %v", err)
	}
	var doc struct {
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("the form's policy is not a JSON policy document: %v", err)
	}
	p := &formPolicy{}
	for i, c := range doc.Conditions {
		if err := p.add(c); err != nil {
			return nil, fmt.Errorf("the form's policy condition %d: %v", i, err)
		}
	}
	return p, nil
}

func (p *formPolicy) add(c json.RawMessage) error {
	c = bytes.TrimSpace(c)
	if len(c) > 0 && c[0] == '{' {
		var obj map[string]string
		if err := json.Unmarshal(c, &obj); err != nil {
			return err
		}
		for field, value := range obj {
			p.conditions = append(p.conditions, fieldCondition{"eq", strings.TrimPrefix(field, "$"), value})
		}
		return nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(c, &arr); err != nil {
		return err
	}
	if len(arr) != 3 {
		return fmt.Errorf("want three elements, got %d", len(arr))
	}
	var op string
	if err := json.Unmarshal(arr[0], &op); err != nil {
		return fmt.Errorf("the operator is not a string")
	}
	switch op = strings.ToLower(op); op {
	case "eq", "starts-with":
		var field, value string
		if json.Unmarshal(arr[1], &field) != nil || json.Unmarshal(arr[2], &value) != nil {
			return fmt.Errorf("%q takes a field name and a string", op)
		}
		p.conditions = append(p.conditions, fieldCondition{op, strings.TrimPrefix(field, "$"), value})
	case "content-length-range":
		lo, err1 := strconv.ParseInt(string(arr[1]), 10, 64)
		hi, err2 := strconv.ParseInt(string(arr[2]), 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("content-length-range takes two whole numbers")
		}
		if p.hasRange { // S3 applies every range: keep what they share
			lo, hi = max(lo, p.minSize), min(hi, p.maxSize)
		}
		p.minSize, p.maxSize, p.hasRange = lo, hi, true
	}
	return nil
}

// missing returns the conditions on fields that neither the form nor extra
// has: fields that the client must add. The bucket is not a form field.
func (p *formPolicy) missing(form, extra map[string]string) []fieldCondition {
	var out []fieldCondition
	for _, c := range p.conditions {
		if strings.EqualFold(c.field, "bucket") {
			continue
		}
		if _, ok := lookupFold(form, c.field); ok {
			continue
		}
		if _, ok := lookupFold(extra, c.field); ok {
			continue
		}
		out = append(out, c)
	}
	return out
}
