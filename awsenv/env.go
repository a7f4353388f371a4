package awsenv

import (
	"context"
	"fmt"

	"github.com/s3post/s3post"
)

// EnvProvider reads credentials from the environment variables that the AWS
// CLI and SDKs use:
//
//   - AWS_ACCESS_KEY_ID, or else AWS_ACCESS_KEY
//   - AWS_SECRET_ACCESS_KEY, or else AWS_SECRET_KEY
//   - AWS_SESSION_TOKEN (optional)
//
// Retrieve returns an error wrapping [s3post.ErrNoCredentials] when neither key is
// set, and one wrapping [s3post.ErrMissingCredentials] that names the missing
// variable when only one of them is. The variables are read on every call.
// The zero value is ready to use, and Retrieve is safe for concurrent use.
type EnvProvider struct {
	// Getenv looks up an environment variable. Optional; the default, nil,
	// means os.Getenv.
	Getenv func(key string) string
}

// Retrieve reads the credentials from the environment.
func (p EnvProvider) Retrieve(context.Context) (s3post.Credentials, error) {
	getenv := orGetenv(p.Getenv)
	idVar, id := firstEnv(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secretVar, secret := firstEnv(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	switch {
	case id == "" && secret == "":
		return s3post.Credentials{}, fmt.Errorf("s3post: environment: %w: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", s3post.ErrNoCredentials)
	case secret == "":
		return s3post.Credentials{}, fmt.Errorf("s3post: environment: %w: %s is set but AWS_SECRET_ACCESS_KEY is not", s3post.ErrMissingCredentials, idVar)
	case id == "":
		return s3post.Credentials{}, fmt.Errorf("s3post: environment: %w: %s is set but AWS_ACCESS_KEY_ID is not", s3post.ErrMissingCredentials, secretVar)
	}
	return s3post.Credentials{
		AccessKeyID:     id,
		SecretAccessKey: secret,
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
	}, nil
}

// String returns "EnvProvider".
func (EnvProvider) String() string { return "EnvProvider" }

// GoString returns "awsenv.EnvProvider".
func (EnvProvider) GoString() string { return "awsenv.EnvProvider" }

// firstEnv returns the first of the variables that is set and its value, or
// the first name and "" when none is.
func firstEnv(getenv func(string) string, names ...string) (name, value string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return n, v
		}
	}
	return names[0], ""
}
