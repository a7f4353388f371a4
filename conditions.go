package s3post

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Condition is one rule of a POST policy: a form field that must equal a
// value, start with a prefix, or an upload size range.
//
// Conditions are made only by [Eq], [StartsWith], [ContentLengthRange] and
// [ParseConditions]. They marshal to the JSON that S3 reads in a policy.
type Condition interface {
	json.Marshaler
	// appendJSON appends the condition's policy JSON to b.
	appendJSON(b []byte) []byte
}

// Eq returns a condition that the form field must equal value exactly, as in
// the policy entry {"acl": "public-read"}. The field name may be written with
// or without the leading "$"; S3 compares field names case-insensitively.
func Eq(field, value string) Condition {
	return eqCondition{field: trimDollar(field), value: value}
}

// StartsWith returns a condition that the form field must start with prefix,
// as in ["starts-with", "$key", "uploads/"]. An empty prefix allows any value
// and is kept in the policy, so that the field is allowed in the form. The
// field name may be written with or without the leading "$".
func StartsWith(field, prefix string) Condition {
	return startsWithCondition{field: trimDollar(field), prefix: prefix}
}

// ContentLengthRange returns a condition that the uploaded file's size in
// bytes is between min and max, both included. PresignPost rejects a
// negative min or a max below min.
func ContentLengthRange(min, max int64) Condition {
	return lengthRangeCondition{min: min, max: max}
}

func trimDollar(field string) string { return strings.TrimPrefix(field, "$") }

type eqCondition struct{ field, value string }

type startsWithCondition struct{ field, prefix string }

type lengthRangeCondition struct{ min, max int64 }

func (c eqCondition) appendJSON(b []byte) []byte { return appendEq(b, c.field, c.value) }

func (c startsWithCondition) appendJSON(b []byte) []byte {
	return appendStartsWith(b, c.field, c.prefix)
}

func (c lengthRangeCondition) appendJSON(b []byte) []byte {
	b = append(b, `["content-length-range", `...)
	b = strconv.AppendInt(b, c.min, 10)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, c.max, 10)
	return append(b, ']')
}

// appendEq appends the exact-match condition {"field": "value"}.
func appendEq(b []byte, field, value string) []byte {
	b = append(b, `{"`...)
	b = appendJSONStringBody(b, field)
	b = append(b, `": "`...)
	b = appendJSONStringBody(b, value)
	return append(b, `"}`...)
}

// appendStartsWith appends the prefix condition ["starts-with", "$field", "prefix"].
func appendStartsWith(b []byte, field, prefix string) []byte {
	b = append(b, `["starts-with", "$`...)
	b = appendJSONStringBody(b, field)
	b = append(b, `", "`...)
	b = appendJSONStringBody(b, prefix)
	return append(b, `"]`...)
}

// MarshalJSON returns the condition as it appears in a policy.
func (c eqCondition) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// MarshalJSON returns the condition as it appears in a policy.
func (c startsWithCondition) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// MarshalJSON returns the condition as it appears in a policy.
func (c lengthRangeCondition) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// ParseConditions reads a JSON array of conditions in the forms that boto3's
// generate_presigned_post and S3's policy documents use:
//
//	{"acl": "public-read"}                    exact match
//	["eq", "$acl", "public-read"]             exact match
//	["starts-with", "$key", "uploads/"]       prefix ("" allows any value)
//	["content-length-range", 1, 10485760]     size range in bytes
//
// Operators and field names are case-insensitive; the "$" before a field name
// is optional. Anything else is an error wrapping [ErrInvalidCondition].
func ParseConditions(data []byte) ([]Condition, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, parseError("", "want a JSON array of conditions: %v", err)
	}
	if dec.More() {
		return nil, parseError("", "unexpected data after the JSON array")
	}
	if raw == nil {
		return nil, parseError("", "want a JSON array of conditions, got null")
	}
	conds := make([]Condition, 0, len(raw))
	for i, r := range raw {
		c, err := parseCondition(r)
		if err == nil {
			err = checkCondition(c)
		}
		if err != nil {
			return nil, parseError(fmt.Sprintf("[%d]", i), "%s", err.Error())
		}
		conds = append(conds, c)
	}
	return conds, nil
}

func parseError(where, format string, args ...any) error {
	return inputError(ErrInvalidCondition, "ParseConditions"+where, fmt.Sprintf(format, args...))
}

func parseCondition(r json.RawMessage) (Condition, error) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	switch r[0] {
	case '{':
		return parseObjectCondition(r)
	case '[':
		return parseArrayCondition(r)
	default:
		return nil, fmt.Errorf("a condition is an object such as {\"acl\": \"private\"} or an array such as [\"starts-with\", \"$key\", \"uploads/\"], got %s", abbreviate(string(r)))
	}
}

func parseObjectCondition(r json.RawMessage) (Condition, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if len(obj) != 1 {
		return nil, fmt.Errorf("an exact-match object has exactly one field, as in {\"acl\": \"private\"}; got %d: split it into one object per field", len(obj))
	}
	var field string
	var raw json.RawMessage
	for field, raw = range obj {
	}
	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		return nil, fmt.Errorf("the value of %s must be a JSON string, got %s", quote(field), abbreviate(string(raw)))
	}
	return Eq(field, value), nil
}

func parseArrayCondition(r json.RawMessage) (Condition, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var arr []any
	if err := dec.Decode(&arr); err != nil {
		return nil, err
	}
	if len(arr) != 3 {
		return nil, fmt.Errorf("an array condition has three elements, as in [\"starts-with\", \"$key\", \"uploads/\"]; got %d", len(arr))
	}
	op, ok := arr[0].(string)
	if !ok {
		return nil, fmt.Errorf("the first element must be an operator string (\"eq\", \"starts-with\" or \"content-length-range\")")
	}
	switch strings.ToLower(op) {
	case "eq", "starts-with":
		field, ok1 := arr[1].(string)
		value, ok2 := arr[2].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s takes a field name and a string, as in [%s, \"$key\", \"uploads/\"]", quote(op), quote(op))
		}
		if strings.ToLower(op) == "eq" {
			return Eq(field, value), nil
		}
		return StartsWith(field, value), nil
	case "content-length-range":
		min, err := parseLength(arr[1])
		if err != nil {
			return nil, fmt.Errorf("content-length-range minimum: %w", err)
		}
		max, err := parseLength(arr[2])
		if err != nil {
			return nil, fmt.Errorf("content-length-range maximum: %w", err)
		}
		if max < min {
			return nil, fmt.Errorf("content-length-range minimum %d is above its maximum %d", min, max)
		}
		return ContentLengthRange(min, max), nil
	default:
		return nil, fmt.Errorf("unknown operator %s: use \"eq\", \"starts-with\" or \"content-length-range\"", quote(op))
	}
}

func parseLength(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want a whole number of bytes, got %s", abbreviate(fmt.Sprint(v)))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a whole number of bytes, got %s", abbreviate(n.String()))
	}
	if i < 0 {
		return 0, fmt.Errorf("want a whole number of bytes, got the negative %d", i)
	}
	return i, nil
}
