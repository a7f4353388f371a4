package s3post

import (
	"go/parser"
	"go/token"
	"strconv"
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
