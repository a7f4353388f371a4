package s3post_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
)

// A fixed clock and example keys make the outputs below reproducible. Real
// code leaves Now nil and takes credentials from its environment.
func examplePresigner() *s3post.Presigner {
	return &s3post.Presigner{
		Credentials: s3post.StaticCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		Region:      "eu-central-1",
		Now:         func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
}

// printPolicy prints the conditions of a form's policy, one a line.
func printPolicy(post *s3post.PresignedPost) {
	raw, _ := base64.StdEncoding.DecodeString(post.Fields["policy"])
	var policy struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		log.Fatal(err)
	}
	fmt.Println("expiration:", policy.Expiration)
	for _, c := range policy.Conditions {
		fmt.Println(string(c))
	}
}

func ExamplePresigner_PresignPost() {
	p := examplePresigner()
	post, err := p.PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "reports/2026-11.pdf",
		Fields: map[string]string{"Content-Type": "application/pdf"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(post.URL)
	names := make([]string, 0, len(post.Fields))
	for name := range post.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name != "policy" {
			fmt.Printf("%s: %s\n", name, post.Fields[name])
		}
	}
	// Output:
	// https://example-bucket.s3.eu-central-1.amazonaws.com/
	// Content-Type: application/pdf
	// key: reports/2026-11.pdf
	// x-amz-algorithm: AWS4-HMAC-SHA256
	// x-amz-credential: AKIAIOSFODNN7EXAMPLE/20261125/eu-central-1/s3/aws4_request
	// x-amz-date: 20261125T120000Z
	// x-amz-signature: ff66d02c5c26388adf5f21f148e2dbbe0bd66329f4d058b3dd2b37a3e756a369
}

// A handler that gives the browser a form for its upload, as JSON. The
// browser posts the fields, then the file last, to the URL.
func Example_httpHandler() {
	presigner := examplePresigner()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user") // in real code: from the session
		post, err := presigner.PresignPost(r.Context(), s3post.PostInput{
			Bucket:     "example-bucket",
			Key:        "users/" + user + "/${filename}",
			Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 10<<20)},
			Expires:    10 * time.Minute,
		})
		if err != nil {
			http.Error(w, "cannot presign the upload", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(post)
	})

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/upload-form?user=42", nil))
	var form struct {
		URL     string            `json:"url"`
		Fields  map[string]string `json:"fields"`
		Expires time.Time         `json:"expires"`
	}
	if err := json.NewDecoder(rec.Body).Decode(&form); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Code, form.URL)
	fmt.Println("key:", form.Fields["key"])
	fmt.Println("expires:", form.Expires)
	// Output:
	// 200 https://example-bucket.s3.eu-central-1.amazonaws.com/
	// key: users/42/${filename}
	// expires: 2026-11-25 12:10:00 +0000 UTC
}

// S3 replaces ${filename} in the key with the name of the uploaded file
// before it checks the policy, so the policy constrains the key with a
// prefix, not an exact match that could never pass.
func Example_filename() {
	post, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "uploads/${filename}",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key:", post.Fields["key"])
	printPolicy(post)
	// Output:
	// key: uploads/${filename}
	// expiration: 2026-11-25T13:00:00Z
	// {"bucket": "example-bucket"}
	// ["starts-with", "$key", "uploads/"]
	// {"x-amz-algorithm": "AWS4-HMAC-SHA256"}
	// {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20261125/eu-central-1/s3/aws4_request"}
	// {"x-amz-date": "20261125T120000Z"}
}

// Images only, up to 5 MiB. The browser sets Content-Type to the file's type;
// the field's starting value must meet its own condition, or PresignPost
// refuses to sign a form that S3 would reject.
func Example_contentTypeAndSize() {
	post, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "avatars/42",
		Fields: map[string]string{"Content-Type": "image/jpeg", "success_action_status": "201"},
		Conditions: []s3post.Condition{
			s3post.StartsWith("Content-Type", "image/"),
			s3post.ContentLengthRange(1, 5<<20),
		},
		Expires: 5 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	printPolicy(post)

	_, err = examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket:     "example-bucket",
		Key:        "avatars/42",
		Fields:     map[string]string{"Content-Type": "text/html"},
		Conditions: []s3post.Condition{s3post.StartsWith("Content-Type", "image/")},
	})
	fmt.Println(errors.Is(err, s3post.ErrUnsatisfiable))
	fmt.Println(err)
	// Output:
	// expiration: 2026-11-25T12:05:00Z
	// ["starts-with", "$Content-Type", "image/"]
	// ["content-length-range", 1, 5242880]
	// {"success_action_status": "201"}
	// {"bucket": "example-bucket"}
	// {"key": "avatars/42"}
	// {"x-amz-algorithm": "AWS4-HMAC-SHA256"}
	// {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20261125/eu-central-1/s3/aws4_request"}
	// {"x-amz-date": "20261125T120000Z"}
	// true
	// s3post: Conditions[0]: the Content-Type value "text/html" does not meet ["starts-with", "$Content-Type", "image/"]: change the value or the condition
}

// An S3-compatible server on this machine: path-style URLs under the
// endpoint, which may carry a base path.
func Example_customEndpoint() {
	p := &s3post.Presigner{
		Credentials: s3post.StaticCredentials("local-access-key", "local-secret-key", ""),
		Region:      "us-east-1",
		Endpoint:    "http://127.0.0.1:7070",
	}
	post, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "dev-bucket", Key: "test.txt"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(post.URL)
	// Output:
	// http://127.0.0.1:7070/dev-bucket
}

// Conditions in boto3's JSON forms, e.g. from a configuration file.
func ExampleParseConditions() {
	conds, err := s3post.ParseConditions([]byte(`[
		{"acl": "public-read"},
		["starts-with", "$Content-Type", "image/"],
		["content-length-range", 1, 1048576]
	]`))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range conds {
		b, _ := json.Marshal(c)
		fmt.Println(string(b))
	}

	_, err = s3post.ParseConditions([]byte(`[["content-length-range", 10, 1]]`))
	fmt.Println(err)
	// Output:
	// {"acl":"public-read"}
	// ["starts-with","$Content-Type","image/"]
	// ["content-length-range",1,1048576]
	// s3post: ParseConditions[0]: content-length-range minimum 10 is above its maximum 1
}

// Errors say which input is wrong; callers branch on the kind with errors.Is
// and read the details with errors.As.
func ExampleInputError() {
	_, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "arn:aws:s3:eu-central-1:123456789012:accesspoint/uploads",
		Key:    "k",
	})
	var ie *s3post.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Input, errors.Is(err, s3post.ErrInvalidBucket))
	}
	fmt.Fprintln(os.Stdout, err)
	// Output:
	// Bucket true
	// s3post: Bucket: access point, Outposts and other ARNs are not supported: pass the bucket name itself
}

// The form as HTML, for a page rendered on the server.
func ExamplePresignedPost_HTMLForm() {
	post, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "uploads/${filename}",
	})
	if err != nil {
		log.Fatal(err)
	}
	post.Fields["policy"] = "…" // shortened for this example
	post.Fields["x-amz-signature"] = "…"
	form, err := post.HTMLForm(s3post.HTMLFormOptions{Accept: "image/*"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(form)
	// Output:
	// <form action="https://example-bucket.s3.eu-central-1.amazonaws.com/" method="post" enctype="multipart/form-data">
	//   <input type="hidden" name="key" value="uploads/${filename}">
	//   <input type="hidden" name="policy" value="…">
	//   <input type="hidden" name="x-amz-algorithm" value="AWS4-HMAC-SHA256">
	//   <input type="hidden" name="x-amz-credential" value="AKIAIOSFODNN7EXAMPLE/20261125/eu-central-1/s3/aws4_request">
	//   <input type="hidden" name="x-amz-date" value="20261125T120000Z">
	//   <input type="hidden" name="x-amz-signature" value="…">
	//   <input type="file" name="file" accept="image/*" required>
	//   <button type="submit">Upload</button>
	// </form>
}

// Uploading from Go, e.g. in a CLI or a test: the request streams the file.
// Here a stand-in server plays S3 and lists the parts it receives.
func ExamplePresignedPost_NewUploadRequest() {
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for part, err := mr.NextPart(); err == nil; part, err = mr.NextPart() {
			fmt.Println(strings.TrimSpace("part: " + part.FormName() + " " + part.FileName()))
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer s3.Close()

	p := examplePresigner()
	p.Endpoint = s3.URL
	post, err := p.PresignPost(context.Background(), s3post.PostInput{
		Bucket:     "example-bucket",
		Key:        "notes/${filename}",
		Conditions: []s3post.Condition{s3post.StartsWith("Content-Type", "text/")},
	})
	if err != nil {
		log.Fatal(err)
	}
	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{
		Filename: "todo.txt",
		Body:     strings.NewReader("buy milk\n"),
		Fields:   map[string]string{"Content-Type": "text/plain"},
	})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// part: Content-Type
	// part: key
	// part: policy
	// part: x-amz-algorithm
	// part: x-amz-credential
	// part: x-amz-date
	// part: x-amz-signature
	// part: file todo.txt
	// 204 No Content
}

// Receiving uploads yourself, in a proxy or an S3-compatible server: the
// Verifier checks a submitted form as S3 does, and refuses with S3's
// status, code and message.
func ExampleVerifier() {
	p := examplePresigner()
	post, err := p.PresignPost(context.Background(), s3post.PostInput{
		Bucket:     "example-bucket",
		Key:        "uploads/${filename}",
		Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 1<<20)},
	})
	if err != nil {
		log.Fatal(err)
	}
	v := &s3post.Verifier{
		Region: "eu-central-1",
		Lookup: func(ctx context.Context, accessKeyID string) (s3post.Credentials, error) {
			return p.Credentials.Retrieve(ctx) // a real server looks the key up
		},
		Now: p.Now,
	}
	// The fields as the browser posted them, in order, before the file.
	submit := func(extra ...s3post.Field) (*s3post.Accepted, error) {
		names := make([]string, 0, len(post.Fields))
		for name := range post.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		sub := s3post.Submission{Bucket: "example-bucket", Filename: "cat.png"}
		for _, name := range names {
			sub.Fields = append(sub.Fields, s3post.Field{Name: name, Value: post.Fields[name]})
		}
		sub.Fields = append(sub.Fields, extra...)
		return v.Verify(context.Background(), sub)
	}

	accepted, err := submit()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key:", accepted.Key)
	fmt.Println(accepted.CheckSize(2 << 20)) // checked as the file streams

	_, err = submit(s3post.Field{Name: "acl", Value: "public-read"})
	var refused *s3post.S3Error
	if errors.As(err, &refused) {
		fmt.Println(refused.StatusCode, refused.Code+":", refused.Message)
	}
	// Output:
	// key: uploads/cat.png
	// s3post: EntityTooLarge: Your proposed upload exceeds the maximum allowed size
	// 403 AccessDenied: Invalid according to Policy: Extra input fields: acl
}

// printFields prints a form's fields but for the signer's, sorted by name.
func printFields(post *s3post.PresignedPost) {
	names := make([]string, 0, len(post.Fields))
	for name := range post.Fields {
		switch name {
		case "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature":
		default:
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("%s: %s\n", name, post.Fields[name])
	}
}

// A user's avatar: any image type that the browser names, up to 1 MiB,
// cached for a day, with the user's ID in the object's metadata. The form
// fixes the key, cache and metadata; the browser adds Content-Type, which
// the policy lets start with "image/" only.
func ExampleObjectFields_avatar() {
	post, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket:     "example-bucket",
		Key:        "avatars/42",
		Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 1<<20)},
		Object: s3post.ObjectFields{
			ContentType:  s3post.Prefix("image/"),
			CacheControl: "public, max-age=86400",
			Metadata:     map[string]s3post.Match{"user-id": s3post.Exactly("42")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	printFields(post)
	printPolicy(post)
	// Output:
	// Cache-Control: public, max-age=86400
	// key: avatars/42
	// x-amz-meta-user-id: 42
	// expiration: 2026-11-25T13:00:00Z
	// ["content-length-range", 1, 1048576]
	// ["starts-with", "$Content-Type", "image/"]
	// {"Cache-Control": "public, max-age=86400"}
	// {"x-amz-meta-user-id": "42"}
	// {"bucket": "example-bucket"}
	// {"key": "avatars/42"}
	// {"x-amz-algorithm": "AWS4-HMAC-SHA256"}
	// {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20261125/eu-central-1/s3/aws4_request"}
	// {"x-amz-date": "20261125T120000Z"}
}

// A report encrypted with a KMS key under an encryption context, and
// tagged for a lifecycle rule. The form carries every setting, and the
// policy allows no other value.
func ExampleObjectFields_kmsAndTags() {
	post, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "reports/${filename}",
		Object: s3post.ObjectFields{
			ContentType:             s3post.Exactly("application/pdf"),
			ServerSideEncryption:    s3post.SSEKMS,
			SSEKMSKeyID:             "alias/reports",
			SSEKMSEncryptionContext: map[string]string{"department": "finance"},
			BucketKeyEnabled:        true,
			Tagging:                 map[string]string{"retention": "7y", "classification": "internal"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	printFields(post)
	context, _ := base64.StdEncoding.DecodeString(post.Fields["x-amz-server-side-encryption-context"])
	fmt.Println("decoded context:", string(context))
	// Output:
	// Content-Type: application/pdf
	// key: reports/${filename}
	// tagging: <Tagging><TagSet><Tag><Key>classification</Key><Value>internal</Value></Tag><Tag><Key>retention</Key><Value>7y</Value></Tag></TagSet></Tagging>
	// x-amz-server-side-encryption: aws:kms
	// x-amz-server-side-encryption-aws-kms-key-id: alias/reports
	// x-amz-server-side-encryption-bucket-key-enabled: true
	// x-amz-server-side-encryption-context: eyJkZXBhcnRtZW50IjoiZmluYW5jZSJ9
	// decoded context: {"department":"finance"}
}

// Settings that S3 would refuse are errors before anything is signed.
func ExampleObjectFields_checked() {
	_, err := examplePresigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "a.txt",
		Object: s3post.ObjectFields{Tagging: map[string]string{"owner": "jane*doe"}},
	})
	fmt.Println(errors.Is(err, s3post.ErrInvalidField))
	fmt.Println(err)
	// Output:
	// true
	// s3post: Object.Tagging: the tag value of "owner" contains "*" at offset 4; tags hold letters, digits, spaces and + - = . _ : / @
}

// The integrity of an upload, in one setting: Checksum AnyValue, with its
// algorithm, lets the uploader send the file's checksum (the policy gets a
// starts-with "" condition on x-amz-checksum-sha256).
// PresignedPost.NewUploadRequest computes it before it sends the file, and
// S3 refuses a body that does not match it (400 BadDigest), such as a file
// rewritten while it is sent; a browser computes it with SubtleCrypto.
// ContentMD5: AnyValue() does the same with an MD5.
func ExampleObjectFields_checksum() {
	srv := s3posttest.NewServer(s3posttest.Config{Buckets: []string{"example-bucket"}})
	defer srv.Close()
	post, err := srv.Presigner().PresignPost(context.Background(), s3post.PostInput{
		Bucket: "example-bucket",
		Key:    "data/report.csv",
		Object: s3post.ObjectFields{ChecksumAlgorithm: s3post.ChecksumSHA256, Checksum: s3post.AnyValue()},
	})
	if err != nil {
		log.Fatal(err)
	}
	policy, err := s3post.DecodePolicy(post.Fields["policy"])
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range policy.Conditions {
		if strings.HasPrefix(c.Field, "x-amz-checksum-") {
			fmt.Printf("condition: %s $%s %q\n", c.Op, c.Field, c.Value)
		}
	}

	req, err := post.NewUploadRequest(context.Background(), s3post.Upload{Filename: "report.csv", Body: strings.NewReader("a,b\n1,2\n")})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	obj, _ := srv.Object("example-bucket", "data/report.csv")
	fmt.Println("stored checksum:", obj.ChecksumAlgorithm, obj.Checksum)
	// Output:
	// condition: starts-with $x-amz-checksum-sha256 ""
	// condition: eq $x-amz-checksum-algorithm "SHA256"
	// 204 No Content
	// stored checksum: sha256 SS1epJYFbxpqZZIkEDL6t2TDIVljF5MLT6Dh6Lw7dHA=
}
