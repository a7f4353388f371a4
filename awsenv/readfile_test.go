package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// fileSource is a credentials source that reads a file: the shared
// credentials or config file, or a token file.
type fileSource struct {
	name  string
	limit int64 // the largest file it reads, in bytes
	// fill returns n bytes that the source accepts as its file.
	fill func(n int64) string
	// provider returns the source set to read the file at path.
	provider func(path string) s3post.CredentialsProvider
	// requests counts the requests that reached the source's endpoint.
	requests func() int
}

// fileSources returns every source that reads a file, each with fake
// endpoints that answer with credentials. dir is for the files that the
// sources need besides the one under test.
func fileSources(t *testing.T, dir string) []fileSource {
	t.Helper()
	sts := newFakeEndpoint(t, false, stsFake(200, stsOK("2026-03-01T18:00:00Z"), 0))
	container := newFakeEndpoint(t, false, containerFake(200, "application/json", credentialsJSON(endpointExpires), 0))
	home := credEnv(map[string]string{"HOME": dir})
	none := filepath.Join(dir, "none")
	profile := func(n int64) string {
		keys := "[default]\n" + keysOne + "#"
		return keys + strings.Repeat("x", int(n)-len(keys)-1) + "\n"
	}
	noRequests := func() int { return 0 }
	return []fileSource{
		{
			name: "shared credentials file", limit: 1 << 20, fill: profile, requests: noRequests,
			provider: func(path string) s3post.CredentialsProvider {
				return awsenv.SharedFilesProvider{CredentialsFile: path, ConfigFile: none, Getenv: home}
			},
		},
		{
			name: "shared config file", limit: 1 << 20, fill: profile, requests: noRequests,
			provider: func(path string) s3post.CredentialsProvider {
				return awsenv.SharedFilesProvider{CredentialsFile: none, ConfigFile: path, Getenv: home}
			},
		},
		{
			name: "web identity token file", limit: 64 << 10,
			fill: func(n int64) string { return strings.Repeat("t", 20000) + strings.Repeat("\n", int(n)-20000) },
			provider: func(path string) s3post.CredentialsProvider {
				return awsenv.WebIdentityProvider{TokenFile: path, RoleARN: webRole, Endpoint: sts.URL, Getenv: credEnv(nil), Now: endpointClock}
			},
			requests: func() int { return len(sts.requests()) },
		},
		{
			name: "container authorization token file", limit: 16 << 10,
			fill: func(n int64) string { return strings.Repeat("c", int(n)) },
			provider: func(path string) s3post.CredentialsProvider {
				return awsenv.ContainerProvider{Now: endpointClock, Getenv: credEnv(map[string]string{
					"AWS_CONTAINER_CREDENTIALS_FULL_URI":     container.URL + "/creds",
					"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": path,
				})}
			},
			requests: func() int { return len(container.requests()) },
		},
	}
}

// TestFileSizeLimits checks that every file is read up to a bound: a file
// over it is refused with an error that says so, before any request, and
// a file of exactly the bound is read.
func TestFileSizeLimits(t *testing.T) {
	t.Parallel()
	for _, src := range fileSources(t, t.TempDir()) {
		for _, tc := range []struct {
			name   string
			reason string
			size   int64
			sparse bool // a file of zero bytes, made without writing them
			ok     bool
		}{
			{name: "at the limit", reason: "a file of exactly the limit is read", size: src.limit, ok: true},
			{name: "one byte over", reason: "a file one byte over the limit is refused", size: src.limit + 1, sparse: true},
			{name: "100 MiB", reason: "a huge file is refused, not read whole nor sent", size: 100 << 20, sparse: true},
		} {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), "file")
				if tc.sparse {
					require.NoError(t, os.WriteFile(path, nil, 0o600))
					require.NoError(t, os.Truncate(path, tc.size))
				} else {
					content := src.fill(tc.size)
					require.EqualValues(t, tc.size, len(content))
					require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
				}
				before := src.requests()
				_, err := credRetrieve(t, src.provider(path), context.Background())
				if tc.ok {
					require.NoError(t, err, tc.reason)
					return
				}
				require.Error(t, err, tc.reason)
				assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
				assert.Regexp(t, "^s3post: ", err.Error())
				assert.Contains(t, err.Error(), "read "+path+": is larger than "+sizeText(src.limit), tc.reason)
				assert.Equal(t, before, src.requests(), "no request is sent: %s", tc.reason)
			})
		}
	}
}

// sizeText writes a limit as the errors do.
func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// TestWebIdentityTokenLength checks that a token longer than STS takes
// (20,000 characters, per the AssumeRoleWithWebIdentity API reference) is
// refused before it is sent.
func TestWebIdentityTokenLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		reason string
		token  string
		ok     bool
	}{
		{name: "20000 characters", reason: "the longest token STS takes is sent", token: strings.Repeat("t", 20000), ok: true},
		{name: "20000 characters and white space", reason: "white space around the token does not count", token: "\n " + strings.Repeat("t", 20000) + "\r\n\n", ok: true},
		{name: "20000 characters not ASCII", reason: "the limit is in characters, not bytes", token: strings.Repeat("é", 20000), ok: true},
		{name: "20001 characters", reason: "a token that STS would refuse is not sent", token: strings.Repeat("t", 20001)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sts := newFakeEndpoint(t, false, stsFake(200, stsOK("2026-03-01T18:00:00Z"), 0))
			path := writeCredFile(t, t.TempDir(), "token", &tc.token)
			p := awsenv.WebIdentityProvider{TokenFile: path, RoleARN: webRole, Endpoint: sts.URL, Getenv: credEnv(nil), Now: endpointClock}
			_, err := credRetrieve(t, p, context.Background())
			if tc.ok {
				require.NoError(t, err, tc.reason)
				reqs := sts.requests()
				require.Len(t, reqs, 1)
				assert.True(t, reqs[0].Form.Get("WebIdentityToken") == strings.TrimSpace(tc.token), "the token is sent whole")
				return
			}
			require.Error(t, err, tc.reason)
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
			assert.Contains(t, err.Error(), "s3post: web identity: the token in "+path+" has 20001 characters; STS takes at most 20000", tc.reason)
			assert.Empty(t, sts.requests(), "no request is sent: %s", tc.reason)
		})
	}
}
