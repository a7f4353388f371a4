//go:build !race

package s3post

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPresignPostAllocs pins the allocations of presigning a typical form:
// the result and its map (five), and one string that the policy and
// signature fields share. The date string is made once a second, also when
// forms of different lifetimes alternate, and the sorted fields of a form
// with up to eight of them stay on the stack. The race detector adds its
// own allocations, so it does not run there.
func TestPresignPostAllocs(t *testing.T) {
	eight := benchInput()
	eight.Fields = map[string]string{}
	for i := range 8 {
		eight.Fields[fmt.Sprintf("x-amz-meta-%d", i)] = "v"
	}
	for _, tc := range []struct {
		name, token string
		inputs      []PostInput // presigned in turn
		max         float64
	}{
		{"static", "", []PostInput{benchInput()}, 6},
		{"session-token", strings.Repeat("FwoGZXIvYXdzEXAMPLE", 39), []PostInput{benchInput()}, 6},
		{"eight fields", "", []PostInput{eight}, 6},
		{"alternating lifetimes", "", []PostInput{benchInput(), func() PostInput {
			in := benchInput()
			in.Expires = time.Minute
			return in
		}()}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ctx := benchPresigner(tc.token), context.Background()
			i := 0
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := p.PresignPost(ctx, tc.inputs[i%len(tc.inputs)]); err != nil {
					t.Fatal(err)
				}
				i++
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
