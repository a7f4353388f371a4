// Command s3post presigns S3 POST upload forms, uploads files with them, and
// shows browser uploads into an in-memory bucket.
//
// Usage:
//
//	s3post presign -bucket B -key K [-region R] [flags]
//	s3post upload [-form FILE|-] [flags] FILE
//	s3post demo [-addr HOST:PORT] [-max-size SIZE]
//
// # presign
//
// presign signs a form with the default credentials chain of the AWS SDKs
// (environment variables first, then the shared AWS files and the other
// sources of [awsenv.DefaultCredentials]) and prints it as JSON ({"url",
// "fields", "expires"}, what [s3post.PresignedPost] marshals to), as an
// HTML form, or as a curl command:
//
//	s3post presign -bucket my-bucket -key 'uploads/${filename}' -region eu-central-1 \
//		-expires 15m -max-size 10MiB -content-type-prefix image/
//
// -o FILE writes the form to a file instead, a whole page with -format html;
// -file PATH names the file that the curl command of -format curl uploads.
// With -endpoint and no region, the form is signed for us-east-1.
//
// Sizes are bytes, or a number with a unit: KiB, MiB, GiB, TiB (powers of
// 1024) or KB, MB, GB, TB (powers of 1000). -field name=value adds a form
// field and may be repeated; -conditions takes a JSON array of conditions in
// boto3's forms (see [s3post.ParseConditions]).
//
// # upload
//
// upload posts a file with a form in that JSON shape, read from standard
// input or from -form, and prints what S3 answered:
//
//	s3post presign -bucket my-bucket -key 'uploads/${filename}' -region eu-central-1 |
//		s3post upload photo.jpg
//
// The file is streamed, not read into memory. When the form's policy wants
// a Content-Type that the form leaves to the client, upload sends the
// file's type (from -content-type, else from its name or content). A
// progress bar is drawn on standard error when it is a terminal.
//
// # demo
//
// demo starts an in-memory S3 endpoint and prints the URL of a page on
// 127.0.0.1 on which a browser uploads files into it (several at once, by
// drag and drop, with progress, S3's refusals in words) and lists them. It
// needs no cloud account:
//
//	go run github.com/s3post/s3post/cmd/s3post demo
//
// It also prints a "s3post presign | s3post upload" pair of commands that
// upload into the same bucket, with the endpoint's throwaway test keys.
//
// # Exit status
//
// 0 on success; 1 when the work fails (credentials, network, S3 refused the
// upload); 2 for a usage error (bad flag, bad input). Errors are printed as
// one line on standard error, starting with "s3post: ", and never contain a
// secret.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// stdio is where a command reads and writes.
type stdio struct {
	in       *os.File
	out, err io.Writer
	// beforeSend is called by upload when its request is built (the file
	// hashed for its checksum) and before it is sent. Tests set it; nil
	// otherwise.
	beforeSend func()
}

// command is one of s3post's subcommands.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, std *stdio, args []string) error
}

var commands = []command{
	{"presign", "sign an upload form and print it as JSON, HTML or a curl command", runPresign},
	{"upload", "post a file with a presigned form", runUpload},
	{"demo", "upload from a browser into an in-memory bucket on 127.0.0.1", runDemo},
}

const mainUsage = `s3post presigns S3 POST upload forms and uploads files with them.

Usage:
  s3post presign -bucket B -key K [-region R] [flags]
  s3post upload [-form FILE|-] [flags] FILE
  s3post demo [-addr HOST:PORT] [-max-size SIZE]

Commands:
%s
Run "s3post COMMAND -h" for the flags of a command.
`

func printMainUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, mainUsage, b.String())
}

// run runs s3post with args (without the program name) and returns its exit
// status.
func run(ctx context.Context, args []string, std *stdio) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(std.err, "s3post: internal error: %s (please report it)\n", oneLine(fmt.Sprint(v)))
			code = 1
		}
	}()
	if len(args) == 0 {
		printMainUsage(std.err)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		printMainUsage(std.out)
		return 0
	case "help":
		if len(rest) == 0 {
			printMainUsage(std.out)
			return 0
		}
		name, rest = rest[0], []string{"-h"}
	}
	for _, c := range commands {
		if c.name == name {
			return exitCode(std.err, c.run(ctx, std, rest))
		}
	}
	if strings.HasPrefix(name, "-") {
		return exitCode(std.err, usagef("a command comes first, before %s: run \"s3post -h\" for the list", quote(name)))
	}
	return exitCode(std.err, usagef("unknown command %s: want presign, upload or demo", quote(name)))
}

// errHelp is returned by a command that printed its usage on request.
var errHelp = errors.New("help requested")

// usageError is a mistake in the command line or its input, which exits
// with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitCode prints err, if any, as one line on w and returns the exit status
// for it.
func exitCode(w io.Writer, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	// s3post's own errors may nest their "s3post: " prefix.
	msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "s3post: "), ": s3post: ", ": ")
	fmt.Fprintf(w, "s3post: %s\n", oneLine(msg))
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// oneLine folds s into one line, so that every error is one line.
func oneLine(s string) string {
	return strings.TrimSpace(lineBreaks.Replace(s))
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// newFlagSet returns a flag set that reports errors to its caller and
// prints nothing itself.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with fs. On -h it prints usage and the flags to
// std.out and returns errHelp; a bad flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string, std *stdio, usage string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(std.out, usage)
		fmt.Fprintln(std.out, "\nFlags:")
		fs.SetOutput(std.out)
		fs.PrintDefaults()
		return errHelp
	case err != nil:
		return usagef("%s: %s (run \"s3post %s -h\" for help)", fs.Name(), shortFlagError(err.Error()), fs.Name())
	}
	return nil
}
