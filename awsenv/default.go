package awsenv

import (
	"context"
	"fmt"
	"os"

	"github.com/s3post/s3post"
)

// NewPresigner returns an [s3post.Presigner] configured as the AWS SDKs
// configure themselves, for a backend that runs on AWS or has a shared
// config profile:
//
//	p, err := awsenv.NewPresigner(ctx)
//
// Its Credentials are [DefaultCredentials] and its Region is what [Region]
// finds. The other fields are left at their defaults; set them on the
// result before its first use.
//
// Only the environment and, when no region variable is set, the shared
// config file are read here; no network call is made. The credentials are
// fetched on the first PresignPost, so a missing or broken credentials
// source shows there. NewPresigner fails as [Region] does, or when ctx is
// done.
func NewPresigner(ctx context.Context) (*s3post.Presigner, error) {
	return newPresigner(ctx, os.Getenv)
}

// newPresigner is NewPresigner with getenv injected.
func newPresigner(ctx context.Context, getenv func(string) string) (*s3post.Presigner, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("s3post: presigner from the environment: %w", err)
	}
	region, err := envRegion(getenv)
	if err != nil {
		return nil, err
	}
	return &s3post.Presigner{Credentials: newDefaultCredentials(getenv), Region: region}, nil
}

// Region returns the region that the AWS SDKs would use: the value of
// AWS_REGION, or else AWS_DEFAULT_REGION, or else the region of the shared
// config profile (AWS_PROFILE, else "default"; see [SharedFilesProvider]).
//
// It fails with an [*s3post.InputError] wrapping [s3post.ErrInvalidRegion]
// when none of them is set, and when the shared config file cannot be read
// or parsed.
func Region() (string, error) {
	return envRegion(os.Getenv)
}

// envRegion finds the region as the AWS SDKs do.
func envRegion(getenv func(string) string) (string, error) {
	if r := firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")); r != "" {
		return r, nil
	}
	files := SharedFilesProvider{Getenv: getenv}
	r, err := files.Region()
	if err != nil {
		return "", prefixError("looking for a region", err)
	}
	if r == "" {
		return "", inputError(s3post.ErrInvalidRegion, "AWS_REGION",
			"no region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the shared config profile), e.g. to \"eu-central-1\"")
	}
	return r, nil
}
