package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"0":          0,
		"1048576":    1 << 20,
		"10B":        10,
		"512KiB":     512 << 10,
		"10MiB":      10 << 20,
		"10mib":      10 << 20,
		"10 MiB":     10 << 20,
		" 2GiB ":     2 << 30,
		"1TiB":       1 << 40,
		"5KB":        5000,
		"1.5MB":      1_500_000,
		"1.5MiB":     1_572_864,
		"5gb":        5_000_000_000,
		"0.5KiB":     512,
		"8388607TiB": 8388607 << 40,
	} {
		got, err := parseSize(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for in, want := range map[string]string{
		"":           `"" is not a size`,
		"-1":         `"-1" is not a size`,
		"MiB":        `"MiB" is not a size`,
		"1.":         `"1." is not a size`,
		"1e6":        `unknown unit "e6"`,
		"10M":        `unknown unit "M"`,
		"10XB":       `unknown unit "XB"`,
		"10 bytes":   `unknown unit "bytes"`,
		"0.1KiB":     "not a whole number of bytes",
		"8388608TiB": "too large",
	} {
		_, err := parseSize(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0:         "0 B",
		1023:      "1023 B",
		1024:      "1.0 KiB",
		1536:      "1.5 KiB",
		10 << 20:  "10.0 MiB",
		1<<20 - 1: "1.0 MiB",
		5 << 30:   "5.0 GiB",
		1<<63 - 1: "8.0 EiB",
	} {
		assert.Equal(t, want, formatSize(n), n)
	}
}

func TestFlagValues(t *testing.T) {
	t.Parallel()
	var s sizeFlag
	assert.Equal(t, "", s.String())
	require.NoError(t, s.Set("1KiB"))
	assert.Equal(t, "1024", s.String())

	var d durationFlag
	require.NoError(t, d.Set("7d"))
	assert.Equal(t, 7*24*time.Hour, time.Duration(d))
	require.NoError(t, d.Set("1h30m"))
	assert.Equal(t, "1h30m0s", d.String())
	assert.Error(t, d.Set("-d"))
	assert.Error(t, d.Set("1w"))

	f := fieldsFlag{}
	require.NoError(t, f.Set("b=2"))
	require.NoError(t, f.Set("a=x=y"))
	require.NoError(t, f.Set("empty="))
	assert.Equal(t, "a=x=y b=2 empty=", f.String())
	assert.ErrorContains(t, f.Set("A=again"), "given twice")
}
