package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestReplaceKeepsModeAndReplacesInode(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		mode fs.FileMode
	}{
		{Options{}, 0o755},
		{Options{}, 0o644},
		{Options{}, 0o444},
		{Options{}, 0o700 | fs.ModeSetuid},
		{Options{NoSync: true}, 0o755}, // swapped with RENAME_EXCHANGE
		{Options{NoSync: true}, 0o444},
	} {
		mode := tc.mode
		t.Run(fmt.Sprintf("%v/nosync=%v", mode, tc.opts.NoSync), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "libfoo.so")
			require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
			require.NoError(t, os.Chmod(path, mode))
			before, err := os.Stat(path)
			require.NoError(t, err)

			require.NoError(t, os.Link(path, filepath.Join(dir, "other-name")))

			err = tc.opts.Replace(path, func(tmp *os.File) error {
				_, err := tmp.WriteString("new contents")
				return err
			})
			require.NoError(t, err)

			other, err := os.ReadFile(filepath.Join(dir, "other-name"))
			require.NoError(t, err)
			assert.Equal(t, "old", string(other), "another hard link keeps the old file")
			require.NoError(t, os.Remove(filepath.Join(dir, "other-name")))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, "new contents", string(got))
			after, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, mode, after.Mode()&permBits)
			assert.NotEqual(t, before.Sys().(*syscall.Stat_t).Ino, after.Sys().(*syscall.Stat_t).Ino,
				"the file is replaced by rename, not rewritten in place")
			assert.Equal(t, []string{"libfoo.so"}, dirNames(t, dir), "no temporary file is left")
		})
	}
}

func TestReplaceFailureLeavesOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(path, []byte("original"), 0o755))
	boom := errors.New("boom")

	err := Replace(path, func(tmp *os.File) error {
		_, _ = tmp.WriteString("half")
		return boom
	})
	require.ErrorIs(t, err, boom)

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "original", string(got))
	assert.Equal(t, []string{"prog"}, dirNames(t, dir))
}

func TestReplaceCopyStartsFromOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lib.so")
	require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))

	err := ReplaceCopy(path, func(tmp *os.File) error {
		if _, err := tmp.WriteAt([]byte("AB"), 4); err != nil {
			return err
		}
		return tmp.Truncate(8)
	})
	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "0123AB67", string(got))
}

func TestCreateRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.so")
	require.NoError(t, os.WriteFile(target, []byte("x"), 0o644))
	link := filepath.Join(dir, "link.so")
	require.NoError(t, os.Symlink("real.so", link))

	_, err := Create(link)
	assert.ErrorContains(t, err, "link.so: not a regular file")
	_, err = Create(dir)
	assert.ErrorContains(t, err, "not a regular file")
	_, err = Create(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ElementsMatch(t, []string{"real.so", "link.so"}, dirNames(t, dir))
}

func TestCleanupAfterCommitIsNoop(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(path, []byte("a"), 0o644))
	p, err := Create(path)
	require.NoError(t, err)
	_, err = p.WriteString("b")
	require.NoError(t, err)
	require.NoError(t, p.Commit())
	assert.NoError(t, p.Cleanup())
	assert.Error(t, p.Commit(), "a second Commit is refused")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "b", string(got))
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".libfoo.so.gopatchelf-123456": true,
		".a.gopatchelf-1":              true,
		"libfoo.so.gopatchelf-123":     false, // not hidden
		".libfoo.so.gopatchelf-":       false, // no random part
		".gopatchelf-123":              false, // no target name
		".libfoo.so":                   false,
		"libfoo.so":                    false,
	} {
		assert.Equal(t, want, IsTemp(name), name)
	}
}

func TestTempNamesAreRecognised(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "libfoo.so.1")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
	p, err := Create(path)
	require.NoError(t, err)
	defer p.Cleanup()
	assert.True(t, IsTemp(filepath.Base(p.Name())), p.Name())
	assert.Equal(t, dir, filepath.Dir(p.Name()))
}
