package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws an upload's progress bar on a terminal, redrawn in place
// at most ten times a second. Its methods are safe for concurrent use: the
// HTTP transport reads the body on a goroutine of its own.
type progress struct {
	mu    sync.Mutex // guards the fields below and writes to w
	w     io.Writer
	name  string
	total int64
	done  int64
	start time.Time
	drawn time.Time // when the bar was last drawn
	ended bool
}

func newProgress(w io.Writer, name string, total int64) *progress {
	return &progress{w: w, name: name, total: total, start: time.Now()}
}

// add counts n more bytes sent and redraws the bar when it is due.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(n)
	now := time.Now()
	if p.ended || now.Sub(p.drawn) < 100*time.Millisecond && p.done < p.total {
		return
	}
	p.drawn = now
	fmt.Fprint(p.w, "\r"+p.line(now))
}

// finish draws the bar a last time and ends its line. It may be called on
// a nil *progress, and more than once.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.ended = true
	fmt.Fprint(p.w, "\r"+p.line(time.Now())+"\n")
}

const barWidth = 24

// line renders the bar at now, as in
// "photo.jpg  42% [==========>             ] 4.2 MiB / 10.0 MiB  1.3 MiB/s".
func (p *progress) line(now time.Time) string {
	done := min(p.done, p.total)
	frac := 1.0
	if p.total > 0 {
		frac = float64(done) / float64(p.total)
	}
	filled := int(frac * barWidth)
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	name := []rune(p.name)
	if len(name) > 20 {
		name = append(name[:19], '…')
	}
	rate := ""
	if secs := now.Sub(p.start).Seconds(); secs > 0 {
		rate = "  " + formatSize(int64(float64(done)/secs)) + "/s"
	}
	return fmt.Sprintf("%-20s %3d%% [%s] %s / %s%s\x1b[K",
		string(name), int(frac*100), bar, formatSize(done), formatSize(p.total), rate)
}

// progressReader counts the bytes read from r on p.
type progressReader struct {
	r io.Reader
	p *progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.p.add(n)
	}
	return n, err
}
