package s3post

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// AddressingStyle chooses where the bucket name goes in the form's URL.
type AddressingStyle int

const (
	// AddressingAuto uses virtual-hosted URLs on AWS when the bucket name can
	// be a TLS host label (no dots, capitals or underscores), and path-style
	// URLs otherwise and for custom endpoints.
	AddressingAuto AddressingStyle = iota
	// AddressingPath puts the bucket in the path: https://host/bucket.
	AddressingPath
	// AddressingVirtual puts the bucket in the host: https://bucket.host/.
	AddressingVirtual
)

// String returns "auto", "path" or "virtual".
func (s AddressingStyle) String() string {
	switch s {
	case AddressingAuto:
		return "auto"
	case AddressingPath:
		return "path"
	case AddressingVirtual:
		return "virtual"
	}
	return fmt.Sprintf("AddressingStyle(%d)", int(s))
}

// partition is a group of AWS regions that share a DNS suffix.
type partition struct {
	name, suffix string
	// fips reports whether S3 has a FIPS endpoint in the region.
	fips func(region string) bool
}

var (
	awsPartition = partition{name: "aws", suffix: "amazonaws.com", fips: func(r string) bool {
		return strings.HasPrefix(r, "us-") || strings.HasPrefix(r, "ca-")
	}}
	awsCNPartition    = partition{name: "aws-cn", suffix: "amazonaws.com.cn", fips: func(string) bool { return false }}
	awsUSGovPartition = partition{name: "aws-us-gov", suffix: "amazonaws.com", fips: func(string) bool { return true }}
)

// regionPartition returns the partition of an AWS region, or an error for a
// region that is malformed or in a partition that s3post does not know.
func regionPartition(region string) (partition, error) {
	if !awsRegionShape(region) {
		return partition{}, inputError(ErrInvalidRegion, "Presigner.Region",
			fmt.Sprintf("%s is not an AWS region name such as \"eu-central-1\"; for an S3-compatible server, set Presigner.Endpoint too", quote(region)))
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return awsCNPartition, nil
	case strings.HasPrefix(region, "us-gov-"):
		return awsUSGovPartition, nil
	case strings.HasPrefix(region, "us-iso"), strings.HasPrefix(region, "eusc-"):
		return partition{}, inputError(ErrInvalidRegion, "Presigner.Region",
			fmt.Sprintf("%s is in an isolated partition whose endpoints s3post does not know: set Presigner.Endpoint to its S3 endpoint", quote(region)))
	}
	return awsPartition, nil
}

// awsRegionShape reports whether region looks like an AWS region:
// lowercase words joined by '-', ending in a number, as in "us-gov-west-1".
func awsRegionShape(region string) bool {
	words, number, ok := cutLast(region, '-')
	if !ok || number == "" || !strings.Contains(words, "-") {
		return false // fewer than two words and a number
	}
	for i := 0; i < len(number); i++ {
		if c := number[i]; !(c >= '0' && c <= '9') {
			return false
		}
	}
	for word := range strings.SplitSeq(words, "-") {
		if word == "" {
			return false
		}
		for i := 0; i < len(word); i++ {
			if c := word[i]; !(c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return true
}

// cutLast slices s around the last sep, as strings.Cut does around the first.
func cutLast(s string, sep byte) (before, after string, found bool) {
	if i := strings.LastIndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// checkRegionLabel validates a region for a custom endpoint, where any name
// the server uses is allowed as long as it fits in the credential scope.
func checkRegionLabel(region string) error {
	if region == "" {
		return inputError(ErrInvalidRegion, "Presigner.Region", `the region is empty: set it, e.g. "eu-central-1" (S3-compatible servers usually take "us-east-1")`)
	}
	for i := 0; i < len(region); i++ {
		c := region[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return inputError(ErrInvalidRegion, "Presigner.Region",
				fmt.Sprintf("%s contains %s; a region is made of letters, digits, '-', '_' and '.'", quote(region), describeChar(region, i)))
		}
	}
	return nil
}

// urlCache remembers the most recent URL that a Presigner built, with what
// it was built from, so that a Presigner posting to the same bucket does not
// rebuild it on every form. It is safe for concurrent use and never blocks.
type urlCache struct {
	last atomic.Pointer[urlEntry]
}

type urlEntry struct {
	from urlInputs
	url  string
}

// urlInputs is everything that a form's URL depends on.
type urlInputs struct {
	region, endpoint, bucket             string
	style                                AddressingStyle
	useAccelerate, useDualStack, useFIPS bool
}

// postURL returns the URL that the form is posted to.
func (p *Presigner) postURL(bucket string) (string, error) {
	from := urlInputs{
		region: p.Region, endpoint: p.Endpoint, bucket: bucket, style: p.AddressingStyle,
		useAccelerate: p.UseAccelerate, useDualStack: p.UseDualStack, useFIPS: p.UseFIPS,
	}
	if e := p.urls.last.Load(); e != nil && e.from == from {
		return e.url, nil
	}
	url, err := p.buildURL(bucket)
	if err != nil {
		return "", err
	}
	p.urls.last.Store(&urlEntry{from: from, url: url})
	return url, nil
}

// buildURL returns the URL that the form is posted to, from the Presigner's
// settings.
func (p *Presigner) buildURL(bucket string) (string, error) {
	if p.AddressingStyle < AddressingAuto || p.AddressingStyle > AddressingVirtual {
		return "", inputError(ErrInvalidEndpoint, "Presigner.AddressingStyle",
			fmt.Sprintf("unknown %v: use AddressingAuto, AddressingPath or AddressingVirtual", p.AddressingStyle))
	}
	if p.Endpoint != "" {
		return p.customURL(bucket)
	}
	return p.awsURL(bucket)
}

func (p *Presigner) awsURL(bucket string) (string, error) {
	part, err := regionPartition(p.Region)
	if err != nil {
		return "", err
	}
	bad := func(input, reason string) (string, error) {
		return "", inputError(ErrInvalidEndpoint, input, reason)
	}
	dns := dnsCompatibleBucket(bucket)
	if !dns && p.Region != "us-east-1" {
		return "", inputError(ErrInvalidBucket, "Bucket",
			fmt.Sprintf("%s is not a valid bucket name outside us-east-1: use 3 to 63 lowercase letters, digits, '.' and '-'", quote(bucket)))
	}
	virtualOK := dns && !strings.Contains(bucket, ".") // one TLS wildcard label
	if p.UseAccelerate {
		switch {
		case part.name != "aws":
			return bad("Presigner.UseAccelerate", fmt.Sprintf("Transfer Acceleration is not available in %s (partition %s)", abbreviate(p.Region), part.name))
		case p.UseFIPS:
			return bad("Presigner.UseAccelerate", "Transfer Acceleration has no FIPS endpoint: turn off UseFIPS or UseAccelerate")
		case p.AddressingStyle == AddressingPath:
			return bad("Presigner.UseAccelerate", "Transfer Acceleration needs virtual-hosted URLs: do not set AddressingPath")
		case !virtualOK:
			return bad("Presigner.UseAccelerate", fmt.Sprintf("Transfer Acceleration needs a bucket name without dots, capitals or underscores, and %s has them", quote(bucket)))
		}
		host := "s3-accelerate." + part.suffix
		if p.UseDualStack {
			host = "s3-accelerate.dualstack." + part.suffix
		}
		return "https://" + bucket + "." + host + "/", nil
	}
	if p.UseFIPS {
		switch {
		case !part.fips(p.Region):
			return bad("Presigner.UseFIPS", fmt.Sprintf("S3 has no FIPS endpoint in %s (only in US, Canada and GovCloud regions)", abbreviate(p.Region)))
		case p.AddressingStyle == AddressingPath:
			return bad("Presigner.UseFIPS", "S3's FIPS endpoints take virtual-hosted URLs only: do not set AddressingPath")
		case !virtualOK:
			return bad("Presigner.UseFIPS", fmt.Sprintf("S3's FIPS endpoints take virtual-hosted URLs only, and bucket %s has dots, capitals or underscores", quote(bucket)))
		}
	}
	host := "s3"
	if p.UseFIPS {
		host = "s3-fips"
	}
	if p.UseDualStack {
		host += ".dualstack"
	}
	if p.Region == "us-east-1" && !p.UseFIPS && !p.UseDualStack {
		host += "." + part.suffix // the us-east-1 bucket's own global host: no redirect
	} else {
		host += "." + p.Region + "." + part.suffix
	}
	switch p.AddressingStyle {
	case AddressingVirtual:
		if !virtualOK {
			return bad("Presigner.AddressingStyle", fmt.Sprintf("bucket %s cannot be a TLS host name label (it has dots, capitals or underscores): use AddressingAuto or AddressingPath", quote(bucket)))
		}
	case AddressingAuto:
		if !virtualOK {
			return "https://" + host + "/" + bucket, nil
		}
	case AddressingPath:
		return "https://" + host + "/" + bucket, nil
	}
	return "https://" + bucket + "." + host + "/", nil
}

func (p *Presigner) customURL(bucket string) (string, error) {
	bad := func(reason string) (string, error) {
		return "", inputError(ErrInvalidEndpoint, "Presigner.Endpoint", reason)
	}
	switch {
	case p.UseAccelerate:
		return bad("UseAccelerate applies to AWS endpoints only: unset it or the Endpoint")
	case p.UseDualStack:
		return bad("UseDualStack applies to AWS endpoints only: unset it or the Endpoint")
	case p.UseFIPS:
		return bad("UseFIPS applies to AWS endpoints only: unset it or the Endpoint")
	}
	if !strings.Contains(p.Endpoint, "://") {
		return bad(fmt.Sprintf("%s needs an http:// or https:// scheme, as in \"http://127.0.0.1:7070\"", quote(p.Endpoint)))
	}
	u, err := url.Parse(p.Endpoint)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which the message quotes already
		}
		return bad(fmt.Sprintf("%s is not a URL: %s", quote(p.Endpoint), abbreviate(err.Error())))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad(fmt.Sprintf("%s needs an http:// or https:// scheme", quote(p.Endpoint)))
	case u.Host == "":
		return bad(fmt.Sprintf("%s has no host", quote(p.Endpoint)))
	case u.User != nil:
		return bad("the endpoint must not contain credentials: use Presigner.Credentials")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return bad(fmt.Sprintf("%s has a query or fragment: give the base URL only", quote(p.Endpoint)))
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad(fmt.Sprintf("%s: the port %s is not a number from 1 to 65535", quote(p.Endpoint), quote(port)))
		}
	}
	// url.Parse unescapes the host, such as an IPv6 zone's "%25" (as in
	// http://[fe80::1%25eth0]:9000), which a URL must hold escaped.
	host := u.Host
	if strings.Contains(host, "%") {
		host = strings.TrimPrefix((&url.URL{Host: host}).String(), "//")
	}
	base := strings.TrimSuffix(u.EscapedPath(), "/")
	if p.AddressingStyle != AddressingVirtual {
		return u.Scheme + "://" + host + base + "/" + url.PathEscape(bucket), nil
	}
	hostname := u.Hostname()
	if net.ParseIP(hostname) != nil {
		return bad(fmt.Sprintf("virtual-hosted URLs need a DNS name, and %s is an IP address: use AddressingPath", quote(hostname)))
	}
	if !dnsCompatibleBucket(bucket) || (u.Scheme == "https" && strings.Contains(bucket, ".")) {
		return "", inputError(ErrInvalidEndpoint, "Presigner.AddressingStyle",
			fmt.Sprintf("bucket %s cannot be a host name label here: use AddressingPath", quote(bucket)))
	}
	return u.Scheme + "://" + bucket + "." + host + base + "/", nil
}
