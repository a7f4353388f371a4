package e2e

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the verdict table in ../README.md from the corpus")

// referees are the servers of the verdict table, in its column order.
var referees = []string{"versitygw", "seaweedfs", "ceph", "s3posttest"}

const (
	verdictsStart = "<!-- verdicts: made by TestReadmeVerdictTable in e2e/verdicts_test.go; go test ./e2e -run TestReadmeVerdictTable -update -->"
	verdictsEnd   = "<!-- verdicts end -->"
)

// String is the verdict as the table shows it, e.g. "403 AccessDenied",
// or what happened instead of an answer.
func (v verdict) String() string {
	if v.status == 0 {
		return v.code
	}
	if v.code == "" {
		return fmt.Sprintf("%d", v.status)
	}
	return fmt.Sprintf("%d %s", v.status, v.code)
}

// verdictRow is one case of the corpus as the verdict table shows it.
type verdictRow struct {
	name   string
	want   verdict
	differ map[string]difference
}

// corpus is every case of the verdict table: the uploads of uploadCases,
// then the malformed bodies of rawCases.
func corpus() []verdictRow {
	var rows []verdictRow
	for _, tc := range uploadCases() {
		rows = append(rows, verdictRow{tc.name, tc.want, tc.differ})
	}
	for _, tc := range rawCases() {
		rows = append(rows, verdictRow{tc.name, tc.want, tc.differ})
	}
	return rows
}

// verdictTable renders the corpus as a Markdown table: AWS's verdict for
// each case, and each referee's where it differs, with the reason in a
// list below.
func verdictTable() string {
	var b, notes strings.Builder
	b.WriteString("| Case | AWS | " + strings.Join(referees, " | ") + " |\n")
	b.WriteString("| --- | --- |" + strings.Repeat(" --- |", len(referees)) + "\n")
	reasons := map[string]int{}
	for _, tc := range corpus() {
		fmt.Fprintf(&b, "| %s | %s |", tc.name, tc.want)
		for _, name := range referees {
			d, ok := tc.differ[name]
			if !ok {
				b.WriteString(" same |")
				continue
			}
			n, seen := reasons[d.why]
			if !seen {
				n = len(reasons) + 1
				reasons[d.why] = n
				fmt.Fprintf(&notes, "%d. %s\n", n, strings.ReplaceAll(d.why, "${filename}", "`${filename}`"))
			}
			fmt.Fprintf(&b, " **%s** (%d) |", d.want, n)
		}
		b.WriteString("\n")
	}
	return b.String() + "\n" + notes.String()
}

// TestReadmeVerdictTable keeps the README's verdict table the corpus's own:
// it fails when the table differs from what the corpus renders, and -update
// rewrites it.
func TestReadmeVerdictTable(t *testing.T) {
	const readme = "../README.md"
	data, err := os.ReadFile(readme)
	require.NoError(t, err)
	text := string(data)
	start := strings.Index(text, verdictsStart)
	end := strings.Index(text, verdictsEnd)
	require.True(t, start >= 0 && end > start, "README.md has no verdict table between %q and %q", verdictsStart, verdictsEnd)
	want := text[:start+len(verdictsStart)] + "\n\n" + verdictTable() + "\n" + text[end:]
	if *update {
		require.NoError(t, os.WriteFile(readme, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, text, "README.md's verdict table is not the corpus's: run go test ./e2e -run TestReadmeVerdictTable -update")
}

// TestVerdictTableNamesEveryDifference checks the corpus itself: s3posttest
// never differs from AWS, and every difference of a real server has a
// reason and a verdict other than AWS's.
func TestVerdictTableNamesEveryDifference(t *testing.T) {
	t.Parallel()
	for _, tc := range corpus() {
		_, mem := tc.differ["s3posttest"]
		require.False(t, mem, "%s: s3posttest must give AWS's verdict", tc.name)
		for name, d := range tc.differ {
			require.Contains(t, referees, name, "%s: unknown server %q", tc.name, name)
			require.NotEmpty(t, d.why, "%s: %s differs without a reason", tc.name, name)
			require.NotEqual(t, tc.want, d.want, "%s: %s is listed as differing but gives AWS's verdict", tc.name, name)
			if d.want.status != 0 { // else no answer, d.want.code says what happened
				require.NotZero(t, http.StatusText(d.want.status), "%s: %s", tc.name, name)
			}
		}
	}
}
