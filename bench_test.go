package s3post

import (
	"context"
	"strings"
	"testing"
	"time"
)

// benchInput is the upload form of a typical image upload service.
func benchInput() PostInput {
	return PostInput{
		Bucket:  "example-bucket",
		Key:     "uploads/user-42/${filename}",
		Expires: time.Hour,
		Fields: map[string]string{
			"acl":                   "private",
			"success_action_status": "201",
			"x-amz-meta-user":       "42",
		},
		Conditions: []Condition{
			ContentLengthRange(1, 10<<20),
			StartsWith("Content-Type", "image/"),
		},
	}
}

func benchPresigner(token string) *Presigner {
	return &Presigner{
		Credentials: StaticCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token),
		Region:      "us-west-2",
		Now:         func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
}

func BenchmarkPresignPost(b *testing.B) {
	for _, bc := range []struct {
		name, token string
	}{
		{"static", ""},
		{"session-token", strings.Repeat("FwoGZXIvYXdzEXAMPLE", 39)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, in, ctx := benchPresigner(bc.token), benchInput(), context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.PresignPost(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPresignPostParallel(b *testing.B) {
	p, in, ctx := benchPresigner(""), benchInput(), context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.PresignPost(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
