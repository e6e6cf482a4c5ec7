package linkcheck

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderReport has a finding of each rendering case: two distributions
// and files no distribution owns, a missing library with the directories
// searched, a file rejected and a hint, an ignored one (no hint), a
// .note.dlopen entry (the hint names its first candidate) and an
// unreadable file.
func renderReport() *Report {
	return &Report{
		Files: []File{{}, {}, {}, {}},
		Findings: []Finding{
			{Severity: Error, Kind: MissingLibrary, File: "bin/prog", Object: "/t/lib/libfoo.so", Chain: []string{"bin/prog", "/t/lib/libfoo.so"},
				Soname: "libbar.so", Searched: []string{"/a", "/b"}, Rejected: []string{"/a/libbar.so: wrong architecture"}},
			{Severity: Error, Kind: Unreadable, File: "lib/broken.so", Detail: "malformed ELF"},
			{Severity: Error, Kind: MissingLibrary, File: "sp/psycopg_c/_psycopg.so", Dist: "psycopg_c 3.2.9", Soname: "libpq.so.5", Hint: "libpq"},
			{Severity: Warning, Kind: MissingLibrary, File: "sp/psycopg_c/_psycopg.so", Dist: "psycopg_c 3.2.9", Soname: "libz.so.1",
				Hint: "zlib", IgnoredBy: "libz*"},
			{Severity: Error, Kind: MissingLibrary, File: "sp/a,b:c%/m.so", Dist: "abc 1.0", Soname: "any(libx.so.1, libx.so)",
				Candidates: []string{"libx.so.1", "libx.so"}, Dlopen: true, Hint: "x"},
		},
	}
}

func TestWriteText(t *testing.T) {
	var b strings.Builder
	require.NoError(t, renderReport().WriteText(&b, "ADVICE"))
	assert.Equal(t, `abc 1.0
  sp/a,b:c%/m.so
    error: any(libx.so.1, libx.so) not found
      hint: libx.so.1 is usually provided by x: ADVICE
psycopg_c 3.2.9
  sp/psycopg_c/_psycopg.so
    error: libpq.so.5 not found
      hint: libpq.so.5 is usually provided by libpq: ADVICE
    warning: libz.so.1 not found; ignored by --ignore-missing "libz*"
(not in a Python distribution)
  bin/prog
    error: libbar.so not found (wanted by /t/lib/libfoo.so, loaded via bin/prog -> /t/lib/libfoo.so)
      searched: /a:/b
      rejected: /a/libbar.so: wrong architecture
gopatchelf check: 4 ELF files checked: 4 errors, 1 warning (1 ignored)
`, b.String())
}

func TestWriteGitHub(t *testing.T) {
	var b strings.Builder
	require.NoError(t, renderReport().WriteGitHub(&b, "ADVICE"))
	assert.Equal(t, `::error file=bin/prog::libbar.so not found (wanted by /t/lib/libfoo.so, loaded via bin/prog -> /t/lib/libfoo.so)
::error file=lib/broken.so::cannot read: malformed ELF
::error file=sp/psycopg_c/_psycopg.so::libpq.so.5 not found; hint: libpq.so.5 is usually provided by libpq: ADVICE
::warning file=sp/psycopg_c/_psycopg.so::libz.so.1 not found; ignored by --ignore-missing "libz*"
::error file=sp/a%2Cb%3Ac%25/m.so::any(libx.so.1, libx.so) not found; hint: libx.so.1 is usually provided by x: ADVICE
gopatchelf check: 4 ELF files checked: 4 errors, 1 warning
`, b.String())
}

// The summary line's counts, in words.
func TestSummaryLine(t *testing.T) {
	for _, tc := range []struct {
		rep  Report
		want string
	}{
		{Report{}, "gopatchelf check: 0 ELF files checked: no errors, no warnings\n"},
		{Report{Files: []File{{}}, Findings: []Finding{{Severity: Error}, {Severity: Warning}, {Severity: Warning}}},
			"gopatchelf check: 1 ELF file checked: 1 error, 2 warnings\n"},
	} {
		var b strings.Builder
		require.NoError(t, tc.rep.WriteGitHub(&b, ""))
		lines := strings.SplitAfter(b.String(), "\n")
		assert.Equal(t, tc.want, lines[len(lines)-2])
	}
}

func TestWriteJSON(t *testing.T) {
	var b strings.Builder
	require.NoError(t, renderReport().WriteJSON(&b))
	assert.True(t, strings.HasPrefix(b.String(), "{\n  \"version\": 1,\n"), b.String())
	assert.True(t, strings.HasSuffix(b.String(), "}\n"))
	assert.Contains(t, b.String(), `"message": "libbar.so not found (wanted by /t/lib/libfoo.so, loaded via bin/prog -> /t/lib/libfoo.so)"`)
	var doc struct {
		Summary Summary `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(b.String()), &doc))
	assert.Equal(t, Summary{Files: 4, Errors: 4, Warnings: 1, Ignored: 1}, doc.Summary)
}
