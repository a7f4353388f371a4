package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

const presignUsage = `Usage: s3post presign -bucket B -key K [-region R] [flags]

Signs an S3 POST upload form with the AWS SDKs' default credentials chain
(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first, then the AWS_PROFILE or
default profile of ~/.aws/credentials and ~/.aws/config, then the other
sources that s3post supports) and prints it. A ${filename} in the key is
replaced by S3 with the uploaded file's name.

With -checksum, the form lets the uploader send the file's checksum with
that algorithm, which "s3post upload" computes before it sends the file and
S3 checks the file against (BadDigest if the file changed, nothing stored).

With -endpoint (an S3-compatible server) and no region from -region or the
environment, the form is signed for us-east-1, as other S3 tools do.

Sizes are bytes or a number with a unit: KiB, MiB, GiB, TiB (powers of 1024),
KB, MB, GB, TB (powers of 1000).

Examples:
  s3post presign -bucket my-bucket -key 'uploads/${filename}' -region eu-central-1 \
    -expires 15m -max-size 10MiB -content-type-prefix image/ -format html -o upload.html
  s3post presign -bucket my-bucket -key 'uploads/${filename}' -checksum sha256 | s3post upload photo.jpg
  s3post presign -bucket my-bucket -key 'uploads/${filename}' -format curl -file photo.jpg | sh
`

// presignOptions are the flags of the presign command.
type presignOptions struct {
	bucket, key, region, endpoint string
	expires                       durationFlag
	minSize, maxSize              sizeFlag
	contentTypePrefix             string
	checksum                      string // -checksum: the algorithm, "" for none
	fields                        fieldsFlag
	conditions                    string
	pathStyle                     bool
	format                        string
	output                        string // -o: the file to write, "" for stdout
	file                          string // -file: the file of the curl command
}

func runPresign(ctx context.Context, std *stdio, args []string) error {
	o := presignOptions{fields: fieldsFlag{}}
	fs := newFlagSet("presign")
	fs.StringVar(&o.bucket, "bucket", "", "the bucket's `name`. Required.")
	fs.StringVar(&o.key, "key", "", "the object `key`, e.g. 'uploads/${filename}'. Required.")
	fs.StringVar(&o.region, "region", "", "the bucket's `region`, e.g. eu-central-1. Default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the shared config profile's region.")
	o.expires = durationFlag(s3post.DefaultExpiry)
	fs.Var(&o.expires, "expires", "how long the form stays valid, from 1s to 7d, e.g. 15m")
	fs.Var(&o.maxSize, "max-size", "the largest file `size` accepted, e.g. 10MiB. Default: 5GiB when -min-size is set, else no limit.")
	fs.Var(&o.minSize, "min-size", "the smallest file `size` accepted. Default: 0.")
	fs.StringVar(&o.contentTypePrefix, "content-type-prefix", "", "the file's Content-Type must start with `prefix`, e.g. image/")
	fs.StringVar(&o.checksum, "checksum", "", "let the uploader send the file's checksum with `algorithm` crc32, crc32c, crc64nvme, sha1 or sha256, which S3 checks the file against; s3post upload computes it")
	fs.Var(o.fields, "field", "a form field as `name=value`, e.g. acl=private or success_action_status=201; repeatable")
	fs.StringVar(&o.conditions, "conditions", "", "more policy conditions as a `JSON` array in boto3's forms, e.g. '[[\"starts-with\", \"$x-amz-meta-tag\", \"\"]]'")
	fs.StringVar(&o.endpoint, "endpoint", "", "the base `URL` of an S3-compatible server, e.g. http://127.0.0.1:7070. Default: AWS.")
	fs.BoolVar(&o.pathStyle, "path-style", false, "put the bucket in the URL's path, not in its host name")
	fs.StringVar(&o.format, "format", "json", "the output `format`: json ({\"url\", \"fields\", \"expires\"}), html (a form) or curl (a command)")
	fs.StringVar(&o.output, "o", "", "write the form to `file` instead of standard output; with -format html, a whole page to open in a browser")
	fs.StringVar(&o.file, "file", "", "with -format curl, the `path` of the file that the command uploads. Default: FILE, for you to replace.")
	if err := parseFlags(fs, args, std, presignUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("presign: unexpected argument %s: every setting is a flag (run \"s3post presign -h\" for help)", quote(fs.Arg(0)))
	}
	switch o.format {
	case "json", "html", "curl":
	default:
		return usagef("presign: -format %s: want json, html or curl", quote(o.format))
	}
	if o.file != "" && o.format != "curl" {
		return usagef("presign: -file names the file of the curl command: add -format curl")
	}
	in, sources, err := o.input()
	if err != nil {
		return err
	}
	p, err := o.presigner(ctx, std.err)
	if err != nil {
		return err
	}
	post, err := p.PresignPost(ctx, in)
	if err != nil {
		return presignError(err, sources)
	}
	if o.format != "json" {
		warnMissingFields(std.err, post, o.format)
	}
	if o.output == "" {
		return writeForm(std.out, post, &o)
	}
	return o.writeFile(std.err, post)
}

// writeFile writes the form to the -o file, a whole page for -format
// html, and says on w where it is.
func (o *presignOptions) writeFile(w io.Writer, post *s3post.PresignedPost) error {
	var b bytes.Buffer
	if o.format == "html" {
		b.WriteString(pageStart)
	}
	if err := writeForm(&b, post, o); err != nil {
		return err
	}
	if o.format == "html" {
		b.WriteString(pageEnd)
	}
	if err := os.WriteFile(o.output, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("presign: -o: %w", err)
	}
	switch o.format {
	case "html":
		where := o.output
		if abs, err := filepath.Abs(o.output); err == nil {
			where = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
			if !strings.HasPrefix(where, "file:///") { // a Windows path, C:/...
				where = "file:///" + strings.TrimPrefix(where, "file://")
			}
		}
		fmt.Fprintf(w, "s3post: wrote the upload page to %s: open %s in a browser\n", o.output, where)
	case "curl":
		fmt.Fprintf(w, "s3post: wrote the curl command to %s\n", o.output)
	default:
		fmt.Fprintf(w, "s3post: wrote the form to %s\n", o.output)
	}
	return nil
}

// pageStart and pageEnd frame the form of -format html -o in a page.
const (
	pageStart = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload a file</title>
</head>
<body>
<h1>Upload a file</h1>
`
	pageEnd = `
</body>
</html>
`
)

// input builds the PostInput from the flags. It also returns the flag that
// each condition comes from, to name it in errors.
func (o *presignOptions) input() (s3post.PostInput, []string, error) {
	in := s3post.PostInput{Bucket: o.bucket, Key: o.key, Expires: time.Duration(o.expires)}
	switch {
	case o.bucket == "":
		return in, nil, usagef("presign: -bucket is required")
	case o.key == "":
		return in, nil, usagef("presign: -key is required, e.g. -key 'uploads/${filename}'")
	case in.Expires <= 0:
		return in, nil, usagef("presign: -expires %v: want a positive duration, e.g. 15m", &o.expires)
	}
	if len(o.fields) > 0 {
		in.Fields = o.fields
	}
	if o.checksum != "" {
		alg, ok := checksumAlgorithms[strings.ToLower(o.checksum)]
		if !ok {
			return in, nil, usagef("presign: -checksum %s: want crc32, crc32c, crc64nvme, sha1 or sha256", quote(o.checksum))
		}
		in.Object.ChecksumAlgorithm = alg
		in.Object.Checksum = s3post.AnyValue()
	}
	var sources []string
	if o.contentTypePrefix != "" {
		in.Conditions = append(in.Conditions, s3post.StartsWith("Content-Type", o.contentTypePrefix))
		sources = append(sources, "-content-type-prefix")
	}
	if o.minSize.set || o.maxSize.set {
		max := o.maxSize.n
		if !o.maxSize.set {
			max = 5 << 30 // the largest object a POST upload can create
		}
		if o.minSize.n > max {
			return in, nil, usagef("presign: -min-size %d is above -max-size %d", o.minSize.n, max)
		}
		in.Conditions = append(in.Conditions, s3post.ContentLengthRange(o.minSize.n, max))
		sources = append(sources, "-min-size/-max-size")
	}
	if o.conditions != "" {
		conds, err := s3post.ParseConditions([]byte(o.conditions))
		if err != nil {
			var ie *s3post.InputError
			if errors.As(err, &ie) {
				return in, nil, usagef("presign: %s: %s", strings.Replace(ie.Input, "ParseConditions", "-conditions", 1), ie.Reason)
			}
			return in, nil, usagef("presign: -conditions: %s", reason(err))
		}
		for i := range conds {
			sources = append(sources, fmt.Sprintf("-conditions[%d]", i))
		}
		in.Conditions = append(in.Conditions, conds...)
	}
	return in, sources, nil
}

// presigner builds the Presigner from the flags and, without -region, from
// the environment as the AWS SDKs do (AWS_REGION, AWS_DEFAULT_REGION, the
// shared config profile's region). With -endpoint and no region anywhere,
// it signs for us-east-1 and notes that on stderr.
func (o *presignOptions) presigner(ctx context.Context, stderr io.Writer) (*s3post.Presigner, error) {
	var p *s3post.Presigner
	if o.region != "" {
		p = &s3post.Presigner{Credentials: awsenv.DefaultCredentials(), Region: o.region}
	} else {
		var err error
		p, err = awsenv.NewPresigner(ctx)
		if errors.Is(err, s3post.ErrInvalidRegion) && o.endpoint != "" {
			// As the AWS CLI, mc and rclone do for a custom endpoint.
			fmt.Fprintln(stderr, "s3post: note: -endpoint without a region: signing for us-east-1, as S3-compatible servers expect by default; pass -region to sign for another")
			p, err = &s3post.Presigner{Credentials: awsenv.DefaultCredentials(), Region: "us-east-1"}, nil
		}
		if errors.Is(err, s3post.ErrInvalidRegion) {
			return nil, usagef("presign: no region: pass -region, e.g. -region eu-central-1, or set AWS_REGION (or region in the shared config profile)")
		}
		if err != nil {
			return nil, err
		}
	}
	p.Endpoint = o.endpoint
	if o.pathStyle {
		p.AddressingStyle = s3post.AddressingPath
	}
	return p, nil
}

// checksumAlgorithms are the algorithms of -checksum, by lower-case name.
var checksumAlgorithms = map[string]s3post.ChecksumAlgorithm{
	"crc32": s3post.ChecksumCRC32, "crc32c": s3post.ChecksumCRC32C, "crc64nvme": s3post.ChecksumCRC64NVME,
	"sha1": s3post.ChecksumSHA1, "sha256": s3post.ChecksumSHA256,
}

// flagOfInput names the flag behind each input that s3post's errors name.
var flagOfInput = map[string]string{
	"Bucket":                    "-bucket",
	"Key":                       "-key",
	"Expires":                   "-expires",
	"Presigner.Region":          "-region",
	"Presigner.Endpoint":        "-endpoint",
	"Presigner.AddressingStyle": "-path-style",
	"Fields":                    "-field",
	"Conditions":                "-conditions",
	"Object.ChecksumAlgorithm":  "-checksum",
	"Object.Checksum":           "-checksum",
}

var fieldInput = regexp.MustCompile(`^Fields\[(".*)\]$`)

// presignError turns an error of PresignPost into one that names the flags
// at fault. Bad input is a usage error; missing or expired credentials and
// failing credential sources are not.
func presignError(err error, sources []string) error {
	var ie *s3post.InputError
	if !errors.As(err, &ie) || errors.Is(err, s3post.ErrMissingCredentials) || errors.Is(err, s3post.ErrCredentialsExpired) {
		return err
	}
	pairs := make([]string, 0, 2*len(sources)+4)
	pairs = append(pairs, "Object.ChecksumAlgorithm", "-checksum", "Object.Checksum", "-checksum")
	for i, s := range sources {
		pairs = append(pairs, fmt.Sprintf("Conditions[%d]", i), s)
	}
	conds := strings.NewReplacer(pairs...)
	input := ie.Input
	if f, ok := flagOfInput[input]; ok {
		input = f
	} else if m := fieldInput.FindStringSubmatch(input); m != nil {
		input = "-field " + m[1]
	}
	return usagef("presign: %s: %s", conds.Replace(input), conds.Replace(ie.Reason))
}

// reason returns the text of an error of s3post without the "s3post: "
// prefix.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), "s3post: ")
}

// writeForm prints the form in the format asked for.
func writeForm(w io.Writer, post *s3post.PresignedPost, o *presignOptions) error {
	switch o.format {
	case "html":
		opts := s3post.HTMLFormOptions{}
		if strings.HasSuffix(o.contentTypePrefix, "/") && strings.Count(o.contentTypePrefix, "/") == 1 {
			opts.Accept = o.contentTypePrefix + "*"
		}
		form, err := post.HTMLForm(opts)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, string(form))
		return err
	case "curl":
		_, err := io.WriteString(w, curlCommand(post, o.file))
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(post)
}

// warnMissingFields notes on w the fields that the policy names but the
// form lacks: a page or a curl command must add them, or S3 refuses the
// upload.
func warnMissingFields(w io.Writer, post *s3post.PresignedPost, format string) {
	policy, err := readPolicy(post)
	if err != nil {
		return
	}
	for _, c := range policy.missing(post.Fields, nil) {
		how := "add an input of that name to the form, before the file"
		if format == "curl" {
			how = fmt.Sprintf("add -F %s before the file", shellQuote(c.Field+"=..."))
		}
		fmt.Fprintf(w, "s3post: note: the policy wants a field %s, which the form leaves to the uploader: %s\n", c, how)
	}
}
