package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBrowserDemo runs `s3post demo`, the README's "run it" command, and
// has Chromium do what a person would: open the page, choose a file, upload
// it, and see it listed.
func TestBrowserDemo(t *testing.T) {
	e := loadEnv(t)
	bin := filepath.Join(t.TempDir(), "s3post")
	build := exec.Command("go", "build", "-o", bin, "github.com/s3post/s3post/cmd/s3post")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the CLI: %s", out)

	demo := exec.Command(bin, "demo", "-addr", "127.0.0.1:0")
	stdout, err := demo.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, demo.Start())
	t.Cleanup(func() {
		_ = demo.Process.Signal(syscall.SIGINT)
		_ = demo.Wait()
	})
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "the demo printed nothing")
	pageURL := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(lines.Text())
	require.NotEmpty(t, pageURL, "no URL in %q", lines.Text())
	go func() { // keep reading so the demo never blocks on its output
		for lines.Scan() {
		}
	}()

	file := filepath.Join(t.TempDir(), "holiday photo.png")
	require.NoError(t, os.WriteFile(file, []byte("\x89PNG\r\n\x1a\nnot really a picture"), 0o600))

	ctx := browser(t, e)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(`#upload`),
		chromedp.SetUploadFiles(`#upload input[type=file]`, []string{file}),
		chromedp.Click(`#upload button[type=submit]`),
		chromedp.WaitVisible(`#uploaded`),
	))
	listing, err := chromedp.Run(ctx, chromedp.Text(`#objects`))
	require.NoError(t, err)
	assert.Contains(t, listing, "holiday photo.png", "the uploaded file is listed")
	assert.Contains(t, listing, "image/png", "with the type the browser gave it")
	notice, err := chromedp.Run(ctx, chromedp.Text(`#uploaded`))
	require.NoError(t, err)
	assert.True(t, strings.Contains(notice, "holiday photo.png"), notice)
}
