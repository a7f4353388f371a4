package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
)

const demoUsage = `Usage: s3post demo [-addr HOST:PORT]

Starts an in-memory S3 endpoint and a page on which a browser uploads files
into its bucket "demo", straight from the browser to the endpoint with a
presigned POST form, and lists them. Nothing leaves this machine, no cloud
account is needed, and the files are gone when the demo stops (Ctrl-C).

The endpoint listens on 127.0.0.1 only, so uploads work from a browser on
this machine only, whatever -addr says.
`

const (
	demoBucket  = "demo"
	demoMaxSize = 32 << 20
	demoExpiry  = time.Hour
)

func runDemo(ctx context.Context, std *stdio, args []string) error {
	fs := newFlagSet("demo")
	addr := fs.String("addr", "127.0.0.1:0", "the `address` of the page; port 0 picks a free port")
	if err := parseFlags(fs, args, std, demoUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo: unexpected argument %s (run \"s3post demo -h\" for help)", quote(fs.Arg(0)))
	}
	if err := checkListenAddr(*addr); err != nil {
		return usagef("demo: -addr %s: %v", quote(*addr), err)
	}
	ln, err := net.Listen("tcp", *addr)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return usagef("demo: -addr: %v", err) // a host name that does not resolve
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	}
	if warning := notLoopbackWarning(ln.Addr()); warning != "" {
		fmt.Fprintln(std.err, warning)
	}
	s3 := s3posttest.NewServer(s3posttest.Config{Buckets: []string{demoBucket}})
	defer s3.Close()

	home := pageURL(ln.Addr())
	page := &http.Server{
		Handler:           &demoPage{s3: s3, presigner: s3.Presigner(), url: home},
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- page.Serve(ln) }()

	fmt.Fprintf(std.out, "s3post demo: open %s in a browser; Ctrl-C stops it\n", home)
	fmt.Fprintf(std.out, "s3post demo: in-memory S3 endpoint %s, bucket %q\n", s3.URL, demoBucket)
	select {
	case err := <-served:
		return fmt.Errorf("demo: serving the page: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := page.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("demo: stopping: %w", err)
	}
	fmt.Fprintln(std.out, "s3post demo: stopped")
	return nil
}

// checkListenAddr checks that addr is HOST:PORT with a port number, before
// it is handed to net.Listen, whose errors do not tell a malformed address
// from one that is busy.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT, such as 127.0.0.1:8080")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("the port %s is not a number from 0 to 65535", quote(port))
	}
	return nil
}

// notLoopbackWarning returns a warning for a page that listens beyond the
// loopback interface, where the in-memory endpoint is not: browsers on
// other machines would get the page but could not upload. It returns ""
// for a loopback address.
func notLoopbackWarning(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("s3post: warning: demo: the page listens on %s, which is not a loopback address, but the in-memory S3 endpoint listens on 127.0.0.1 only: browsers on other machines can open the page but not upload", addr)
}

// pageURL is the URL to open for a listener's address; an unspecified IP
// (0.0.0.0 or ::) is reached on the loopback address.
func pageURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// demoPage serves the demo's one page: a fresh upload form and the list of
// the bucket's objects.
type demoPage struct {
	s3        *s3posttest.Server
	presigner *s3post.Presigner
	url       string // of the page, where S3 sends the browser back
}

// demoObject is an object as the page lists it.
type demoObject struct {
	Key, URL, Size, ContentType, Modified string
}

// demoTemplate is the page. Its script only sets the Content-Type field to
// the chosen file's type; without it the form still works, and files are
// stored as application/octet-stream.
var demoTemplate = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>s3post demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
  .lead { color: #555; margin-top: 0; }
  form { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
  .uploaded { background: #e9f7ec; border: 1px solid #9bd3a7; border-radius: 6px; padding: 0.5rem 1rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 0.5rem; }
  th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #eee; }
  .size { text-align: right; white-space: nowrap; }
  details { margin-top: 1.5rem; }
  code, pre { font-size: 0.85rem; }
  pre { background: #f6f6f6; padding: 0.75rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>s3post demo</h1>
<p class="lead">Choose a file and upload it. The browser posts it straight to an in-memory S3 endpoint
(<code>{{.Endpoint}}</code>) with a presigned POST form; this page never sees the file.
Files up to {{.MaxSize}}; they are kept until the demo stops.</p>
{{with .Uploaded}}<p class="uploaded" id="uploaded">Uploaded <strong>{{.}}</strong>.</p>{{end}}
{{.Form}}
<h2>Bucket <code>{{.Bucket}}</code></h2>
{{if .Objects}}<table id="objects">
<thead><tr><th>Key</th><th class="size">Size</th><th>Type</th><th>Uploaded</th></tr></thead>
<tbody>
{{range .Objects}}<tr><td><a href="{{.URL}}">{{.Key}}</a></td><td class="size">{{.Size}}</td><td>{{.ContentType}}</td><td>{{.Modified}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p id="objects">No files yet.</p>{{end}}
<details>
<summary>The signed form</summary>
<p>This is what a backend hands to a browser (<code>s3post presign</code> prints the same JSON).
S3 replaces <code>${filename}</code> with the file's name, then redirects back here.</p>
<pre>{{.FormJSON}}</pre>
</details>
<script>
document.getElementById("upload").addEventListener("change", function (event) {
  var input = event.target;
  if (input.type === "file" && input.files.length > 0) {
    this.elements["Content-Type"].value = input.files[0].type || "application/octet-stream";
  }
});
</script>
</body>
</html>
`))

func (d *demoPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// S3 redirects the browser back to the page, with the bucket, key and
	// ETag of the upload in the query. The URL is the listener's, never
	// the request's Host header, which the client chooses.
	post, err := d.presigner.PresignPost(r.Context(), s3post.PostInput{
		Bucket: demoBucket,
		Key:    "${filename}",
		Fields: map[string]string{
			"success_action_redirect": d.url,
			"Content-Type":            "application/octet-stream",
		},
		Conditions: []s3post.Condition{
			s3post.StartsWith("Content-Type", ""),
			s3post.ContentLengthRange(0, demoMaxSize),
		},
		Expires: demoExpiry,
	})
	if err != nil {
		http.Error(w, reason(err), http.StatusInternalServerError)
		return
	}
	form, err := post.HTMLForm(s3post.HTMLFormOptions{ID: "upload"})
	if err != nil {
		http.Error(w, reason(err), http.StatusInternalServerError)
		return
	}
	formJSON, err := json.MarshalIndent(post, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	data := struct {
		Endpoint, Bucket, MaxSize, Uploaded, FormJSON string
		Form                                          template.HTML
		Objects                                       []demoObject
	}{
		Endpoint: d.s3.URL, Bucket: demoBucket, MaxSize: formatSize(demoMaxSize),
		Form: form, FormJSON: string(formJSON),
	}
	if q := r.URL.Query(); q.Get("bucket") == demoBucket {
		data.Uploaded = q.Get("key")
	}
	for _, o := range d.s3.Objects(demoBucket) {
		data.Objects = append(data.Objects, demoObject{
			Key:         o.Key,
			URL:         d.s3.URL + "/" + demoBucket + "/" + (&url.URL{Path: o.Key}).EscapedPath(),
			Size:        formatSize(int64(len(o.Body))),
			ContentType: o.ContentType,
			Modified:    o.LastModified.Local().Format("15:04:05"),
		})
	}
	var page bytes.Buffer
	if err := demoTemplate.Execute(&page, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // a fresh form each time
	_, _ = w.Write(page.Bytes())
}
