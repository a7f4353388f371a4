package s3post

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vectors in testdata/boto3/vectors.json record what boto3's
// generate_presigned_post returns for a range of inputs; they are made by
// testdata/boto3/generate.py. These tests give s3post the same inputs and
// check that it returns boto3's form, except where s3post deliberately does
// better ([boto3Improvement]) or refuses the input ([boto3Rejections]).

// boto3Vectors is the content of testdata/boto3/vectors.json.
type boto3Vectors struct {
	Boto3Version    string        `json:"boto3_version"`
	BotocoreVersion string        `json:"botocore_version"`
	Vectors         []boto3Vector `json:"vectors"`
}

// boto3Vector is one call of boto3's generate_presigned_post: the inputs
// exactly as passed (null when not passed), and what boto3 returned.
type boto3Vector struct {
	Name   string      `json:"name"`
	Reason string      `json:"reason"`
	Input  boto3Input  `json:"input"`
	Output boto3Output `json:"output"`
}

type boto3Input struct {
	Region          string            `json:"region"`
	AccessKey       string            `json:"access_key"`
	SecretKey       string            `json:"secret_key"`
	SessionToken    string            `json:"session_token"`
	Now             string            `json:"now"`
	Bucket          string            `json:"bucket"`
	Key             string            `json:"key"`
	Fields          map[string]string `json:"fields"`
	Conditions      json.RawMessage   `json:"conditions"`
	ExpiresIn       *int64            `json:"expires_in"`
	AddressingStyle *string           `json:"addressing_style"`
	EndpointURL     string            `json:"endpoint_url"`
	UseAccelerate   bool              `json:"use_accelerate_endpoint"`
	UseDualStack    bool              `json:"use_dualstack_endpoint"`
	UseFIPS         bool              `json:"use_fips_endpoint"`
}

type boto3Output struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
	// Policy is the policy document decoded from base64, as boto3 wrote it.
	Policy string `json:"policy"`
	// Error is set instead of the rest when boto3 refused the input.
	Error string `json:"error"`
}

func loadBoto3Vectors(t *testing.T) []boto3Vector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "boto3", "vectors.json"))
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc boto3Vectors
	require.NoError(t, dec.Decode(&doc))
	require.Equal(t, "1.29.27", doc.BotocoreVersion, "the URL rules below describe botocore 1.29.27; regenerate with Debian's python3-boto3")
	require.NotEmpty(t, doc.Vectors)
	return doc.Vectors
}

// boto3Improvement is a documented way in which s3post's form differs from
// boto3's for the same input, because boto3's form fails or misbehaves.
type boto3Improvement struct {
	name string
	why  string
}

var (
	improveFieldExactMatch = boto3Improvement{"field-exact-match",
		`a field without a condition gets {"name": "value"} after the caller's conditions, sorted by lower-case name, before {"bucket"}: boto3 adds none, and S3 answers "Extra input fields"`}
	improveFilenameStartsWith = boto3Improvement{"filename-starts-with",
		`${filename} anywhere in the key, or in a field without a condition, gets ["starts-with", "$name", text before ${filename}]: boto3 handles it only at the very end of the key, and signs an exact match (or a prefix still holding ${filename}) that S3 can never meet once it has substituted the file name`}
	improveNoSecondKeyCondition = boto3Improvement{"no-second-key-condition",
		`when the caller gives a condition on key, s3post adds none of its own: boto3 adds its own key condition as well`}
	improveRegionalURL = boto3Improvement{"regional-url",
		`outside us-east-1 the virtual-hosted URL is regional (bucket.s3.REGION.amazonaws.com): botocore 1.29 posts every virtual-hosted aws-partition form to the global bucket.s3.amazonaws.com, which S3 may answer with a 307 redirect to the region (as it does while a new bucket's DNS propagates), and a redirect breaks browser uploads under CORS`}
	improveFIPSRegionalURL = boto3Improvement{"fips-regional-url",
		`FIPS forms outside us-east-1 post to the region's own FIPS host (bucket.s3-fips.REGION.amazonaws.com): botocore 1.29 resolves the global endpoint with FIPS to bucket.s3-fips.us-east-1.amazonaws.com, another region than the one the form is signed for`}
	improveEqAsObject = boto3Improvement{"eq-as-object",
		`["eq", "$name", "value"] is written {"name": "value"}, the one exact-match form (S3 reads both the same): boto3 copies the caller's form`}
	improveVirtualBasePathSlash = boto3Improvement{"virtual-base-path-slash",
		`a virtual-hosted URL on an endpoint with a base path ends in "/", like every bucket URL: boto3 leaves it off (https://bucket.host/base)`}
	improveVirtualOnPlainHTTP = boto3Improvement{"virtual-on-plain-http",
		`virtual-hosted addressing asked for on a plain-http endpoint is honoured for a dotted bucket (no TLS wildcard certificate to break): boto3 silently switches to path style`}
)

// boto3Improvements lists every improvement, for the coverage check.
var boto3Improvements = []boto3Improvement{
	improveFieldExactMatch, improveFilenameStartsWith, improveNoSecondKeyCondition, improveRegionalURL,
	improveFIPSRegionalURL, improveEqAsObject, improveVirtualBasePathSlash, improveVirtualOnPlainHTTP,
}

// boto3Rejection is an input that boto3 takes (or, for a few, refuses too)
// and that s3post refuses by design, with the sentinel error it must wrap.
type boto3Rejection struct {
	err error
	why string
}

// boto3Rejections maps the name of every vector that s3post must refuse to
// the error and the reason. Their names start with "reject-".
var boto3Rejections = map[string]boto3Rejection{
	"reject-field-contradicts-eq":          {ErrUnsatisfiable, "the acl field does not equal its own condition, so S3 rejects every upload of boto3's form"},
	"reject-field-contradicts-starts-with": {ErrUnsatisfiable, "the Content-Type field does not start with its condition's prefix, so S3 rejects every upload"},
	"reject-bucket-condition-other-bucket": {ErrUnsatisfiable, "a bucket condition naming another bucket can never hold beside the form's own bucket"},
	"reject-key-condition-contradicts-key": {ErrUnsatisfiable, "the key does not meet the caller's key condition"},
	"reject-disjoint-length-ranges":        {ErrUnsatisfiable, "no file size is in both content-length-ranges"},
	"reject-virtual-dotted-bucket-aws":     {ErrInvalidEndpoint, "a dotted bucket cannot be a TLS host label under *.s3.amazonaws.com; boto3 silently goes path-style instead of doing what was asked"},
	"reject-virtual-dotted-bucket-custom-https": {ErrInvalidEndpoint,
		"a dotted bucket cannot be a TLS host label on an https endpoint; boto3 silently goes path-style"},
	"reject-virtual-ip-endpoint": {ErrInvalidEndpoint, "an IP address has no subdomains for a virtual-hosted bucket; boto3 silently goes path-style"},
	"reject-accelerate-path-style": {ErrInvalidEndpoint,
		"Transfer Acceleration is virtual-hosted only; boto3 silently ignores the path style that was asked for"},
	"reject-accelerate-govcloud": {ErrInvalidEndpoint,
		"Transfer Acceleration does not exist in GovCloud; boto3 posts a GovCloud-signed form to the commercial s3-accelerate.amazonaws.com"},
	"reject-fips-eu-west-1": {ErrInvalidEndpoint,
		"S3 has no FIPS endpoint in eu-west-1; boto3 posts the eu-west-1-signed form to s3-fips.us-east-1.amazonaws.com"},
	"reject-expires-over-7-days":     {ErrInvalidExpiry, "SigV4 forms live at most 7 days; S3 refuses boto3's form"},
	"reject-expires-negative":        {ErrInvalidExpiry, "boto3 signs a form that expired before it was made"},
	"reject-legacy-bucket-eu-west-1": {ErrInvalidBucket, "capitals and underscores are legal in bucket names only in us-east-1"},
	"reject-uppercase-bucket-eu-west-1": {ErrInvalidBucket,
		"capitals are legal in bucket names only in us-east-1; boto3 posts this eu-west-1 form path-style to the global s3.amazonaws.com"},
	"reject-multi-field-condition-object": {ErrInvalidCondition,
		"S3 wants one field per exact-match object; ParseConditions refuses {\"acl\": ..., \"Content-Type\": ...}"},
	"reject-key-in-fields":             {ErrInvalidField, "boto3 silently overwrites a key field with Key; s3post takes the key from PostInput.Key only"},
	"reject-condition-on-signer-field": {ErrInvalidCondition, "x-amz-date is set and constrained by the signer; a caller condition on it can only break the form"},
	"reject-fields-differ-in-case":     {ErrInvalidField, "S3 field names are case-insensitive, so Content-Type and content-type are one field sent twice"},
	"reject-accelerate-dotted-bucket":  {ErrInvalidEndpoint, "Transfer Acceleration needs a virtual-hosted bucket without dots; boto3 refuses too"},
	"reject-fips-china":                {ErrInvalidEndpoint, "the China partition has no FIPS endpoints; boto3 refuses too"},
	"reject-fips-path-style":           {ErrInvalidEndpoint, "S3's endpoint rules forbid path-style FIPS URLs; boto3 refuses too"},
	"reject-fips-dotted-bucket":        {ErrInvalidEndpoint, "a dotted bucket needs path style, which FIPS does not allow; boto3 refuses too"},
}

func TestBoto3Vectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadBoto3Vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			p, in, parseErr := boto3Presigner(t, v)
			if rej, refused := boto3Rejections[v.Name]; refused {
				err := parseErr
				if err == nil {
					_, err = p.PresignPost(context.Background(), in)
				}
				require.ErrorIs(t, err, rej.err, "s3post must refuse %s: %s", v.Name, rej.why)
				var ie *InputError
				require.ErrorAs(t, err, &ie)
				assert.True(t, strings.HasPrefix(err.Error(), "s3post: "), err.Error())
				t.Logf("refused as designed (%s): %v", rej.why, err)
				return
			}
			require.NoError(t, parseErr)
			require.Empty(t, v.Output.Error, "boto3 refused %s: list it in boto3Rejections", v.Name)
			post, err := p.PresignPost(context.Background(), in)
			require.NoError(t, err, "%s: %s", v.Name, v.Reason)
			checkBoto3Post(t, v, post)
		})
	}
}

// checkBoto3Post compares s3post's form with boto3's.
func checkBoto3Post(t *testing.T, v boto3Vector, post *PresignedPost) {
	t.Helper()
	want := boto3Want(t, v)
	for _, imp := range want.improvements {
		t.Logf("improvement %s: %s", imp.name, imp.why)
	}

	// (d) The URL is boto3's, except where s3post is deliberately different.
	assert.Equal(t, want.url, post.URL, "URL")

	// (a) The same fields, with boto3's values (the policy and signature are
	// checked below).
	assert.Equal(t, boto3SortedKeys(v.Output.Fields), boto3SortedKeys(post.Fields), "field names")
	for name, value := range v.Output.Fields {
		if name == "policy" || name == "x-amz-signature" {
			continue
		}
		assert.Equal(t, value, post.Fields[name], "field %s", name)
	}

	// (b) The decoded policy: the same expiration, and boto3's conditions
	// with exactly the improvements that apply.
	gotText, err := base64.StdEncoding.DecodeString(post.Fields["policy"])
	require.NoError(t, err, "policy field is not standard base64")
	theirs := decodeBoto3Policy(t, []byte(v.Output.Policy))
	got := decodeBoto3Policy(t, gotText)
	assert.Equal(t, theirs.Expiration, got.Expiration, "policy expiration")
	assert.Equal(t, theirs.Expiration, post.Expires.Format(expirationFormat), "PresignedPost.Expires")
	require.Equal(t, boto3ConditionTexts(want.conditions), boto3ConditionTexts(got.Conditions), "policy conditions (normalised)")
	for i, c := range want.conditions {
		if c.fromBoto3 {
			assert.Equal(t, string(c.raw), string(got.Conditions[i]), "condition %d is boto3's and must keep its bytes", i)
		}
	}

	// (c) Where the policy is boto3's byte for byte, so are the policy field
	// and the signature. When no improvement touches the policy, it must be.
	if !want.policyChanged {
		assert.Equal(t, v.Output.Policy, string(gotText), "no improvement touches the policy, so its bytes must be boto3's")
	}
	if string(gotText) == v.Output.Policy {
		t.Logf("the policy is boto3's byte for byte")
		assert.Equal(t, v.Output.Fields["policy"], post.Fields["policy"], "policy field")
		assert.Equal(t, v.Output.Fields["x-amz-signature"], post.Fields["x-amz-signature"], "x-amz-signature")
	} else {
		date := strings.Split(post.Fields["x-amz-credential"], "/")[1]
		key := deriveSigningKey(v.Input.SecretKey, date, v.Input.Region)
		assert.Equal(t, signPolicy(key, post.Fields["policy"]), post.Fields["x-amz-signature"], "x-amz-signature of s3post's own policy")
	}
}

// boto3Presigner builds the Presigner and PostInput that match a vector's
// boto3 client and call. The error is ParseConditions'.
func boto3Presigner(t *testing.T, v boto3Vector) (*Presigner, PostInput, error) {
	t.Helper()
	in := v.Input
	now, err := time.Parse(time.RFC3339Nano, in.Now)
	require.NoError(t, err)
	style := AddressingAuto
	if in.AddressingStyle != nil {
		switch *in.AddressingStyle {
		case "auto":
		case "path":
			style = AddressingPath
		case "virtual":
			style = AddressingVirtual
		default:
			require.Fail(t, "unknown addressing style", *in.AddressingStyle)
		}
	}
	p := &Presigner{
		Credentials:     StaticCredentials(in.AccessKey, in.SecretKey, in.SessionToken),
		Region:          in.Region,
		Endpoint:        in.EndpointURL,
		AddressingStyle: style,
		UseAccelerate:   in.UseAccelerate,
		UseDualStack:    in.UseDualStack,
		UseFIPS:         in.UseFIPS,
		Now:             func() time.Time { return now },
	}
	post := PostInput{Bucket: in.Bucket, Key: in.Key, Fields: in.Fields}
	if in.ExpiresIn != nil {
		post.Expires = time.Duration(*in.ExpiresIn) * time.Second
	}
	if len(in.Conditions) > 0 && string(in.Conditions) != "null" {
		conds, err := ParseConditions(in.Conditions)
		if err != nil {
			return p, post, err
		}
		post.Conditions = conds
	}
	return p, post, nil
}

// boto3Policy is a decoded policy document, each condition kept as its
// bytes.
type boto3Policy struct {
	Expiration string            `json:"expiration"`
	Conditions []json.RawMessage `json:"conditions"`
}

func decodeBoto3Policy(t *testing.T, text []byte) boto3Policy {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	var p boto3Policy
	require.NoError(t, dec.Decode(&p), "policy %s", text)
	return p
}

// boto3WantCondition is one condition that s3post's policy must hold: boto3's
// own, which must keep its bytes, or one that an improvement added or
// rewrote, which must mean the same.
type boto3WantCondition struct {
	fromBoto3 bool
	raw       json.RawMessage
}

func boto3Condition(raw json.RawMessage) boto3WantCondition {
	return boto3WantCondition{fromBoto3: true, raw: raw}
}

func boto3ImprovedCondition(v any) boto3WantCondition {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return boto3WantCondition{raw: raw}
}

func boto3ExactMatch(name, value string) boto3WantCondition {
	return boto3ImprovedCondition(map[string]string{name: value})
}

func boto3StartsWith(name, prefix string) boto3WantCondition {
	return boto3ImprovedCondition([]string{"starts-with", "$" + name, prefix})
}

// boto3ConditionTexts returns the conditions in one layout (Go's compact JSON,
// numbers kept as written), so that the same condition compares equal
// whatever the spacing and escaping.
func boto3ConditionTexts[C boto3WantCondition | json.RawMessage](conds []C) []string {
	out := make([]string, len(conds))
	for i, c := range conds {
		var raw json.RawMessage
		switch c := any(c).(type) {
		case boto3WantCondition:
			raw = c.raw
		case json.RawMessage:
			raw = c
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			out[i] = "invalid JSON: " + string(raw)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		out[i] = string(b)
	}
	return out
}

// boto3Expected is what s3post must return for a vector that it accepts.
type boto3Expected struct {
	url           string
	conditions    []boto3WantCondition
	policyChanged bool
	improvements  []boto3Improvement
}

func (w *boto3Expected) improve(imp boto3Improvement, touchesPolicy bool) {
	if !slices.Contains(w.improvements, imp) {
		w.improvements = append(w.improvements, imp)
	}
	w.policyChanged = w.policyChanged || touchesPolicy
}

// boto3Want applies the improvements to boto3's output. boto3's policy is
// laid out as: the caller's conditions, {"bucket"}, the key condition, then
// the signer's x-amz-algorithm, x-amz-credential, x-amz-date and
// x-amz-security-token. s3post's is the same, with the improvements.
func boto3Want(t *testing.T, v boto3Vector) boto3Expected {
	t.Helper()
	var w boto3Expected
	w.url = boto3WantURL(t, v, &w)

	var caller []json.RawMessage
	if len(v.Input.Conditions) > 0 {
		require.NoError(t, json.Unmarshal(v.Input.Conditions, &caller))
	}
	boto3 := decodeBoto3Policy(t, []byte(v.Output.Policy)).Conditions
	n := len(caller)
	require.GreaterOrEqual(t, len(boto3), n+5, "boto3's policy has the caller's conditions, bucket, key and the signer's three")
	require.Equal(t, []string{`{"bucket":"` + v.Input.Bucket + `"}`}, boto3ConditionTexts(boto3[n:n+1]), "boto3 puts the bucket right after the caller's conditions")

	// The caller's conditions, in the caller's order.
	constrained := map[string]bool{}
	for i, raw := range caller {
		require.Equal(t, boto3ConditionTexts(caller[i:i+1]), boto3ConditionTexts(boto3[i:i+1]), "boto3 copies the caller's conditions first")
		name, op, value := parseBoto3Condition(t, raw)
		if name != "" {
			constrained[strings.ToLower(name)] = true
		}
		if op == "eq" {
			// {"name": "value"} is the one exact-match form that s3post writes.
			w.improve(improveEqAsObject, true)
			w.conditions = append(w.conditions, boto3ExactMatch(name, value))
			continue
		}
		w.conditions = append(w.conditions, boto3Condition(boto3[i]))
	}

	// A field without a condition gets one; boto3 adds none.
	names := boto3SortedKeys(v.Input.Fields)
	sort.SliceStable(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	for _, name := range names {
		if constrained[strings.ToLower(name)] {
			continue
		}
		value := v.Input.Fields[name]
		if before, _, templated := strings.Cut(value, filenameVariable); templated {
			w.improve(improveFilenameStartsWith, true)
			w.conditions = append(w.conditions, boto3StartsWith(name, before))
			continue
		}
		w.improve(improveFieldExactMatch, true)
		w.conditions = append(w.conditions, boto3ExactMatch(name, value))
	}

	// boto3's bucket condition.
	w.conditions = append(w.conditions, boto3Condition(boto3[n]))

	// The key condition: none if the caller gave one; a starts-with on the
	// text before the first ${filename} where boto3 did not write that.
	key := v.Input.Key
	boto3KeyWant := boto3ConditionTexts([]boto3WantCondition{boto3ExactMatch("key", key)})
	if prefix, found := strings.CutSuffix(key, filenameVariable); found {
		boto3KeyWant = boto3ConditionTexts([]boto3WantCondition{boto3StartsWith("key", prefix)})
	}
	require.Equal(t, boto3KeyWant, boto3ConditionTexts(boto3[n+1:n+2]), "boto3's key condition")
	switch {
	case constrained["key"]:
		w.improve(improveNoSecondKeyCondition, true)
	case strings.Contains(key, filenameVariable) && !(strings.Count(key, filenameVariable) == 1 && strings.HasSuffix(key, filenameVariable)):
		w.improve(improveFilenameStartsWith, true)
		before, _, _ := strings.Cut(key, filenameVariable)
		w.conditions = append(w.conditions, boto3StartsWith("key", before))
	default:
		w.conditions = append(w.conditions, boto3Condition(boto3[n+1]))
	}

	// The signer's conditions, as boto3 wrote them.
	for _, raw := range boto3[n+2:] {
		w.conditions = append(w.conditions, boto3Condition(raw))
	}
	return w
}

// parseBoto3Condition returns the field, operator and value of a caller's
// condition in boto3's input: {"name": "value"} (operator ""), or
// [op, "$name", value]; content-length-range has no field.
func parseBoto3Condition(t *testing.T, raw json.RawMessage) (name, op, value string) {
	t.Helper()
	if raw[0] == '{' {
		var obj map[string]string
		require.NoError(t, json.Unmarshal(raw, &obj))
		require.Len(t, obj, 1, "an exact-match object has one field")
		for name, value = range obj {
		}
		return name, "", value
	}
	var arr []any
	require.NoError(t, json.Unmarshal(raw, &arr))
	require.Len(t, arr, 3)
	op = strings.ToLower(arr[0].(string))
	if op == "content-length-range" {
		return "", op, ""
	}
	return strings.TrimPrefix(arr[1].(string), "$"), op, arr[2].(string)
}

// boto3WantURL returns the URL s3post must return, from boto3's.
//
// botocore 1.29 resolves a form in the aws partition to the global endpoint
// (region "aws-global"), whatever its region, unless it is dual-stack or
// accelerated or path style was asked for, or the bucket name is not a host
// label: the URL is then bucket.s3.amazonaws.com, or with FIPS
// bucket.s3-fips.us-east-1.amazonaws.com. (A bucket name that is a host
// label but not virtual-hostable, such as "MyBucket", goes path style on
// the global host, s3.amazonaws.com/MyBucket, even outside us-east-1;
// s3post refuses such names outside us-east-1.) Other forms are regional,
// as s3post's are; custom endpoints differ only as below.
func boto3WantURL(t *testing.T, v boto3Vector, w *boto3Expected) string {
	t.Helper()
	in := v.Input
	got := v.Output.URL
	if in.EndpointURL != "" {
		if in.AddressingStyle == nil || *in.AddressingStyle != "virtual" {
			return got
		}
		u, err := url.Parse(in.EndpointURL)
		require.NoError(t, err)
		base := strings.TrimSuffix(u.EscapedPath(), "/")
		virtual := u.Scheme + "://" + in.Bucket + "." + u.Host + base + "/"
		switch {
		case got == virtual:
			return got
		case got == strings.TrimSuffix(virtual, "/"):
			w.improve(improveVirtualBasePathSlash, false)
		case u.Scheme == "http" && strings.Contains(in.Bucket, ".") && got == u.Scheme+"://"+u.Host+base+"/"+in.Bucket:
			w.improve(improveVirtualOnPlainHTTP, false)
		default:
			require.Fail(t, "boto3 URL outside the known rules", "%s for %s", got, in.EndpointURL)
		}
		return virtual
	}
	partitionAWS := !strings.HasPrefix(in.Region, "cn-") && !strings.HasPrefix(in.Region, "us-gov-")
	pathStyle := in.AddressingStyle != nil && *in.AddressingStyle == "path"
	global := partitionAWS && !in.UseAccelerate && !in.UseDualStack && !pathStyle && boto3VirtualHostable.MatchString(in.Bucket)
	if !global {
		return got
	}
	host, regional, imp := ".s3.amazonaws.com/", ".s3."+in.Region+".amazonaws.com/", improveRegionalURL
	if in.UseFIPS {
		host, regional, imp = ".s3-fips.us-east-1.amazonaws.com/", ".s3-fips."+in.Region+".amazonaws.com/", improveFIPSRegionalURL
	}
	require.Equal(t, "https://"+in.Bucket+host, got, "botocore 1.29 resolves a virtual-hosted aws-partition form to the global endpoint")
	if in.Region == "us-east-1" {
		return got // the global host is us-east-1's own
	}
	w.improve(imp, false)
	return "https://" + in.Bucket + regional
}

// boto3VirtualHostable matches the bucket names that botocore's S3 endpoint
// rules put in the host name: 3 to 63 lowercase letters, digits and '-', not
// starting or ending with '-', and (for TLS) no dots.
var boto3VirtualHostable = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// TestBoto3Coverage checks that the vectors exercise every improvement and
// every rejection, and that the tables name only vectors that exist.
func TestBoto3Coverage(t *testing.T) {
	t.Parallel()
	vectors := loadBoto3Vectors(t)
	counts := map[string]int{}
	names := map[string]bool{}
	for _, v := range vectors {
		require.False(t, names[v.Name], "duplicate vector %s", v.Name)
		names[v.Name] = true
		require.NotEmpty(t, v.Reason, "vector %s has no reason", v.Name)
		_, refused := boto3Rejections[v.Name]
		assert.Equal(t, strings.HasPrefix(v.Name, "reject-"), refused, "vector %s: names starting with reject- are exactly those in boto3Rejections", v.Name)
		if refused {
			counts["rejected"]++
			continue
		}
		for _, imp := range boto3Want(t, v).improvements {
			counts[imp.name]++
		}
	}
	for name := range boto3Rejections {
		assert.True(t, names[name], "boto3Rejections names %s, which is not a vector", name)
	}
	for _, imp := range boto3Improvements {
		assert.Positive(t, counts[imp.name], "no vector exercises improvement %s", imp.name)
		t.Logf("%-24s %2d vectors", imp.name, counts[imp.name])
	}
	t.Logf("%-24s %2d vectors of %d", "rejected", counts["rejected"], len(vectors))
}

func boto3SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
