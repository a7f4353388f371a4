package s3post

import (
	"strconv"
	"strings"
	"time"
)

// decodePolicyFast decodes, in one pass and without encoding/json, the
// policy documents that S3 accepts and that presigners write: an object
// with "expiration" and "conditions" once each, conditions of the three
// forms S3 reads, strings of printable ASCII with the short escapes, and
// integer bounds. For anything else (another key, a \u escape, a byte
// outside printable ASCII, a number with a fraction, a condition that S3
// refuses, text after the document) it reports false and decodes nothing,
// and DecodePolicy hands the document to encoding/json, which gives the
// answer and the error. On what it accepts, it returns what
// decodePolicyJSON returns (FuzzDecodePolicyFast checks it).
func decodePolicyFast(raw []byte) (*PolicyDocument, bool) {
	p := fastJSON{s: string(raw)}
	if !p.next('{') {
		return nil, false
	}
	var expiration string
	var conditions []PolicyCondition
	seenExp, seenCond := false, false
	for {
		key, ok := p.str()
		if !ok || !p.next(':') {
			return nil, false
		}
		switch {
		case key == "expiration" && !seenExp:
			if expiration, ok = p.str(); !ok {
				return nil, false
			}
			seenExp = true
		case key == "conditions" && !seenCond:
			if conditions, ok = p.conditions(); !ok {
				return nil, false
			}
			seenCond = true
		default:
			return nil, false
		}
		if p.next(',') {
			continue
		}
		if p.next('}') {
			break
		}
		return nil, false
	}
	p.space()
	if p.i != len(p.s) || !seenExp || !seenCond {
		return nil, false
	}
	exp, err := time.Parse(time.RFC3339, expiration)
	if err != nil {
		return nil, false
	}
	return &PolicyDocument{Expiration: exp, Conditions: conditions}, true
}

// fastJSON reads the subset of JSON that decodePolicyFast takes.
type fastJSON struct {
	s string
	i int
}

// space skips JSON white space.
func (p *fastJSON) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next consumes c, after white space, if it comes next.
func (p *fastJSON) next(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string of printable ASCII, with the escapes other than \u.
func (p *fastJSON) str() (string, bool) {
	if !p.next('"') {
		return "", false
	}
	start := p.i
	var unescaped []byte // nil until the first escape
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if unescaped == nil {
				return p.s[start : p.i-1], true
			}
			return string(append(unescaped, p.s[start:p.i-1]...)), true
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", false
			}
			var r byte
			switch p.s[p.i+1] {
			case '"', '\\', '/':
				r = p.s[p.i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			default:
				return "", false
			}
			unescaped = append(append(unescaped, p.s[start:p.i]...), r)
			p.i += 2
			start = p.i
		case c < 0x20 || c >= 0x80:
			return "", false
		default:
			p.i++
		}
	}
	return "", false
}

// integer reads a JSON number without fraction or exponent, as its text.
func (p *fastJSON) integer() (string, bool) {
	p.space()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	if n == 0 || (n > 1 && p.s[digits] == '0') {
		return "", false
	}
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case '.', 'e', 'E':
			return "", false
		}
	}
	return p.s[start:p.i], true
}

// conditions reads the conditions array.
func (p *fastJSON) conditions() ([]PolicyCondition, bool) {
	if !p.next('[') {
		return nil, false
	}
	// Up to 16 conditions are gathered on the stack, and copied to a slice
	// of their number.
	var first [16]PolicyCondition
	conds := first[:0]
	if !p.next(']') {
		for {
			c, ok := p.condition()
			if !ok {
				return nil, false
			}
			conds = append(conds, c)
			if p.next(',') {
				continue
			}
			if p.next(']') {
				break
			}
			return nil, false
		}
	}
	return append(make([]PolicyCondition, 0, len(conds)), conds...), true
}

// condition reads one condition that S3 accepts.
func (p *fastJSON) condition() (PolicyCondition, bool) {
	if p.next('{') {
		field, ok := p.str()
		if !ok || !p.next(':') {
			return PolicyCondition{}, false
		}
		value, ok := p.str()
		if !ok || !p.next('}') {
			return PolicyCondition{}, false
		}
		return PolicyCondition{Op: "eq", Field: field, Value: value}, true
	}
	if !p.next('[') {
		return PolicyCondition{}, false
	}
	op, ok := p.str()
	if !ok || !p.next(',') {
		return PolicyCondition{}, false
	}
	switch op = strings.ToLower(op); op { // op is ASCII: no other letter folds
	case "eq", "starts-with":
		field, ok1 := p.str()
		ok2 := p.next(',')
		value, ok3 := p.str()
		if !ok1 || !ok2 || !ok3 || !p.next(']') || len(field) == 0 || field[0] != '$' {
			return PolicyCondition{}, false
		}
		return PolicyCondition{Op: op, Field: field[1:], Value: value}, true
	case "content-length-range":
		min, ok1 := p.bound()
		ok2 := p.next(',')
		max, ok3 := p.bound()
		if !ok1 || !ok2 || !ok3 || !p.next(']') || min < 0 || max < min {
			return PolicyCondition{}, false
		}
		return PolicyCondition{Op: op, Min: min, Max: max}, true
	}
	return PolicyCondition{}, false
}

// bound reads a content-length-range bound: an integer or a string that
// strconv.ParseInt reads, as policyInt does.
func (p *fastJSON) bound() (int64, bool) {
	p.space()
	var text string
	var ok bool
	if p.i < len(p.s) && p.s[p.i] == '"' {
		text, ok = p.str()
	} else {
		text, ok = p.integer()
	}
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil
}
