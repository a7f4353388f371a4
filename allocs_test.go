//go:build !race

package s3post

import (
	"context"
	"strings"
	"testing"
)

// TestPresignPostAllocs pins the allocations of presigning a typical form:
// the result and its map (five), and one string that the policy and
// signature fields share. The date string is made once a second, and the
// sorted fields of a form with up to eight of them stay on the stack. The race detector adds its own, so it does not run there.
func TestPresignPostAllocs(t *testing.T) {
	for _, tc := range []struct {
		name, token string
		max         float64
	}{
		{"static", "", 6},
		{"session-token", strings.Repeat("FwoGZXIvYXdzEXAMPLE", 39), 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, in, ctx := benchPresigner(tc.token), benchInput(), context.Background()
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := p.PresignPost(ctx, in); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > tc.max {
				t.Errorf("PresignPost makes %v allocations, want at most %v", allocs, tc.max)
			}
		})
	}
}

// TestCredentialsCacheRetrieveAllocs pins the promise that serving cached
// credentials does not allocate.
func TestCredentialsCacheRetrieveAllocs(t *testing.T) {
	c := NewCredentialsCache(StaticCredentials("AK", "SK", ""), CredentialsCacheOptions{})
	ctx := context.Background()
	if _, err := c.Retrieve(ctx); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := c.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a cached Retrieve makes %v allocations, want 0", allocs)
	}
}
