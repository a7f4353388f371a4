// Package bench measures s3post against the two Go SDKs that presign S3 POST
// forms, aws-sdk-go-v2 and minio-go, and against a floor: the least work
// that yields the same form.
//
// Every implementation presigns the same form (see the constants in
// form.go), and TestSameWork decodes each one's output and checks its URL,
// fields, signature and policy conditions, so that none is measured doing
// less. It is a module of its own so that the s3post module never depends on
// the SDKs. See README.md for the command, the machine and the results.
package bench
