package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser recipes: each page under browser/ uploads a real file the way
// one client does (fetch, XMLHttpRequest, Uppy 5 and 6, Dropzone), through
// a form that the presign endpoint below signs, to a server on another
// origin; the test reads the object back.

// proposal is what a page proposes for a file: its name, type and size.
type proposal struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// endpointOptions are the knobs of the tests' presign endpoint; the zero
// value is the endpoint of README's "From the browser".
type endpointOptions struct {
	maxSize int64 // the largest file taken; 1 MiB when zero
	// filenameKey signs a key ending in ${filename} instead of the
	// proposed name made safe.
	filenameKey bool
	// typePrefix leaves Content-Type out of the form and signs
	// ["starts-with", "$Content-Type", "image/"]: the page must add it.
	typePrefix bool
}

// presignEndpoint is the recipes' backend: the handler of README's "From
// the browser" and of Example_presignEndpoint. It takes images, picks the
// key itself (prefix, a unique part from newID, the proposed name made
// safe) and fixes the Content-Type to the image type proposed.
func presignEndpoint(p *s3post.Presigner, bucket, prefix string, o endpointOptions, newID func() string) http.Handler {
	maxSize := o.maxSize
	if maxSize == 0 {
		maxSize = 1 << 20
	}
	images := map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in proposal
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
			http.Error(w, `send {"name", "type", "size"} as JSON`, http.StatusBadRequest)
			return
		}
		if !images[in.Type] {
			http.Error(w, "only PNG, JPEG, GIF and WebP images are taken", http.StatusUnsupportedMediaType)
			return
		}
		if in.Size > maxSize {
			http.Error(w, "the file is too large", http.StatusRequestEntityTooLarge)
			return
		}
		input := s3post.PostInput{
			Bucket:     bucket,
			Key:        prefix + newID() + "/" + s3post.SafeFilename(in.Name),
			Fields:     map[string]string{"Content-Type": in.Type, "success_action_status": "201"},
			Conditions: []s3post.Condition{s3post.ContentLengthRange(1, maxSize)},
			Expires:    10 * time.Minute,
		}
		if o.filenameKey {
			input.Key = prefix + newID() + "/${filename}"
		}
		if o.typePrefix {
			delete(input.Fields, "Content-Type")
			input.Conditions = append(input.Conditions, s3post.StartsWith("Content-Type", "image/"))
		}
		post, err := p.PresignPost(r.Context(), input)
		if err != nil {
			http.Error(w, "cannot presign the upload", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(post)
	})
}

// readmeCORS is the bucket CORS configuration of README's "From the
// browser", read from ../README.md, with origin in place of
// https://app.example: the tests use what the README tells users to apply.
func readmeCORS(t *testing.T, origin string) []s3posttest.CORSRule {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	text := string(readme)
	start := strings.Index(text, "```json\n{\n  \"CORSRules\"")
	require.GreaterOrEqual(t, start, 0, "README's CORS configuration")
	start += len("```json\n")
	end := strings.Index(text[start:], "```")
	require.Positive(t, end)
	var doc struct {
		CORSRules []struct {
			AllowedOrigins, AllowedMethods, AllowedHeaders, ExposeHeaders []string
			MaxAgeSeconds                                                 int
		}
	}
	dec := json.NewDecoder(strings.NewReader(text[start : start+end]))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc))
	rules := make([]s3posttest.CORSRule, 0, len(doc.CORSRules))
	for _, r := range doc.CORSRules {
		for i, o := range r.AllowedOrigins {
			if o == "https://app.example" {
				r.AllowedOrigins[i] = origin
			}
		}
		rules = append(rules, s3posttest.CORSRule(r))
	}
	require.NotEmpty(t, rules)
	return rules
}

// testPNG writes a small real PNG named name in a fresh directory.
func testPNG(t *testing.T, name string) (path string, content []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for i := range 32 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	path = filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path, buf.Bytes()
}

// recipeResult is what a recipe page shows once done.
type recipeResult struct {
	Status         int    `json:"status"`
	Key            string `json:"key"`
	Location       string `json:"location"`
	ETag           string `json:"etag"`
	ProgressEvents int    `json:"progressEvents"`
	Error          string `json:"error"`
}

// recipeUpload is one run of a recipe page against one server.
type recipeUpload struct {
	page     string // under browser/
	input    string // the file input's selector; #file when empty
	file     string // the file set on it
	endpoint endpointOptions
	// cors gives s3posttest's CORS configuration for the page's origin;
	// readmeCORS when nil.
	cors func(t *testing.T, origin string) []s3posttest.CORSRule
	// lieSize makes the page's proposal claim 1 byte, as a client that
	// lies would: the form's content-length-range is then the guard.
	lieSize bool
}

// recipeTargets are the servers a recipe uploads to: VersityGW (CORS set by
// scripts/e2e-servers.sh) when running, and s3posttest with readmeCORS.
func recipeTargets(e *env) []string {
	names := []string{"s3posttest"}
	for _, s := range e.servers {
		if s.name == "versitygw" {
			names = append([]string{"versitygw"}, names...)
		}
	}
	return names
}

// requireBundles skips, or fails under S3POST_E2E_REQUIRED, when the
// recipes' scripts are not bundled.
func requireBundles(t *testing.T) {
	t.Helper()
	for _, name := range []string{"dropzone.js", "uppy5.js", "uppy6.js"} {
		if _, err := os.Stat(filepath.Join("browser", "dist", name)); err != nil {
			msg := "the recipes' scripts are not bundled: run ./browser/bundle.sh (./scripts/test.sh does)"
			if os.Getenv("S3POST_E2E_REQUIRED") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// sharedBrowser starts one Chromium for a test's subtests, which each open
// a tab in it with tab.
func sharedBrowser(t *testing.T, e *env) context.Context {
	t.Helper()
	requireBundles(t)
	ctx := browserFor(t, e, 4*time.Minute)
	require.NoError(t, chromedp.Do(ctx), "starting Chromium")
	return ctx
}

// tab opens a tab in a shared browser, for one minute at most.
func tab(t *testing.T, chromium context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(chromium)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// runRecipe serves browser/ and the presign endpoint on one origin, with
// the target server on another, opens the page in Chromium, sets the file
// and returns what the page showed, the server, and the key prefix the
// endpoint used for its first form.
func runRecipe(t *testing.T, e *env, chromium context.Context, target string, u recipeUpload) (recipeResult, server, string) {
	t.Helper()
	ctx := tab(t, chromium)
	prefix := uniqueKey(t)
	var (
		mu  sync.Mutex
		ids int
	)
	newID := func() string {
		mu.Lock()
		defer mu.Unlock()
		ids++
		return fmt.Sprintf("id%d", ids)
	}
	var endpoint http.Handler
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("browser")))
	mux.HandleFunc("/presign", func(w http.ResponseWriter, r *http.Request) {
		if u.lieSize {
			var in proposal
			if json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&in) == nil {
				in.Size = 1
				body, _ := json.Marshal(in)
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		endpoint.ServeHTTP(w, r)
	})
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	var s server
	if target == "s3posttest" {
		cors := u.cors
		if cors == nil {
			cors = readmeCORS
		}
		mem := s3posttest.NewServer(s3posttest.Config{
			Buckets:         []string{e.bucket},
			Region:          e.region,
			AccessKeyID:     e.accessKey,
			SecretAccessKey: e.secretKey,
			CORS:            cors(t, app.URL),
		})
		t.Cleanup(mem.Close)
		s = server{name: "s3posttest", url: mem.URL, client: e.s3Client(mem.URL)}
	} else {
		s = e.server(t, target)
	}
	endpoint = presignEndpoint(e.presigner(s), e.bucket, prefix, u.endpoint, newID)

	input := u.input
	if input == "" {
		input = "#file"
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/"+u.page),
		chromedp.SetUploadFiles(input, []string{u.file}),
		chromedp.WaitVisible(`#result.done`),
	))
	raw, err := chromedp.Run(ctx, chromedp.Text(`#result`))
	require.NoError(t, err)
	t.Logf("%s on %s showed %s", u.page, s.name, raw)
	var res recipeResult
	require.NoError(t, json.Unmarshal([]byte(raw), &res), raw)
	return res, s, prefix + "id1/"
}

// TestRecipes runs each client's page of README's "From the browser": a
// real PNG, through the presign endpoint, to VersityGW and to s3posttest
// with README's CORS configuration, read back.
func TestRecipes(t *testing.T) {
	t.Parallel()
	e := loadEnv(t)
	chromium := sharedBrowser(t, e)
	recipes := []struct {
		reason, page, input string
		check               func(t *testing.T, res recipeResult, key string)
	}{
		{"fetch + FormData reads S3's PostResponse and the exposed headers", "fetch.html", "",
			func(t *testing.T, res recipeResult, key string) {
				assert.Equal(t, http.StatusCreated, res.Status, "success_action_status 201")
				assert.Equal(t, key, res.Key, "the key in S3's PostResponse")
				assert.NotEmpty(t, res.ETag, "ExposeHeaders ETag")
				assert.NotEmpty(t, res.Location, "ExposeHeaders Location")
			}},
		{"XMLHttpRequest sees upload progress events", "xhr.html", "",
			func(t *testing.T, res recipeResult, key string) {
				assert.Equal(t, http.StatusCreated, res.Status)
				assert.Equal(t, key, res.Key)
				assert.NotEmpty(t, res.ETag, "ExposeHeaders ETag")
				assert.Positive(t, res.ProgressEvents, "xhr.upload.onprogress")
			}},
		{"Uppy 6 signRequest uploads with the endpoint's concrete key", "uppy6.html", "",
			func(t *testing.T, res recipeResult, key string) {
				assert.Equal(t, key, res.Key)
				assert.Contains(t, res.Location, "/"+e.bucket+"/")
			}},
		{"Uppy 5 getUploadParameters takes {method, url, fields}", "uppy5.html", "",
			func(t *testing.T, res recipeResult, key string) {
				assert.NotEmpty(t, res.ETag, "Uppy 5 needs ETag exposed")
				assert.Contains(t, res.Location, "/"+e.bucket+"/", "Uppy 5 reports the exposed Location")
			}},
		{"Dropzone adds the fields in its sending event", "dropzone.html", "input.dz-hidden-input",
			func(t *testing.T, res recipeResult, key string) {
				assert.Equal(t, http.StatusCreated, res.Status)
				assert.Equal(t, key, res.Key)
			}},
	}
	for _, rc := range recipes {
		for _, target := range recipeTargets(e) {
			t.Run(strings.TrimSuffix(rc.page, ".html")+"/"+target, func(t *testing.T) {
				t.Parallel() // tabs of one Chromium
				file, content := testPNG(t, "Holiday photo.png")
				res, s, prefix := runRecipe(t, e, chromium, target, recipeUpload{page: rc.page, input: rc.input, file: file})
				require.Empty(t, res.Error, rc.reason)
				key := prefix + "Holiday photo.png"
				rc.check(t, res, key)
				obj := getObject(t, s, e.bucket, key)
				assert.Equal(t, string(content), obj.body, "the bytes of the file")
				assert.Equal(t, "image/png", obj.contentType, "the form's Content-Type, fixed by the endpoint")
			})
		}
	}
}

// TestRecipesRefusals checks what README's "From the browser" says goes
// wrong: S3's XML refusal shown in words, Uppy 6 and ${filename}, Uppy 6
// adding no Content-Type, and the CORS configuration's parts.
func TestRecipesRefusals(t *testing.T) {
	t.Parallel()
	e := loadEnv(t)
	chromium := sharedBrowser(t, e)
	withoutExpose := func(t *testing.T, origin string) []s3posttest.CORSRule {
		rules := readmeCORS(t, origin)
		rules[0].ExposeHeaders = nil
		return rules
	}
	withoutHeaders := func(t *testing.T, origin string) []s3posttest.CORSRule {
		rules := readmeCORS(t, origin)
		rules[0].AllowedHeaders = nil
		return rules
	}
	otherOrigin := func(t *testing.T, origin string) []s3posttest.CORSRule {
		rules := readmeCORS(t, origin)
		rules[0].AllowedOrigins = []string{"https://app.example"}
		return rules
	}
	all := recipeTargets(e)
	mem := []string{"s3posttest"}
	cases := []struct {
		reason  string
		targets []string
		upload  recipeUpload
		check   func(t *testing.T, res recipeResult)
	}{
		{"a file over the form's size range: fetch shows S3's XML error in words", all,
			recipeUpload{page: "fetch.html", endpoint: endpointOptions{maxSize: 16}, lieSize: true},
			func(t *testing.T, res recipeResult) {
				assert.True(t, strings.HasPrefix(res.Error, "EntityTooLarge: "), res.Error)
				assert.Greater(t, len(res.Error), len("EntityTooLarge: "), "with S3's message")
			}},
		{"a file over the form's size range: XMLHttpRequest shows S3's XML error in words", all,
			recipeUpload{page: "xhr.html", endpoint: endpointOptions{maxSize: 16}, lieSize: true},
			func(t *testing.T, res recipeResult) {
				assert.True(t, strings.HasPrefix(res.Error, "EntityTooLarge: "), res.Error)
			}},
		{"Uppy 6 refuses a ${filename} key before sending", mem,
			recipeUpload{page: "uppy6.html", endpoint: endpointOptions{filenameKey: true}},
			func(t *testing.T, res recipeResult) {
				assert.Contains(t, res.Error, "fields.key must be a concrete object key")
			}},
		{"Uppy 6 adds no Content-Type: a form that leaves it to the page is refused", all,
			recipeUpload{page: "uppy6.html", endpoint: endpointOptions{typePrefix: true}},
			func(t *testing.T, res recipeResult) {
				assert.Contains(t, res.Error, "403")
			}},
		{"without ExposeHeaders the page reads no ETag or Location", mem,
			recipeUpload{page: "fetch.html", cors: withoutExpose},
			func(t *testing.T, res recipeResult) {
				require.Empty(t, res.Error)
				assert.Equal(t, http.StatusCreated, res.Status, "the upload itself works")
				assert.Empty(t, res.ETag)
				assert.Empty(t, res.Location)
			}},
		{"without AllowedHeaders Dropzone's preflight fails", mem,
			recipeUpload{page: "dropzone.html", input: "input.dz-hidden-input", cors: withoutHeaders},
			func(t *testing.T, res recipeResult) {
				assert.Contains(t, res.Error, "responded with 0", "a CORS failure has status 0")
			}},
		{"a page on an origin not in AllowedOrigins cannot read S3's answer", mem,
			recipeUpload{page: "fetch.html", cors: otherOrigin},
			func(t *testing.T, res recipeResult) {
				assert.Contains(t, res.Error, "Failed to fetch")
				assert.Zero(t, res.Status)
			}},
	}
	for _, tc := range cases {
		for _, target := range tc.targets {
			t.Run(tc.reason+"/"+target, func(t *testing.T) {
				t.Parallel()
				file, _ := testPNG(t, "photo.png")
				tc.upload.file = file
				res, _, _ := runRecipe(t, e, chromium, target, tc.upload)
				tc.check(t, res)
			})
		}
	}
}

// formRecipe is browser/form.html.tmpl, which the server renders with a
// fresh PresignedPost.HTMLForm for each visit.
var formRecipe = template.Must(template.ParseFiles(filepath.Join("browser", "form.html.tmpl")))

// TestRecipeHTMLForm is the server-rendered HTML form: its key is signed
// before the file is chosen, so it ends in ${filename}, which S3 (and
// s3posttest) replace with the file's name as the browser sends it, and
// VersityGW stores as it is (README, "Tested against"). The form fixes the
// Content-Type; S3 redirects the browser to success_action_redirect.
func TestRecipeHTMLForm(t *testing.T) {
	t.Parallel()
	e := loadEnv(t)
	chromium := sharedBrowser(t, e)
	for _, target := range recipeTargets(e) {
		t.Run(target, func(t *testing.T) {
			file, content := testPNG(t, "Holiday photo.png")
			prefix := uniqueKey(t)
			var s server
			var app *httptest.Server
			mux := http.NewServeMux()
			mux.Handle("/", http.FileServer(http.Dir("browser")))
			mux.HandleFunc("/form.html", func(w http.ResponseWriter, r *http.Request) {
				post, err := e.presigner(s).PresignPost(r.Context(), s3post.PostInput{
					Bucket: e.bucket,
					Key:    prefix + "${filename}",
					Fields: map[string]string{
						"Content-Type":            "image/png",
						"success_action_redirect": app.URL + "/done.html",
					},
					Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 1<<20)},
					Expires:    10 * time.Minute,
				})
				if err != nil {
					http.Error(w, "cannot presign the upload", http.StatusInternalServerError)
					return
				}
				form, err := post.HTMLForm(s3post.HTMLFormOptions{ID: "upload"})
				if err != nil {
					http.Error(w, "cannot render the form", http.StatusInternalServerError)
					return
				}
				_ = formRecipe.Execute(w, form)
			})
			app = httptest.NewServer(mux)
			t.Cleanup(app.Close)
			if target == "s3posttest" {
				mem := s3posttest.NewServer(s3posttest.Config{
					Buckets: []string{e.bucket}, Region: e.region,
					AccessKeyID: e.accessKey, SecretAccessKey: e.secretKey,
					CORS: readmeCORS(t, app.URL),
				})
				t.Cleanup(mem.Close)
				s = server{name: "s3posttest", url: mem.URL, client: e.s3Client(mem.URL)}
			} else {
				s = e.server(t, target)
			}

			ctx := tab(t, chromium)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(app.URL+"/form.html"),
				chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
				chromedp.Click(`button[type=submit]`),
				chromedp.WaitVisible(`#result.done`),
			))
			raw, err := chromedp.Run(ctx, chromedp.Text(`#result`))
			require.NoError(t, err)
			t.Logf("form.html on %s: done.html showed %s", s.name, raw)
			var res recipeResult
			require.NoError(t, json.Unmarshal([]byte(raw), &res), raw)
			key := prefix + "Holiday photo.png"
			if target == "versitygw" {
				key = prefix + "${filename}"
			}
			assert.Equal(t, key, res.Key, "the key in the redirect's query")
			obj := getObject(t, s, e.bucket, key)
			assert.Equal(t, string(content), obj.body)
			assert.Equal(t, "image/png", obj.contentType)
		})
	}
}
