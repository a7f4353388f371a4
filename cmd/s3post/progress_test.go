package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{name: "photo.jpg", total: 10 << 20, start: start}
	assert.Equal(t, "photo.jpg              0% [>                       ] 0 B / 10.0 MiB\x1b[K", p.line(start))
	p.done = 4 << 20
	assert.Equal(t, "photo.jpg             40% [=========>              ] 4.0 MiB / 10.0 MiB  2.0 MiB/s\x1b[K", p.line(start.Add(2*time.Second)))
	p.done = 10 << 20
	assert.Equal(t, "photo.jpg            100% [========================] 10.0 MiB / 10.0 MiB  5.0 MiB/s\x1b[K", p.line(start.Add(2*time.Second)))

	p.name = "a-very-long-file-name-that-goes-on.tar.gz"
	assert.True(t, strings.HasPrefix(p.line(start.Add(time.Second)), "a-very-long-file-na… 100%"), p.line(start))
}

func TestProgressReader(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newProgress(&out, "f", 3000)
	n, err := io.Copy(io.Discard, &progressReader{r: strings.NewReader(strings.Repeat("x", 3000)), p: p})
	require.NoError(t, err)
	assert.Equal(t, int64(3000), n)
	p.finish()
	p.finish()
	text := out.String()
	assert.True(t, strings.HasPrefix(text, "\r"))
	assert.True(t, strings.HasSuffix(text, "\n"))
	assert.Equal(t, 1, strings.Count(text, "\n"), "finish ends the line once")
	assert.Contains(t, text, "100% [========================] 2.9 KiB / 2.9 KiB")

	var none *progress
	none.finish() // no bar: nothing to do, no panic
}
