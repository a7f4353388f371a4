package bench

import (
	"context"
	"strings"
	"time"
)

// The form that every implementation presigns: an image upload under a
// user's prefix, with the name the browser gives the file.
const (
	bucket            = "example-bucket"
	region            = "us-west-2"
	key               = "uploads/user-42/${filename}"
	keyPrefix         = "uploads/user-42/" // the policy's starts-with for key
	expiry            = time.Hour
	minSize           = 1
	maxSize           = 10 << 20
	contentTypePrefix = "image/" // starts-with on the Content-Type the browser sends

	wantURL = "https://example-bucket.s3.us-west-2.amazonaws.com/"
)

// formFields are the form's extra fields, each with an exact-match
// condition in the policy. Implementations must not modify the map.
var formFields = map[string]string{
	"acl":                   "private",
	"success_action_status": "201",
	"x-amz-meta-user":       "42",
}

// keys are the credentials that sign the form: static keys, or temporary
// ones with a session token as long as an STS token (about 740 characters).
type keys struct {
	name                                       string
	accessKeyID, secretAccessKey, sessionToken string
}

var (
	staticKeys = keys{
		name:            "static",
		accessKeyID:     "AKIAIOSFODNN7EXAMPLE",
		secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	}
	sessionKeys = keys{
		name:            "session-token",
		accessKeyID:     "ASIAIOSFODNN7EXAMPLE",
		secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		sessionToken:    strings.Repeat("FwoGZXIvYXdzEXAMPLE", 39),
	}
)

// form is what every implementation returns: where to post, and the fields
// to post with the file.
type form struct {
	url    string
	fields map[string]string
}

// presignFunc presigns the form above once. It is made, with its client,
// before the benchmark's clock starts.
type presignFunc func(ctx context.Context) (form, error)

// implementation makes a presignFunc for the keys.
type implementation struct {
	name string
	make func(keys) (presignFunc, error)
}

// implementations are measured in this order; the floor comes first, as the
// base of the comparisons.
var implementations = []implementation{
	{"floor", newFloor},
	{"floor-newmac", newFloorNewMAC},
	{"s3post", newS3post},
	{"aws-sdk-go-v2", newAWSSDK},
	{"minio-go", newMinio},
}
