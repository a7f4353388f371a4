package main

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// sizeUnits are the units a size may end with, by lower-case name.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
}

var sizeNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// parseSize reads a byte count: a whole number of bytes ("1048576"), or a
// number and a unit ("512KiB", "1.5 MB", "10mib"). Units are
// case-insensitive; KiB, MiB, GiB and TiB are powers of 1024, KB, MB, GB and
// TB powers of 1000.
func parseSize(s string) (int64, error) {
	text := strings.TrimSpace(s)
	i := strings.IndexFunc(text, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(text)
	}
	number, unit := text[:i], strings.TrimSpace(text[i:])
	if !sizeNumber.MatchString(number) {
		return 0, fmt.Errorf("%s is not a size: use bytes, as in 1048576, or a unit, as in 512KiB or 10MiB", quote(s))
	}
	mult, ok := sizeUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("unknown unit %s: use B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000)", quote(unit))
	}
	n, ok := new(big.Rat).SetString(number)
	if !ok {
		return 0, fmt.Errorf("%s is not a size", quote(s))
	}
	n.Mul(n, new(big.Rat).SetInt64(mult))
	if !n.IsInt() {
		return 0, fmt.Errorf("%s is not a whole number of bytes", quote(s))
	}
	if !n.Num().IsInt64() {
		return 0, fmt.Errorf("%s is too large", quote(s))
	}
	return n.Num().Int64(), nil
}

// formatSize prints a byte count for people: "512 B", "1.5 KiB", "10.0 MiB".
func formatSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	exp := int(math.Log(float64(n)) / math.Log(1024))
	exp = min(max(exp, 1), len(units))
	v := float64(n) / math.Pow(1024, float64(exp))
	if v >= 1023.95 && exp < len(units) { // would round up to "1024.0"
		v /= 1024
		exp++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[exp-1]
}

// sizeFlag is a flag.Value for a byte count in the form parseSize reads.
type sizeFlag struct {
	n   int64
	set bool
}

// String returns the size in bytes, or "" when it was not given.
func (f *sizeFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatInt(f.n, 10)
}

// Set parses the flag's value.
func (f *sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	f.n, f.set = n, true
	return nil
}
