package hook

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

// Synced atomic replacements wait for the end of the patch phase (one
// flush of the file system for all), so while the run reports a file, its
// original is still in place; a replacement that fails then makes the file
// Failed and leaves it as it was, the others go through.
func TestSyncedReplacementsCommitAtTheEnd(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, ".")

	cfg := siteConfig()
	cfg.FS = OSFS{} // synced and atomic: what runs outside a Nix build
	var unchangedWhenReported []string
	var setRpath []string
	cfg.Events = func(e Event) {
		sr, ok := e.(SetRpath)
		if !ok {
			return
		}
		setRpath = append(setRpath, sr.File)
		if b, err := os.ReadFile(sr.File); err == nil && string(b) == string(before[sr.File]) {
			unchangedWhenReported = append(unchangedWhenReported, sr.File)
		}
		if sr.File == "out/lib/libfoo.so" { // its replacement will fail
			require.NoError(t, os.Remove(sr.File))
			require.NoError(t, os.MkdirAll(filepath.Join(sr.File, "x"), 0o755))
		}
	}
	rep, err := Run(context.Background(), cfg)
	require.Error(t, err)
	require.Contains(t, setRpath, "out/bin/prog")
	require.Contains(t, setRpath, "out/lib/libfoo.so")
	assert.Equal(t, setRpath, unchangedWhenReported, "no file is replaced before the end of the phase")

	outcomes := map[string]FileResult{}
	for _, f := range rep.Files {
		outcomes[f.Path] = f
	}
	assert.Equal(t, Patched, outcomes["out/bin/prog"].Outcome)
	assert.NotEqual(t, before["out/bin/prog"], readFile(t, "out/bin/prog"))
	failed := outcomes["out/lib/libfoo.so"]
	assert.Equal(t, Failed, failed.Outcome)
	assert.ErrorIs(t, failed.Err, syscall.EISDIR)
	assert.Contains(t, failed.Err.Error(), "out/lib/libfoo.so")
	assert.Contains(t, rep.Errors, failed.Err)

	var temps []string
	require.NoError(t, filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && atomicfile.IsTemp(d.Name()) {
			temps = append(temps, p)
		}
		return err
	}))
	assert.Empty(t, temps)
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
