package elftest_test

import (
	stdelf "debug/elf"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// The table and the committed files must list the same fixtures: a file
// build.sh makes that the table lacks is never tested, and the reverse
// fails Fixtures.
func TestTableMatchesTestdata(t *testing.T) {
	all := elftest.Fixtures(t)
	want := map[string]bool{}
	for _, f := range all {
		rel, err := filepath.Rel(elftest.FixtureDir(t), f.Path)
		require.NoError(t, err)
		want[rel] = true
	}
	var extra []string
	err := filepath.WalkDir(elftest.FixtureDir(t), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(elftest.FixtureDir(t), path)
		if !want[rel] {
			extra = append(extra, rel)
		}
		return err
	})
	require.NoError(t, err)
	assert.Empty(t, extra, "files in fixtures/testdata that the table in internal/elftest does not list")
	assert.Len(t, all, len(want), "two fixtures share a path")
}

func TestTableCoversVariants(t *testing.T) {
	for _, v := range elftest.Variants() {
		n := 0
		for _, f := range elftest.Table() {
			if f.Variant == v.Name {
				n++
			}
		}
		assert.NotZero(t, n, "variant %s has no files", v.Name)
	}
	assert.Len(t, elftest.Arches(), 7)
}

// Every fixture is what the table says it is, read back with debug/elf and
// through PT_DYNAMIC. This checks build.sh against the table, and Inspect.
func TestFixtureFacts(t *testing.T) {
	for _, f := range elftest.Fixtures(t) {
		t.Run(f.ID(), func(t *testing.T) {
			got, err := elftest.Inspect(f.Bytes(t))
			require.NoError(t, err)
			assert.Equal(t, f.Type, got.Type, "type")
			assert.Equal(t, f.Arch.Machine, got.Machine, "machine")
			assert.Equal(t, f.Arch.Class, got.Class, "class")
			assert.Equal(t, f.Arch.Data, got.Data, "byte order")
			assert.Equal(t, f.Flags, got.Flags, "e_flags")
			assert.Equal(t, f.PIE, got.PIE, "PIE")
			assert.Equal(t, f.Interp, got.Interp, "interpreter")
			assert.Equal(t, f.Needed, got.Needed, "DT_NEEDED")
			assert.Equal(t, f.Soname, got.Soname, "DT_SONAME")
			assert.Equal(t, f.RPath, got.RPath, "DT_RPATH")
			assert.Equal(t, f.RunPath, got.RunPath, "DT_RUNPATH")
			assert.Equal(t, f.GNUHash, got.GNUHash, "DT_GNU_HASH")
			assert.Equal(t, f.SysVHash, got.SysVHash, "DT_HASH")
			assert.Equal(t, f.SectionHeaders, got.SectionHeaders, "section headers")
			assert.Equal(t, f.Symtab, got.Symtab, ".symtab")
			assert.Equal(t, f.PageSize, got.PageSize, "page size")
			assert.Equal(t, int64(f.Payload), got.Payload, "payload")
			if f.Kind == elftest.Object || f.Type == stdelf.ET_EXEC && f.Kind == elftest.StaticProgram {
				assert.Empty(t, got.DynTags, "dynamic table")
			} else {
				assert.NotEmpty(t, got.DynTags, "dynamic table")
			}
		})
	}
}

// Linker output must pass Validate; otherwise Validate is too strict to
// judge what gopatchelf writes.
func TestFixturesAreValid(t *testing.T) {
	for _, f := range elftest.Fixtures(t) {
		t.Run(f.ID(), func(t *testing.T) {
			assert.Empty(t, elftest.Validate(f.Bytes(t)))
		})
	}
}

// No fixture may point at an existing directory: tests prove that a
// library was found through the RUNPATH they wrote, and nothing else.
func TestFixturesFindNoLibrary(t *testing.T) {
	for _, f := range elftest.Fixtures(t) {
		for _, p := range []string{f.RPath, f.RunPath} {
			if p != "" {
				assert.Equal(t, elftest.DummyPath, p, f.ID())
				assert.NoDirExists(t, p, f.ID())
			}
		}
		assert.False(t, strings.Contains(f.Path, "$ORIGIN"))
	}
}

func TestCopyTo(t *testing.T) {
	all := elftest.Fixtures(t)
	f := elftest.Select(all, func(f elftest.Fixture) bool {
		return f.ID() == "aarch64/pie/prog"
	})
	require.Len(t, f, 1)
	require.True(t, strings.HasSuffix(f[0].Path, ".gz"), "aarch64 files are padded to 64 KiB and stored gzipped")

	dir := t.TempDir()
	path := f[0].CopyTo(t, dir)
	assert.Equal(t, filepath.Join(dir, "prog"), path)
	elfFile, err := stdelf.Open(path)
	require.NoError(t, err)
	defer elfFile.Close()
	assert.Equal(t, stdelf.EM_AARCH64, elfFile.Machine)

	f[0].CopyDeps(t, all, dir)
	assert.FileExists(t, filepath.Join(dir, "libfoo.so"))
}
