package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// sourceJSON is the credentials JSON of a metadata or container endpoint
// with the access key ID id, valid for years: the default chain reads the
// real clock.
func sourceJSON(id string) string {
	return `{"Code":"Success","AccessKeyId":"` + id + `","SecretAccessKey":"` + credSecret2 + `","Token":"` + credToken2 + `","Expiration":"2099-01-01T00:00:00Z"}`
}

func TestDefaultChainPicksTheSource(t *testing.T) {
	t.Parallel()
	const (
		fromEnv, fromFiles           = credKeyID, credKeyID2
		fromSTS, fromContainer, imds = "ASIAWEBIDENTITYEXAMPLE", "ASIACONTAINEREXAMPLE", "ASIAINSTANCEEXAMPLE"
	)
	type sources struct{ env, webIdentity, files, container, imds bool }
	tests := []struct {
		name    string
		reason  string
		have    sources
		broken  string // a source that is configured but broken: "webIdentity", "container", "imdsDown"
		wantKey string
		wantErr error
		errHas  []string
		asked   []string // the endpoints that get a request
	}{
		{name: "environment", reason: "environment variables win over everything", have: sources{true, true, true, true, true}, wantKey: fromEnv},
		{name: "web identity", reason: "a web identity token file comes next", have: sources{false, true, true, true, true}, wantKey: fromSTS, asked: []string{"sts"}},
		{name: "shared files", reason: "then the shared files", have: sources{false, false, true, true, true}, wantKey: fromFiles},
		{name: "container", reason: "then the container endpoint", have: sources{false, false, false, true, true}, wantKey: fromContainer, asked: []string{"container"}},
		{name: "instance metadata", reason: "and last the EC2 instance metadata", have: sources{imds: true}, wantKey: imds, asked: []string{"imds"}},
		{
			name: "nothing, not on EC2", reason: "no source anywhere: the error says what was tried",
			broken: "imdsDown", wantErr: s3post.ErrNoCredentials,
			errHas: []string{"s3post: credentials chain: no credentials found in any source: environment: ", "; web identity: ", "; shared files: ",
				"; container credentials: ", "; EC2 instance metadata: no credentials found: PUT http://127.0.0.1:"},
		},
		{
			name: "broken web identity", reason: "a configured source that fails stops the chain",
			have: sources{files: true, container: true, imds: true}, broken: "webIdentity",
			wantErr: os.ErrNotExist, errHas: []string{"s3post: web identity: reading the web identity token file"},
		},
		{
			name: "broken container", reason: "the instance metadata is not asked when the container source is broken",
			have: sources{imds: true}, broken: "container",
			wantErr: errStopsChain, errHas: []string{"s3post: container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI: it has host"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sts := newFakeEndpoint(t, false, stsFake(200, replaceKey(stsOK("2099-01-01T00:00:00Z"), fromSTS), 0))
			container := newFakeEndpoint(t, false, containerFake(200, "application/json", sourceJSON(fromContainer), 0))
			metadata := newFakeEndpoint(t, false, imdsFake{credsBody: credStr(sourceJSON(imds))}.handler())
			dir := t.TempDir()
			env := map[string]string{"HOME": dir, "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.URL}
			if tc.have.env {
				env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = credKeyID, credSecret
			}
			if tc.have.webIdentity || tc.broken == "webIdentity" {
				env["AWS_WEB_IDENTITY_TOKEN_FILE"] = writeCredFile(t, dir, "token", credStr(webToken))
				env["AWS_ROLE_ARN"], env["AWS_ENDPOINT_URL_STS"] = webRole, sts.URL
				if tc.broken == "webIdentity" {
					env["AWS_WEB_IDENTITY_TOKEN_FILE"] += ".gone"
				}
			}
			if tc.have.files {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, ".aws"), 0o700))
				writeCredFile(t, filepath.Join(dir, ".aws"), "credentials", credStr("[default]\n"+keysTwo))
			}
			if tc.have.container {
				env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.URL + "/v1/credentials"
			}
			if tc.broken == "container" {
				env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.1/v1/credentials"
			}
			switch {
			case tc.broken == "imdsDown":
				env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closedURL(t)
			case !tc.have.imds:
				env["AWS_EC2_METADATA_DISABLED"] = "true"
			}

			got, err := credRetrieve(t, awsenv.DefaultChainForTest(credEnv(env)), context.Background())
			asked := []string{}
			for name, f := range map[string]*fakeEndpoint{"sts": sts, "container": container, "imds": metadata} {
				if len(f.requests()) > 0 {
					asked = append(asked, name)
				}
			}
			assert.ElementsMatch(t, tc.asked, asked, "endpoints asked: %s", tc.reason)
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assert.Equal(t, tc.wantKey, got.AccessKeyID, tc.reason)
				return
			}
			require.Error(t, err, tc.reason)
			if tc.wantErr == errStopsChain {
				assert.False(t, errors.Is(err, s3post.ErrNoCredentials), tc.reason)
			} else {
				assert.ErrorIs(t, err, tc.wantErr, tc.reason)
			}
			for _, piece := range tc.errHas {
				assert.Contains(t, err.Error(), piece, tc.reason)
			}
		})
	}
}

// replaceKey puts id in place of the test access key ID.
func replaceKey(s, id string) string { return expandVars(s, map[string]string{credKeyID: id}) }

func TestNewPresignerRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reason     string
		env        map[string]string
		config     *string
		wantRegion string
		wantErr    error // nil for success; errStopsChain for any error
		errHas     string
	}{
		{name: "AWS_REGION", reason: "AWS_REGION wins", env: map[string]string{"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-east-1"},
			config: credStr("[default]\nregion = ap-south-1\n"), wantRegion: "eu-central-1"},
		{name: "AWS_DEFAULT_REGION", reason: "then AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "us-east-1"},
			config: credStr("[default]\nregion = ap-south-1\n"), wantRegion: "us-east-1"},
		{name: "profile", reason: "then the profile's region", env: map[string]string{"AWS_PROFILE": "uploads"},
			config: credStr("[default]\nregion = ap-south-1\n[profile uploads]\nregion = eu-west-3\n"), wantRegion: "eu-west-3"},
		{name: "default profile", reason: "the default profile", config: credStr("[default]\nregion = ap-south-1\n"), wantRegion: "ap-south-1"},
		{name: "no region", reason: "no region is an InputError", config: credStr("[default]\noutput = json\n"),
			wantErr: s3post.ErrInvalidRegion, errHas: "s3post: AWS_REGION: no region: set AWS_REGION"},
		{name: "no files", reason: "no files, no region", wantErr: s3post.ErrInvalidRegion, errHas: "no region"},
		{name: "missing profile", reason: "a profile asked for by name must exist", env: map[string]string{"AWS_PROFILE": "gone"},
			config: credStr("[default]\nregion = ap-south-1\n"), wantErr: errStopsChain, errHas: `s3post: looking for a region: profile "gone" not found`},
		{name: "malformed config", reason: "a broken config file is reported", config: credStr("[default\nregion = x\n"),
			wantErr: errStopsChain, errHas: "config: line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": writeCredFile(t, dir, "config", tc.config), "AWS_EC2_METADATA_DISABLED": "true"}
			for k, v := range tc.env {
				env[k] = v
			}
			p, err := awsenv.NewPresignerForTest(context.Background(), credEnv(env))
			region, regionErr := awsenv.RegionForTest(credEnv(env))
			if err == nil {
				assert.Equal(t, p.Region, region, "Region finds the region that NewPresigner uses")
			} else if assert.Error(t, regionErr, "Region fails where NewPresigner does") {
				assert.Equal(t, err.Error(), regionErr.Error())
			}
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assert.Equal(t, tc.wantRegion, p.Region, tc.reason)
				assert.Equal(t, "CredentialsCache(Chain(EnvProvider, WebIdentityProvider, SharedFilesProvider, ContainerProvider, IMDSProvider))",
					fmt.Sprint(p.Credentials))
				return
			}
			require.Error(t, err, tc.reason)
			assert.Nil(t, p)
			if tc.wantErr != errStopsChain {
				assert.ErrorIs(t, err, tc.wantErr, tc.reason)
				var inErr *s3post.InputError
				assert.ErrorAs(t, err, &inErr, tc.reason)
			}
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
		})
	}
}

func TestNewPresignerUnreadableConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := awsenv.NewPresignerForTest(context.Background(), credEnv(map[string]string{"HOME": dir, "AWS_CONFIG_FILE": dir}))
	require.Error(t, err, "a config file that cannot be read is reported")
	assert.Contains(t, err.Error(), "s3post: looking for a region: shared files: read "+dir)
}

func TestNewPresignerCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := awsenv.NewPresignerForTest(ctx, credEnv(map[string]string{"AWS_REGION": "eu-west-1"}))
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewPresignerIsLazy(t *testing.T) {
	t.Parallel()
	// The cache and the provider use the real clock here, as in production.
	metadata := newFakeEndpoint(t, false, imdsFake{credsBody: credStr(credentialsJSON(time.Now().Add(6 * time.Hour)))}.handler())
	dir := t.TempDir()
	env := credEnv(map[string]string{"HOME": dir, "AWS_REGION": "eu-central-1", "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.URL})

	p, err := awsenv.NewPresignerForTest(context.Background(), env)
	require.NoError(t, err)
	assert.Empty(t, metadata.requests(), "no credentials are fetched at construction")

	in := s3post.PostInput{Bucket: "uploads", Key: "users/42/${filename}", Expires: 10 * time.Minute}
	post, err := p.PresignPost(context.Background(), in)
	require.NoError(t, err)
	assert.Len(t, metadata.requests(), 3, "the first form fetches the credentials")
	assert.Regexp(t, "^"+credKeyID+"/[0-9]{8}/eu-central-1/s3/aws4_request$", post.Fields["x-amz-credential"])
	assert.True(t, post.Fields["x-amz-security-token"] == credToken, "the session token is in the form")
	assert.Equal(t, "https://uploads.s3.eu-central-1.amazonaws.com/", post.URL)

	_, err = p.PresignPost(context.Background(), in)
	require.NoError(t, err)
	assert.Len(t, metadata.requests(), 3, "later forms use the cached credentials")
}
