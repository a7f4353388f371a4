package awsenv_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3post/s3post"
	"github.com/s3post/s3post/awsenv"
)

// errStopsChain stands, in test tables, for any error that does not wrap
// ErrNoCredentials.
var errStopsChain = errors.New("an error that stops a chain")

// processJSON is a credential_process command that prints the test
// credentials.
const processJSON = `printf '%s' '{"Version": 1, "AccessKeyId": "` + credKeyID2 + `", "SecretAccessKey": "` + credSecret2 + `", "SessionToken": "` + credToken2 + `"}'`

var (
	credsOne   = s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret}
	credsOneT  = s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, SessionToken: credToken}
	credsTwo   = s3post.Credentials{AccessKeyID: credKeyID2, SecretAccessKey: credSecret2}
	credsTwoT  = s3post.Credentials{AccessKeyID: credKeyID2, SecretAccessKey: credSecret2, SessionToken: credToken2}
	keysOne    = "aws_access_key_id = " + credKeyID + "\naws_secret_access_key = " + credSecret + "\n"
	keysOneTok = keysOne + "aws_session_token = " + credToken + "\n"
	keysTwo    = "aws_access_key_id = " + credKeyID2 + "\naws_secret_access_key = " + credSecret2 + "\n"
)

// sharedFilesCase is a test of SharedFilesProvider. "$DIR" in file contents
// and in env values stands for the test's temporary directory.
type sharedFilesCase struct {
	name   string
	reason string

	credentials, config *string // contents; nil for no file
	credPath, confPath  string  // where to write them under $DIR; default "credentials", "config"
	fromEnv             bool    // leave CredentialsFile and ConfigFile empty
	profile             string
	env                 map[string]string

	want    s3post.Credentials
	wantErr error    // nil for success; ErrNoCredentials, another sentinel, or errStopsChain
	errHas  []string // pieces of the error message; "$DIR" is replaced
}

func (tc sharedFilesCase) setUp(t *testing.T) (awsenv.SharedFilesProvider, string) {
	t.Helper()
	dir := t.TempDir()
	expand := func(s string) string { return strings.ReplaceAll(s, "$DIR", dir) }
	credPath := filepath.Join(dir, filepath.FromSlash(cmpOr(tc.credPath, "credentials")))
	confPath := filepath.Join(dir, filepath.FromSlash(cmpOr(tc.confPath, "config")))
	for _, f := range []struct {
		path    string
		content *string
	}{{credPath, tc.credentials}, {confPath, tc.config}} {
		if f.content != nil {
			require.NoError(t, os.MkdirAll(filepath.Dir(f.path), 0o700))
			require.NoError(t, os.WriteFile(f.path, []byte(expand(*f.content)), 0o600))
		}
	}
	env := map[string]string{"HOME": dir}
	for k, v := range tc.env {
		env[k] = expand(v)
	}
	p := awsenv.SharedFilesProvider{Profile: tc.profile, Getenv: credEnv(env)}
	if !tc.fromEnv {
		p.CredentialsFile, p.ConfigFile = credPath, confPath
	}
	return p, dir
}

func cmpOr(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}

func TestSharedFilesProvider(t *testing.T) {
	t.Parallel()
	tests := []sharedFilesCase{
		// Finding the profile.
		{
			name:        "default profile in credentials",
			reason:      "the plainest setup of the AWS CLI",
			credentials: credStr("[default]\n" + keysOneTok),
			want:        credsOneT,
		},
		{
			name:   "default profile in config",
			reason: "[default] has no profile prefix in the config file",
			config: credStr("[default]\nregion = eu-west-1\n" + keysOne),
			want:   credsOne,
		},
		{
			name:   "profile default with prefix in config",
			reason: "the AWS CLI also accepts [profile default]",
			config: credStr("[profile default]\n" + keysOne),
			want:   credsOne,
		},
		{
			name:    "profile only in config",
			reason:  "[profile dev] in the config file is the profile dev",
			config:  credStr("[default]\n" + keysTwo + "[profile dev]\n" + keysOne),
			profile: "dev",
			want:    credsOne,
		},
		{
			name:    "extra spaces after profile",
			reason:  "the AWS CLI splits the section name on whitespace",
			config:  credStr("[profile \t dev ]\n" + keysOne),
			profile: "dev",
			want:    credsOne,
		},
		{
			name:    "plain section in config is not a profile",
			reason:  "[dev] in the config file is not the profile dev",
			config:  credStr("[dev]\n" + keysOne),
			profile: "dev",
			wantErr: errStopsChain,
			errHas:  []string{`profile "dev" not found`},
		},
		{
			name:        "profile prefix in credentials is not a profile",
			reason:      "the credentials file names profiles without a prefix",
			credentials: credStr("[profile dev]\n" + keysOne),
			profile:     "dev",
			wantErr:     errStopsChain,
			errHas:      []string{`profile "dev" not found`},
		},
		{
			name:        "AWS_PROFILE picks the profile",
			reason:      "the profile defaults to AWS_PROFILE",
			credentials: credStr("[default]\n" + keysTwo + "[dev]\n" + keysOne),
			env:         map[string]string{"AWS_PROFILE": "dev"},
			want:        credsOne,
		},
		{
			name:        "Profile field wins over AWS_PROFILE",
			reason:      "an explicit setting beats the environment",
			credentials: credStr("[prod]\n" + keysTwo + "[dev]\n" + keysOne),
			profile:     "dev",
			env:         map[string]string{"AWS_PROFILE": "prod"},
			want:        credsOne,
		},
		{
			name:        "profile names are case-sensitive",
			reason:      "the AWS CLI matches section names exactly",
			credentials: credStr("[Dev]\n" + keysOne),
			profile:     "dev",
			wantErr:     errStopsChain,
		},
		{
			name:        "duplicate sections merge",
			reason:      "a profile split over two sections is read whole",
			credentials: credStr("[default]\naws_access_key_id = " + credKeyID + "\n[other]\nx = y\n[default]\naws_secret_access_key = " + credSecret + "\n"),
			want:        credsOne,
		},

		// Parsing.
		{
			name:   "comments, blank lines and spacing",
			reason: "# and ; start comments, whitespace around keys, values and = is trimmed",
			credentials: credStr("# leading comment\n; another\n\n  [default]  \n" +
				"aws_access_key_id=" + credKeyID + "\n" +
				"   # indented comment\n" +
				"aws_secret_access_key\t=   " + credSecret + "   \n" +
				"\n; trailing comment\n"),
			want: credsOne,
		},
		{
			name:        "keys are case-insensitive",
			reason:      "configparser lower-cases keys",
			credentials: credStr("[default]\nAWS_Access_Key_ID = " + credKeyID + "\nAWS_SECRET_ACCESS_KEY = " + credSecret + "\n"),
			want:        credsOne,
		},
		{
			name:        "colon as delimiter",
			reason:      "configparser accepts : in place of =",
			credentials: credStr("[default]\naws_access_key_id: " + credKeyID + "\naws_secret_access_key : " + credSecret + "\n"),
			want:        credsOne,
		},
		{
			name:        "no inline comments",
			reason:      "the AWS CLI keeps a # after a value as part of it",
			credentials: credStr("[default]\n" + keysOne + "aws_session_token = tok # not a comment\n"),
			want:        s3post.Credentials{AccessKeyID: credKeyID, SecretAccessKey: credSecret, SessionToken: "tok # not a comment"},
		},
		{
			name:        "header with trailing comment",
			reason:      "text after the closing ] is ignored",
			credentials: credStr("[default] ; my keys\n" + keysOne),
			want:        credsOne,
		},
		{
			name:        "CRLF line ends and byte order mark",
			reason:      "files written on Windows read the same",
			credentials: credStr("\uFEFF[default]\r\n" + strings.ReplaceAll(keysOneTok, "\n", "\r\n")),
			want:        credsOneT,
		},
		{
			name:        "uniformly indented keys",
			reason:      "an indented first key does not make the next one a continuation",
			credentials: credStr("[default]\n  aws_access_key_id = " + credKeyID + "\n  aws_secret_access_key = " + credSecret + "\n"),
			want:        credsOne,
		},
		{
			name:   "nested values are not keys of the profile",
			reason: "indented lines under a key continue it, as in s3 = ... blocks",
			config: credStr("[default]\n" + keysOne + "s3 =\n  aws_access_key_id = " + credKeyID2 + "\n  addressing_style = path\n"),
			want:   credsOne,
		},
		{
			name:        "legacy aws_security_token",
			reason:      "the AWS CLI still reads the older name of the session token",
			credentials: credStr("[default]\n" + keysOne + "aws_security_token = " + credToken + "\n"),
			want:        credsOneT,
		},
		{
			name:        "line without delimiter",
			reason:      "a malformed file stops a chain; the message gives the line number only",
			credentials: credStr("[default]\n" + keysOne + credSecret2 + "\n"),
			wantErr:     errStopsChain,
			errHas:      []string{"$DIR", "credentials: line 4"},
		},
		{
			name:        "key before any section",
			reason:      "configparser rejects keys outside a section",
			credentials: credStr("aws_access_key_id = " + credKeyID + "\n[default]\n"),
			wantErr:     errStopsChain,
			errHas:      []string{"line 1", "outside of any [section]"},
		},
		{
			name:    "unclosed section header",
			reason:  "a malformed header stops a chain",
			config:  credStr("[profile dev\n" + keysOne),
			wantErr: errStopsChain,
			errHas:  []string{"config: line 1"},
		},
		{
			name:        "empty key",
			reason:      "= value has no key",
			credentials: credStr("[default]\n= " + credSecret + "\n"),
			wantErr:     errStopsChain,
			errHas:      []string{"line 2: key is empty"},
		},

		// Precedence.
		{
			name:        "credentials file wins over config",
			reason:      "static keys in the credentials file come first, and are not mixed with the config's token",
			credentials: credStr("[default]\n" + keysOne),
			config:      credStr("[default]\n" + keysTwo + "aws_session_token = " + credToken2 + "\n"),
			want:        credsOne,
		},
		{
			name:        "static keys win over credential_process",
			reason:      "the SDKs use static keys first",
			credentials: credStr("[default]\n" + keysOne),
			config:      credStr("[default]\ncredential_process = exit 1\n"),
			want:        credsOne,
		},
		{
			name:    "credential_process",
			reason:  "a profile may get its keys from a command",
			config:  credStr("[profile dev]\nregion = us-east-1\ncredential_process = " + processJSON + "\n"),
			profile: "dev",
			want:    credsTwoT,
		},
		{
			name:        "credential_process in credentials file",
			reason:      "the keys of both files merge",
			credentials: credStr("[default]\ncredential_process = " + processJSON + "\n"),
			want:        credsTwoT,
		},
		{
			name:        "failing credential_process",
			reason:      "a failing command stops a chain, and the error names the profile",
			credentials: credStr("[default]\ncredential_process = echo oops >&2; exit 3\n"),
			wantErr:     errStopsChain,
			errHas:      []string{`profile "default": credential_process: exit status 3; it wrote 5 bytes to standard error`},
		},

		// Where the files are.
		{
			name:        "files from the environment",
			reason:      "AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files",
			credentials: credStr("[dev]\n" + keysOne),
			config:      credStr("[profile dev]\nregion = eu-west-1\n"),
			credPath:    "elsewhere/creds",
			confPath:    "elsewhere/conf",
			fromEnv:     true,
			profile:     "dev",
			env:         map[string]string{"AWS_SHARED_CREDENTIALS_FILE": "$DIR/elsewhere/creds", "AWS_CONFIG_FILE": "$DIR/elsewhere/conf"},
			want:        credsOne,
		},
		{
			name:        "files under HOME",
			reason:      "by default the files are ~/.aws/credentials and ~/.aws/config",
			credentials: credStr("[default]\n" + keysOne),
			credPath:    ".aws/credentials",
			confPath:    ".aws/config",
			fromEnv:     true,
			want:        credsOne,
		},
		{
			name:        "tilde in a path from the environment",
			reason:      "a leading ~/ stands for the home directory",
			credentials: credStr("[default]\n" + keysOne),
			credPath:    "mine/credentials",
			fromEnv:     true,
			env:         map[string]string{"AWS_SHARED_CREDENTIALS_FILE": "~/mine/credentials"},
			want:        credsOne,
		},

		// Nothing found.
		{
			name:    "no files, default profile",
			reason:  "missing files are not an error; a chain moves on",
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{`profile "default" not found`, "$DIR/credentials (no such file)", "$DIR/config (no such file)"},
		},
		{
			name:    "AWS_PROFILE=default missing",
			reason:  "the default profile is never required",
			env:     map[string]string{"AWS_PROFILE": "default"},
			wantErr: s3post.ErrNoCredentials,
		},
		{
			name:        "explicit profile missing",
			reason:      "a profile asked for by name must exist; the error names it and the files",
			credentials: credStr("[default]\n" + keysOne),
			config:      credStr("[profile other]\n"),
			profile:     "work",
			wantErr:     errStopsChain,
			errHas:      []string{`profile "work" not found in $DIR/credentials or $DIR/config`},
		},
		{
			name:    "explicit profile missing, no files",
			reason:  "AWS_PROFILE asks for a profile by name too",
			env:     map[string]string{"AWS_PROFILE": "work"},
			wantErr: errStopsChain,
			errHas:  []string{`profile "work" not found`, "(no such file)"},
		},
		{
			name:    "profile without credentials",
			reason:  "a profile with only settings lets a chain move on",
			config:  credStr("[default]\nregion = eu-west-1\n"),
			wantErr: s3post.ErrNoCredentials,
			errHas:  []string{"no aws_access_key_id"},
		},

		// Misconfigured or unsupported profiles.
		{
			name:        "key ID without secret",
			reason:      "half a key pair stops a chain and names the missing key",
			credentials: credStr("[default]\naws_access_key_id = " + credKeyID + "\n"),
			config:      credStr("[default]\n" + keysTwo),
			wantErr:     s3post.ErrMissingCredentials,
			errHas:      []string{"$DIR/credentials", "aws_secret_access_key is not"},
		},
		{
			name:        "secret without key ID",
			reason:      "half a key pair stops a chain and names the missing key",
			credentials: credStr("[default]\naws_secret_access_key = " + credSecret + "\n"),
			wantErr:     s3post.ErrMissingCredentials,
			errHas:      []string{"aws_access_key_id is not"},
		},
		{
			name:   "role_arn",
			reason: "assuming a role needs STS, which s3post does not call",
			config: credStr("[profile base]\n" + keysOne + "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n"),
			env:    map[string]string{"AWS_PROFILE": "dev"},

			wantErr: errStopsChain,
			errHas:  []string{`profile "dev"`, "role_arn", "does not support"},
		},
		{
			name:        "role_arn with keys",
			reason:      "the SDKs would use the role, so the keys must not be used instead",
			credentials: credStr("[default]\n" + keysOne),
			config:      credStr("[default]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = default\n"),
			wantErr:     errStopsChain,
			errHas:      []string{"role_arn", "does not support"},
		},
		{
			name:    "sso",
			reason:  "IAM Identity Center needs a token cache and network calls",
			config:  credStr("[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"),
			wantErr: errStopsChain,
			errHas:  []string{"sso_session", "does not support"},
		},
		{
			name:    "legacy sso",
			reason:  "sso_start_url in the profile is the older form",
			config:  credStr("[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"),
			wantErr: errStopsChain,
			errHas:  []string{"sso_start_url", "does not support"},
		},
		{
			name:    "web identity",
			reason:  "web identity needs STS",
			config:  credStr("[default]\nweb_identity_token_file = /var/run/token\n"),
			wantErr: errStopsChain,
			errHas:  []string{"web_identity_token_file", "does not support"},
		},
		{
			name:        "sso with keys",
			reason:      "static keys win over SSO settings, as in the SDKs",
			credentials: credStr("[default]\n" + keysOne),
			config:      credStr("[default]\nsso_session = corp\n"),
			want:        credsOne,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, dir := tc.setUp(t)
			got, err := credRetrieve(t, p, context.Background())
			checkSharedFilesResult(t, tc, dir, got, err)
		})
	}
}

func checkSharedFilesResult(t *testing.T, tc sharedFilesCase, dir string, got s3post.Credentials, err error) {
	t.Helper()
	if tc.wantErr == nil {
		require.NoError(t, err, tc.reason)
		assertCreds(t, tc.want, got, tc.reason)
		return
	}
	require.Error(t, err, tc.reason)
	if tc.wantErr == errStopsChain {
		assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
	} else {
		assert.ErrorIs(t, err, tc.wantErr, tc.reason)
	}
	assert.True(t, strings.HasPrefix(err.Error(), "s3post: "), "error %q lacks the prefix", err)
	for _, piece := range tc.errHas {
		assert.Contains(t, err.Error(), strings.ReplaceAll(piece, "$DIR", dir), tc.reason)
	}
	assertNoSecret(t, "error", err.Error())
	assertCreds(t, s3post.Credentials{}, got)
}

func TestSharedFilesProviderUnreadableFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := writeCredFile(t, dir, "config", credStr("[default]\n"+keysOne))
	for _, tc := range []struct {
		name   string
		reason string
		p      awsenv.SharedFilesProvider
	}{
		{
			name:   "credentials file is a directory",
			reason: "a file that exists but cannot be read is an error, not an absent file",
			p:      awsenv.SharedFilesProvider{CredentialsFile: dir, ConfigFile: conf},
		},
		{
			name:   "config file is a directory",
			reason: "the config file is checked as strictly",
			p:      awsenv.SharedFilesProvider{CredentialsFile: filepath.Join(dir, "none"), ConfigFile: dir},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.p.Getenv = credEnv(map[string]string{"HOME": dir})
			_, err := credRetrieve(t, tc.p, context.Background())
			require.Error(t, err, tc.reason)
			assert.False(t, errors.Is(err, s3post.ErrNoCredentials), "the error must stop a chain: %v", err)
			assert.Contains(t, err.Error(), dir)
			assert.True(t, strings.HasPrefix(err.Error(), "s3post: "), "error %q lacks the prefix", err)

			_, err = tc.p.Region()
			assert.Error(t, err, "Region reads the same files")
		})
	}
}

func TestSharedFilesProviderDoesNotChangeFields(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := awsenv.SharedFilesProvider{
		CredentialsFile: writeCredFile(t, dir, "credentials", credStr("[default]\n"+keysOne)),
		Getenv:          credEnv(map[string]string{"HOME": dir, "AWS_PROFILE": "default"}),
	}
	before := p.String()
	_, err := credRetrieve(t, p, context.Background())
	require.NoError(t, err)
	assert.Equal(t, "", p.Profile, "defaults are not written back")
	assert.Equal(t, "", p.ConfigFile, "defaults are not written back")
	assert.Equal(t, before, p.String())
}

func TestSharedFilesProviderClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	expires := time.Date(2020, 1, 1, 13, 0, 0, 0, time.UTC) // long past on the real clock
	command := `printf '%s' '{"Version": 1, "AccessKeyId": "` + credKeyID2 + `", "SecretAccessKey": "` + credSecret2 + `", "Expiration": "2020-01-01T13:00:00Z"}'`
	file := writeCredFile(t, dir, "credentials", credStr("[default]\ncredential_process = "+command+"\n"))
	p := awsenv.SharedFilesProvider{CredentialsFile: file, Getenv: credEnv(map[string]string{"HOME": dir})}

	p.Now = func() time.Time { return expires.Add(-time.Hour) }
	got, err := credRetrieve(t, p, context.Background())
	require.NoError(t, err, "Now decides whether the credential_process's credentials have expired")
	assertCreds(t, s3post.Credentials{AccessKeyID: credKeyID2, SecretAccessKey: credSecret2, Expires: expires}, got)

	p.Now = func() time.Time { return expires }
	_, err = credRetrieve(t, p, context.Background())
	require.ErrorIs(t, err, s3post.ErrCredentialsExpired)
	assert.Contains(t, err.Error(), `s3post: profile "default": credential_process: credentials expire too soon: the credentials expired at 2020-01-01T13:00:00Z`)
}

func TestSharedFilesProviderRegion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		reason      string
		credentials *string
		config      *string
		profile     string
		want        string
		wantErr     bool
	}{
		{
			name:   "default profile",
			reason: "[default] holds the region of the default profile",
			config: credStr("[default]\nregion = eu-west-1\n[profile dev]\nregion = us-west-2\n"),
			want:   "eu-west-1",
		},
		{
			name:    "named profile",
			reason:  "[profile dev] holds the region of dev",
			config:  credStr("[default]\nregion = eu-west-1\n[profile dev]\nRegion = us-west-2\n"),
			profile: "dev",
			want:    "us-west-2",
		},
		{
			name:        "profile only in credentials",
			reason:      "a profile without config has no region, and that is not an error",
			credentials: credStr("[dev]\n" + keysOne),
			config:      credStr("[default]\nregion = eu-west-1\n"),
			profile:     "dev",
			want:        "",
		},
		{
			name:   "no files",
			reason: "the default profile is never required",
			want:   "",
		},
		{
			name:    "missing explicit profile",
			reason:  "a profile asked for by name must exist",
			config:  credStr("[default]\nregion = eu-west-1\n"),
			profile: "dev",
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := awsenv.SharedFilesProvider{
				Profile:         tc.profile,
				CredentialsFile: writeCredFile(t, dir, "credentials", tc.credentials),
				ConfigFile:      writeCredFile(t, dir, "config", tc.config),
				Getenv:          credEnv(map[string]string{"HOME": dir}),
			}
			got, err := p.Region()
			if tc.wantErr {
				require.Error(t, err, tc.reason)
				assert.Contains(t, err.Error(), `profile "`+tc.profile+`"`)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
}

func TestSharedFilesProviderString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "SharedFilesProvider", awsenv.SharedFilesProvider{}.String())
	assert.Equal(t, `SharedFilesProvider(profile "dev")`, awsenv.SharedFilesProvider{Profile: "dev"}.String())
}
