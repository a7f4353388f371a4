package s3post

import (
	"net/url"
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

// TestCustomEndpointEdges checks endpoints that url.Parse accepts but that
// no server listens on or that must be written back escaped.
func TestCustomEndpointEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason, endpoint string
		want             string // the URL, or "" for ErrInvalidEndpoint
		msg              string // a part of the message
	}{
		{"the lowest port", "http://127.0.0.1:1", "http://127.0.0.1:1/photos", ""},
		{"the highest port", "http://127.0.0.1:65535", "http://127.0.0.1:65535/photos", ""},
		{"port 0", "http://127.0.0.1:0", "", `the port "0" is not a number from 1 to 65535`},
		{"a port over 65535", "http://127.0.0.1:99999", "", `the port "99999" is not a number from 1 to 65535`},
		{"a port just over 65535", "http://[::1]:65536", "", `the port "65536"`},
		{"a port of many zeros", "http://host:00000", "", `the port "00000"`},
		{"a port too long for an int", "http://host:99999999999999999999999", "", "is not a number from 1 to 65535"},
		{"an IPv6 zone stays escaped", "http://[fe80::1%25eth0]:9000", "http://[fe80::1%25eth0]:9000/photos", ""},
		{"an IPv6 zone with a base path", "http://[fe80::1%25en0]/base/", "http://[fe80::1%25en0]/base/photos", ""},
		{"IPv6 without a zone", "http://[::1]:9000", "http://[::1]:9000/photos", ""},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			p := &Presigner{Region: "us-east-1", Endpoint: tc.endpoint}
			got, err := p.postURL("photos")
			if tc.want == "" {
				require.ErrorIs(t, err, ErrInvalidEndpoint)
				assert.Contains(t, err.Error(), tc.msg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			u, err := url.Parse(got)
			require.NoError(t, err, "the URL parses back")
			base, err := url.Parse(tc.endpoint)
			require.NoError(t, err)
			assert.Equal(t, base.Host, u.Host, "the URL has the endpoint's host")
		})
	}
}
