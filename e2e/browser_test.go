package e2e

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/s3post/s3post"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser starts headless Chromium with the flags this machine needs and a
// fresh profile, and returns a context to drive it with, for 90 seconds.
func browser(t *testing.T, e *env) context.Context {
	t.Helper()
	return browserFor(t, e, 90*time.Second)
}

// browserFor is browser with a lifetime of d.
func browserFor(t *testing.T, e *env, d time.Duration) context.Context {
	t.Helper()
	if e.chromium == "" {
		if os.Getenv("S3POST_E2E_REQUIRED") != "" {
			t.Fatal("S3POST_E2E_CHROMIUM is not set: ./scripts/test.sh installs Debian's chromium and sets it")
		}
		t.Skip("S3POST_E2E_CHROMIUM is not set: ./scripts/test.sh installs Debian's chromium and sets it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(e.chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	return bctx
}

var formPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><title>upload</title></head><body>
<h1>Upload a file</h1>
{{.}}
</body></html>`))

// donePage is where S3 redirects the browser after the upload; it shows the
// query that S3 added (bucket, key, etag).
var donePage = `<!doctype html><html><body><p id="done"></p><script>
const done = document.getElementById("done");
done.textContent = location.search;
done.className = "ready";
</script></body></html>`

// TestBrowserHTMLForm serves the form that PresignedPost.HTMLForm renders,
// sets a real file on its file input, submits it, and checks that the object
// landed: the classic server-rendered upload page.
func TestBrowserHTMLForm(t *testing.T) {
	e := loadEnv(t)
	s := e.server(t, "versitygw") // the strict one
	content := "uploaded by Chromium from an HTML form\n"
	file := filepath.Join(t.TempDir(), "from-browser.txt")
	require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	key := uniqueKey(t) + "form.txt"

	var app *httptest.Server
	app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/done" {
			_, _ = w.Write([]byte(donePage))
			return
		}
		post, err := e.presigner(s).PresignPost(r.Context(), s3post.PostInput{
			Bucket: e.bucket,
			Key:    key,
			Fields: map[string]string{
				"success_action_redirect": app.URL + "/done",
				"Content-Type":            "text/plain",
			},
			Conditions: []s3post.Condition{s3post.ContentLengthRange(1, 1<<20)},
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		form, err := post.HTMLForm(s3post.HTMLFormOptions{ID: "upload"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = formPage.Execute(w, form)
	}))
	defer app.Close()

	ctx := browser(t, e)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/"),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#done.ready`),
	))
	query, err := chromedp.Run(ctx, chromedp.Text(`#done`))
	require.NoError(t, err)
	assert.Contains(t, query, "key=")
	obj := getObject(t, s, e.bucket, key)
	assert.Equal(t, content, obj.body)
	assert.Equal(t, "text/plain", obj.contentType)
}

// fetchPage uploads the way single-page apps do: it asks its own origin for
// a presigned form, then posts it with fetch() and FormData to the S3
// server, another origin, and shows what it could read of the answer.
const fetchPage = `<!doctype html><html><body><pre id="result"></pre><script>
(async () => {
  const out = document.getElementById("result");
  try {
    const form = await (await fetch("/form")).json();
    const data = new FormData();
    for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
    data.append("Content-Type", "text/plain");
    data.append("file", new Blob(["uploaded by fetch() from another origin\n"], {type: "text/plain"}), "spa.txt");
    const resp = await fetch(form.url, {method: "POST", body: data});
    out.textContent = JSON.stringify({status: resp.status, body: await resp.text()});
  } catch (err) {
    out.textContent = JSON.stringify({error: String(err)});
  }
  out.className = "done";
})();
</script></body></html>`

// TestBrowserFetchCORS uploads with fetch() + FormData from a page on another
// origin, which needs CORS on the bucket (set on VersityGW by
// scripts/e2e-servers.sh, and the same rule on s3posttest by loadEnv), and
// checks that the page could read S3's answer.
func TestBrowserFetchCORS(t *testing.T) {
	e := loadEnv(t)
	for _, s := range e.servers {
		if s.name == "seaweedfs" {
			continue // it allows every origin by default, so it proves nothing about configured CORS
		}
		t.Run(s.name, func(t *testing.T) { fetchUpload(t, e, s) })
	}
}

func fetchUpload(t *testing.T, e *env, s server) {
	key := uniqueKey(t) + "spa.txt"

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/form" {
			_, _ = w.Write([]byte(fetchPage))
			return
		}
		post, err := e.presigner(s).PresignPost(r.Context(), s3post.PostInput{
			Bucket:     e.bucket,
			Key:        key,
			Fields:     map[string]string{"success_action_status": "201"},
			Conditions: []s3post.Condition{s3post.StartsWith("Content-Type", "text/"), s3post.ContentLengthRange(1, 1<<20)},
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(post)
	}))
	defer app.Close()

	ctx := browser(t, e)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/"),
		chromedp.WaitVisible(`#result.done`),
	))
	raw, err := chromedp.Run(ctx, chromedp.Text(`#result`))
	require.NoError(t, err)
	var result struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
		Error  string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &result), raw)
	require.Empty(t, result.Error, "the page could not upload or read the answer (CORS?)")
	assert.Equal(t, http.StatusCreated, result.Status)
	assert.Contains(t, result.Body, "<Key>"+key+"</Key>", "the page reads S3's PostResponse")
	obj := getObject(t, s, e.bucket, key)
	assert.Equal(t, "uploaded by fetch() from another origin\n", obj.body)
	assert.True(t, strings.HasPrefix(obj.contentType, "text/plain"))
}
