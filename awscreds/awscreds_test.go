package awscreds_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awscreds"
)

const (
	keyID  = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	token  = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
)

func TestNew(t *testing.T) {
	t.Parallel()
	expires := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	errDown := errors.New("imds down")
	tests := []struct {
		name    string
		reason  string
		p       aws.CredentialsProvider
		want    s3post.Credentials
		wantErr error // nil for success
		errHas  string
	}{
		{
			name:   "expiring",
			reason: "keys, token and expiry are carried across",
			p: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: expires}, nil
			}),
			want: s3post.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, Expires: expires},
		},
		{
			name:   "not expiring",
			reason: "an Expires without CanExpire is not an expiry",
			p: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, Expires: expires}, nil
			}),
			want: s3post.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		},
		{
			name:   "static",
			reason: "the SDK's static provider",
			p:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
			want:   s3post.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		},
		{
			name:   "SDK error",
			reason: "the SDK's error is wrapped",
			p: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errDown
			}),
			wantErr: errDown,
			errHas:  "s3post: aws-sdk-go-v2 credentials: imds down",
		},
		{
			name:   "empty keys",
			reason: "credentials without keys cannot sign",
			p: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{SessionToken: token}, nil
			}),
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "empty access key ID or secret",
		},
		{
			name:    "nil",
			reason:  "a nil provider is reported",
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "the aws.CredentialsProvider is nil",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := awscreds.New(tc.p).Retrieve(context.Background())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(fmt.Sprint(err), tc.errHas) {
					t.Fatalf("%s: got error %v, want one wrapping %v and containing %q", tc.reason, err, tc.wantErr, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if got.AccessKeyID != tc.want.AccessKeyID || got.SecretAccessKey != tc.want.SecretAccessKey ||
				got.SessionToken != tc.want.SessionToken || !got.Expires.Equal(tc.want.Expires) {
				t.Errorf("%s: got %v, want %v (secrets not shown)", tc.reason, got, tc.want)
			}
		})
	}
}

func TestNewRefusesFormsThatOutliveTheCredentials(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sdk := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: now.Add(30 * time.Minute)}, nil
	})
	p := &s3post.Presigner{Credentials: awscreds.New(sdk), Region: "eu-central-1", Now: func() time.Time { return now }}
	_, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "a", Expires: time.Hour})
	if !errors.Is(err, s3post.ErrCredentialsExpired) {
		t.Fatalf("a form longer than the SDK credentials: got %v, want ErrCredentialsExpired", err)
	}
	if _, err := p.PresignPost(context.Background(), s3post.PostInput{Bucket: "uploads", Key: "a", Expires: 20 * time.Minute}); err != nil {
		t.Fatalf("a shorter form: %v", err)
	}
}

func TestNewPrintsNoSecret(t *testing.T) {
	t.Parallel()
	p := awscreds.New(credentials.NewStaticCredentialsProvider(keyID, secret, token))
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
		if strings.Contains(s, secret) || strings.Contains(s, token) {
			t.Errorf("printing the provider shows a secret")
		}
		if s != "awscreds.New(credentials.StaticCredentialsProvider)" {
			t.Errorf("got %q", s)
		}
	}
}

func TestNewWithLoadDefaultConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config")
	if err := os.WriteFile(configFile, []byte("[profile s3post-test]\nregion = eu-west-3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	calls := 0
	ctx := context.Background()
	// The shared files and profile are given, so that the machine's do not
	// matter.
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithSharedConfigProfile("s3post-test"),
		config.WithSharedConfigFiles([]string{configFile}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithRegion("eu-west-3"),
		config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			calls++
			return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: expires}, nil
		})),
	)
	if err != nil {
		t.Fatal(err)
	}
	p := &s3post.Presigner{Credentials: awscreds.New(cfg.Credentials), Region: cfg.Region}
	for range 3 {
		post, err := p.PresignPost(ctx, s3post.PostInput{Bucket: "uploads", Key: "k", Expires: 30 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if post.Fields["x-amz-security-token"] != token {
			t.Error("the session token is not in the form")
		}
	}
	if calls != 1 {
		t.Errorf("the SDK's cache fetched %d times, want 1", calls)
	}
	got, err := awscreds.New(cfg.Credentials).Retrieve(ctx)
	if err != nil || !got.Expires.Equal(expires) {
		t.Errorf("expiry across the SDK's cache: got %v, %v; want %v", got.Expires, err, expires)
	}
}
