package elftest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// Debian's patchelf agrees with the fixture table wherever it can read the
// file (it needs section headers).
func TestPatchelfPrintAgreesWithTable(t *testing.T) {
	elftest.LookPath(t, "patchelf")
	for _, f := range elftest.Fixtures(t) {
		if f.Kind == elftest.Object || f.Kind == elftest.StaticProgram {
			continue
		}
		t.Run(f.ID(), func(t *testing.T) {
			path := f.CopyTo(t, t.TempDir())
			if !f.SectionHeaders {
				_, err := elftest.PatchelfPrint(t, path, "--print-rpath")
				assert.ErrorContains(t, err, "no section headers")
				return
			}
			rpath, err := elftest.PatchelfPrint(t, path, "--print-rpath")
			require.NoError(t, err)
			assert.Equal(t, f.RPath+f.RunPath, rpath)
			needed, err := elftest.PatchelfPrint(t, path, "--print-needed")
			require.NoError(t, err)
			assert.Equal(t, strings.Join(f.Needed, "\n"), needed)
			if f.Kind == elftest.Library {
				soname, err := elftest.PatchelfPrint(t, path, "--print-soname")
				require.NoError(t, err)
				assert.Equal(t, f.Soname, soname)
			} else {
				interp, err := elftest.PatchelfPrint(t, path, "--print-interpreter")
				require.NoError(t, err)
				assert.Equal(t, f.Interp, interp)
			}
		})
	}
}

func TestNewComplaints(t *testing.T) {
	before := []string{
		"eu-elflint: section [ 5] '.dynsym': symbol 2: bad",
		"readelf: Warning: odd thing at 0x1234",
	}
	after := []string{
		"eu-elflint: section [ 6] '.dynsym': symbol 2: bad", // the same, about a moved section
		"readelf: Warning: odd thing at 0x1234",
		"readelf: Warning: odd thing at 0x9999", // one more of the same kind
		"eu-elflint: exit status 1",
	}
	assert.Equal(t, []string{"eu-elflint: exit status 1", "readelf: Warning: odd thing at 0x9999"},
		elftest.NewComplaints(before, after))
	assert.Empty(t, elftest.NewComplaints(after, before))
}

func TestComplaints(t *testing.T) {
	all := elftest.Fixtures(t)
	pie := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == "s390x/pie/prog" })[0]
	path := pie.CopyTo(t, t.TempDir())
	assert.Empty(t, elftest.Complaints(t, path), "linker output")

	// Cut the section header table off: both tools notice.
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	broken := filepath.Join(t.TempDir(), "prog")
	require.NoError(t, os.WriteFile(broken, data[:len(data)-100], 0o755))
	got := elftest.NewComplaints(elftest.Complaints(t, path), elftest.Complaints(t, broken))
	assert.NotEmpty(t, got)
	for _, line := range got {
		assert.NotContains(t, line, broken, "the path is replaced by FILE")
	}
	joined := strings.Join(got, "\n")
	assert.Contains(t, joined, "readelf: ")
	assert.Contains(t, joined, "eu-elflint: ")
}
