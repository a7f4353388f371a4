package s3post

import (
	"context"
	"fmt"
	"os"
)

// NewPresignerFromEnv returns a Presigner configured as the AWS SDKs
// configure themselves, for a backend that runs on AWS or has a shared
// config profile:
//
//	p, err := s3post.NewPresignerFromEnv(ctx)
//
// Its Credentials are [DefaultCredentials]. Its Region is the value of
// AWS_REGION, or else AWS_DEFAULT_REGION, or else the region of the shared
// config profile (AWS_PROFILE, else "default"; see [SharedFilesProvider]).
// The other fields are left at their defaults; set them on the result
// before its first use.
//
// Only the environment and, when neither variable is set, the shared files
// are read here; no network call is made. The credentials are fetched on
// the first PresignPost, so a missing or broken credentials source shows
// there. NewPresignerFromEnv fails when no region is found, with an
// [*InputError] wrapping [ErrInvalidRegion], when a shared file cannot be
// read or parsed, or when ctx is done.
func NewPresignerFromEnv(ctx context.Context) (*Presigner, error) {
	return newPresignerFromEnv(ctx, os.Getenv)
}

// newPresignerFromEnv is NewPresignerFromEnv with getenv injected.
func newPresignerFromEnv(ctx context.Context, getenv func(string) string) (*Presigner, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("s3post: presigner from the environment: %w", err)
	}
	region, err := envRegion(getenv)
	if err != nil {
		return nil, err
	}
	return &Presigner{Credentials: newDefaultCredentials(getenv), Region: region}, nil
}

// envRegion finds the region as the AWS SDKs do.
func envRegion(getenv func(string) string) (string, error) {
	if r := firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")); r != "" {
		return r, nil
	}
	files := SharedFilesProvider{Getenv: getenv}
	r, err := files.Region()
	if err != nil {
		return "", prefixError("presigner from the environment: looking for a region", err)
	}
	if r == "" {
		return "", inputError(ErrInvalidRegion, "AWS_REGION",
			"no region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the shared config profile), e.g. to \"eu-central-1\"")
	}
	return r, nil
}
