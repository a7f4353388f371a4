package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                        "''",
		"plain":                   "plain",
		"key=uploads/a.txt":       "key=uploads/a.txt",
		"x-amz-date=20260101T000": "x-amz-date=20260101T000",
		"file=@FILE":              "file=@FILE",
		"key=uploads/${filename}": "'key=uploads/${filename}'",
		"a b":                     "'a b'",
		"it's":                    `'it'\''s'`,
		"~/x":                     "'~/x'",
		"a;b":                     "'a;b'",
		"*":                       "'*'",
		"line\nbreak":             "'line\nbreak'",
	} {
		assert.Equal(t, want, shellQuote(in), in)
	}
}

func TestCurlPlain(t *testing.T) {
	t.Parallel()
	assert.True(t, curlPlain("image/png"))
	assert.True(t, curlPlain("a@b"))
	assert.True(t, curlPlain(""))
	assert.False(t, curlPlain("@file"))
	assert.False(t, curlPlain("<file"))
	assert.False(t, curlPlain(`"quoted"`))
	assert.False(t, curlPlain("text/plain;type=x"))
}
