package bench

import (
	"context"

	"github.com/s3post/s3post"
)

// newS3post presigns the form with s3post's PresignPost.
func newS3post(k keys) (presignFunc, error) {
	p := &s3post.Presigner{
		Credentials: s3post.StaticCredentials(k.accessKeyID, k.secretAccessKey, k.sessionToken),
		Region:      region,
	}
	in := s3post.PostInput{
		Bucket:  bucket,
		Key:     key,
		Fields:  formFields,
		Expires: expiry,
		Conditions: []s3post.Condition{
			s3post.ContentLengthRange(minSize, maxSize),
			s3post.StartsWith("Content-Type", contentTypePrefix),
		},
	}
	return func(ctx context.Context) (form, error) {
		post, err := p.PresignPost(ctx, in)
		if err != nil {
			return form{}, err
		}
		return form{url: post.URL, fields: post.Fields}, nil
	}, nil
}
