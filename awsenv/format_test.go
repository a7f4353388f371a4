package awsenv_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// printable is a provider that prints itself.
type printable interface {
	s3post.CredentialsProvider
	fmt.Stringer
	fmt.GoStringer
}

// formatVerbs are the verbs and flags that a program may print a provider
// with; each must print String, or GoString for %#v, and never a field.
// Not here: %p of a value and %w, which fmt reports as bad verbs by
// printing the fields, whatever methods the value has (go vet flags both).
var formatVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%o", "%O", "%b", "%e", "%E", "%f", "%F", "%g", "%G",
	"%t", "%U", "%c", "%-40.3d", "%+#08x", "% x", "%#q", "%[1]d", "%10s",
}

func TestProvidersFormatWithoutFields(t *testing.T) {
	t.Parallel()
	secretEnv := credEnv(map[string]string{
		"AWS_SECRET_ACCESS_KEY": credSecret, "AWS_SESSION_TOKEN": credToken, "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken,
	})
	now := func() time.Time { return endpointNow }
	client := &http.Client{Timeout: time.Second}
	providers := map[string]printable{
		"env": awsenv.EnvProvider{Getenv: secretEnv},
		"files": awsenv.SharedFilesProvider{Profile: "dev", CredentialsFile: "/creds/" + credSecret, ConfigFile: "/config/" + credToken,
			Getenv: secretEnv, ProcessTimeout: time.Second, Now: now},
		"process": awsenv.ProcessProvider{Command: "get --secret " + credSecret + " --token " + credToken, Timeout: time.Second, Now: now},
		"web identity": awsenv.WebIdentityProvider{TokenFile: "/run/" + webToken, RoleARN: webRole, RoleSessionName: credToken, Region: "eu-west-1",
			Endpoint: "https://u:" + credSecret + "@sts.example.com/?t=" + credToken, Duration: time.Hour, Timeout: time.Second,
			HTTPClient: client, Getenv: secretEnv, Now: now},
		"container": awsenv.ContainerProvider{Timeout: time.Second, HTTPClient: client, Getenv: secretEnv, Now: now},
		"imds": awsenv.IMDSProvider{Endpoint: "http://u:" + credSecret + "@127.0.0.1/?t=" + credToken, Timeout: time.Second,
			HTTPClient: client, Getenv: secretEnv, Now: now},
	}
	providers["chain"] = awsenv.Chain(providers["process"], providers["web identity"], providers["imds"]).(printable)
	providers["chain of one"] = awsenv.Chain(awsenv.ProcessProvider{Command: "echo " + credSecret}).(printable)

	for name, p := range providers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ptr := reflect.New(reflect.TypeOf(p)) // a *T for the provider's type T
			ptr.Elem().Set(reflect.ValueOf(p))
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s printed %q, want %q", what, safeText(t, what, got), want)
				}
			}
			for _, verb := range formatVerbs {
				want := p.String()
				if verb == "%#v" {
					want = p.GoString()
				}
				check(verb, fmt.Sprintf(verb, p), want)
				check(verb+" of a pointer", fmt.Sprintf(verb, ptr.Interface()), want)
			}
			// Inside other values, a provider is still printed by Format.
			check("%d in a slice", fmt.Sprintf("%d", []any{p}), "["+p.String()+"]")
			check("%x in a struct", fmt.Sprintf("%x", struct{ P any }{p}), "{"+p.String()+"}")
			assertNoSecret(t, "%p of a pointer", fmt.Sprintf("%p", ptr.Interface()))

			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("provider", "p", p)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("provider", "p", p)
			assertNoSecret(t, "slog text", text.String())
			assertNoSecret(t, "slog JSON", js.String())
		})
	}
}
