package awsenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/s3post/s3post"
)

// SharedFilesProvider reads credentials from a profile of the shared
// credentials and config files that the AWS CLI writes (~/.aws/credentials
// and ~/.aws/config).
//
// A profile is a section named [name] in the credentials file, and
// [profile name] in the config file ([default] in either file for the
// profile named "default"). The keys read are aws_access_key_id,
// aws_secret_access_key, aws_session_token (or its older name
// aws_security_token) and credential_process. Static keys win over
// credential_process, and the static keys of the credentials file win over
// those of the config file; a key pair and its session token always come
// from the same file. For the other keys, the credentials file wins. A
// credential_process is run as [ProcessProvider] runs it.
//
// The files are parsed as the AWS CLI parses them: "key = value" lines (":"
// may stand for "="), keys are case-insensitive, surrounding whitespace is
// trimmed, and lines starting with # or ; are comments. A # or ; after a value
// is part of the value, not a comment. Indented lines continue the value
// above them.
//
// Retrieve returns an error wrapping [s3post.ErrNoCredentials] when the profile is
// "default" and neither file has it, or when the profile has no credentials
// at all; a missing file is not an error. It returns other errors, which stop
// a chain, when a file cannot be read or parsed, when it is not a regular
// file (a FIFO or a device such as /dev/zero is refused, not read) or is
// larger than 1 MiB, when a profile asked for by
// name (Profile or AWS_PROFILE) is in neither file, and for profiles that
// s3post does not support yet, because they need network calls: a profile
// that assumes a role (role_arn; even with static keys, since the AWS SDKs
// would then use the role), and one without static keys that uses AWS IAM
// Identity Center (sso_*) or a web identity token (web_identity_token_file).
//
// The files are read on every call; wrap the provider in a [s3post.CredentialsCache]
// to read them once. The zero value is ready to use, and Retrieve is safe for
// concurrent use.
type SharedFilesProvider struct {
	// Profile names the profile to read. Optional; the default is the
	// value of AWS_PROFILE, or else "default".
	Profile string

	// CredentialsFile is the path of the shared credentials file. A leading
	// "~/" stands for the home directory. It must be a regular file of at
	// most 1 MiB, or not exist. Optional; the default is the value of
	// AWS_SHARED_CREDENTIALS_FILE, or else ~/.aws/credentials.
	CredentialsFile string

	// ConfigFile is the path of the shared config file. A leading "~/"
	// stands for the home directory. It must be a regular file of at most
	// 1 MiB, or not exist. Optional; the default is the value of
	// AWS_CONFIG_FILE, or else ~/.aws/config.
	ConfigFile string

	// Getenv looks up an environment variable (AWS_PROFILE,
	// AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE and HOME). Optional; the
	// default, nil, means os.Getenv. When it returns "" for HOME, the home
	// directory is os.UserHomeDir.
	Getenv func(key string) string

	// ProcessTimeout bounds a run of the profile's credential_process, as
	// [ProcessProvider.Timeout] does. Optional; the default is one minute.
	ProcessTimeout time.Duration

	// Now tells the time, to check the Expiration that a credential_process
	// prints. Optional; nil means time.Now.
	Now func() time.Time
}

// Retrieve reads the credentials of the profile.
func (p SharedFilesProvider) Retrieve(ctx context.Context) (s3post.Credentials, error) {
	prof, err := p.load(ctx)
	if err != nil {
		return s3post.Credentials{}, err
	}
	if prof.cred == nil && prof.conf == nil {
		return s3post.Credentials{}, prof.notFound()
	}

	// A role wins over static keys in the AWS CLI and SDKs: the keys are
	// only the source of the role, so using them would sign as someone else.
	if prof.get("role_arn") != "" {
		return s3post.Credentials{}, prof.unsupported("role_arn", "assuming a role")
	}
	if c, ok, err := staticProfileKeys(prof.cred, prof.name, prof.credFile.path); ok || err != nil {
		return c, err
	}
	if c, ok, err := staticProfileKeys(prof.conf, prof.name, prof.confFile.path); ok || err != nil {
		return c, err
	}
	if prof.get("web_identity_token_file") != "" {
		return s3post.Credentials{}, prof.unsupported("web_identity_token_file", "web identity federation")
	}
	if key := prof.ssoKey(); key != "" {
		return s3post.Credentials{}, prof.unsupported(key, "AWS IAM Identity Center (SSO)")
	}
	if cmd := prof.get("credential_process"); cmd != "" {
		c, err := runCredentialProcess(ctx, cmd, p.ProcessTimeout, orNow(p.Now))
		if err != nil {
			return s3post.Credentials{}, fmt.Errorf("s3post: profile %q: %w", prof.name, err)
		}
		return c, nil
	}
	return s3post.Credentials{}, fmt.Errorf("s3post: profile %q: %w: it has no aws_access_key_id, aws_secret_access_key or credential_process",
		prof.name, s3post.ErrNoCredentials)
}

// Region returns the region key of the profile in the config file, or ""
// when it has none. It fails, as Retrieve does, when a file cannot be read or
// parsed, or when a profile asked for by name is in neither file.
func (p SharedFilesProvider) Region() (string, error) {
	// The files are regular files of bounded size (see readSmallFile), so
	// that reading them cannot block: no context is needed.
	prof, err := p.load(context.Background())
	if err != nil {
		return "", err
	}
	if prof.cred == nil && prof.conf == nil && prof.explicit {
		return "", prof.notFound()
	}
	return prof.conf["region"], nil
}

// String returns "SharedFilesProvider", with the profile when it is set.
func (p SharedFilesProvider) String() string {
	if p.Profile == "" {
		return "SharedFilesProvider"
	}
	return fmt.Sprintf("SharedFilesProvider(profile %q)", p.Profile)
}

// GoString returns String with the package name, so that %#v does not print
// the fields.
func (p SharedFilesProvider) GoString() string { return "awsenv." + p.String() }

// sharedProfile is one profile as found in the two files.
type sharedProfile struct {
	name     string
	explicit bool // asked for by name, not the fallback "default"

	credFile, confFile sharedFile
	cred, conf         map[string]string // nil when the file lacks the profile
}

func (p SharedFilesProvider) load(ctx context.Context) (*sharedProfile, error) {
	getenv := orGetenv(p.Getenv)
	prof := &sharedProfile{name: p.Profile, explicit: true}
	if prof.name == "" {
		prof.name = getenv("AWS_PROFILE")
	}
	if prof.name == "" || prof.name == "default" {
		prof.name, prof.explicit = "default", false
	}

	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	credPath := firstNonEmpty(p.CredentialsFile, getenv("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join("~", ".aws", "credentials"))
	confPath := firstNonEmpty(p.ConfigFile, getenv("AWS_CONFIG_FILE"), filepath.Join("~", ".aws", "config"))

	var err error
	if prof.credFile, err = readSharedFile(ctx, credPath, home); err != nil {
		return nil, err
	}
	if prof.confFile, err = readSharedFile(ctx, confPath, home); err != nil {
		return nil, err
	}
	prof.cred = prof.credFile.sections[prof.name]
	prof.conf = configProfiles(prof.confFile.sections)[prof.name]
	return prof, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// expandHome replaces a leading "~" of path with home. ok is false when the
// path needs a home directory that is unknown.
func expandHome(path, home string) (expanded string, ok bool) {
	if path != "~" && !strings.HasPrefix(path, "~/") && !strings.HasPrefix(path, "~"+string(filepath.Separator)) {
		return path, true
	}
	if home == "" {
		return path, false
	}
	return filepath.Join(home, path[1:]), true
}

// configProfiles maps the profile names of a config file to their keys:
// [profile name] is the profile "name" (any spaces may follow "profile"),
// and [default] is the profile "default", under [profile default] if the
// file has both. Other sections, such as [sso-session name], are not
// profiles. Sections that name the same profile with different spacing are
// merged in the order of their names, so that the result is deterministic.
func configProfiles(secs map[string]map[string]string) map[string]map[string]string {
	profiles := make(map[string]map[string]string, len(secs))
	for _, section := range slices.Sorted(maps.Keys(secs)) {
		rest, ok := strings.CutPrefix(section, "profile")
		if name := strings.TrimSpace(rest); ok && name != "" && rest[0] <= ' ' {
			profiles[name] = mergeKeys(profiles[name], secs[section])
		}
	}
	if keys := secs["default"]; keys != nil {
		profiles["default"] = mergeKeys(keys, profiles["default"])
	}
	return profiles
}

// mergeKeys returns the keys of a overlaid with those of b, without
// changing either.
func mergeKeys(a, b map[string]string) map[string]string {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// get returns the value of a key, from the credentials file if it has it.
func (p *sharedProfile) get(key string) string {
	if v := p.cred[key]; v != "" {
		return v
	}
	return p.conf[key]
}

// ssoKey returns the first sso_* key that the profile sets, or "".
func (p *sharedProfile) ssoKey() string {
	for _, key := range []string{"sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region"} {
		if p.get(key) != "" {
			return key
		}
	}
	return ""
}

func (p *sharedProfile) unsupported(key, what string) error {
	return fmt.Errorf("s3post: profile %q sets %s (%s), which s3post does not support yet; use static keys or credential_process instead",
		p.name, key, what)
}

func (p *sharedProfile) notFound() error {
	where := p.credFile.path + p.credFile.note + " or " + p.confFile.path + p.confFile.note
	if p.explicit {
		return fmt.Errorf("s3post: profile %q not found in %s", p.name, where)
	}
	return fmt.Errorf("s3post: shared files: %w: profile %q not found in %s", s3post.ErrNoCredentials, p.name, where)
}

// staticProfileKeys returns the static keys of a section. ok is false when
// the section sets neither key.
func staticProfileKeys(sec map[string]string, profile, path string) (c s3post.Credentials, ok bool, err error) {
	c.AccessKeyID = sec["aws_access_key_id"]
	c.SecretAccessKey = sec["aws_secret_access_key"]
	switch {
	case c.AccessKeyID == "" && c.SecretAccessKey == "":
		return s3post.Credentials{}, false, nil
	case c.SecretAccessKey == "":
		return s3post.Credentials{}, true, fmt.Errorf("s3post: profile %q in %s: %w: aws_access_key_id is set but aws_secret_access_key is not",
			profile, path, s3post.ErrMissingCredentials)
	case c.AccessKeyID == "":
		return s3post.Credentials{}, true, fmt.Errorf("s3post: profile %q in %s: %w: aws_secret_access_key is set but aws_access_key_id is not",
			profile, path, s3post.ErrMissingCredentials)
	}
	c.SessionToken = sec["aws_session_token"]
	if c.SessionToken == "" {
		c.SessionToken = sec["aws_security_token"] // older name, still read by the AWS CLI
	}
	return c, true, nil
}

// sharedFile is a shared credentials or config file as read.
type sharedFile struct {
	path     string // with "~" expanded when the home directory is known
	note     string // why the file was not read, for messages
	sections map[string]map[string]string
}

// readSharedFile expands a leading "~" of path, then reads and parses the
// file. A file that does not exist, or whose path needs an unknown home
// directory, has no sections; any other failure to read it is an error,
// among them a file that is not a regular file or is larger than
// maxSharedFileSize (see readSmallFile).
func readSharedFile(ctx context.Context, path, home string) (sharedFile, error) {
	path, ok := expandHome(path, home)
	f := sharedFile{path: path}
	if !ok {
		f.note = " (home directory unknown)"
		return f, nil
	}
	data, err := readSmallFile(ctx, path, maxSharedFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		f.note = " (no such file)"
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("s3post: shared files: %w", err)
	}
	if f.sections, err = parseINI(data); err != nil {
		return f, fmt.Errorf("s3post: shared files: %s: %w", path, err)
	}
	return f, nil
}

// parseINI parses a shared credentials or config file into its sections,
// each a map from lower-case key to value, following Python's configparser
// as the AWS CLI uses it. A section or key that appears twice is merged,
// the later value winning. Errors give the line number but never the line,
// which might hold a secret.
func parseINI(data []byte) (map[string]map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	secs := make(map[string]map[string]string)
	var (
		sec       map[string]string
		key       string // the key that indented lines continue; "" for none
		keyIndent int
		value     strings.Builder // key's value, with its continuation lines
	)
	// flush stores the value of key, built up line by line: adding each
	// continuation line to the string in the map would copy the value so
	// far every time, quadratic in the lines of a hostile file.
	flush := func() {
		if key != "" {
			sec[key] = value.String()
		}
		value.Reset()
	}
	for n, line := range strings.Split(string(data), "\n") {
		lineNo := n + 1
		text := strings.TrimSpace(line)
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue // blank lines and comments do not end a value
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if sec != nil && key != "" && indent > keyIndent {
			value.WriteString("\n")
			value.WriteString(text)
			continue
		}
		flush()
		key, keyIndent = "", indent
		if text[0] == '[' {
			end := strings.LastIndexByte(text, ']')
			if end < 0 {
				return nil, fmt.Errorf("line %d: section header has no closing ]", lineNo)
			}
			name := strings.TrimSpace(text[1:end])
			if name == "" {
				return nil, fmt.Errorf("line %d: section name is empty", lineNo)
			}
			if sec = secs[name]; sec == nil {
				sec = make(map[string]string)
				secs[name] = sec
			}
			continue
		}
		i := strings.IndexAny(text, "=:")
		switch {
		case i < 0:
			return nil, fmt.Errorf(`line %d: want "key = value", a [section] or a comment`, lineNo)
		case sec == nil:
			return nil, fmt.Errorf("line %d: key outside of any [section]", lineNo)
		}
		key = strings.ToLower(strings.TrimSpace(text[:i]))
		if key == "" {
			return nil, fmt.Errorf("line %d: key is empty", lineNo)
		}
		value.WriteString(strings.TrimSpace(text[i+1:]))
	}
	flush()
	return secs, nil
}
