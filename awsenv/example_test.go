package awsenv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

func ExampleChain() {
	// Getenv stands in for os.Getenv here.
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	}
	creds := awsenv.Chain(
		awsenv.EnvProvider{Getenv: func(k string) string { return env[k] }},
		awsenv.SharedFilesProvider{Profile: "uploads"},
	)
	c, err := creds.Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	// Output:
	// Credentials{AccessKeyID: AKIAIOSFODNN7EXAMPLE, SecretAccessKey: [redacted]}
}

func ExampleSharedFilesProvider() {
	dir, err := os.MkdirTemp("", "s3post-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	config := filepath.Join(dir, "config")
	err = os.WriteFile(config, []byte(`
[profile uploads]
region = eu-west-1
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
`), 0o600)
	if err != nil {
		fmt.Println(err)
		return
	}

	p := awsenv.SharedFilesProvider{
		Profile:         "uploads",
		CredentialsFile: filepath.Join(dir, "credentials"), // does not exist
		ConfigFile:      config,
	}
	c, err := p.Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	region, err := p.Region()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	fmt.Println(region)

	p.Profile = "default"
	_, err = p.Retrieve(context.Background())
	fmt.Println(errors.Is(err, s3post.ErrNoCredentials))
	// Output:
	// Credentials{AccessKeyID: AKIAIOSFODNN7EXAMPLE, SecretAccessKey: [redacted]}
	// eu-west-1
	// true
}

func ExampleNewCredentialsCache() {
	calls := 0
	slow := s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
		calls++ // an expensive call to a credentials service
		return s3post.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "secret"}, nil
	})
	cache := s3post.NewCredentialsCache(slow, s3post.CredentialsCacheOptions{})
	for range 3 {
		if _, err := cache.Retrieve(context.Background()); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("calls:", calls)
	// Output:
	// calls: 1
}
