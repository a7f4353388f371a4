package s3post

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPostURLCache checks that the cached URL follows every setting it
// depends on, and that errors are not cached.
func TestPostURLCache(t *testing.T) {
	t.Parallel()
	p := &Presigner{Region: "eu-central-1"}
	steps := []struct {
		reason string
		change func(*Presigner)
		bucket string
		want   string
	}{
		{"first URL", func(*Presigner) {}, "photos", "https://photos.s3.eu-central-1.amazonaws.com/"},
		{"the same again", func(*Presigner) {}, "photos", "https://photos.s3.eu-central-1.amazonaws.com/"},
		{"another bucket", func(*Presigner) {}, "videos", "https://videos.s3.eu-central-1.amazonaws.com/"},
		{"another region", func(p *Presigner) { p.Region = "us-west-2" }, "videos", "https://videos.s3.us-west-2.amazonaws.com/"},
		{"path style", func(p *Presigner) { p.AddressingStyle = AddressingPath }, "videos", "https://s3.us-west-2.amazonaws.com/videos"},
		{"FIPS", func(p *Presigner) { p.AddressingStyle, p.UseFIPS = AddressingAuto, true }, "videos", "https://videos.s3-fips.us-west-2.amazonaws.com/"},
		{"dual-stack", func(p *Presigner) { p.UseDualStack = true }, "videos", "https://videos.s3-fips.dualstack.us-west-2.amazonaws.com/"},
		{"accelerate", func(p *Presigner) { p.UseFIPS = false; p.UseAccelerate = true }, "videos", "https://videos.s3-accelerate.dualstack.amazonaws.com/"},
		{"custom endpoint", func(p *Presigner) {
			p.UseAccelerate, p.UseDualStack, p.Endpoint = false, false, "http://127.0.0.1:7070"
		}, "videos", "http://127.0.0.1:7070/videos"},
	}
	for _, step := range steps {
		step.change(p)
		got, err := p.postURL(step.bucket)
		require.NoError(t, err, step.reason)
		assert.Equal(t, step.want, got, step.reason)
	}

	p.AddressingStyle = AddressingVirtual // not with an IP address
	for i := 0; i < 2; i++ {
		_, err := p.postURL("videos")
		require.ErrorIs(t, err, ErrInvalidEndpoint, "an error is not cached, attempt %d", i)
	}
	p.AddressingStyle = AddressingPath
	got, err := p.postURL("videos")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:7070/videos", got)
}
