package awssdk_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awssdk"
)

func Example() {
	ctx := context.Background()
	// A real program gets cfg from config.LoadDefaultConfig(ctx), which reads
	// the environment and the shared files; a fixed aws.Config makes the
	// example the same on every machine.
	cfg := aws.Config{
		Region: "eu-central-1",
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, nil
		})),
	}

	p := &s3post.Presigner{
		Credentials: awssdk.Credentials(cfg.Credentials),
		Region:      cfg.Region,
		Now:         func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) },
	}
	post, err := p.PresignPost(ctx, s3post.PostInput{Bucket: "uploads", Key: "users/42/${filename}"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(post.URL)
	fmt.Println(post.Fields["x-amz-credential"])
	// Output:
	// https://uploads.s3.eu-central-1.amazonaws.com/
	// AKIAIOSFODNN7EXAMPLE/20260301/eu-central-1/s3/aws4_request
}
