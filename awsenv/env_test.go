package awsenv_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

func TestEnvProvider(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reason  string
		env     map[string]string
		want    s3post.Credentials
		wantErr error  // nil for success
		errHas  string // a piece of the error message
	}{
		{
			name:   "keys and token",
			reason: "the usual variables give the full credentials",
			env:    map[string]string{"AWS_ACCESS_KEY_ID": credKeyID, "AWS_SECRET_ACCESS_KEY": credSecret, "AWS_SESSION_TOKEN": credToken},
			want:   s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, SessionToken: credToken},
		},
		{
			name:   "keys only",
			reason: "the session token is optional",
			env:    map[string]string{"AWS_ACCESS_KEY_ID": credKeyID, "AWS_SECRET_ACCESS_KEY": credSecret},
			want:   s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret},
		},
		{
			name:   "legacy names",
			reason: "AWS_ACCESS_KEY and AWS_SECRET_KEY are read as the SDKs read them",
			env:    map[string]string{"AWS_ACCESS_KEY": credKeyID, "AWS_SECRET_KEY": credSecret},
			want:   s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret},
		},
		{
			name:   "current names win over legacy",
			reason: "the legacy names are only a fallback",
			env: map[string]string{
				"AWS_ACCESS_KEY_ID": credKeyID, "AWS_SECRET_ACCESS_KEY": credSecret,
				"AWS_ACCESS_KEY": credKeyID2, "AWS_SECRET_KEY": credSecret2,
			},
			want: s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret},
		},
		{
			name:   "mixed names",
			reason: "each key falls back on its own",
			env:    map[string]string{"AWS_ACCESS_KEY_ID": credKeyID, "AWS_SECRET_KEY": credSecret},
			want:   s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret},
		},
		{
			name:    "nothing set",
			reason:  "an empty environment lets a chain move on",
			env:     map[string]string{},
			wantErr: s3post.ErrNoCredentials,
			errHas:  "AWS_ACCESS_KEY_ID",
		},
		{
			name:    "token only",
			reason:  "a stray session token is not credentials, as in the SDKs",
			env:     map[string]string{"AWS_SESSION_TOKEN": credToken},
			wantErr: s3post.ErrNoCredentials,
		},
		{
			name:    "key ID without secret",
			reason:  "half a key pair is a misconfiguration that must stop a chain",
			env:     map[string]string{"AWS_ACCESS_KEY_ID": credKeyID, "AWS_SESSION_TOKEN": credToken},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
		},
		{
			name:    "secret without key ID",
			reason:  "the error names the variable that is missing",
			env:     map[string]string{"AWS_SECRET_ACCESS_KEY": credSecret},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
		},
		{
			name:    "legacy secret without key ID",
			reason:  "the error names the variable that was found",
			env:     map[string]string{"AWS_SECRET_KEY": credSecret},
			wantErr: s3post.ErrMissingCredentials,
			errHas:  "AWS_SECRET_KEY is set but AWS_ACCESS_KEY_ID is not",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := credRetrieve(t, awsenv.EnvProvider{Getenv: credEnv(tc.env)}, context.Background())
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assertCreds(t, tc.want, got, tc.reason)
				return
			}
			require.ErrorIs(t, err, tc.wantErr, tc.reason)
			if tc.wantErr != s3post.ErrNoCredentials {
				assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "a misconfiguration must not let a chain move on")
			}
			assert.Contains(t, err.Error(), "s3post: ")
			assert.Contains(t, err.Error(), tc.errHas, tc.reason)
			assertNoSecret(t, "error", err.Error())
			assertCreds(t, s3post.Credentials{}, got)
		})
	}
}
