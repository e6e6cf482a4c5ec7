package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groupTree makes n files "old-i" under dir/a and dir/b, with mode 0o751.
func groupTree(t *testing.T, n int) (dir string, paths []string) {
	t.Helper()
	dir = t.TempDir()
	for i := range n {
		p := filepath.Join(dir, string(rune('a'+i%2)), fmt.Sprintf("lib%d.so", i))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf("old-%d", i)), 0o600))
		require.NoError(t, os.Chmod(p, 0o751))
		paths = append(paths, p)
	}
	return dir, paths
}

func groupReplace(t *testing.T, o Options, paths []string) {
	t.Helper()
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() {
			err := o.ReplaceCopy(p, func(tmp *os.File) error {
				_, err := tmp.WriteAt([]byte("new"), 0)
				return err
			})
			assert.NoError(t, err, "replacement %d", i)
		})
	}
	wg.Wait()
}

func contents(t *testing.T, paths []string) []string {
	t.Helper()
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	return out
}

func tempsUnder(t *testing.T, dir string) []string {
	t.Helper()
	var temps []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && IsTemp(d.Name()) {
			temps = append(temps, p)
		}
		return err
	}))
	return temps
}

func TestGroupCommitReplacesAllAtTheEnd(t *testing.T) {
	dir, paths := groupTree(t, 6)
	g := NewGroup()
	groupReplace(t, Options{Group: g}, paths)

	assert.Equal(t, []string{"old-0", "old-1", "old-2", "old-3", "old-4", "old-5"}, contents(t, paths),
		"nothing is replaced before Commit")
	assert.Len(t, tempsUnder(t, dir), 6)
	assert.Equal(t, 6, g.Len())

	assert.Nil(t, g.Commit())
	assert.Equal(t, []string{"new-0", "new-1", "new-2", "new-3", "new-4", "new-5"}, contents(t, paths))
	assert.Empty(t, tempsUnder(t, dir))
	for _, p := range paths {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o751), fi.Mode().Perm(), p)
	}
	assert.Nil(t, g.Commit(), "a second Commit does nothing")
}

func TestGroupAbortLeavesOriginals(t *testing.T) {
	dir, paths := groupTree(t, 4)
	g := NewGroup()
	groupReplace(t, Options{Group: g}, paths)
	g.Abort()
	assert.Equal(t, []string{"old-0", "old-1", "old-2", "old-3"}, contents(t, paths))
	assert.Empty(t, tempsUnder(t, dir))
	assert.Nil(t, g.Commit(), "Commit after Abort does nothing")
	assert.Equal(t, []string{"old-0", "old-1", "old-2", "old-3"}, contents(t, paths))
}

func TestGroupCommitReportsEachFailure(t *testing.T) {
	dir, paths := groupTree(t, 3)
	g := NewGroup()
	groupReplace(t, Options{Group: g}, paths)
	// The second original becomes a non-empty directory: renaming a
	// file over it fails, the others still go through.
	require.NoError(t, os.Remove(paths[1]))
	require.NoError(t, os.MkdirAll(filepath.Join(paths[1], "x"), 0o755))

	errs := g.Commit()
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[paths[1]], syscall.EISDIR)
	assert.Contains(t, errs[paths[1]].Error(), paths[1])
	assert.Equal(t, []string{"new-0", "new-2"}, contents(t, []string{paths[0], paths[2]}))
	assert.Empty(t, tempsUnder(t, dir), "the temporary file not renamed is removed")
}

func TestGroupNotUsedWithoutSyncOrInPlace(t *testing.T) {
	for _, o := range []Options{{NoSync: true}, {InPlace: true}} {
		t.Run(fmt.Sprintf("nosync=%v/in-place=%v", o.NoSync, o.InPlace), func(t *testing.T) {
			_, paths := groupTree(t, 2)
			g := NewGroup()
			o.Group = g
			groupReplace(t, o, paths)
			assert.Equal(t, []string{"new-0", "new-1"}, contents(t, paths), "replaced at once")
			assert.Equal(t, 0, g.Len())
		})
	}
}

func TestGroupFailedFillLeavesNothing(t *testing.T) {
	dir, paths := groupTree(t, 1)
	g := NewGroup()
	err := Options{Group: g}.ReplaceCopy(paths[0], func(*os.File) error { return fmt.Errorf("refused") })
	require.EqualError(t, err, "refused")
	assert.Equal(t, 0, g.Len())
	assert.Empty(t, tempsUnder(t, dir))
	assert.Nil(t, g.Commit())
	assert.Equal(t, []string{"old-0"}, contents(t, paths))
}
