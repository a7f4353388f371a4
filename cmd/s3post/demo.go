package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/s3posttest"
)

const demoUsage = `Usage: s3post demo [-addr HOST:PORT] [-max-size SIZE]

Starts an in-memory S3 endpoint and prints the URL of a page on which a
browser uploads files into its bucket "demo", straight from the browser to
the endpoint with a presigned POST form, and lists them. Nothing leaves this
machine, no cloud account is needed, and the files are gone when the demo
stops (Ctrl-C).

It also prints a "s3post presign | s3post upload" command line that uploads
into the same bucket, with the endpoint's credentials: throwaway test keys,
made up when the demo starts and accepted by its in-memory endpoint only.

The endpoint listens on 127.0.0.1 only, so uploads work from a browser on
this machine only, whatever -addr says.
`

const (
	demoBucket  = "demo"
	demoMaxSize = 32 << 20
	demoExpiry  = time.Hour
)

// demoFiles are the page and what it loads.
//
//go:embed demo
var demoFiles embed.FS

func runDemo(ctx context.Context, std *stdio, args []string) error {
	fs := newFlagSet("demo")
	addr := fs.String("addr", "127.0.0.1:0", "the `address` of the page; port 0 picks a free port")
	maxSize := sizeFlag{n: demoMaxSize}
	fs.Var(&maxSize, "max-size", "the largest file `size` the forms accept (default 32MiB; the endpoint keeps at most 100MiB)")
	if err := parseFlags(fs, args, std, demoUsage); err != nil {
		return err
	}
	if maxSize.n > s3posttest.DefaultMaxObjectSize {
		return usagef("demo: -max-size %s: the in-memory endpoint keeps files of at most %s", formatSize(maxSize.n), formatSize(s3posttest.DefaultMaxObjectSize))
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
	// Throwaway keys, made up for this run: the in-memory endpoint is the
	// only one that takes them.
	keyID, secret := "S3POSTDEMO"+randomHex(5), "demo-only-"+randomHex(15)
	s3 := s3posttest.NewServer(s3posttest.Config{
		Buckets:     []string{demoBucket},
		AccessKeyID: keyID, SecretAccessKey: secret,
		CORS: []s3posttest.CORSRule{{
			// The page is on another origin (another port): the bucket
			// lets it post and read S3's answers, as a bucket on S3 must.
			AllowedOrigins: pageOrigins(ln.Addr()),
			AllowedMethods: []string{"GET", "HEAD", "POST"},
			AllowedHeaders: []string{"*"},
			ExposeHeaders:  []string{"ETag", "Location"},
			MaxAgeSeconds:  3000,
		}},
	})
	defer s3.Close()

	home := pageURL(ln.Addr())
	page := &http.Server{
		Handler:           &demoPage{s3: s3, presigner: s3.Presigner(), maxSize: maxSize.n},
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- page.Serve(ln) }()

	fmt.Fprintf(std.out, "s3post demo: open %s in a browser; Ctrl-C stops it\n", home)
	fmt.Fprintf(std.out, "s3post demo: in-memory S3 endpoint %s, bucket %q\n", s3.URL, demoBucket)
	fmt.Fprintf(std.out, "s3post demo: to upload FILE from the command line (the keys are throwaway test keys, made up for this run and valid on this endpoint only):\n%s",
		demoCommands(s3.URL, keyID, secret, maxSize.n))
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

// randomHex returns the hex of n random bytes.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// demoCommands returns the command lines that upload a file into the
// demo's bucket, one a line, indented.
func demoCommands(endpoint, keyID, secret string, maxSize int64) string {
	return fmt.Sprintf("  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=\n"+
		"  s3post presign -endpoint %s -region us-east-1 -bucket %s -key 'cli/${filename}' -max-size %s | s3post upload FILE\n",
		keyID, secret, shellQuote(endpoint), demoBucket, sizeArg(maxSize))
}

// sizeArg prints a byte count for a size flag: in the largest binary unit
// that divides it, else in bytes.
func sizeArg(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// pageOrigins returns the origins of the page that listens on addr, as a
// browser on this machine names them: by the address it listens on and,
// for a loopback or unspecified address, by localhost too.
func pageOrigins(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return []string{strings.TrimSuffix(pageURL(addr), "/")}
	}
	port := strconv.Itoa(tcp.Port)
	origins := []string{strings.TrimSuffix(pageURL(addr), "/")}
	if tcp.IP.IsLoopback() || tcp.IP.IsUnspecified() {
		origins = append(origins, "http://localhost:"+port, "http://127.0.0.1:"+port, "http://[::1]:"+port)
	}
	out := origins[:0]
	seen := map[string]bool{}
	for _, o := range origins {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
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

// demoPage serves the demo's page, its script and style, and the two
// requests the script makes: a fresh form (what an app's backend does for
// its uploads) and the bucket's objects.
type demoPage struct {
	s3        *s3posttest.Server
	presigner *s3post.Presigner
	maxSize   int64
}

// demoTypes are the Content-Type prefixes that the page offers to require:
// the query's "type" value, and what the page calls it.
var demoTypes = map[string]string{"": "any type", "image/": "images", "text/": "text files"}

// demoForm is the answer to /form.
type demoForm struct {
	Form       *s3post.PresignedPost `json:"form"`
	Policy     string                `json:"policy"` // decoded, indented
	MaxSize    int64                 `json:"maxSize"`
	TypePrefix string                `json:"typePrefix"`
	Endpoint   string                `json:"endpoint"`
	Bucket     string                `json:"bucket"`
}

// demoObject is an object as /objects lists it.
type demoObject struct {
	Key         string `json:"key"`
	URL         string `json:"url"`
	Size        int64  `json:"size"`
	ContentType string `json:"type"`
	Modified    string `json:"modified"`
}

// demoStatic maps the page's paths to its embedded files and their types.
var demoStatic = map[string][2]string{
	"/":            {"demo/index.html", "text/html; charset=utf-8"},
	"/demo.js":     {"demo/demo.js", "text/javascript; charset=utf-8"},
	"/demo.css":    {"demo/demo.css", "text/css; charset=utf-8"},
	"/favicon.svg": {"demo/favicon.svg", "image/svg+xml"},
	"/favicon.ico": {"demo/favicon.svg", "image/svg+xml"}, // for clients that ask for it anyway
}

func (d *demoPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch r.URL.Path {
	case "/form":
		d.serveForm(w, r)
		return
	case "/objects":
		d.serveObjects(w)
		return
	}
	file, ok := demoStatic[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := demoFiles.ReadFile(file[0])
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", file[1])
	_, _ = w.Write(body)
}

// serveForm answers a fresh form for the Content-Type prefix that the
// query's "type" names, with its policy decoded.
func (d *demoPage) serveForm(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("type")
	if _, ok := demoTypes[prefix]; !ok {
		http.Error(w, fmt.Sprintf("type %s: want \"\", \"image/\" or \"text/\"", quote(prefix)), http.StatusBadRequest)
		return
	}
	post, err := d.presigner.PresignPost(r.Context(), s3post.PostInput{
		Bucket: demoBucket,
		Key:    "${filename}",
		Fields: map[string]string{
			// S3 answers 201 with an XML document that names the
			// object; the page reads it (the bucket exposes Location
			// and ETag too).
			"success_action_status": "201",
		},
		Conditions: []s3post.Condition{
			// The page sets the file's type; the policy lets it, within
			// the prefix.
			s3post.StartsWith("Content-Type", prefix),
			s3post.ContentLengthRange(0, d.maxSize),
		},
		Expires: demoExpiry,
	})
	if err != nil {
		http.Error(w, reason(err), http.StatusInternalServerError)
		return
	}
	policy, err := readablePolicy(post.Fields["policy"])
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, demoForm{Form: post, Policy: policy, MaxSize: d.maxSize, TypePrefix: prefix, Endpoint: d.s3.URL, Bucket: demoBucket})
}

// readablePolicy decodes a base64 policy and lays it out one condition a
// line, each as the policy writes it.
func readablePolicy(encoded string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", err
	}
	var doc struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	expiration, err := json.Marshal(doc.Expiration)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("{\n  \"expiration\": " + string(expiration) + ",\n  \"conditions\": [\n")
	for i, c := range doc.Conditions {
		b.WriteString("    " + string(c))
		if i < len(doc.Conditions)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ]\n}")
	return b.String(), nil
}

// serveObjects answers the bucket's objects, sorted by key.
func (d *demoPage) serveObjects(w http.ResponseWriter) {
	objects := d.s3.Objects(demoBucket)
	list := make([]demoObject, 0, len(objects))
	for _, o := range objects {
		list = append(list, demoObject{
			Key:         o.Key,
			URL:         d.s3.URL + "/" + demoBucket + "/" + (&url.URL{Path: o.Key}).EscapedPath(),
			Size:        int64(len(o.Body)),
			ContentType: o.ContentType,
			Modified:    o.LastModified.Format(time.RFC3339),
		})
	}
	writeJSON(w, list)
}

func writeJSON(w http.ResponseWriter, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b.Bytes())
}
