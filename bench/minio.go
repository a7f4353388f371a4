package bench

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// newMinio presigns the form with minio-go's PresignedPostPolicy: Region is
// set, so that it asks for no bucket location, dual-stack hosts are off, and
// its transport fails any request (minioRequests counts them).
//
// PresignedPostPolicy adds its conditions to the PostPolicy it is given, so
// each form needs a new one. minio-go has no setter for an acl condition, so
// its form and policy lack acl=private: it is measured doing a little less
// than the others.
func newMinio(k keys) (presignFunc, error) {
	client, err := minio.New("s3.amazonaws.com", &minio.Options{
		Creds:     credentials.NewStaticV4(k.accessKeyID, k.secretAccessKey, k.sessionToken),
		Secure:    true,
		Region:    region,
		Transport: failingTransport{},
	})
	if err != nil {
		return nil, err
	}
	client.SetS3EnableDualstack(false) // the regional host, as the others use
	return func(ctx context.Context) (form, error) {
		p := minio.NewPostPolicy()
		err := errors.Join(
			p.SetBucket(bucket),
			p.SetKeyStartsWith(keyPrefix),
			p.SetExpires(time.Now().UTC().Add(expiry)),
			p.SetContentLengthRange(minSize, maxSize),
			p.SetContentTypeStartsWith(contentTypePrefix),
			p.SetSuccessStatusAction(formFields["success_action_status"]),
			p.SetUserMetadata("user", formFields["x-amz-meta-user"]),
		)
		if err != nil {
			return form{}, err
		}
		u, fields, err := client.PresignedPostPolicy(ctx, p)
		if err != nil {
			return form{}, err
		}
		fields["key"] = key // SetKeyStartsWith put the prefix in the form
		return form{url: u.String(), fields: fields}, nil
	}, nil
}

// minioRequests counts the requests that minio-go tried to send.
var minioRequests atomic.Int64

// failingTransport is an http.RoundTripper that fails every request.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	minioRequests.Add(1)
	return nil, errors.New("bench: minio-go made a network request")
}
