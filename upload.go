package s3post

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"sort"
	"strings"
)

// Upload is a file to post with a presigned form, from Go.
type Upload struct {
	// Filename is the file's name as sent in the form; S3 puts it in place of
	// ${filename} in the key. Required.
	Filename string

	// Body is the file's content. It is read while the request is sent,
	// and never held in memory whole; when the form allows a checksum, it
	// is read once more before, to compute it (see NoChecksum). Required.
	Body io.Reader

	// Size is the length of Body in bytes, so that the request carries a
	// Content-Length. Optional; zero means it is taken from Body when Body is
	// an *os.File, *bytes.Reader, *strings.Reader or *bytes.Buffer, and the
	// request is otherwise sent with chunked transfer encoding.
	Size int64

	// Fields are form fields that the form leaves to the client, such as a
	// Content-Type under a starts-with condition. They must not repeat a
	// field of the form. Optional.
	Fields map[string]string

	// NoChecksum stops NewUploadRequest from computing the integrity
	// fields that the form allows (see [PresignedPost.NewUploadRequest]).
	// Optional; default false: they are computed and sent.
	NoChecksum bool
}

// NewUploadRequest returns a POST request that uploads u with the form: a
// multipart/form-data body with the form's fields, u.Fields, and the file as
// the last part, named "file". The body streams u.Body as the request is
// sent. Send it with any [http.Client]; S3 answers 204 No Content by
// default, or as the form's success_action_status says.
//
// When the form's policy allows a Content-MD5 or an x-amz-checksum-*
// field with any value (a starts-with "" condition, as
// ObjectFields.ContentMD5 or Checksum set to [AnyValue] make) and neither
// the form nor u.Fields has it, NewUploadRequest reads u.Body once to
// compute it, puts the reader back where it was, and sends the value: S3
// then refuses a body that changed after that (BadDigest), such as a file
// rewritten while it is sent, and stores nothing. Of several
// x-amz-checksum-* fields it sends one, the one the form's
// x-amz-checksum-algorithm names if it names one, as S3 takes one. This
// needs a body that can be read twice: a *bytes.Buffer, or a reader with a
// Seek method (*os.File of a regular file, *bytes.Reader,
// *strings.Reader). Other readers, such as a pipe, are sent without the
// fields, which the policy then lets S3 do without; read such a body into
// a bytes.Reader to get them, or give the values in u.Fields. Set
// u.NoChecksum to send none.
func (p *PresignedPost) NewUploadRequest(ctx context.Context, u Upload) (*http.Request, error) {
	if u.Body == nil {
		return nil, inputError(ErrInvalidField, "Upload.Body", "no file content: set Body to the file's reader")
	}
	if u.Filename == "" {
		return nil, inputError(ErrInvalidField, "Upload.Filename", "the file name is empty: S3 needs one, and puts it in place of ${filename}")
	}
	if u.Size < 0 {
		return nil, inputError(ErrInvalidField, "Upload.Size", fmt.Sprintf("the size %d is negative", u.Size))
	}
	names := make([]string, 0, len(p.Fields)+len(u.Fields))
	seen := make(map[string]bool, cap(names))
	for name := range p.Fields {
		names = append(names, name)
		seen[strings.ToLower(name)] = true
	}
	for name := range u.Fields {
		if seen[strings.ToLower(name)] {
			return nil, inputError(ErrInvalidField, "Upload.Fields["+quote(name)+"]", "the form already has this field (names compare case-insensitively): S3 rejects a field sent twice")
		}
		seen[strings.ToLower(name)] = true
		if strings.EqualFold(name, "file") {
			return nil, inputError(ErrInvalidField, `Upload.Fields["file"]`, "the file part is added from Upload.Body")
		}
		names = append(names, name)
	}
	var digests map[string]string
	if !u.NoChecksum {
		if fields := p.digestFields(u.Fields); len(fields) > 0 {
			var err error
			if digests, err = computeDigests(ctx, u.Body, fields); err != nil {
				return nil, err
			}
			for name := range digests {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)

	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, name := range names {
		value, ok := p.Fields[name]
		if !ok {
			value, ok = u.Fields[name]
		}
		if !ok {
			value = digests[name]
		}
		if err := mw.WriteField(name, value); err != nil {
			return nil, fmt.Errorf("s3post: writing form field %s: %w", quote(name), err)
		}
	}
	if _, err := mw.CreateFormFile("file", u.Filename); err != nil {
		return nil, fmt.Errorf("s3post: writing the file part header: %w", err)
	}
	headLen := head.Len()
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("s3post: closing the form: %w", err)
	}
	tail := bytes.Clone(head.Bytes()[headLen:])
	head.Truncate(headLen)

	size, known := u.Size, u.Size > 0
	if !known {
		size, known = bodySize(u.Body)
	}
	body := &uploadBody{head: head.Bytes(), file: u.Body, tail: tail}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, body)
	if err != nil {
		return nil, fmt.Errorf("s3post: building the upload request: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if known {
		req.ContentLength = int64(headLen) + size + int64(len(tail))
	} else {
		req.ContentLength = -1
	}
	return req, nil
}

// uploadBody is the body of an upload request: the multipart head (the
// fields and the file part's header), the file, then the closing
// delimiter. Read gives them in turn. WriteTo writes them to w, and hands
// an *os.File to w's ReadFrom as is, so that a writer that can (a TCP
// connection, a file) copies it in the kernel with sendfile, splice or
// copy_file_range. net/http's Transport reads the body of a request with a
// Content-Length through an io.LimitReader, which has no WriteTo: it uses
// Read.
type uploadBody struct {
	head []byte    // the part of the head not yet read
	file io.Reader // nil once read to its end
	tail []byte    // the part of the tail not yet read
}

// Read reads the head, then the file, then the tail.
func (b *uploadBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	if b.file != nil {
		n, err := b.file.Read(p)
		if err == io.EOF {
			b.file, err = nil, nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	if len(b.tail) > 0 {
		n := copy(p, b.tail)
		b.tail = b.tail[n:]
		return n, nil
	}
	return 0, io.EOF
}

// WriteTo writes what is left of the body to w.
func (b *uploadBody) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if len(b.head) > 0 {
		n, err := w.Write(b.head)
		total += int64(n)
		b.head = b.head[n:]
		if err != nil {
			return total, err
		}
	}
	if b.file != nil {
		var n int64
		var err error
		if rf, ok := w.(io.ReaderFrom); ok && isFile(b.file) {
			n, err = rf.ReadFrom(b.file)
		} else {
			n, err = io.Copy(w, b.file)
		}
		total += n
		if err != nil {
			return total, err
		}
		b.file = nil
	}
	n, err := w.Write(b.tail)
	total += int64(n)
	b.tail = b.tail[n:]
	return total, err
}

func isFile(r io.Reader) bool {
	_, ok := r.(*os.File)
	return ok
}

// bodySize returns the number of bytes left in r, for the readers whose
// length is known without reading them.
func bodySize(r io.Reader) (int64, bool) {
	switch r := r.(type) {
	case *bytes.Reader:
		return int64(r.Len()), true
	case *strings.Reader:
		return int64(r.Len()), true
	case *bytes.Buffer:
		return int64(r.Len()), true
	case *os.File:
		info, err := r.Stat()
		if err != nil || !info.Mode().IsRegular() {
			return 0, false
		}
		pos, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, false
		}
		return info.Size() - pos, true
	}
	return 0, false
}

// HTMLFormOptions adjust the form that [PresignedPost.HTMLForm] renders.
type HTMLFormOptions struct {
	// ID is the form element's id attribute. Optional; default none.
	ID string
	// Accept is the file input's accept attribute, e.g. "image/*".
	// Optional; default none.
	Accept string
	// SubmitLabel is the text of the submit button. Optional; default
	// "Upload".
	SubmitLabel string
}

var formTemplate = template.Must(template.New("form").Parse(
	`<form{{with .ID}} id="{{.}}"{{end}} action="{{.URL}}" method="post" enctype="multipart/form-data">
{{- range .Fields}}
  <input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{- end}}
  <input type="file" name="file"{{with .Accept}} accept="{{.}}"{{end}} required>
  <button type="submit">{{.SubmitLabel}}</button>
</form>
`))

// HTMLForm renders the form as HTML: the fields as hidden inputs in name
// order, then the file input, which S3 needs last, and a submit button. All
// values are escaped. Embed the result in an html/template page as is.
func (p *PresignedPost) HTMLForm(opts HTMLFormOptions) (template.HTML, error) {
	type field struct{ Name, Value string }
	data := struct {
		HTMLFormOptions
		URL    string
		Fields []field
	}{HTMLFormOptions: opts, URL: p.URL}
	if data.SubmitLabel == "" {
		data.SubmitLabel = "Upload"
	}
	if !strings.HasPrefix(p.URL, "https://") && !strings.HasPrefix(p.URL, "http://") {
		return "", inputError(ErrInvalidEndpoint, "PresignedPost.URL", fmt.Sprintf("%s is not an http(s) URL", quote(p.URL)))
	}
	for name, value := range p.Fields {
		data.Fields = append(data.Fields, field{name, value})
	}
	sort.Slice(data.Fields, func(i, j int) bool { return data.Fields[i].Name < data.Fields[j].Name })
	var b strings.Builder
	if err := formTemplate.Execute(&b, data); err != nil {
		return "", fmt.Errorf("s3post: rendering the form: %w", err)
	}
	return template.HTML(b.String()), nil
}
