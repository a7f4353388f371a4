// Package s3posttest runs an in-memory S3 endpoint that takes browser POST
// uploads exactly as S3 does, for tests, in the manner of net/http/httptest.
//
//	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"uploads"}})
//	defer srv.Close()
//	post, err := srv.Presigner().PresignPost(ctx, s3post.PostInput{Bucket: "uploads", Key: "a.txt"})
//	// ... post the form to post.URL, then:
//	obj, ok := srv.Object("uploads", "a.txt")
//
// The server checks each form with [s3post.Verifier] (signature, expiry,
// every condition, extra fields), streams the file with the size range
// enforced while it reads, needs the file to be the last part, answers with
// S3's statuses and XML errors, honours success_action_status and
// success_action_redirect, checks the file against the form's Content-MD5
// and x-amz-checksum-* fields as S3 does (BadDigest, InvalidDigest,
// InvalidRequest), stores objects with the headers, metadata, tags,
// encryption fields and checksum that the form gives, and serves them back
// with GET and HEAD as S3 does (the checksum when x-amz-checksum-mode is
// ENABLED, the tags with GET ?tagging, the SSE-C key asked for). SSE-KMS
// takes any well-formed KMS key id, as the server has no KMS, and SSE-C is
// taken over the server's plain HTTP, which S3 refuses (it takes SSE-C over
// HTTPS only). Requests from pages on other origins get the CORS answers
// that S3 gives for the buckets' CORS configuration (Config.CORS).
package s3posttest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/s3post/s3post"
)

// DefaultMaxObjectSize is the largest file the server keeps in memory when
// Config.MaxObjectSize is zero.
const DefaultMaxObjectSize = 100 << 20

// The server refuses a file over Config.MaxObjectSize with the status 400
// and the code MaxMessageLengthExceeded, S3's code for a request larger
// than S3 takes, and a message that names MaxObjectSize: not with
// EntityTooLarge, which is the refusal of a file over the policy's
// content-length-range. It refuses a request whose Content-Length is so
// large that its file cannot fit before reading its body; it refuses
// others once their file has passed the limit.

// Config configures a [Server]. The zero value is ready to use.
type Config struct {
	// Buckets are the buckets that take uploads. Optional; default
	// {"test-bucket"}.
	Buckets []string
	// Region is the region the forms must be signed for. Optional; default
	// "us-east-1".
	Region string
	// AccessKeyID and SecretAccessKey are the only credentials the server
	// accepts. Optional; default random ones, available from
	// [Server.Credentials].
	AccessKeyID, SecretAccessKey string
	// MaxObjectSize is the largest file accepted, in bytes, whatever the
	// policy allows: the server holds each object in memory, in a buffer
	// of its size allocated once when the request has a Content-Length.
	// A larger file is refused with MaxMessageLengthExceeded (see
	// DefaultMaxObjectSize). Optional; default DefaultMaxObjectSize.
	MaxObjectSize int64
	// CORS is the CORS configuration of every bucket, in S3's terms: the
	// first rule that matches a request from another origin applies, a
	// preflight that none matches is refused, and an answer that none
	// matches has no CORS headers. Optional. Nil gives the configuration
	// of a bucket set up for browser uploads: any origin may GET, HEAD and
	// POST with any request header, preflights are cached for 3000
	// seconds, and no response header is exposed, so that a page which
	// reads ETag or Location needs them in ExposeHeaders here, as it does
	// on S3. An empty, non-nil slice is a bucket without a CORS
	// configuration, as a new S3 bucket is.
	CORS []CORSRule
	// Now is the server's clock. Optional; nil means time.Now.
	Now func() time.Time
}

// Object is an object stored by the server.
type Object struct {
	// Bucket and Key locate the object.
	Bucket, Key string
	// Body is the object's content.
	Body []byte
	// ContentType, CacheControl, ContentDisposition and ContentEncoding
	// come from the form's fields of those names.
	ContentType, CacheControl, ContentDisposition, ContentEncoding string
	// Metadata maps the x-amz-meta-* fields, without the prefix and in
	// lower case, to their values.
	Metadata map[string]string
	// ETag is the quoted hex MD5 of Body, as S3 gives it.
	ETag string
	// Expires, StorageClass and WebsiteRedirectLocation come from the
	// form's fields Expires, x-amz-storage-class and
	// x-amz-website-redirect-location.
	Expires, StorageClass, WebsiteRedirectLocation string
	// ServerSideEncryption is the form's x-amz-server-side-encryption, or
	// "AES256" (SSE-S3), which S3 applies to every object by default.
	// SSEKMSKeyID, SSEKMSEncryptionContext and BucketKeyEnabled are its
	// KMS key, encryption context (as the form gives it: base64 of JSON)
	// and bucket key fields; SSECustomerAlgorithm and SSECustomerKeyMD5
	// those of SSE-C, the MD5 computed from the form's key, which is not
	// kept. See the package's notes on encryption in sse.go.
	ServerSideEncryption, SSEKMSKeyID, SSEKMSEncryptionContext, BucketKeyEnabled string
	SSECustomerAlgorithm, SSECustomerKeyMD5                                      string
	// Tags are the tags of the form's tagging field.
	Tags map[string]string
	// ChecksumAlgorithm is the lower-case name of the object's checksum
	// ("sha256", ...), and Checksum its base64 value: the one the form
	// gave in x-amz-checksum-<algorithm>, checked against Body, or the one
	// computed when the form gave x-amz-checksum-algorithm alone. Empty
	// without either.
	ChecksumAlgorithm, Checksum string
	// LastModified is when the upload was stored, by the server's clock.
	LastModified time.Time
}

// Server is an in-memory S3 POST endpoint listening on 127.0.0.1.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:41234".
	// Forms are posted to URL/bucket.
	URL string

	cfg      Config // with the server's own copy of the CORS rules
	buckets  map[string]bool
	verifier *s3post.Verifier
	http     *httptest.Server

	mu      sync.Mutex // guards objects
	objects map[string]map[string]*Object
}

// NewServer starts a server. Close it when done.
func NewServer(cfg Config) *Server {
	if len(cfg.Buckets) == 0 {
		cfg.Buckets = []string{"test-bucket"}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccessKeyID == "" {
		cfg.AccessKeyID = "S3POSTTEST" + randomHex(5)
	}
	if cfg.SecretAccessKey == "" {
		cfg.SecretAccessKey = randomHex(20)
	}
	if cfg.MaxObjectSize <= 0 {
		cfg.MaxObjectSize = DefaultMaxObjectSize
	}
	cfg.CORS = cloneCORS(cfg.CORS)
	s := &Server{cfg: cfg, buckets: map[string]bool{}, objects: map[string]map[string]*Object{}}
	for _, b := range cfg.Buckets {
		s.buckets[b] = true
		s.objects[b] = map[string]*Object{}
	}
	s.verifier = &s3post.Verifier{Region: cfg.Region, Now: cfg.Now, Lookup: s.lookup}
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.http.URL
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// Close shuts the server down and waits for its requests to end.
func (s *Server) Close() { s.http.Close() }

// Region returns the region the server takes forms for.
func (s *Server) Region() string { return s.cfg.Region }

// Credentials returns the provider of the credentials the server accepts.
func (s *Server) Credentials() s3post.CredentialsProvider {
	return s3post.StaticCredentials(s.cfg.AccessKeyID, s.cfg.SecretAccessKey, "")
}

// Presigner returns a new Presigner that signs forms for this server:
// its credentials, its region and its URL as the endpoint.
func (s *Server) Presigner() *s3post.Presigner {
	return &s3post.Presigner{Credentials: s.Credentials(), Region: s.cfg.Region, Endpoint: s.URL, Now: s.cfg.Now}
}

// Object returns a copy of a stored object, which the caller may change:
// each call copies its Body, and so costs as much memory and time as the
// object's size. GET requests to the server serve the stored object
// without copying it.
func (s *Server) Object(bucket, key string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[bucket][key]
	if !ok {
		return Object{}, false
	}
	return o.clone(), true
}

// Objects returns copies of a bucket's objects, sorted by key; as with
// Object, each Body is copied.
func (s *Server) Objects(bucket string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Object, 0, len(s.objects[bucket]))
	for _, o := range s.objects[bucket] {
		out = append(out, o.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (o *Object) clone() Object {
	c := *o
	c.Body = bytes.Clone(o.Body)
	c.Metadata = maps.Clone(o.Metadata)
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	c.Tags = maps.Clone(o.Tags)
	return c
}

func (s *Server) lookup(_ context.Context, id string) (s3post.Credentials, error) {
	if id != s.cfg.AccessKeyID {
		return s3post.Credentials{}, s3post.ErrNoCredentials
	}
	return s3post.Credentials{AccessKeyID: s.cfg.AccessKeyID, SecretAccessKey: s.cfg.SecretAccessKey}, nil
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// target splits a request into its bucket and key, for virtual-hosted
// (bucket.host) and path-style (host/bucket/key) URLs.
func (s *Server) target(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if b, _, ok := strings.Cut(host, "."); ok && s.buckets[b] && net.ParseIP(host) == nil {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	setRequestIDs(w.Header())
	bucket, key := s.target(r)
	if r.Method == http.MethodOptions {
		s.preflight(w, r, bucket, key)
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && s.buckets[bucket] {
		s.actualCORS(w.Header(), r, origin)
	}
	if !s.buckets[bucket] {
		writeError(w, &s3post.S3Error{StatusCode: http.StatusNotFound, Code: "NoSuchBucket", Message: "The specified bucket does not exist",
			Details: []s3post.ErrorDetail{{Name: "BucketName", Value: bucket}}})
		return
	}
	switch {
	case r.Method == http.MethodPost && key == "":
		s.upload(w, r, bucket)
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && key != "":
		s.serveObject(w, r, bucket, key)
	default:
		resource := "OBJECT"
		if key == "" {
			resource = "BUCKET"
		}
		writeError(w, &s3post.S3Error{StatusCode: http.StatusMethodNotAllowed, Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource.",
			Details: []s3post.ErrorDetail{{Name: "Method", Value: r.Method}, {Name: "ResourceType", Value: resource}}})
	}
}

// Limits on the multipart body: S3's, and s3posttest's own bounds on
// reading.
const (
	// maxPreData is S3's limit on the fields before the file. It counts
	// every byte of the body before the file's content: each part before
	// the file with its delimiter line, headers and line breaks, and the
	// file part's own delimiter line and headers.
	maxPreData = 20 << 10
	// preDataReadLimit bounds what is read of the body before the file
	// part starts, whatever the body holds (a preamble, parts without a
	// name, headers of any length): maxPreData, plus what the multipart
	// reader reads ahead of the part it parses (4 KB), with room to spare.
	preDataReadLimit = maxPreData + 8<<10
	// maxAfterFile bounds what is read of the body after the file: S3
	// ignores the fields there, but it reads the body to its end, and an
	// upload whose body ends early is refused.
	maxAfterFile = 1 << 20
	// maxOutsideFile bounds the bytes of a body that the server takes
	// besides the file's content: before it, after it, and what the
	// multipart reader reads ahead, with room to spare. A body longer than
	// MaxObjectSize and this cannot hold a file that the server takes.
	maxOutsideFile = preDataReadLimit + maxAfterFile + 64<<10
)

// tooLargeForServer is the server's refusal of a file over
// Config.MaxObjectSize; what says why the request is too large.
func (s *Server) tooLargeForServer(what string) *s3post.S3Error {
	return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "MaxMessageLengthExceeded", Message: fmt.Sprintf(
		"Your request was too big for s3posttest, whose MaxObjectSize is %d bytes: %s. This is a limit of the test server, not of your policy: raise s3posttest.Config.MaxObjectSize to store larger files.",
		s.cfg.MaxObjectSize, what)}
}

// bodyReader reads a request body for the multipart reader. It counts the
// bytes, fails once limit bytes are read, and keeps the error with which
// the body ended early (shorter than its Content-Length, or chunked without
// the last chunk).
type bodyReader struct {
	r     io.Reader
	n     int64 // bytes read
	limit int64 // the bytes that may be read
	hit   bool  // whether a read failed at the limit
	err   error // the body's first error other than io.EOF
}

var errBodyLimit = errors.New("s3posttest: read limit reached")

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		b.hit = true
		return 0, errBodyLimit
	}
	if int64(len(p)) > b.limit-b.n {
		p = p[:b.limit-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// failure is S3's answer to a body that could not be read as multipart:
// IncompleteBody when the body itself ended early, atLimit when the read
// limit stopped it, and MalformedPOSTRequest when the body is whole but
// its multipart is not.
func (b *bodyReader) failure(atLimit *s3post.S3Error) *s3post.S3Error {
	switch {
	case b.err != nil:
		return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "IncompleteBody", Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	case b.hit:
		return atLimit
	}
	return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "MalformedPOSTRequest", Message: "The body of your POST request is not well-formed multipart/form-data."}
}

// preDataTooLarge is S3's answer to fields over maxPreData, as S3 sends
// it (AWS's error list spells the code MaxPostPreDataLengthExceededError
// and the message "...preceding the upload file were too large.").
func preDataTooLarge() *s3post.S3Error {
	return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "MaxPostPreDataLengthExceeded", Message: "Your POST request fields preceeding the upload file was too large.",
		Details: []s3post.ErrorDetail{{Name: "MaxPostPreDataLengthBytes", Value: strconv.Itoa(maxPreData)}}}
}

func requestTooLarge() *s3post.S3Error {
	return &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "MaxMessageLengthExceeded", Message: "Your request was too big."}
}

// upload takes a multipart POST as S3 does: fields first, verified when the
// file part starts, the file streamed with the size range enforced, and
// the rest of the body read before anything is stored.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, bucket string) {
	if r.ContentLength > s.cfg.MaxObjectSize+maxOutsideFile {
		writeError(w, s.tooLargeForServer(fmt.Sprintf("its Content-Length is %d bytes", r.ContentLength)))
		return
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		writeError(w, &s3post.S3Error{StatusCode: http.StatusPreconditionFailed, Code: "PreconditionFailed",
			Message: "At least one of the pre-conditions you specified did not hold",
			Details: []s3post.ErrorDetail{{Name: "Condition", Value: "Bucket POST must be of the enclosure-type multipart/form-data"}}})
		return
	}
	body := &bodyReader{r: r.Body, limit: preDataReadLimit}
	mr := multipart.NewReader(body, params["boundary"])
	delimiter := len("--"+params["boundary"]) + 2 // the line before each part
	sub := s3post.Submission{Bucket: bucket}
	preData := 0 // the bytes before the file's content, as maxPreData counts them
	for {
		part, err := mr.NextRawPart() // S3 applies no transfer decoding
		if err == io.EOF {
			if failed := finish(nil, body); failed != nil {
				writeError(w, failed)
				return
			}
			writeError(w, &s3post.S3Error{StatusCode: http.StatusBadRequest, Code: "InvalidArgument", Message: "POST requires exactly one file upload per request.",
				Details: []s3post.ErrorDetail{{Name: "ArgumentName", Value: "file"}, {Name: "ArgumentValue", Value: "0"}}})
			return
		}
		if err != nil {
			writeError(w, body.failure(preDataTooLarge()))
			return
		}
		preData += delimiter + headerSize(part.Header) + 2
		if isFilePart(part.FormName()) {
			if preData > maxPreData {
				writeError(w, preDataTooLarge())
				return
			}
			sub.Filename = rawFilename(part)
			body.limit = math.MaxInt64 // the file is bounded where it is read
			s.store(w, r, sub, part, mr, body)
			return
		}
		value, err := io.ReadAll(io.LimitReader(part, max(0, maxPreData+1-int64(preData))))
		if err != nil {
			writeError(w, body.failure(preDataTooLarge()))
			return
		}
		preData += len(value) + 2 // and the line break before the next delimiter
		if preData > maxPreData {
			writeError(w, preDataTooLarge())
			return
		}
		sub.Fields = append(sub.Fields, s3post.Field{Name: part.FormName(), Value: string(value)})
	}
}

// isFilePart reports whether a part's name is "file", ignoring the case of
// ASCII letters only, as S3 compares names.
func isFilePart(name string) bool {
	if len(name) != len("file") {
		return false
	}
	for i := range len(name) {
		if name[i]|0x20 != "file"[i] { // 0x20 is the bit of ASCII lower case
			return false
		}
	}
	return true
}

// headerSize is the size of a part's header lines as a browser writes
// them: "Name: value" and a line break for each value.
func headerSize(h textproto.MIMEHeader) int {
	n := 0
	for name, values := range h {
		for _, v := range values {
			n += len(name) + len(": ") + len(v) + 2
		}
	}
	return n
}

// finish reads the body after the file to its end, as S3 does before it
// answers: the parts there are ignored, but a body that ends early, or
// whose multipart does not end, is refused. With mr nil, the multipart has
// ended and only what follows it is left.
func finish(mr *multipart.Reader, body *bodyReader) *s3post.S3Error {
	body.limit = body.n + maxAfterFile
	for mr != nil {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return body.failure(requestTooLarge())
		}
		if _, err := io.Copy(io.Discard, part); err != nil {
			return body.failure(requestTooLarge())
		}
	}
	if _, err := io.Copy(io.Discard, body); err != nil { // the epilogue
		return body.failure(requestTooLarge())
	}
	return nil
}

func (s *Server) store(w http.ResponseWriter, r *http.Request, sub s3post.Submission, file io.Reader, mr *multipart.Reader, rest *bodyReader) {
	acc, err := s.verifier.Verify(r.Context(), sub)
	if err != nil {
		writeError(w, err)
		return
	}
	digests, refused := readIntegrity(acc.Fields)
	if refused != nil {
		writeError(w, refused)
		return
	}
	tags, refused := readTagging(acc.Fields)
	if refused != nil {
		writeError(w, refused)
		return
	}
	enc, refused := readEncryption(acc.Fields)
	if refused != nil {
		writeError(w, refused)
		return
	}
	limit := s.cfg.MaxObjectSize
	if acc.MaxSize >= 0 && acc.MaxSize < limit {
		limit = acc.MaxSize
	}
	hint := int64(-1)
	if r.ContentLength >= 0 {
		hint = r.ContentLength
	}
	body, sum, err := readFile(file, limit, hint)
	size := int64(len(body))
	if err == nil && size > limit {
		size, err = proposedSize(size, file, r.ContentLength)
	}
	if err != nil {
		writeError(w, rest.failure(requestTooLarge()))
		return
	}
	if err := acc.CheckSize(size); err != nil {
		writeError(w, err)
		return
	}
	if size > limit { // the policy allows it: the limit is the server's
		writeError(w, s.tooLargeForServer("its file is larger"))
		return
	}
	if failed := finish(mr, rest); failed != nil {
		writeError(w, failed)
		return
	}
	checksum, refused := digests.check(body, sum)
	if refused != nil {
		writeError(w, refused)
		return
	}
	obj := &Object{
		Bucket: sub.Bucket, Key: acc.Key, Body: body,
		ContentType:        acc.Fields["content-type"],
		CacheControl:       acc.Fields["cache-control"],
		ContentDisposition: acc.Fields["content-disposition"],
		ContentEncoding:    acc.Fields["content-encoding"],
		Metadata:           map[string]string{},
		ETag:               `"` + hex.EncodeToString(sum[:]) + `"`,
		LastModified:       s.now().UTC().Truncate(time.Second),

		Expires:                 acc.Fields["expires"],
		StorageClass:            acc.Fields["x-amz-storage-class"],
		WebsiteRedirectLocation: acc.Fields["x-amz-website-redirect-location"],
		ServerSideEncryption:    enc.sse,
		SSEKMSKeyID:             enc.kmsKeyID,
		SSEKMSEncryptionContext: enc.context,
		BucketKeyEnabled:        enc.bucketKey,
		SSECustomerAlgorithm:    enc.customerAlgorithm,
		SSECustomerKeyMD5:       enc.customerKeyMD5,
		Tags:                    tags,
		ChecksumAlgorithm:       digests.algorithm,
		Checksum:                checksum,
	}
	if obj.ContentType == "" {
		obj.ContentType = "binary/octet-stream"
	}
	for name, value := range acc.Fields {
		if meta, ok := strings.CutPrefix(name, "x-amz-meta-"); ok {
			obj.Metadata[meta] = value
		}
	}
	s.mu.Lock()
	s.objects[sub.Bucket][acc.Key] = obj
	s.mu.Unlock()
	s.respond(w, r, obj, acc.Fields)
}

// hashChunk is how many bytes of a file readFile reads before it hands
// them to the MD5: small enough that they are still in the CPU's cache
// when hashed, large enough that handing them over costs nothing.
const hashChunk = 256 << 10

// readFile reads a file of up to limit bytes, and hashes it as it reads. It
// reads one byte more than limit, to tell a file over it, and returns its
// content and MD5. hint is the most the file can hold (the request's
// Content-Length), or -1 when unknown: with it, the content is read into
// one buffer allocated once. The MD5 runs in a goroutine of its own, on
// each hashChunk bytes once they are read, so that hashing one chunk and
// reading the next go on at once, as S3 hashes while it stores.
func readFile(file io.Reader, limit, hint int64) ([]byte, [md5.Size]byte, error) {
	var sum [md5.Size]byte
	size := int64(512)
	if hint >= 0 {
		size = hint
	}
	buf := make([]byte, 0, min(size, limit+1))
	// Each chunk is a slice of buf: its bytes are never written again, and
	// a buffer that grows leaves them in the array they were read into.
	chunks := make(chan []byte, 4)
	sums := make(chan [md5.Size]byte, 1)
	go func() {
		h := md5.New()
		for c := range chunks {
			h.Write(c)
		}
		var s [md5.Size]byte
		sums <- [md5.Size]byte(h.Sum(s[:0]))
	}()
	hashed := 0 // the bytes of buf handed to the MD5
	var probe [512]byte
	for int64(len(buf)) <= limit {
		room := buf[len(buf):cap(buf)]
		if len(room) == 0 {
			// The buffer is full: grow it only if the file goes on.
			room = probe[:min(int64(len(probe)), limit+1-int64(len(buf)))]
		}
		n, err := file.Read(room)
		if len(buf) < cap(buf) {
			buf = buf[:len(buf)+n]
		} else if n > 0 {
			grown := make([]byte, len(buf), min(max(2*int64(cap(buf)), 512), limit+1))
			copy(grown, buf)
			buf = append(grown, room[:n]...)
		}
		if len(buf)-hashed >= hashChunk {
			chunks <- buf[hashed:len(buf):len(buf)]
			hashed = len(buf)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			close(chunks)
			return nil, sum, err
		}
	}
	chunks <- buf[hashed:len(buf):len(buf)]
	close(chunks)
	sum = <-sums
	return buf, sum, nil
}

// maxSizeScan bounds what is read of a file over its size limit to tell
// its size.
const maxSizeScan = 1 << 20

// proposedSize is the size that S3 reports for a file over its limit, of
// which read bytes were read: the file's size when it ends within
// maxSizeScan more bytes, else the request's Content-Length, which S3
// reports for a body it refuses unread, or what was read when the request
// has no length.
func proposedSize(read int64, file io.Reader, contentLength int64) (int64, error) {
	n, err := io.CopyN(io.Discard, file, maxSizeScan)
	switch {
	case err == io.EOF:
		return read + n, nil
	case err != nil:
		return 0, err
	case contentLength > 0:
		return contentLength, nil
	}
	return read + n, nil
}

// respond answers a stored upload as success_action_redirect or
// success_action_status ask.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, obj *Object, fields map[string]string) {
	w.Header().Set("ETag", obj.ETag)
	location := s.objectURL(obj)
	w.Header().Set("Location", location)
	redirect := fields["success_action_redirect"]
	if redirect == "" {
		redirect = fields["redirect"]
	}
	if u, err := url.Parse(redirect); redirect != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		q := u.Query()
		q.Set("bucket", obj.Bucket)
		q.Set("key", obj.Key)
		q.Set("etag", obj.ETag)
		u.RawQuery = q.Encode()
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	switch fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		var doc xmlDocument
		doc.open("PostResponse")
		doc.element("Location", location)
		doc.element("Bucket", obj.Bucket)
		doc.element("Key", obj.Key)
		doc.element("ETag", obj.ETag)
		doc.close("PostResponse")
		doc.write(w, http.StatusCreated)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// objectURL is the path-style URL that serves the object.
func (s *Server) objectURL(obj *Object) string {
	return s.URL + "/" + url.PathEscape(obj.Bucket) + "/" + (&url.URL{Path: obj.Key}).EscapedPath()
}

func (s *Server) serveObject(w http.ResponseWriter, r *http.Request, bucket, key string) {
	// A stored Object is never changed (an upload stores a new one), so it
	// is served as it is, without the lock and without a copy.
	s.mu.Lock()
	obj, ok := s.objects[bucket][key]
	s.mu.Unlock()
	if !ok {
		writeError(w, &s3post.S3Error{StatusCode: http.StatusNotFound, Code: "NoSuchKey", Message: "The specified key does not exist.",
			Details: []s3post.ErrorDetail{{Name: "Key", Value: key}}})
		return
	}
	if _, ok := r.URL.Query()["tagging"]; ok && r.Method == http.MethodGet {
		writeTagging(w, obj.Tags)
		return
	}
	if refused := checkCustomerKey(r, obj); refused != nil {
		writeError(w, refused)
		return
	}
	h := w.Header()
	h.Set("Content-Type", obj.ContentType)
	h.Set("ETag", obj.ETag)
	h.Set("Last-Modified", obj.LastModified.Format(http.TimeFormat))
	storageClass := obj.StorageClass
	if storageClass == "STANDARD" { // S3 leaves out the default class
		storageClass = ""
	}
	for name, value := range map[string]string{
		"Cache-Control": obj.CacheControl, "Content-Disposition": obj.ContentDisposition, "Content-Encoding": obj.ContentEncoding,
		"Expires": obj.Expires, "x-amz-storage-class": storageClass, "x-amz-website-redirect-location": obj.WebsiteRedirectLocation,
		"x-amz-server-side-encryption": obj.ServerSideEncryption, "x-amz-server-side-encryption-aws-kms-key-id": obj.SSEKMSKeyID,
		"x-amz-server-side-encryption-bucket-key-enabled": obj.BucketKeyEnabled,
		"x-amz-server-side-encryption-context":            obj.SSEKMSEncryptionContext,
		"x-amz-server-side-encryption-customer-algorithm": obj.SSECustomerAlgorithm,
		"x-amz-server-side-encryption-customer-key-MD5":   obj.SSECustomerKeyMD5,
	} {
		if value != "" {
			h.Set(name, value)
		}
	}
	if len(obj.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(obj.Tags)))
	}
	// S3 returns the checksum when it is asked for it.
	if obj.Checksum != "" && strings.EqualFold(r.Header.Get("x-amz-checksum-mode"), "ENABLED") {
		h.Set(checksumFieldPrefix+obj.ChecksumAlgorithm, obj.Checksum)
		h.Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	for k, v := range obj.Metadata {
		h.Set("x-amz-meta-"+k, v)
	}
	h.Set("Content-Length", fmt.Sprint(len(obj.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(obj.Body)
	}
}

// rawFilename returns the file name as the client sent it; the Verifier
// takes the part after the last slash or backslash, as S3 does, where
// multipart.Part.FileName would apply the server's own path rules.
func rawFilename(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

// String describes the configuration without its secret.
func (c Config) String() string {
	return fmt.Sprintf("s3posttest.Config{Buckets: %q, Region: %q, AccessKeyID: %q, MaxObjectSize: %d}", c.Buckets, c.Region, c.AccessKeyID, c.MaxObjectSize)
}

// GoString is String, so that %#v does not print the secret either.
func (c Config) GoString() string { return c.String() }

// String describes the server without its secret.
func (s *Server) String() string { return "s3posttest.Server(" + s.URL + ")" }
