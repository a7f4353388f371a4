package s3posttest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/s3post/s3post"
)

// CORSRule is one rule of a bucket's CORS configuration, as S3's
// PutBucketCors takes it. A request from another origin matches the rule
// when its Origin matches one of AllowedOrigins, its method is one of
// AllowedMethods (for a preflight, the method that its
// Access-Control-Request-Method names), and, for a preflight, each header
// that its Access-Control-Request-Headers names matches one of
// AllowedHeaders.
//
// The server takes the rules as they are, without the checks of
// PutBucketCors: write them as S3 would accept them.
type CORSRule struct {
	// AllowedOrigins are the origins allowed, such as
	// "https://app.example". Each may hold one "*", which matches any
	// text, as in "https://*.example.com" or "*". Origins compare as
	// they are written. Required.
	AllowedOrigins []string
	// AllowedMethods are the methods allowed, among "GET", "PUT", "POST",
	// "DELETE" and "HEAD", in capitals. Required.
	AllowedMethods []string
	// AllowedHeaders are the request headers that a preflight may ask
	// for, compared ignoring case. Each may hold one "*", as in "x-amz-*"
	// or "*". Optional: none allows no requested header.
	AllowedHeaders []string
	// ExposeHeaders are the response headers that a page may read beyond
	// the few that browsers always expose, such as "ETag" or "Location".
	// Optional.
	ExposeHeaders []string
	// MaxAgeSeconds is how long a browser may cache a preflight's answer.
	// Optional; zero sends no Access-Control-Max-Age.
	MaxAgeSeconds int
}

// defaultCORS is the configuration of a server whose Config.CORS is nil:
// that of a bucket set up for browser uploads.
func defaultCORS() []CORSRule {
	return []CORSRule{{
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{"GET", "HEAD", "POST"},
		AllowedHeaders: []string{"*"},
		MaxAgeSeconds:  3000,
	}}
}

// cloneCORS copies a configuration, so that the caller's slices stay the
// caller's; nil gives the default.
func cloneCORS(rules []CORSRule) []CORSRule {
	if rules == nil {
		return defaultCORS()
	}
	out := make([]CORSRule, len(rules))
	for i, r := range rules {
		out[i] = CORSRule{
			AllowedOrigins: append([]string(nil), r.AllowedOrigins...),
			AllowedMethods: append([]string(nil), r.AllowedMethods...),
			AllowedHeaders: append([]string(nil), r.AllowedHeaders...),
			ExposeHeaders:  append([]string(nil), r.ExposeHeaders...),
			MaxAgeSeconds:  r.MaxAgeSeconds,
		}
	}
	return out
}

// corsVary is the Vary header that S3 sends with every CORS answer.
const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// matchCORS returns the first rule that allows origin, method and every
// requested header (lower-case names), and the Access-Control-Allow-Origin
// that it answers with: "*" when the origin matched the rule's "*", else
// the origin.
func (s *Server) matchCORS(origin, method string, requested []string) (*CORSRule, string) {
	for i := range s.cfg.CORS {
		rule := &s.cfg.CORS[i]
		allowOrigin := ""
		for _, pattern := range rule.AllowedOrigins {
			if wildcardMatch(pattern, origin) {
				allowOrigin = origin
				if pattern == "*" {
					allowOrigin = "*"
				}
				break
			}
		}
		if allowOrigin == "" || !contains(rule.AllowedMethods, method) || !allowsHeaders(rule.AllowedHeaders, requested) {
			continue
		}
		return rule, allowOrigin
	}
	return nil, ""
}

// wildcardMatch reports whether s matches pattern, in which a "*" matches
// any text, the empty text too.
func wildcardMatch(pattern, s string) bool {
	before, after, wild := strings.Cut(pattern, "*")
	if !wild {
		return s == pattern
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// allowsHeaders reports whether each requested header (lower case)
// matches one of the allowed patterns, ignoring case.
func allowsHeaders(allowed, requested []string) bool {
	for _, h := range requested {
		ok := false
		for _, pattern := range allowed {
			if wildcardMatch(lowerASCII(pattern), h) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// requestedHeaders splits an Access-Control-Request-Headers value into
// lower-case names, as S3 answers them.
func requestedHeaders(value string) []string {
	var out []string
	for _, name := range strings.Split(value, ",") {
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, lowerASCII(name))
		}
	}
	return out
}

// lowerASCII returns s with its ASCII capitals in lower case, and nothing
// else changed.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// setCORS sets the headers of an answer that rule allows.
func setCORS(h http.Header, rule *CORSRule, allowOrigin string) {
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	if allowOrigin != "*" {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAgeSeconds))
	}
	h.Set("Vary", corsVary)
}

// actualCORS adds CORS headers to the answer to a request from another
// origin, when a rule allows it; S3 sends none otherwise, and serves the
// request all the same. The method that decides is the request's, or the
// one its Access-Control-Request-Method names, as S3 has it; its headers
// are not checked.
func (s *Server) actualCORS(h http.Header, r *http.Request, origin string) {
	method := r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		method = r.Method
	}
	if rule, allowOrigin := s.matchCORS(origin, method, nil); rule != nil {
		setCORS(h, rule, allowOrigin)
	}
}

// preflight answers a CORS preflight (OPTIONS) as S3 does.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request, bucket, key string) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		writeError(w, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "BadRequest", Message: "Insufficient information. Origin request header needed."})
		return
	}
	method := r.Header.Get("Access-Control-Request-Method")
	forbidden := func(message, resource string) {
		named := method
		if named == "" {
			named = http.MethodOptions
		}
		writeError(w, &s3post.S3Error{StatusCode: http.StatusForbidden, Code: "AccessForbidden", Message: message,
			Details: []s3post.ErrorDetail{{Name: "Method", Value: named}, {Name: "ResourceType", Value: resource}}})
	}
	switch {
	case !s.buckets[bucket]:
		forbidden("CORSResponse: Bucket not found", "BUCKET")
		return
	case len(s.cfg.CORS) == 0:
		forbidden("CORSResponse: CORS is not enabled for this bucket.", "BUCKET")
		return
	case method == "":
		// S3 answers 400 (ceph's s3-tests, which pass on AWS); the text
		// is not established.
		writeError(w, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "BadRequest", Message: "Invalid Access-Control-Request-Method: null"})
		return
	}
	requested := requestedHeaders(strings.Join(r.Header.Values("Access-Control-Request-Headers"), ","))
	rule, allowOrigin := s.matchCORS(origin, method, requested)
	if rule == nil {
		resource := "BUCKET"
		if key != "" {
			resource = "OBJECT"
		}
		forbidden("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", resource)
		return
	}
	h := w.Header()
	setCORS(h, rule, allowOrigin)
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	w.WriteHeader(http.StatusOK)
}
