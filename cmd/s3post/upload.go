package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/s3post/s3post"
)

const uploadUsage = `Usage: s3post upload [-form FILE|-] [flags] FILE

Posts FILE with a presigned form and prints what S3 answered. The form is
JSON as "s3post presign" prints it ({"url", "fields", "expires"}; boto3's
{"url", "fields"} too), read from standard input unless -form names a file.

The file, which must be a regular file (not a pipe or a device), is
streamed. When the form's policy wants a Content-Type that the form does not
set, the file's type is sent: -content-type, else the type of its extension,
else of its first bytes. When the form's policy lets the uploader send a
Content-MD5 or an x-amz-checksum-* field with any value (a starts-with ""
condition on it), it is computed from the file before the file is
sent, so that S3 refuses the upload (BadDigest) if the file changes while
it is sent, and stores nothing; -no-checksum sends none. A progress bar is
drawn on standard error when it is a terminal.

Example:
  s3post presign -bucket my-bucket -key 'uploads/${filename}' -region eu-central-1 |
    s3post upload photo.jpg
`

// maxFormSize bounds the form read from a file or standard input.
const maxFormSize = 1 << 20

// uploadOptions are the flags of the upload command.
type uploadOptions struct {
	form        string
	fields      fieldsFlag
	contentType string
	noChecksum  bool
}

func runUpload(ctx context.Context, std *stdio, args []string) error {
	o := uploadOptions{fields: fieldsFlag{}}
	fs := newFlagSet("upload")
	fs.StringVar(&o.form, "form", "-", "the `file` with the form as JSON; - is standard input")
	fs.Var(o.fields, "field", "a form field that the form leaves to the uploader, as `name=value`; repeatable")
	fs.StringVar(&o.contentType, "content-type", "", "the file's Content-Type, when the form's policy wants one. Default: from its name or content.")
	fs.BoolVar(&o.noChecksum, "no-checksum", false, "send no Content-MD5 or x-amz-checksum-* field, even where the form allows one")
	if err := parseFlags(fs, args, std, uploadUsage); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		return usagef("upload: no file to upload: run \"s3post upload [-form FILE] FILE\"")
	case 1:
	default:
		return usagef("upload: one file at a time, got %d (flags go before the file)", fs.NArg())
	}
	post, err := readForm(ctx, std.in, o.form)
	if err != nil {
		return err
	}
	if !post.Expires.IsZero() && !time.Now().Before(post.Expires) {
		return fmt.Errorf("upload: the form expired at %s: presign a new one", post.Expires.Format(time.RFC3339))
	}
	policy, err := readPolicy(post)
	if err != nil {
		return usagef("upload: %v", err)
	}

	path := fs.Arg(0)
	file, info, err := openRegular(path)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer file.Close()
	size := info.Size()
	if policy.hasRange && (size < policy.minSize || size > policy.maxSize) {
		return fmt.Errorf("upload: %s has %d bytes, and the form takes files of %d to %d bytes", path, size, policy.minSize, policy.maxSize)
	}
	fields, err := o.clientFields(post, policy, file)
	if err != nil {
		return err
	}

	// The file goes as it is, so that NewUploadRequest can read it twice:
	// once for its checksum, once to send it.
	up := s3post.Upload{Filename: filepath.Base(path), Body: file, Size: size, Fields: fields, NoChecksum: o.noChecksum}
	req, err := post.NewUploadRequest(ctx, up)
	if err != nil {
		if errors.Is(err, s3post.ErrInvalidField) {
			return usagef("upload: %s", reason(err))
		}
		return fmt.Errorf("upload: %w", err)
	}
	var bar *progress
	if isTerminal(std.err) && size > 0 {
		// The bar counts the whole request: the form's fields, the file and
		// the end of the form.
		bar = newProgress(std.err, up.Filename, req.ContentLength)
		req.Body = struct {
			io.Reader
			io.Closer
		}{&progressReader{r: req.Body, p: bar}, req.Body}
	}
	if std.beforeSend != nil {
		std.beforeSend()
	}
	client := &http.Client{
		// A 303 is S3's answer for success_action_redirect: report it, do
		// not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	bar.finish()
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("upload: interrupted")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("upload: posting to %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("upload: reading S3's answer (%s): %w", resp.Status, err)
	}
	return printResult(std.out, resp, body)
}

// readForm reads a presigned form as JSON from the file at path, or from
// stdin when path is "-". The wait for it ends when ctx is done (on SIGINT):
// a pipe or FIFO may never deliver it.
func readForm(ctx context.Context, stdin *os.File, path string) (*s3post.PresignedPost, error) {
	name := path
	if path == "-" {
		if isTerminal(stdin) {
			return nil, usagef("upload: no form: pipe one in (s3post presign ... | s3post upload FILE) or pass -form FILE")
		}
		name = "standard input"
	}
	type formBytes struct {
		data []byte
		err  error
	}
	// The read cannot be interrupted (opening a FIFO waits for a writer), so
	// it runs on its own; when ctx is done first, it is left blocked, and
	// the command ends.
	done := make(chan formBytes, 1)
	go func() {
		data, err := readFormBytes(stdin, path)
		done <- formBytes{data, err}
	}()
	var data []byte
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		data = r.data
	case <-ctx.Done():
		return nil, fmt.Errorf("upload: interrupted while reading the form from %s", name)
	}
	if len(data) > maxFormSize {
		return nil, usagef("upload: the form in %s is over %d bytes; is it a form?", name, maxFormSize)
	}
	var post s3post.PresignedPost
	if err := json.Unmarshal(data, &post); err != nil {
		return nil, usagef("upload: the form in %s is not JSON like {\"url\": ..., \"fields\": {...}}: %v", name, err)
	}
	switch {
	case post.URL == "":
		return nil, usagef("upload: the form in %s has no \"url\"", name)
	case len(post.Fields) == 0:
		return nil, usagef("upload: the form in %s has no \"fields\"", name)
	}
	return &post, nil
}

// readFormBytes reads up to maxFormSize+1 bytes of the form from the file
// at path, or from stdin when path is "-".
func readFormBytes(stdin *os.File, path string) ([]byte, error) {
	r, name := io.Reader(stdin), "standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("upload: reading the form: %w", err)
		}
		defer f.Close()
		r, name = f, path
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFormSize+1))
	if err != nil {
		return nil, fmt.Errorf("upload: reading the form from %s: %w", name, err)
	}
	return data, nil
}

// clientFields returns the fields to send besides the form's: those of
// -field, and those the policy wants but the form lacks: a Content-Type of
// the file's type, and exact-match fields whose value the policy gives.
func (o *uploadOptions) clientFields(post *s3post.PresignedPost, policy *formPolicy, file *os.File) (map[string]string, error) {
	fields := maps.Clone(map[string]string(o.fields))
	var contentTypeConds []fieldCondition
	for _, c := range policy.missing(post.Fields, o.fields) {
		switch {
		case c.Op == "starts-with" && c.Value == "" && isDigestField(c.Field):
			// NewUploadRequest computes it from the file, unless
			// -no-checksum; S3 takes the form without it too.
		case strings.EqualFold(c.Field, "Content-Type"):
			contentTypeConds = append(contentTypeConds, c)
		case c.Op == "eq":
			fields[c.Field] = c.Value
		default:
			return nil, usagef("upload: the form's policy wants a field %s, which the form does not have: pass -field %s", abbreviate(c.String(), 200), abbreviate(shellQuote(c.Field+"=VALUE"), 200))
		}
	}
	if o.contentType != "" && len(contentTypeConds) == 0 {
		if _, ok := lookupFold(post.Fields, "Content-Type"); ok {
			return nil, usagef("upload: -content-type: the form sets the Content-Type itself")
		}
		if _, ok := lookupFold(o.fields, "Content-Type"); ok {
			return nil, usagef("upload: -content-type and -field Content-Type=... say the same thing: keep one")
		}
		return nil, usagef("upload: -content-type: the form's policy has no Content-Type condition, so S3 would refuse the field")
	}
	if len(contentTypeConds) == 0 {
		return fields, nil
	}
	ctype, from := o.contentType, "-content-type"
	if ctype == "" {
		ctype, from = detectContentType(file), "the file's type"
	}
	for _, c := range contentTypeConds {
		if !c.Meets(ctype) {
			return nil, usagef("upload: the form wants a Content-Type %s, and %s is %s: pass -content-type", abbreviate(strings.TrimPrefix(c.String(), `"Content-Type" `), 200), from, quote(ctype))
		}
	}
	fields["Content-Type"] = ctype
	return fields, nil
}

// isDigestField reports whether name is a field whose value
// NewUploadRequest computes from the file: Content-MD5 or S3's
// x-amz-checksum-<algorithm>.
func isDigestField(name string) bool {
	switch strings.ToLower(name) {
	case "content-md5", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1", "x-amz-checksum-sha256":
		return true
	}
	return false
}

// detectContentType returns the type of the file from its extension, or
// else from its first bytes, as browsers do.
func detectContentType(file *os.File) string {
	if t := mime.TypeByExtension(filepath.Ext(file.Name())); t != "" {
		return t
	}
	head := make([]byte, 512)
	n, _ := file.ReadAt(head, 0)
	return http.DetectContentType(head[:n])
}

// s3Error is the XML body of an S3 error answer.
type s3Error struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// postResponse is the XML body of S3's answer to success_action_status 201.
type postResponse struct {
	Location string `xml:"Location"`
	Bucket   string `xml:"Bucket"`
	Key      string `xml:"Key"`
	ETag     string `xml:"ETag"`
}

// printResult prints S3's answer to an upload, or returns it as an error
// when S3 refused the upload.
func printResult(w io.Writer, resp *http.Response, body []byte) error {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300 || resp.StatusCode == http.StatusSeeOther
	if !ok {
		var e s3Error
		if xml.Unmarshal(body, &e) == nil && e.Code != "" {
			return fmt.Errorf("S3 said: %s: %s (%s)", e.Code, e.Message, resp.Status)
		}
		if text := strings.TrimSpace(string(body)); text != "" {
			return fmt.Errorf("upload failed with %s: %s", resp.Status, abbreviate(text, 200))
		}
		return fmt.Errorf("upload failed with %s", resp.Status)
	}
	var lines [][2]string
	add := func(name, value string) {
		if value != "" {
			lines = append(lines, [2]string{name, value})
		}
	}
	add("status", resp.Status)
	switch {
	case resp.StatusCode == http.StatusSeeOther:
		loc := resp.Header.Get("Location")
		add("redirect", loc)
		if u, err := url.Parse(loc); err == nil {
			q := u.Query()
			add("bucket", q.Get("bucket"))
			add("key", q.Get("key"))
			add("etag", q.Get("etag"))
		}
	case bytes.Contains(body, []byte("<PostResponse")):
		var r postResponse
		if err := xml.Unmarshal(body, &r); err == nil {
			add("location", r.Location)
			add("bucket", r.Bucket)
			add("key", r.Key)
			add("etag", r.ETag)
		}
	default:
		add("location", resp.Header.Get("Location"))
		add("etag", resp.Header.Get("ETag"))
	}
	add("version", resp.Header.Get("x-amz-version-id"))
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-9s %s\n", l[0]+":", l[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// abbreviate shortens s to at most n bytes, on one line.
func abbreviate(s string, n int) string {
	s = oneLine(s)
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "..."
	}
	return s
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
