package awsenv

import (
	"fmt"
	"io"
)

// This file has the fmt.Formatter methods of the providers. A String
// method serves only %v, %s, %q, %x and %X: without Format, fmt prints the
// fields of a provider for any other verb (%d, %o, %e, ...), and they may
// hold a secret, such as a credential_process command line or a URL with a
// password. Format prints String for every verb, or GoString for %#v, as
// s3post.Credentials does.
//
// Two holes remain that no method can close: %p of a provider value and %w
// of any provider are bad verbs, which fmt reports by printing the fields
// without calling any method. go vet flags both.

// formatAs writes s to f, or goString for %#v, whatever the verb and flags.
func formatAs(f fmt.State, verb rune, s, goString string) {
	if verb == 'v' && f.Flag('#') {
		s = goString
	}
	_, _ = io.WriteString(f, s)
}

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the fields.
func (p EnvProvider) Format(f fmt.State, verb rune) { formatAs(f, verb, p.String(), p.GoString()) }

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the fields.
func (p SharedFilesProvider) Format(f fmt.State, verb rune) {
	formatAs(f, verb, p.String(), p.GoString())
}

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the fields, such as the command line.
func (p ProcessProvider) Format(f fmt.State, verb rune) { formatAs(f, verb, p.String(), p.GoString()) }

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the fields.
func (p WebIdentityProvider) Format(f fmt.State, verb rune) {
	formatAs(f, verb, p.String(), p.GoString())
}

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the fields.
func (p ContainerProvider) Format(f fmt.State, verb rune) {
	formatAs(f, verb, p.String(), p.GoString())
}

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the fields, such as a URL with a password.
func (p IMDSProvider) Format(f fmt.State, verb rune) { formatAs(f, verb, p.String(), p.GoString()) }

// Format prints String for every verb, and GoString for %#v, so that no
// verb prints the providers' fields.
func (c chainProvider) Format(f fmt.State, verb rune) { formatAs(f, verb, c.String(), c.GoString()) }
