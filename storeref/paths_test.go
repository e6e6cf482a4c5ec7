package storeref

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// pathsTree makes a tree with an ELF library whose RUNPATH is in the store,
// a text file naming a store path, a symbolic link into the store and a
// clean file, and returns its root and the library's bytes.
func pathsTree(t *testing.T) (string, []byte) {
	t.Helper()
	root := t.TempDir()
	lib := storeify(t, elftest.FixtureBytes(t, "x86_64/pie/libfoo.so"), false, "/nix/store/"+hashA+"-krb5/lib:$ORIGIN")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "lib"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "lib", "libfoo.so"), lib, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "b.txt"), []byte("see /nix/store/"+hashB+"-doc/share\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "clean"), []byte("nothing\n"), 0o644))
	require.NoError(t, os.Symlink("/nix/store/"+hashB+"-doc/bin/x", filepath.Join(root, "a-link")))
	return root, lib
}

func paths(files []FileReport) []string {
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f.Path))
	}
	return out
}

func TestScanPaths(t *testing.T) {
	root, _ := pathsTree(t)
	rep, err := ScanPaths(context.Background(), []string{root, filepath.Join(root, "missing")}, DefaultStoreDir)
	require.NoError(t, err)
	assert.Equal(t, []string{"a-link", "b.txt", "libfoo.so"}, paths(rep.Files), "walk order: sorted, links included")
	assert.Equal(t, []string{"/nix/store/" + hashA + "-krb5", "/nix/store/" + hashB + "-doc"}, rep.StorePaths)
	assert.Equal(t, 3, rep.Remaining())
	require.Len(t, rep.Errors, 1)
	assert.Equal(t, filepath.Join(root, "missing"), rep.Errors[0].Path)
	assert.Equal(t, Symlink, rep.Files[0].Refs[0].Kind)
	assert.Equal(t, Runpath, rep.Files[2].Refs[0].Kind)

	// The JSON document's top-level keys and the empty lists it never
	// leaves out (doc.go's schema).
	clean, err := ScanPaths(context.Background(), []string{filepath.Join(root, "clean")}, DefaultStoreDir)
	require.NoError(t, err)
	b, err := json.Marshal(clean)
	require.NoError(t, err)
	assert.JSONEq(t, `{"store_dir":"/nix/store","files":[],"store_paths":[],"errors":[]}`, string(b))
}

func TestScrubPaths(t *testing.T) {
	root, lib := pathsTree(t)
	libPath := filepath.Join(root, "lib", "libfoo.so")

	dry, err := ScrubPaths(context.Background(), []string{root}, ScrubConfig{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, 1, dry.Scrubbed)
	got, err := os.ReadFile(libPath)
	require.NoError(t, err)
	assert.Equal(t, lib, got, "a dry run writes nothing")

	rep, err := ScrubPaths(context.Background(), []string{root}, ScrubConfig{})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Scrubbed)
	assert.Empty(t, rep.Errors)
	assert.Equal(t, []string{"a-link", "b.txt", "libfoo.so"}, paths(rep.Files))
	assert.Equal(t, 2, rep.Remaining(), "the text file's and the link's remain")
	assert.Equal(t, []string{"a-link", "b.txt"}, paths(rep.WithRefs()))
	assert.Equal(t, []string{"/nix/store/" + hashB + "-doc"}, rep.StorePaths)
	assert.Equal(t, "$ORIGIN", mustParse(t, readFile(t, libPath)).SearchPath())

	again, err := ScrubPaths(context.Background(), []string{root}, ScrubConfig{})
	require.NoError(t, err)
	assert.Equal(t, 0, again.Scrubbed, "a second run changes nothing")
}

// TestScrubPathsUnwritable is issue 13 point 7: a file that could not be
// written is an error, left as it was, and its references count as
// remaining. chattr +i makes it unwritable even for root.
func TestScrubPathsUnwritable(t *testing.T) {
	root, lib := pathsTree(t)
	libPath := filepath.Join(root, "lib", "libfoo.so")
	if out, err := exec.Command("chattr", "+i", libPath).CombinedOutput(); err != nil {
		elftest.Unavailable(t, "chattr +i: %s", strings.TrimSpace(string(out)))
		return
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", libPath).Run() })

	rep, err := ScrubPaths(context.Background(), []string{filepath.Join(root, "lib")}, ScrubConfig{})
	require.NoError(t, err)
	require.Len(t, rep.Errors, 1)
	assert.Equal(t, libPath, rep.Errors[0].Path)
	assert.Equal(t, 0, rep.Scrubbed)
	assert.Equal(t, 1, rep.Remaining())
	require.Len(t, rep.Files, 1)
	assert.False(t, *rep.Files[0].Changed)
	assert.Equal(t, lib, readFile(t, libPath))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
