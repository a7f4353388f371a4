package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoMaxSize is the -max-size the demo runs with: small, so that a file
// over it is small too.
const demoMaxSize = 64 << 10

// startDemo builds the CLI, runs `s3post demo`, the README's "run it"
// command, and returns the URL of its page. The demo is stopped when the
// test ends.
func startDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "s3post")
	build := exec.Command("go", "build", "-o", bin, "github.com/s3post/s3post/cmd/s3post")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the CLI: %s", out)

	demo := exec.Command(bin, "demo", "-addr", "127.0.0.1:0", "-max-size", fmt.Sprint(demoMaxSize))
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
	return pageURL
}

// writePNG writes a small real PNG image, so that its thumbnail shows.
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := range 16 {
		for y := range 12 {
			img.Set(x, y, color.RGBA{uint8(x * 16), 120, uint8(y * 20), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
}

// rowResult waits until the page's row for the file name is done or
// refused, and returns its class and its status text.
func rowResult(name string) chromedp.Action[string] {
	quoted, _ := json.Marshal(name)
	return chromedp.Poll[string](fmt.Sprintf(`(() => {
		const li = Array.from(document.querySelectorAll("#queue li")).find((li) => li.dataset.name === %s);
		return li && (li.className === "done" || li.className === "refused") && li.className + ": " + li.querySelector(".status").textContent;
	})()`, quoted), chromedp.WithPollingTimeout(20*time.Second))
}

// demoObjects returns the keys that the demo's bucket holds.
func demoObjects(t *testing.T, page string) []string {
	t.Helper()
	resp, err := http.Get(page + "objects")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list []struct{ Key string }
	require.NoError(t, json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list))
	keys := make([]string, 0, len(list))
	for _, o := range list {
		keys = append(keys, o.Key)
	}
	return keys
}

// TestBrowserDemo has Chromium do with the demo what a person would: upload
// several files at once, see them listed with an image's thumbnail, and
// have a file too big and a file of the wrong type refused, first by the
// page and then, with the page's check turned off, by S3, in words.
func TestBrowserDemo(t *testing.T) {
	e := loadEnv(t)
	ctx := browser(t, e)
	page := startDemo(t)

	dir := t.TempDir()
	photo := filepath.Join(dir, "holiday photo.png")
	writePNG(t, photo)
	notes := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("uploaded by the demo test\n"), 0o600))
	big := filepath.Join(dir, "too big.bin")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("x"), demoMaxSize+1), 0o600))
	bigAgain := filepath.Join(dir, "too big again.bin")
	require.NoError(t, os.WriteFile(bigAgain, bytes.Repeat([]byte("x"), demoMaxSize+1), 0o600))
	text := filepath.Join(dir, "not an image.txt")
	require.NoError(t, os.WriteFile(text, []byte("text, not an image\n"), 0o600))
	textAgain := filepath.Join(dir, "still not an image.txt")
	require.NoError(t, os.WriteFile(textAgain, []byte("text, not an image\n"), 0o600))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1200, 900),
		chromedp.Navigate(page),
		chromedp.WaitVisible(`body[data-ready="true"]`),
	))

	t.Run("good uploads, several at once", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.SetUploadFiles(`#files`, []string{photo, notes})))
		for _, name := range []string{"holiday photo.png", "notes.txt"} {
			got, err := chromedp.Run(ctx, rowResult(name))
			require.NoError(t, err, name)
			assert.Equal(t, "done: Uploaded as "+name+".", got)
		}
		listing, err := chromedp.Run(ctx, chromedp.Poll[string](
			`document.querySelectorAll("#objects tbody tr").length === 2 && document.querySelector("#objects").innerText`))
		require.NoError(t, err)
		assert.Regexp(t, `holiday photo\.png\s+\d+ B\s+image/png`, listing, "name, size and type")
		assert.Regexp(t, `notes\.txt\s+26 B\s+text/plain`, listing)
		// The image's thumbnail is the object itself, loaded from S3.
		width, err := chromedp.Run(ctx, chromedp.Poll[int](
			`(() => { const img = document.querySelector('#objects tr[data-key="holiday photo.png"] img'); return img && img.complete && img.naturalWidth; })()`,
			chromedp.WithPollingTimeout(10*time.Second)))
		require.NoError(t, err, "no thumbnail for the image")
		assert.Equal(t, 16, width)
		noThumb, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#objects tr[data-key="notes.txt"] img').length`))
		require.NoError(t, err)
		assert.Zero(t, noThumb, "a text file has no thumbnail")
	})

	t.Run("drag and drop", func(t *testing.T) {
		// What a drop of a file on the zone hands the page.
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
			const dt = new DataTransfer();
			dt.items.add(new File(["dropped on the page\n"], "dropped.txt", { type: "text/plain" }));
			document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
		})()`))
		require.NoError(t, err)
		got, err := chromedp.Run(ctx, rowResult("dropped.txt"))
		require.NoError(t, err)
		assert.Equal(t, "done: Uploaded as dropped.txt.", got)
		assert.Contains(t, demoObjects(t, page), "dropped.txt")
	})

	t.Run("progress bar", func(t *testing.T) {
		// Uploads slowed to 16 KiB/s, so that the bar moves.
		throttle := func(upload float64) chromedp.Action[chromedp.Void] {
			return func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
				if _, err := cdp.Call(ctx, target, network.Enable, network.EnableParams{}); err != nil {
					return chromedp.Void{}, err
				}
				_, err := cdp.Call(ctx, target, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
					MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: upload}},
				})
				return chromedp.Void{}, err
			}
		}
		slow := filepath.Join(dir, "slow.bin")
		require.NoError(t, os.WriteFile(slow, bytes.Repeat([]byte("s"), 48<<10), 0o600))
		require.NoError(t, chromedp.Do(ctx, throttle(16<<10), chromedp.SetUploadFiles(`#files`, []string{slow})))
		t.Cleanup(func() { _ = chromedp.Do(ctx, throttle(-1)) })
		midway, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
			const li = Array.from(document.querySelectorAll("#queue li")).find((li) => li.dataset.name === "slow.bin");
			const bar = li && li.querySelector("progress");
			return bar && bar.value > 0 && bar.value < 100 && li.querySelector(".status").textContent;
		})()`, chromedp.WithPollingTimeout(10*time.Second)))
		require.NoError(t, err, "the progress bar never stood between 0 and 100")
		assert.Regexp(t, `^Sending… [1-9][0-9]?%$`, midway)
		got, err := chromedp.Run(ctx, rowResult("slow.bin"))
		require.NoError(t, err)
		assert.Equal(t, "done: Uploaded as slow.bin.", got)
		require.NoError(t, chromedp.Do(ctx, throttle(-1)))
	})

	t.Run("too big: refused in the page, and by S3 without the page's check", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.SetUploadFiles(`#files`, []string{big})))
		got, err := chromedp.Run(ctx, rowResult("too big.bin"))
		require.NoError(t, err)
		assert.Equal(t, "refused: Not sent: the file is 65537 bytes, over the 65536 bytes that this form takes."+
			"Checked in the page, before sending: S3 would refuse it. Uncheck “check files in the page” to see S3's own answer.", got)
		assert.NotContains(t, demoObjects(t, page), "too big.bin")

		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(`#check`),
			chromedp.SetUploadFiles(`#files`, []string{bigAgain})))
		got, err = chromedp.Run(ctx, rowResult("too big again.bin"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(got, "refused: S3 refused the file: it is 65537 bytes, over the 65536 bytes that the form allows."), got)
		assert.Contains(t, got, fmt.Sprintf("S3 said 400 EntityTooLarge: Your proposed upload exceeds the maximum allowed size (ProposedSize: %d, MaxSizeAllowed: %d)", demoMaxSize+1, demoMaxSize))
		assert.NotContains(t, demoObjects(t, page), "too big again.bin")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#check`)))
	})

	t.Run("wrong type: refused in the page, and by S3 without the page's check", func(t *testing.T) {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
			`(() => { const s = document.getElementById("type"); s.value = "image/"; s.dispatchEvent(new Event("change")); })()`))
		require.NoError(t, err)
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("policy").textContent.includes('["starts-with", "$Content-Type", "image/"]')`))
		require.NoError(t, err, "the page shows no policy for images")

		require.NoError(t, chromedp.Do(ctx, chromedp.SetUploadFiles(`#files`, []string{text})))
		got, err := chromedp.Run(ctx, rowResult("not an image.txt"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(got, "refused: Not sent: its type is text/plain, and this form takes images only (a type starting with “image/”)."), got)

		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(`#check`),
			chromedp.SetUploadFiles(`#files`, []string{textAgain})))
		got, err = chromedp.Run(ctx, rowResult("still not an image.txt"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(got, "refused: S3 refused the file: its type, text/plain, is not one the form allows (images, a type starting with “image/”)."), got)
		assert.Contains(t, got, `S3 said 403 AccessDenied: Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]`)
		keys := demoObjects(t, page)
		assert.NotContains(t, keys, "not an image.txt")
		assert.NotContains(t, keys, "still not an image.txt")
	})

	t.Run("the signed form is readable and the page loads without errors", func(t *testing.T) {
		// Each field value wraps inside its box, however long.
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#fields td, #policy"))
			.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent.slice(0, 40))`))
		require.NoError(t, err)
		assert.Empty(t, overflow, "these overflow their box")
		// The page's own requests (S3's refusals above are not).
		failed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource")
			.filter((e) => e.name.startsWith(location.origin) && e.responseStatus >= 400).map((e) => e.name + " " + e.responseStatus)`))
		require.NoError(t, err)
		assert.Empty(t, failed)
		icon, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('link[rel="icon"]').href`))
		require.NoError(t, err)
		for _, u := range []string{icon, page + "favicon.ico"} {
			resp, err := http.Get(u)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, u)
		}
	})

	// S3POST_E2E_DEMO_SCREENSHOT=file.png saves what the page looks like
	// now, to look at.
	if shot := os.Getenv("S3POST_E2E_DEMO_SCREENSHOT"); shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(shot, png, 0o600))
	}
}
