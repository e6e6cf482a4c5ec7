package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCreateTemp: names as os.CreateTemp makes them (the directory joined
// uncleaned), new files only, mode 0600, each one a temporary file name
// IsTemp knows.
func TestCreateTemp(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for _, d := range []string{dir, dir + "/", dir + "/./"} {
		f, err := createTemp(d, ".lib.so"+tempMarker)
		require.NoError(t, err)
		name := f.Name()
		require.NoError(t, f.Close())
		assert.True(t, strings.HasPrefix(name, strings.TrimSuffix(d, "/")+"/.lib.so"+tempMarker), name)
		assert.True(t, IsTemp(filepath.Base(name)), name)
		assert.False(t, seen[name], "name used twice: %s", name)
		seen[name] = true
		fi, err := os.Stat(name)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	_, err := createTemp(filepath.Join(dir, "missing"), ".x"+tempMarker)
	var pe *os.PathError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, pe.Path, filepath.Join(dir, "missing"))
}

func TestOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))
	f, err := openFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("ab"), 4)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "0123ab6789", string(got))

	_, err = openFile(path+"-missing", os.O_RDONLY, 0)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.EqualError(t, err, "open "+path+"-missing: no such file or directory")
}
