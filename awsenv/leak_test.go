package awsenv_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// TestCredentialSourcesNeverPrintSecrets checks that no error, String or
// fmt verb of any credential source shows a secret key or session token,
// even when the secret sits where a careless message would quote it.
func TestCredentialSourcesNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	home := credEnv(map[string]string{"HOME": dir})
	secretEnv := credEnv(map[string]string{"AWS_SECRET_ACCESS_KEY": credSecret, "AWS_SESSION_TOKEN": credToken})
	file := func(name, content string) string { return writeCredFile(t, dir, name, &content) }
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	printJSON := func(json string) string { return "printf '%s' '" + json + "'" }
	withSecret := `"AccessKeyId":"` + credKeyID + `","SecretAccessKey":"` + credSecret + `","SessionToken":"` + credToken + `"`

	// Endpoints that answer with secrets where a careless message would
	// quote them: in bodies that are not what was expected, and echoing
	// the token that was sent.
	echo := func(status int, body string) string {
		return newFakeEndpoint(t, false, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}).URL
	}
	imdsWith := func(creds string) awsenv.IMDSProvider {
		return awsenv.IMDSProvider{Endpoint: newFakeEndpoint(t, false, imdsFake{credsBody: &creds}.handler()).URL, Getenv: credEnv(nil), Now: func() time.Time { return now }}
	}
	containerWith := func(status int, body string) awsenv.ContainerProvider {
		return awsenv.ContainerProvider{Now: func() time.Time { return now }, Getenv: credEnv(map[string]string{
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": echo(status, body) + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": credToken})}
	}
	tokenFile := file("web-token", credSecret)
	stsWith := func(status int, body string) awsenv.WebIdentityProvider {
		return awsenv.WebIdentityProvider{TokenFile: tokenFile, RoleARN: webRole, Endpoint: echo(status, body), Getenv: credEnv(nil), Now: func() time.Time { return now }}
	}
	jsonKeys := `{"Code":"Success",` + withSecret + `,"Token":"` + credToken2 + `"`

	failing := []struct {
		name string
		p    s3post.CredentialsProvider
	}{
		{"env: secret without key ID", awsenv.EnvProvider{Getenv: secretEnv}},
		{"files: secret without key ID", awsenv.SharedFilesProvider{Getenv: home,
			CredentialsFile: file("half", "[default]\naws_secret_access_key = "+credSecret+"\naws_session_token = "+credToken+"\n")}},
		{"files: secret on a line of its own", awsenv.SharedFilesProvider{Getenv: home,
			CredentialsFile: file("bad", "[default]\naws_access_key_id = "+credKeyID+"\n"+credSecret+"\n")}},
		{"files: secret as a section name", awsenv.SharedFilesProvider{Getenv: home,
			CredentialsFile: file("section", "["+credSecret+"\n")}},
		{"files: role with keys", awsenv.SharedFilesProvider{Getenv: home,
			CredentialsFile: file("role", "[default]\nrole_arn = x\naws_access_key_id = "+credKeyID+"\naws_secret_access_key = "+credSecret+"\n")}},
		{"files: failing process", awsenv.SharedFilesProvider{Getenv: home,
			ConfigFile: file("proc", "[default]\ncredential_process = echo "+credSecret+"; exit 1 # "+credToken+"\n")}},
		{"process: exit 1 after printing", awsenv.ProcessProvider{Command: printJSON(`{"Version":1,`+withSecret+`}`) + "; exit 1"}},
		{"process: credentials on stderr", awsenv.ProcessProvider{Command: `printf '{"SecretAccessKey":"` + credSecret + `","SessionToken":"` + credToken + `"}' >&2; exit 1`}},
		{"process: not JSON", awsenv.ProcessProvider{Command: "echo " + credSecret}},
		{"process: bad JSON", awsenv.ProcessProvider{Command: printJSON(`{"Version":1,` + withSecret + `,}`)}},
		{"process: wrong types", awsenv.ProcessProvider{Command: printJSON(`{"Version":"` + credSecret + `","SecretAccessKey":["` + credToken + `"]}`)}},
		{"process: Version 2", awsenv.ProcessProvider{Command: printJSON(`{"Version":2,` + withSecret + `}`)}},
		{"process: no key ID", awsenv.ProcessProvider{Command: printJSON(`{"Version":1,"SecretAccessKey":"` + credSecret + `"}`)}},
		{"process: expired", awsenv.ProcessProvider{Now: func() time.Time { return now },
			Command: printJSON(`{"Version":1,` + withSecret + `,"Expiration":"2020-01-01T00:00:00Z"}`)}},
		{"process: bad Expiration", awsenv.ProcessProvider{Command: printJSON(`{"Version":1,` + withSecret + `,"Expiration":"soon"}`)}},
		{"cache: expired", s3post.NewCredentialsCache(s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
			return s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, SessionToken: credToken, Expires: now}, nil
		}), s3post.CredentialsCacheOptions{Now: func() time.Time { return now }})},
		{"imds: HTML", imdsWith("<html>" + credSecret + credToken + "</html>")},
		{"imds: truncated JSON", imdsWith(jsonKeys)},
		{"imds: bad Expiration", imdsWith(jsonKeys + `,"Expiration":"` + credSecret + `"}`)},
		{"imds: error Code", imdsWith(`{"Code":"` + credSecret + `","Message":"` + credToken + `","SecretAccessKey":"` + credSecret + `","Token":"` + credToken + `"}`)},
		{"imds: expired", imdsWith(jsonKeys + `,"Expiration":"2020-01-01T00:00:00Z"}`)},
		{"imds: role list", awsenv.IMDSProvider{Endpoint: newFakeEndpoint(t, false, imdsFake{listBody: credStr(credSecret + "/x")}.handler()).URL, Getenv: credEnv(nil)}},
		{"imds: bad endpoint", awsenv.IMDSProvider{Endpoint: "ftp://x:" + credSecret + "@127.0.0.1/?" + credToken, Getenv: credEnv(nil)}},
		{"container: echoed token", containerWith(500, `{"code":"Denied","message":"bad token `+credToken+`"}`)},
		{"container: HTML", containerWith(200, "<html>"+credSecret+"</html>")},
		{"container: wrong types", containerWith(200, `{"AccessKeyId":["`+credSecret+`"],"SecretAccessKey":1}`)},
		{"container: 401 body", containerWith(401, credSecret)},
		{"container: URL with secrets", awsenv.ContainerProvider{Getenv: credEnv(map[string]string{
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://u:" + credSecret + "@192.0.2.1/?t=" + credToken})}},
		{"container: down, URL with secrets", awsenv.ContainerProvider{Getenv: credEnv(map[string]string{
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": closedURL(t) + "/creds?t=" + credToken})}},
		{"container: token with newline", awsenv.ContainerProvider{Getenv: credEnv(map[string]string{
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": credToken + "\n" + credSecret})}},
		{"sts: echoed token", stsWith(400, stsErr("InvalidIdentityToken", "token "+credSecret+" is bad"))},
		{"sts: echoed in code", stsWith(400, stsErr(credSecret, credSecret))},
		{"sts: HTML", stsWith(503, "<html>"+credSecret+"</html>")},
		{"sts: truncated XML", stsWith(200, stsOK("2026-03-01T18:00:00Z")[:900])},
		{"sts: bad Expiration", stsWith(200, stsOK(credToken))},
		{"sts: expired", stsWith(200, stsOK("2020-01-01T00:00:00Z"))},
		{"sts: http endpoint", awsenv.WebIdentityProvider{TokenFile: tokenFile, RoleARN: webRole, Endpoint: "http://u:" + credSecret + "@sts.example.com", Getenv: credEnv(nil)}},
		{"chain: nothing", awsenv.Chain(awsenv.EnvProvider{Getenv: credEnv(nil)}, awsenv.SharedFilesProvider{Getenv: home})},
		{"chain: broken", awsenv.Chain(awsenv.EnvProvider{Getenv: secretEnv})},
	}
	for _, tc := range failing {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := credRetrieve(t, tc.p, context.Background())
			require.Error(t, err)
			assertNoSecret(t, "error", err.Error())
			assertNoSecret(t, "%+v of error", fmt.Sprintf("%+v", err))
		})
	}

	cached := s3post.NewCredentialsCache(s3post.StaticCredentials(credKeyID, credSecret, credToken), s3post.CredentialsCacheOptions{})
	got, err := credRetrieve(t, cached, context.Background())
	require.NoError(t, err)
	printed := map[string]any{
		"credentials":     got,
		"env provider":    awsenv.EnvProvider{Getenv: secretEnv},
		"files provider":  awsenv.SharedFilesProvider{Profile: "dev", Getenv: secretEnv},
		"process":         awsenv.ProcessProvider{Command: "echo " + credSecret},
		"static":          s3post.StaticCredentials(credKeyID, credSecret, credToken),
		"cache":           cached,
		"chain":           awsenv.Chain(s3post.StaticCredentials(credKeyID, credSecret, credToken), secretHolder{credToken}),
		"cache of chain":  s3post.NewCredentialsCache(awsenv.Chain(secretHolder{credSecret}), s3post.CredentialsCacheOptions{}),
		"default sources": awsenv.DefaultCredentials(),
		"imds":            awsenv.IMDSProvider{Endpoint: "http://u:" + credSecret + "@127.0.0.1"},
		"container":       awsenv.ContainerProvider{Getenv: secretEnv},
		"web identity":    awsenv.WebIdentityProvider{TokenFile: tokenFile, RoleARN: webRole, Getenv: secretEnv},
	}
	for name, v := range printed {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assertNoSecret(t, name+" printed with "+verb, fmt.Sprintf(verb, v))
		}
	}
}
