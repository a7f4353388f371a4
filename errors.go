package s3post

import "errors"

// Sentinel errors that callers can test against with [errors.Is]. Every error
// that PresignPost, ParseConditions and NewUploadRequest return for bad input
// wraps exactly one of them, inside an [*InputError] that names the
// offending input; the credential sources wrap them too where one fits.
var (
	// ErrMissingCredentials means the Presigner has no credentials provider,
	// or the provider returned an empty access key ID or secret.
	ErrMissingCredentials = errors.New("missing credentials")

	// ErrNoCredentials is returned by a credentials source that found nothing
	// to offer (no environment variables, no profile). A chain moves on to its
	// next source when it sees this error, and stops at any other.
	ErrNoCredentials = errors.New("no credentials found")

	// ErrCredentialsExpired means the credentials have expired, or would
	// expire before the form does.
	ErrCredentialsExpired = errors.New("credentials expire too soon")

	// ErrInvalidRegion means the Presigner's region is empty or malformed.
	ErrInvalidRegion = errors.New("invalid region")

	// ErrInvalidEndpoint means the Presigner's endpoint settings cannot form
	// a URL that S3 answers without a redirect (a malformed Endpoint, or an
	// impossible combination such as UseAccelerate with a dotted bucket).
	ErrInvalidEndpoint = errors.New("invalid endpoint")

	// ErrInvalidBucket means the bucket name breaks S3's naming rules.
	ErrInvalidBucket = errors.New("invalid bucket name")

	// ErrInvalidKey means the object key is empty, too long or not UTF-8.
	ErrInvalidKey = errors.New("invalid object key")

	// ErrInvalidField means a form field has a bad or reserved name, or a
	// value that is not UTF-8, or that the x-amz-meta-* fields hold more
	// user metadata than the 2 KB that S3 stores.
	ErrInvalidField = errors.New("invalid form field")

	// ErrInvalidCondition means a condition is malformed: an empty or
	// reserved field name, a bad content-length-range, an unknown operator.
	ErrInvalidCondition = errors.New("invalid condition")

	// ErrUnsatisfiable means the fields and conditions can only produce a
	// form that S3 rejects: a field value outside its own condition, two
	// conditions that no value can meet together, a size range that starts
	// above the 5 GiB of the largest POST upload, or fields and a policy
	// too large for the 20 KB that S3 reads before the file.
	ErrUnsatisfiable = errors.New("conditions cannot be satisfied")

	// ErrInvalidExpiry means the form's lifetime is negative or longer than
	// the seven days that SigV4 allows, or that the clock puts the form's
	// times outside the years 0000 to 9999 that a policy can write.
	ErrInvalidExpiry = errors.New("invalid expiry")
)

// InputError reports which input of a presign call is wrong and why. It wraps
// one of the sentinel errors of this package, so callers can branch with
// [errors.Is], or get the details with [errors.As].
type InputError struct {
	// Input names what is wrong, such as "Bucket", "Key", `Fields["acl"]`,
	// "Conditions[2]" or "Presigner.Region".
	Input string
	// Reason says what is wrong and how to fix it.
	Reason string
	// Err is the sentinel error for the kind of problem.
	Err error
}

// Error returns "s3post: <input>: <reason>".
func (e *InputError) Error() string {
	return "s3post: " + e.Input + ": " + e.Reason
}

// Unwrap returns the sentinel error, for [errors.Is].
func (e *InputError) Unwrap() error { return e.Err }

func inputError(sentinel error, input, reason string) error {
	return &InputError{Input: input, Reason: reason, Err: sentinel}
}
