package bench

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// newAWSSDK presigns the form with aws-sdk-go-v2's
// PresignClient.PresignPostObject: static credentials, an explicit region,
// and an HTTP client that fails any request (awsRequests counts them).
//
// The SDK signs only the fields it sets itself (key, x-amz-*, policy), so
// the policy gets the form's other fields as extra conditions, and they are
// added to the returned fields.
func newAWSSDK(k keys) (presignFunc, error) {
	client := s3.New(s3.Options{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(k.accessKeyID, k.secretAccessKey, k.sessionToken),
		HTTPClient:  failingHTTPClient{},
	})
	presigner := s3.NewPresignClient(client)
	input := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	withOptions := func(o *s3.PresignPostOptions) {
		o.Expires = expiry
		o.Conditions = []any{
			[]any{"content-length-range", minSize, maxSize},
			[]any{"starts-with", "$Content-Type", contentTypePrefix},
			map[string]string{"acl": formFields["acl"]},
			map[string]string{"success_action_status": formFields["success_action_status"]},
			map[string]string{"x-amz-meta-user": formFields["x-amz-meta-user"]},
			[]any{"starts-with", "$key", keyPrefix},
		}
	}
	return func(ctx context.Context) (form, error) {
		post, err := presigner.PresignPostObject(ctx, input, withOptions)
		if err != nil {
			return form{}, err
		}
		for name, value := range formFields {
			post.Values[name] = value
		}
		return form{url: post.URL, fields: post.Values}, nil
	}, nil
}

// awsRequests counts the requests that the SDK tried to send.
var awsRequests atomic.Int64

// failingHTTPClient is an s3.HTTPClient that fails every request.
type failingHTTPClient struct{}

func (failingHTTPClient) Do(*http.Request) (*http.Response, error) {
	awsRequests.Add(1)
	return nil, errors.New("bench: aws-sdk-go-v2 made a network request")
}
