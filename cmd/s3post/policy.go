package main

import (
	"errors"
	"fmt"
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
type fieldCondition struct{ s3post.PolicyCondition }

// String prints the condition as it reads in a policy.
func (c fieldCondition) String() string {
	if c.Op == "eq" {
		return fmt.Sprintf("%q equal to %q", c.Field, c.Value)
	}
	return fmt.Sprintf("%q starting with %q", c.Field, c.Value)
}

// readPolicy decodes the policy of a form as S3 reads it. A form without a
// policy field, or with one that S3 would refuse, is an error.
func readPolicy(post *s3post.PresignedPost) (*formPolicy, error) {
	encoded, ok := lookupFold(post.Fields, "policy")
	if !ok {
		return nil, fmt.Errorf("the form has no policy field")
	}
	doc, err := s3post.DecodePolicy(encoded)
	var refused *s3post.S3Error
	if errors.As(err, &refused) {
		return nil, fmt.Errorf("S3 would refuse the form's policy: %s", refused.Message)
	}
	if err != nil {
		return nil, err
	}
	p := &formPolicy{}
	for _, c := range doc.Conditions {
		if c.Op != "content-length-range" {
			p.conditions = append(p.conditions, fieldCondition{c})
			continue
		}
		lo, hi := c.Min, c.Max
		if p.hasRange { // S3 applies every range: keep what they share
			lo, hi = max(lo, p.minSize), min(hi, p.maxSize)
		}
		p.minSize, p.maxSize, p.hasRange = lo, hi, true
	}
	return p, nil
}

// missing returns the conditions on fields that neither the form nor extra
// has: fields that the client must add. The bucket is not a form field.
func (p *formPolicy) missing(form, extra map[string]string) []fieldCondition {
	var out []fieldCondition
	for _, c := range p.conditions {
		if strings.EqualFold(c.Field, "bucket") {
			continue
		}
		if _, ok := lookupFold(form, c.Field); ok {
			continue
		}
		if _, ok := lookupFold(extra, c.Field); ok {
			continue
		}
		out = append(out, c)
	}
	return out
}
