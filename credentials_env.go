package s3post

import (
	"context"
	"fmt"
)

// EnvProvider reads credentials from the environment variables that the AWS
// CLI and SDKs use:
//
//   - AWS_ACCESS_KEY_ID, or else AWS_ACCESS_KEY
//   - AWS_SECRET_ACCESS_KEY, or else AWS_SECRET_KEY
//   - AWS_SESSION_TOKEN (optional)
//
// Retrieve returns an error wrapping [ErrNoCredentials] when neither key is
// set, and one wrapping [ErrMissingCredentials] that names the missing
// variable when only one of them is. The variables are read on every call.
// The zero value is ready to use, and Retrieve is safe for concurrent use.
type EnvProvider struct {
	// Getenv looks up an environment variable. Optional; the default, nil,
	// means os.Getenv.
	Getenv func(key string) string
}

// Retrieve reads the credentials from the environment.
func (p EnvProvider) Retrieve(context.Context) (Credentials, error) {
	getenv := orGetenv(p.Getenv)
	idVar, id := firstEnv(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secretVar, secret := firstEnv(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	switch {
	case id == "" && secret == "":
		return Credentials{}, fmt.Errorf("s3post: environment: %w: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", ErrNoCredentials)
	case secret == "":
		return Credentials{}, fmt.Errorf("s3post: environment: %w: %s is set but AWS_SECRET_ACCESS_KEY is not", ErrMissingCredentials, idVar)
	case id == "":
		return Credentials{}, fmt.Errorf("s3post: environment: %w: %s is set but AWS_ACCESS_KEY_ID is not", ErrMissingCredentials, secretVar)
	}
	return Credentials{
		AccessKeyID:     id,
		SecretAccessKey: secret,
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
	}, nil
}

// String returns "EnvProvider".
func (EnvProvider) String() string { return "EnvProvider" }

// GoString returns "s3post.EnvProvider".
func (EnvProvider) GoString() string { return "s3post.EnvProvider" }

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
