package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// durationFlag is a flag.Value for a duration as time.ParseDuration reads
// it ("90s", "15m", "2h30m"), or a whole number of days ("7d").
type durationFlag time.Duration

// String prints the duration as time.Duration does.
func (d *durationFlag) String() string { return time.Duration(*d).String() }

// Set parses the flag's value.
func (d *durationFlag) Set(s string) error {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 365 {
			*d = durationFlag(time.Duration(n) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%s is not a duration: use s, m, h or d, as in 90s, 15m, 12h or 7d", quote(s))
	}
	*d = durationFlag(v)
	return nil
}

// fieldsFlag is a repeatable flag.Value of form fields given as name=value.
type fieldsFlag map[string]string

// String lists the fields as name=value, sorted by name.
func (f fieldsFlag) String() string {
	pairs := make([]string, 0, len(f))
	for name, value := range f {
		pairs = append(pairs, name+"="+value)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, " ")
}

// Set adds one name=value field. The value may be empty; the name may not,
// and a name given twice (in any letter case, as S3 compares them) is an
// error.
func (f fieldsFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return fmt.Errorf("%s is not name=value, as in acl=private", quote(s))
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%s has no field name before the '=', as in acl=private", quote(s))
	}
	for have := range f {
		if strings.EqualFold(have, name) {
			return fmt.Errorf("the field %s is given twice", quote(name))
		}
	}
	f[name] = value
	return nil
}

// lookupFold returns the value of the field named name in any letter case.
func lookupFold(fields map[string]string, name string) (string, bool) {
	if v, ok := fields[name]; ok {
		return v, true
	}
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
