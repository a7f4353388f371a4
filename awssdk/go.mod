module github.com/s3post/s3post/awssdk

go 1.24

require (
	github.com/aws/aws-sdk-go-v2 v1.48.0
	github.com/s3post/s3post v0.0.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/aws/smithy-go v1.28.9 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/s3post/s3post => ../
