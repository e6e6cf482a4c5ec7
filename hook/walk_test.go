package hook

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOverlapping(t *testing.T) {
	for _, tc := range []struct {
		roots []string
		want  bool
	}{
		{[]string{"out"}, false},
		{[]string{"out", "lib"}, false},
		{[]string{"out", "out-lib"}, false},
		{[]string{"out", "out"}, true},
		{[]string{"out", "./out/"}, true},
		{[]string{"out", "out/lib"}, true},
		{[]string{"out/lib/libfoo.so", "out"}, true},
		{[]string{"/", "out"}, true},
		{[]string{"/nix/store/a", "/nix/store/b"}, false},
	} {
		assert.Equal(t, tc.want, overlapping(tc.roots), "%q", tc.roots)
	}
}

// TestOverlappingRootsPatchEachFileOnce: a file under two --paths entries
// is patched and reported once, at its first place in the walk.
func TestOverlappingRootsPatchEachFileOnce(t *testing.T) {
	root := realTemp(t)
	files := map[string]file{
		"out/lib/libfoo.so":   bin(fixture(t, "x86_64/transitive/libfoo.so")),
		"out/lib/libbar.so":   bin(fixture(t, "x86_64/transitive/libbar.so")),
		"out/share/readme":    text("hello"),
		"libc/lib/libc.so.6":  text(""),
		"other/lib/libbar.so": bin(fixture(t, "x86_64/transitive/libbar.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)

	cfg := Config{Paths: []string{"out/lib", "out", "out/lib/libfoo.so", "out/lib"}, Target: x64, LibcDir: "libc/lib"}
	var lastDone, lastTotal int
	cfg.Progress = func(done, total int) { lastDone, lastTotal = done, total }
	_, rep, err := collect(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, 2, lastDone, "ELF files only: out/share/readme is not one")
	assert.Equal(t, 2, lastTotal, "the total counts each ELF file once")

	var paths []string
	for _, f := range rep.Files {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{"out/lib/libbar.so", "out/lib/libfoo.so"}, paths)
	assert.Equal(t, 1, rep.NotELF, "out/share/readme")
}

// TestTreeLibrariesParsedOnce: the index's parse of the trees' libraries
// serves the patch phase; only a file that is edited is opened again.
func TestTreeLibrariesParsedOnce(t *testing.T) {
	root := realTemp(t)
	files := map[string]file{
		"out/lib/libfoo.so":  bin(fixture(t, "x86_64/transitive/libfoo.so")), // needs libbar: edited
		"out/lib/libbar.so":  bin(fixture(t, "x86_64/transitive/libbar.so")), // needs libc only
		"out/share/readme":   text("hello"),
		"libc/lib/libc.so.6": text(""),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	ffs := &faultyFS{}

	cfg := Config{Paths: []string{"out"}, Target: x64, LibcDir: "libc/lib", FS: ffs}
	_, rep, err := collect(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Count(Patched))
	assert.Equal(t, 1, rep.Count(Unchanged))

	counts := map[string]int{}
	for _, p := range ffs.opened {
		counts[p]++
	}
	assert.Equal(t, map[string]int{
		"out/lib/libbar.so": 1,
		"out/lib/libfoo.so": 2,
		"out/share/readme":  1,
	}, counts)
}

func TestRawFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))
	f, err := OSFS{}.Open(path)
	require.NoError(t, err)

	size, err := f.Size()
	require.NoError(t, err)
	assert.Equal(t, int64(10), size)
	p := make([]byte, 4)
	n, err := f.ReadAt(p, 3)
	assert.NoError(t, err)
	assert.Equal(t, "3456", string(p[:n]))
	n, err = f.ReadAt(p, 8)
	assert.ErrorIs(t, err, io.EOF, "short read at the end")
	assert.Equal(t, "89", string(p[:n]))
	_, err = f.ReadAt(p, -1)
	assert.Error(t, err)

	require.NoError(t, f.Close())
	assert.ErrorIs(t, f.Close(), os.ErrClosed)
	_, err = OSFS{}.Open(filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "missing")
}

// TestPatchListTemps: the patch list, made by the index's walk, never
// holds a temporary file, even from a directory listed twice under
// overlapping roots. A dry run keeps the leftover in place, so it is left
// out, not removed.
func TestPatchListTemps(t *testing.T) {
	root := realTemp(t)
	files := map[string]file{
		"out/lib/libfoo.so":                   bin(fixture(t, "x86_64/transitive/libfoo.so")),
		"out/lib/.libfoo.so.gopatchelf-12345": text("being written"),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	for _, paths := range [][]string{{"out"}, {"out", "out/lib"}} {
		for _, ignoreExisting := range []bool{false, true} {
			r := newRunner(Config{Paths: paths, IgnoreExisting: ignoreExisting, DryRun: true})
			require.NoError(t, r.buildIndex(context.Background()))
			require.FileExists(t, "out/lib/.libfoo.so.gopatchelf-12345")
			var got []string
			for n := range r.patchList() {
				got = append(got, n.path)
			}
			assert.Equal(t, []string{"out/lib/libfoo.so"}, got, "IgnoreExisting=%v %q", ignoreExisting, paths)
		}
	}
}

// TestProgressCountsELFFiles (issue 13): the progress total is the number
// of ELF files the patch phase meets, known before it starts, and done
// counts them one by one: programs and libraries, whatever their names,
// and a file with the ELF magic that does not parse; not text files,
// files shorter than the magic, a text file named like a library, nor
// symbolic links (never patched).
func TestProgressCountsELFFiles(t *testing.T) {
	for _, ignoreExisting := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignore-existing=%v", ignoreExisting), func(t *testing.T) {
			root := realTemp(t)
			files := map[string]file{
				"out/bin/prog":          bin(fixture(t, "x86_64/pie/prog")),
				"out/lib/libfoo.so":     bin(fixture(t, "x86_64/transitive/libfoo.so")),
				"out/lib/libbar.so":     bin(fixture(t, "x86_64/transitive/libbar.so")),
				"out/lib/libbar.so.1":   symlink("libbar.so"),
				"out/lib/broken":        bin([]byte("\x7fELF but nothing else")),
				"out/lib/libscript.so":  text("INPUT(libfoo.so)"),
				"out/share/readme":      text("hello"),
				"out/share/short":       text("\x7fE"),
				"out/share/empty":       text(""),
				"store/bar/lib/libx.so": bin(fixture(t, "x86_64/transitive/libbar.so")),
			}
			makeTree(t, root, files, sortedNames(files))
			inDir(t, root)
			cfg := Config{Paths: []string{"out"}, Libs: []string{"store/bar/lib"}, Target: x64, LibcDir: "libc/lib",
				IgnoreExisting: ignoreExisting, IgnoreMissing: []string{"*"}}
			type call struct{ done, total int }
			var calls []call
			cfg.Progress = func(done, total int) { calls = append(calls, call{done, total}) }
			_, rep, _ := collect(t, cfg)
			assert.Equal(t, []call{{1, 4}, {2, 4}, {3, 4}, {4, 4}}, calls,
				"out/bin/prog, out/lib/broken, out/lib/libbar.so, out/lib/libfoo.so")
			assert.Len(t, rep.Files, 4)
			assert.Equal(t, 4, rep.NotELF)
		})
	}
}

// TestRealDir: a directory resolved through its parent's real path is
// what filepath.EvalSymlinks of its absolute path gives, through symlinked
// directories, "..", relative names and missing ones alike.
func TestRealDir(t *testing.T) {
	root := t.TempDir() // on some systems itself below a symlink
	for _, d := range []string{"real/a/b", "other/c"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	require.NoError(t, os.Symlink(filepath.Join(root, "other"), filepath.Join(root, "real", "link")))
	require.NoError(t, os.Symlink("../other/c", filepath.Join(root, "real", "a", "rel")))
	inDir(t, root)
	r := newRunner(Config{Paths: []string{"real"}})
	for _, dir := range []string{
		"real/a/b", "real/a/b", // the second from the cache
		"real/link/c", "real/link", "real/a/rel", "real/a/rel/../b",
		"real/a/b/..", ".", root + "/real/a/b", "real/missing/x",
	} {
		got, err := r.realDir(dir)
		abs, aerr := filepath.Abs(dir)
		require.NoError(t, aerr)
		want, werr := filepath.EvalSymlinks(abs)
		if werr != nil {
			assert.Error(t, err, dir)
			continue
		}
		require.NoError(t, err, dir)
		assert.Equal(t, want, got, dir)
	}
}
