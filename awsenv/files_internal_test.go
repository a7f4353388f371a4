package awsenv

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseINI added each continuation line to the value in the map, copying
// the value so far every time: a 1 MiB file of short continuation lines
// took 40 s or more, whatever the context's deadline. Built line by line,
// the value costs memory in proportion to the file.
func TestParseINIContinuationLinesAreLinear(t *testing.T) {
	const lines = 40_000 // " x\n" each: 120 KB
	data := []byte("[default]\nk = v\n" + strings.Repeat(" x\n", lines) + "other = w\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	secs, err := parseINI(data)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, 1+2*lines, len(secs["default"]["k"]), "the value is v and each continuation line")
	assert.Equal(t, "w", secs["default"]["other"])
	// Quadratic copying allocates about lines²/2 × 2 bytes, over 1.5 GB
	// here; linear parsing a few MB. (Not parallel: the counters are the
	// process's.)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "parsing allocates in proportion to the file")
}
