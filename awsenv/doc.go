// Package awsenv finds AWS credentials and the region where a backend runs,
// as the AWS SDKs do, for an [s3post.Presigner]. It reads environment
// variables and files, runs credential_process commands, and asks STS and
// the container and instance metadata endpoints; package s3post itself does
// none of this.
//
//	p, err := awsenv.NewPresigner(ctx) // DefaultCredentials and Region
//
// # Sources
//
// [DefaultCredentials] tries these sources in this order, the order of the
// AWS SDKs, and uses the first one that is configured:
//
//	Order  Provider               Configured by                              Where
//	1      EnvProvider            AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,  Lambda, keys you set
//	                              AWS_SESSION_TOKEN
//	2      WebIdentityProvider    AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, EKS IAM roles for service
//	                              AWS_ROLE_SESSION_NAME                      accounts, via STS
//	3      SharedFilesProvider    AWS_PROFILE (else "default") in            developer machines, servers
//	                              ~/.aws/credentials and ~/.aws/config:
//	                              static keys or credential_process
//	4      ContainerProvider      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI     ECS, EKS Pod Identity
//	                              or _FULL_URI, with an authorization token
//	5      IMDSProvider           the instance metadata service (IMDSv2),    EC2
//	                              unless AWS_EC2_METADATA_DISABLED=true
//
// A source that is configured but broken (a missing token file, an endpoint
// answering 500) is an error rather than skipped, and when no source is
// configured the error wraps [s3post.ErrNoCredentials] and says what was
// looked for. A setting that is wrong (a malformed endpoint URL, a role
// without a token file) is an [*s3post.InputError] naming the setting.
// [Chain] builds a chain of other sources with the same rules.
//
// # Hostile input
//
// Every source is bounded: only regular files are read (a FIFO, a device
// such as /dev/zero or a directory is refused without blocking), shared
// files up to 1 MiB and token files up to 64 KiB (web identity; STS takes at
// most 20,000 characters) or 16 KiB (container); answers are read up to a
// limit; every wait honours its context; and a credential_process runs in a
// process group of its own, which is killed when its context or timeout
// ends.
//
// Errors never quote a secret. Of what a source answers they quote only
// what cannot hold one: the HTTP status, an error code of letters and dots
// that shares no four bytes with the token sent or the keys in the answer,
// an STS request ID of hex digits and dashes, and lengths; never an
// endpoint's message, a body or a header, nor the name of the instance's
// role, and nothing that a credential_process wrote
// (only its exit status and how many bytes it wrote on standard error).
// Providers print their settings without secrets in every fmt verb.
//
// # Caching
//
// DefaultCredentials wraps the chain in an [s3post.CredentialsCache] that
// refreshes five to six minutes before the credentials expire; nothing is
// read until the first Retrieve.
package awsenv
