package s3post_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/s3post/s3post"
)

// presignEndpoint is the handler that a backend puts behind browser upload
// clients (fetch, XMLHttpRequest, Uppy, Dropzone): the page posts what it
// proposes for a file, {"name", "type", "size"}, and receives the form as
// {"url", "fields", "expires"}. The proposal is the client's claim: the
// handler picks the key itself (a unique part from newID, the name made
// safe), fixes the Content-Type to one of the types it takes, and the
// form's content-length-range is the guard on the size.
func presignEndpoint(p *s3post.Presigner, bucket string, newID func() string) http.Handler {
	const maxSize = 10 << 20
	types := map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name string `json:"name"`
			Type string `json:"type"`
			Size int64  `json:"size"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
			http.Error(w, `send {"name", "type", "size"} as JSON`, http.StatusBadRequest)
			return
		}
		if !types[in.Type] {
			http.Error(w, "only PNG, JPEG, GIF and WebP images are taken", http.StatusUnsupportedMediaType)
			return
		}
		if in.Size > maxSize {
			http.Error(w, "the file is over 10 MiB", http.StatusRequestEntityTooLarge)
			return
		}
		post, err := p.PresignPost(r.Context(), s3post.PostInput{
			Bucket: bucket,
			Key:    "uploads/" + newID() + "/" + s3post.SafeFilename(in.Name),
			Fields: map[string]string{
				"Content-Type":          in.Type, // Uppy 6 and plain forms send none
				"success_action_status": "201",   // S3 answers its PostResponse XML
			},
			Conditions: []s3post.Condition{s3post.ContentLengthRange(1, maxSize)},
			Expires:    10 * time.Minute,
		})
		if err != nil {
			http.Error(w, "cannot presign the upload", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(post)
	})
}

// The presign endpoint of README's "From the browser": a proposed name with
// path parts and a control character becomes a safe key under a unique
// prefix; a type the backend does not take is refused.
func Example_presignEndpoint() {
	newID := func() string { return "7f3c9a" } // in real code: random, e.g. 16 bytes of crypto/rand in hex
	handler := presignEndpoint(examplePresigner(), "example-bucket", newID)

	propose := func(body string) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("POST", "/presign", strings.NewReader(body)))
		if rec.Code != http.StatusOK {
			fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
			return
		}
		var form struct {
			URL    string            `json:"url"`
			Fields map[string]string `json:"fields"`
		}
		if err := json.NewDecoder(rec.Body).Decode(&form); err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.Code, form.URL)
		fmt.Println("key:", form.Fields["key"])
		fmt.Println("Content-Type:", form.Fields["Content-Type"])
		fmt.Println("success_action_status:", form.Fields["success_action_status"])
	}
	propose(`{"name": "../../Holiday\u0000 photo.png", "type": "image/png", "size": 48213}`)
	propose(`{"name": "page.html", "type": "text/html", "size": 512}`)
	propose(`{"name": "huge.png", "type": "image/png", "size": 1073741824}`)
	// Output:
	// 200 https://example-bucket.s3.eu-central-1.amazonaws.com/
	// key: uploads/7f3c9a/Holiday photo.png
	// Content-Type: image/png
	// success_action_status: 201
	// 415 only PNG, JPEG, GIF and WebP images are taken
	// 413 the file is over 10 MiB
}
