package s3post

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPresignPathMakesNoIO backs the promise that presigning touches neither
// the network nor the file system: the files on PresignPost's path import
// nothing that could. (Credential sources may; they run only when a
// provider's Retrieve needs them.)
func TestPresignPathMakesNoIO(t *testing.T) {
	t.Parallel()
	forbidden := map[string]bool{"net/http": true, "os": true, "os/exec": true, "io/fs": true, "syscall": true}
	for _, file := range []string{"presign.go", "policy.go", "sigv4.go", "conditions.go", "validate.go", "endpoint.go", "errors.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			assert.False(t, forbidden[path], "%s imports %s", file, path)
		}
	}
}

// TestRootReadsNoEnvironment backs the split between this package and
// awsenv: no file of the root package runs processes, reads environment
// variables or asks metadata endpoints; credential discovery lives in
// package awsenv.
func TestRootReadsNoEnvironment(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			assert.NotEqual(t, "os/exec", path, "%s runs processes", file)
		}
		for _, call := range []string{"os.Getenv", "os.LookupEnv", "os.Environ", "os.UserHomeDir", "os.ReadFile"} {
			assert.NotContains(t, string(src), call+"(", "%s reads the environment; that belongs in package awsenv", file)
		}
	}
}
