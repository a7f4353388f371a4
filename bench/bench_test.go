package bench

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscredentials "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/s3post/s3post"
)

// BenchmarkPresign presigns the form of form.go with each implementation,
// with static keys and with a session token. Compare them with
//
//	benchstat -filter .name:Presign -col /impl results.txt
func BenchmarkPresign(b *testing.B) {
	for _, k := range []keys{staticKeys, sessionKeys} {
		for _, impl := range implementations {
			b.Run("keys="+k.name+"/impl="+impl.name, func(b *testing.B) {
				presign, err := impl.make(k)
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := presign(ctx); err != nil {
						b.Fatal(err)
					}
				}
				checkNoRequests(b)
			})
		}
	}
}

// BenchmarkPresignParallel presigns with one s3post Presigner from
// GOMAXPROCS goroutines: with no lock on its path, the time per form falls
// with the number of cores.
func BenchmarkPresignParallel(b *testing.B) {
	for _, k := range []keys{staticKeys, sessionKeys} {
		b.Run("keys="+k.name+"/impl=s3post", func(b *testing.B) {
			presign, err := newS3post(k)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := presign(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCachedCredentials retrieves temporary credentials that a cache
// holds, as a presigner does on every form: s3post's CredentialsCache and,
// for comparison, aws-sdk-go-v2's aws.CredentialsCache.
func BenchmarkCachedCredentials(b *testing.B) {
	expires := time.Now().Add(24 * time.Hour)
	caches := []struct {
		name     string
		retrieve func(context.Context) error
	}{
		{"s3post", func() func(context.Context) error {
			c := s3post.NewCredentialsCache(s3post.CredentialsProviderFunc(func(context.Context) (s3post.Credentials, error) {
				return s3post.Credentials{
					AccessKeyID: sessionKeys.accessKeyID, SecretAccessKey: sessionKeys.secretAccessKey,
					SessionToken: sessionKeys.sessionToken, Expires: expires,
				}, nil
			}), s3post.CredentialsCacheOptions{})
			return func(ctx context.Context) error { _, err := c.Retrieve(ctx); return err }
		}()},
		{"aws-sdk-go-v2", func() func(context.Context) error {
			c := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				creds, err := awscredentials.NewStaticCredentialsProvider(
					sessionKeys.accessKeyID, sessionKeys.secretAccessKey, sessionKeys.sessionToken).Retrieve(context.Background())
				creds.CanExpire, creds.Expires = true, expires
				return creds, err
			}))
			return func(ctx context.Context) error { _, err := c.Retrieve(ctx); return err }
		}()},
	}
	for _, c := range caches {
		ctx := context.Background()
		b.Run("impl="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.retrieve(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl="+c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.retrieve(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func checkNoRequests(b *testing.B) {
	b.Helper()
	if n := awsRequests.Load(); n != 0 {
		b.Fatalf("aws-sdk-go-v2 made %d network requests", n)
	}
	if n := minioRequests.Load(); n != 0 {
		b.Fatalf("minio-go made %d network requests", n)
	}
}
