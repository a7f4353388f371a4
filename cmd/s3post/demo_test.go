package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer for a command's output, read while the
// command writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDemo starts "s3post demo" and returns the URL of its page, the
// running command and its output. The demo is killed when the test ends,
// unless it has stopped.
func startDemo(t *testing.T) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary, "demo", "-addr", "127.0.0.1:0")
	cmd.Env = cleanEnv(t)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		assertClean(t, stdout.String()+stderr.String())
	})
	first := regexp.MustCompile(`(?m)^s3post demo: open (http://127\.0\.0\.1:\d+/) in a browser`)
	var m []string
	require.Eventually(t, func() bool {
		m = first.FindStringSubmatch(stdout.String())
		return m != nil
	}, 30*time.Second, 10*time.Millisecond, "the demo printed no URL; stdout: %q, stderr: %q", &stdout, &stderr)
	return m[1], cmd, &stdout
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	return resp.StatusCode, readAll(t, resp)
}

// readAll reads and closes the body of resp.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// demoFormAnswer is the answer of the page's /form.
type demoFormAnswer struct {
	Form struct {
		URL    string            `json:"url"`
		Fields map[string]string `json:"fields"`
	} `json:"form"`
	Policy     string `json:"policy"`
	MaxSize    int64  `json:"maxSize"`
	TypePrefix string `json:"typePrefix"`
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	status, body := get(t, url)
	require.Equal(t, http.StatusOK, status, body)
	require.NoError(t, json.Unmarshal([]byte(body), v), body)
}

// TestDemo checks the demo's page and then does what its script does: get
// a form, post its fields, the file's type and a file to the in-memory
// endpoint from the page's origin, and find the file listed and
// downloadable.
func TestDemo(t *testing.T) {
	t.Parallel()
	page, cmd, stdout := startDemo(t)

	status, body := get(t, page)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "<title>s3post demo</title>")
	assert.Contains(t, body, `<link rel="icon" href="/favicon.svg" type="image/svg+xml">`)
	assert.Contains(t, body, `<script src="/demo.js"></script>`)
	for _, path := range []string{"demo.js", "demo.css", "favicon.svg", "favicon.ico"} {
		status, _ := get(t, page+path)
		assert.Equal(t, http.StatusOK, status, path)
	}
	status, _ = get(t, page+"nope")
	assert.Equal(t, http.StatusNotFound, status)
	status, body = get(t, page+"form?type=video/")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, `type "video/": want "", "image/" or "text/"`)

	var f demoFormAnswer
	getJSON(t, page+"form?type=text/", &f)
	assert.Equal(t, "${filename}", f.Form.Fields["key"])
	assert.Equal(t, "201", f.Form.Fields["success_action_status"])
	assert.Equal(t, int64(demoMaxSize), f.MaxSize)
	assert.Equal(t, "text/", f.TypePrefix)
	assert.Contains(t, f.Policy, "\n    [\"starts-with\", \"$Content-Type\", \"text/\"],\n", "one condition a line")
	assert.Contains(t, f.Policy, "\n    [\"content-length-range\", 0, 33554432],\n")

	// Post the form as the page does, fields first and the file last,
	// from the page's origin.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for name, value := range f.Form.Fields {
		require.NoError(t, mw.WriteField(name, value))
	}
	require.NoError(t, mw.WriteField("Content-Type", "text/plain"))
	fw, err := mw.CreateFormFile("file", "hello world.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("hello from the demo test\n"))
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, f.Form.URL, &form)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	origin := strings.TrimSuffix(page, "/")
	req.Header.Set("Origin", origin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer := readAll(t, resp)
	require.Equal(t, http.StatusCreated, resp.StatusCode, answer)
	assert.Contains(t, answer, "<Key>hello world.txt</Key>")
	assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"), "the bucket's CORS lets the page read S3's answer")
	assert.Equal(t, "ETag, Location", resp.Header.Get("Access-Control-Expose-Headers"))

	var objects []struct {
		Key, URL, Type string
		Size           int64
	}
	getJSON(t, page+"objects", &objects)
	require.Len(t, objects, 1)
	assert.Equal(t, "hello world.txt", objects[0].Key)
	assert.Equal(t, "text/plain", objects[0].Type)
	assert.Equal(t, int64(25), objects[0].Size)
	status, content := get(t, objects[0].URL)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "hello from the demo test\n", content)

	// Another origin may not read S3's answers.
	req, err = http.NewRequest(http.MethodOptions, f.Form.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	readAll(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a preflight from another origin")

	if runtime.GOOS == "windows" {
		return // no os.Interrupt to send
	}
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	require.NoError(t, cmd.Wait(), "the demo does not stop cleanly on Ctrl-C")
	assert.Contains(t, stdout.String(), "s3post demo: stopped")
}

// TestDemoCommandLine runs the commands that the demo prints, as they are
// with the file's name for FILE, and finds the file in the demo's bucket.
func TestDemoCommandLine(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if runtime.GOOS == "windows" || err != nil {
		t.Skip("no POSIX shell to run the commands with")
	}
	page, _, stdout := startDemo(t)
	out := stdout.String()
	intro := regexp.MustCompile(`(?m)^s3post demo: to upload FILE from the command line \(the keys are throwaway test keys, made up for this run and valid on this endpoint only\):\n((?:  .*\n){2})`)
	var m []string
	require.Eventually(t, func() bool {
		out = stdout.String()
		m = intro.FindStringSubmatch(out)
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "no commands in %q", out)
	assert.Regexp(t, `^  export AWS_ACCESS_KEY_ID=S3POSTDEMO[0-9a-f]{10} AWS_SECRET_ACCESS_KEY=demo-only-[0-9a-f]{30} AWS_SESSION_TOKEN=\n`+
		`  s3post presign -endpoint http://127\.0\.0\.1:\d+ -region us-east-1 -bucket demo -key 'cli/\$\{filename\}' -max-size 32MiB \| s3post upload FILE\n$`, m[1])

	dir := t.TempDir()
	file := filepath.Join(dir, "from the shell.txt")
	require.NoError(t, os.WriteFile(file, []byte("uploaded with the printed commands\n"), 0o600))
	bin := t.TempDir()
	require.NoError(t, os.Symlink(binary, filepath.Join(bin, "s3post")))
	script := strings.ReplaceAll(m[1], "FILE", "'"+file+"'")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, sh, "-e", "-c", script)
	// The user's own AWS settings do not get in the way: the commands set
	// what they need.
	run.Env = append(cleanEnv(t), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AWS_REGION=eu-west-3", "AWS_ACCESS_KEY_ID=AKIAUSERSOWN", "AWS_SESSION_TOKEN=users-own-token")
	got, err := run.CombinedOutput()
	require.NoError(t, err, "%s", got)
	assert.Contains(t, string(got), "status:   204 No Content")

	var objects []struct{ Key string }
	getJSON(t, page+"objects", &objects)
	require.Len(t, objects, 1)
	assert.Equal(t, "cli/from the shell.txt", objects[0].Key)
}

func TestDemoErrors(t *testing.T) {
	t.Parallel()
	t.Run("argument", func(t *testing.T) {
		t.Parallel()
		requireFailure(t, runCLI(t, cleanEnv(t), "", "demo", "now"), 2, `demo: unexpected argument "now"`)
	})
	for _, tc := range []struct {
		name, addr, want string
	}{
		{"port name", "127.0.0.1:http-alt-nope", `demo: -addr "127.0.0.1:http-alt-nope": the port "http-alt-nope" is not a number from 0 to 65535`},
		{"port too large", "127.0.0.1:65536", `the port "65536" is not a number`},
		{"no port", "127.0.0.1", `demo: -addr "127.0.0.1": want HOST:PORT`},
	} {
		t.Run("bad address: "+tc.name, func(t *testing.T) {
			t.Parallel()
			requireFailure(t, runCLI(t, cleanEnv(t), "", "demo", "-addr", tc.addr), 2, tc.want)
		})
	}
	t.Run("-max-size over what the endpoint keeps", func(t *testing.T) {
		t.Parallel()
		requireFailure(t, runCLI(t, cleanEnv(t), "", "demo", "-max-size", "101MiB"), 2,
			"demo: -max-size 101.0 MiB: the in-memory endpoint keeps files of at most 100.0 MiB")
	})
	t.Run("address in use", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		requireFailure(t, runCLI(t, cleanEnv(t), "", "demo", "-addr", ln.Addr().String()), 1, "address already in use")
	})
}

func TestDemoWarnsOffLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr net.Addr
		warn bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, false},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 8080}, false},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, false},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, true},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, true},
		{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 8080}, true},
	} {
		got := notLoopbackWarning(tc.addr)
		if !tc.warn {
			assert.Empty(t, got, "%v is loopback", tc.addr)
			continue
		}
		assert.True(t, strings.HasPrefix(got, "s3post: warning: demo: the page listens on "+tc.addr.String()+", which is not a loopback address"), "%v: %q", tc.addr, got)
		assert.Contains(t, got, "the in-memory S3 endpoint listens on 127.0.0.1 only")
		assert.NotContains(t, got, "\n", "one line")
	}
}
