package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
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

var (
	formAction   = regexp.MustCompile(`<form id="upload" action="([^"]+)" method="post" enctype="multipart/form-data">`)
	hiddenInput  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	objectAnchor = regexp.MustCompile(`<a href="([^"]+)">hello world\.txt</a>`)
)

// TestDemo checks the demo's page and then does what the browser does with
// it: post the form's fields and a file to the in-memory endpoint, follow
// the redirect back to the page, and find the file listed and downloadable.
func TestDemo(t *testing.T) {
	t.Parallel()
	page, cmd, stdout := startDemo(t)

	status, body := get(t, page)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "<title>s3post demo</title>")
	assert.Contains(t, body, `<p id="objects">No files yet.</p>`)
	assert.Contains(t, body, `<input type="file" name="file" required>`)
	action := formAction.FindStringSubmatch(body)
	require.NotNil(t, action, body)
	fields := map[string]string{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		fields[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
	}
	assert.Equal(t, "${filename}", fields["key"])
	assert.Equal(t, page, fields["success_action_redirect"])
	assert.Contains(t, fields, "policy")
	assert.Contains(t, fields, "x-amz-signature")

	// Post the form as a browser does, fields first and the file last.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for name, value := range fields {
		if name == "Content-Type" {
			value = "text/plain" // what the page's script sets from the file
		}
		require.NoError(t, mw.WriteField(name, value))
	}
	fw, err := mw.CreateFormFile("file", "hello world.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("hello from the demo test\n"))
	require.NoError(t, mw.Close())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Post(html.UnescapeString(action[1]), mw.FormDataContentType(), &form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	back := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(back, page+"?"), back)

	status, body = get(t, back)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `Uploaded <strong>hello world.txt</strong>`)
	assert.Contains(t, body, `<td class="size">25 B</td><td>text/plain</td>`)
	link := objectAnchor.FindStringSubmatch(body)
	require.NotNil(t, link, body)
	status, content := get(t, html.UnescapeString(link[1]))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "hello from the demo test\n", content)

	status, _ = get(t, page+"nope")
	assert.Equal(t, http.StatusNotFound, status)

	// The client's Host header does not choose where S3 sends the browser.
	req, err := http.NewRequest(http.MethodGet, page, nil)
	require.NoError(t, err)
	req.Host = "evil.example"
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body = readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := regexp.MustCompile(`<input type="hidden" name="success_action_redirect" value="([^"]*)">`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	assert.Equal(t, page, html.UnescapeString(m[1]), "the redirect is the listener's page URL")

	if runtime.GOOS == "windows" {
		return // no os.Interrupt to send
	}
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	require.NoError(t, cmd.Wait(), "the demo does not stop cleanly on Ctrl-C")
	assert.Contains(t, stdout.String(), "s3post demo: stopped")
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
