package hook

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/libindex"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// TestIndexSameAsDirFS: the hook's index of a tree and its --libs (its own
// file system, named by relative display paths) is the index libindex
// builds over os.DirFS for the same files — the one the wheel command
// uses for --libs.
func TestIndexSameAsDirFS(t *testing.T) {
	root := realTemp(t)
	withRunpath, _, err := elf.Apply(fixture(t, "x86_64/transitive/libfoo.so"),
		elf.Edit{SetRunpath: true, Runpath: "$ORIGIN/x:" + root + "/store/e/lib"})
	require.NoError(t, err)
	files := map[string]file{
		"out/lib/libfoo.so":        bin(withRunpath),
		"out/lib/sub/libbar.so":    bin(fixture(t, "x86_64/transitive/libbar.so")),
		"out/lib/readme.so.txt":    text("not ELF"),
		"out/bin/prog":             bin(fixture(t, "x86_64/pie/prog")),
		"real/libfoo.so.1.2":       bin(fixture(t, "x86_64/pie/libfoo.so")),
		"store/a/lib/libfoo.so":    symlink("../../../real/libfoo.so.1.2"),
		"store/a/lib/libbar.so":    symlink("../../c/lib/libbar.so"),
		"store/c/lib/libbar.so":    bin(fixture(t, "aarch64/transitive/libbar.so")),
		"store/dangling/libfoo.so": symlink("nowhere.so"),
		"store/e/lib/libe.so":      bin(fixture(t, "x86_64/transitive/libbar.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	libs := []string{"store/dangling", "store/a/lib", "./store/c/lib/"}

	r := newRunner(Config{Paths: []string{"out"}, Libs: libs, Target: x64, DryRun: true})
	require.NoError(t, r.buildIndex(context.Background()))

	var ix resolver.Index
	b := libindex.Builder{Index: &ix}
	dirFS := libindex.DirFS("/")
	rootOf := func(p string, recursive bool) libindex.Root {
		if !strings.HasPrefix(p, "/") {
			p = root + "/" + p
		}
		p = DisplayPath(p)
		return libindex.Root{FS: dirFS, Name: strings.TrimPrefix(p, "/"), Path: p, Recursive: recursive}
	}
	follow := func(dir string) (libindex.Root, bool) { return rootOf(dir, false), true }
	require.NoError(t, b.Add(context.Background(), []libindex.Root{rootOf("out", true)}, libindex.Options{Follow: follow}))
	var roots []libindex.Root
	for _, l := range libs {
		roots = append(roots, rootOf(l, false))
	}
	require.NoError(t, b.Add(context.Background(), roots, libindex.Options{Follow: follow}))

	// libfoo and libbar of out, libe through the RUNPATH, libfoo of a;
	// a's libbar is c's, in c/lib, and c's own is the same library.
	require.Equal(t, 5, ix.Len())
	assert.Equal(t, ix.Len(), r.ix.Len())
	for _, name := range []string{"libfoo.so", "libbar.so", "libe.so", "libfoo.so.1.2", "readme.so.txt"} {
		assert.Equal(t, ix.Candidates(name), r.ix.Candidates(name), name)
	}
}
