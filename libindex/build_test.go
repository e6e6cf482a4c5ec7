package libindex

import (
	"archive/zip"
	"bytes"
	"context"
	stdelf "debug/elf"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// entry is one file of a test tree: contents, or a symlink target.
type entry struct {
	data []byte
	link string
}

// source makes a Root holding files, named as a file system of one kind.
type source struct {
	name     string
	symlinks bool // the kind can hold symlinks (a wheel's zip cannot)
	make     func(t *testing.T, files map[string]entry) (fsys fs.FS, path string)
}

var sources = []source{
	{"directory", true, func(t *testing.T, files map[string]entry) (fs.FS, string) {
		dir, err := filepath.EvalSymlinks(t.TempDir())
		require.NoError(t, err)
		for name, e := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			if e.link != "" {
				require.NoError(t, os.Symlink(e.link, p))
				continue
			}
			require.NoError(t, os.WriteFile(p, e.data, 0o755))
		}
		return DirFS(dir), dir
	}},
	{"zip", false, func(t *testing.T, files map[string]entry) (fs.FS, string) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range sortedKeys(files) {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
			require.NoError(t, err)
			_, err = w.Write(files[name].data)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		require.NoError(t, err)
		return zr, "/<wheel>"
	}},
	{"MapFS", true, func(t *testing.T, files map[string]entry) (fs.FS, string) {
		m := fstest.MapFS{}
		for name, e := range files {
			if e.link != "" {
				m[name] = &fstest.MapFile{Data: []byte(e.link), Mode: fs.ModeSymlink}
				continue
			}
			m[name] = &fstest.MapFile{Data: e.data, Mode: 0o755}
		}
		return m, "/map"
	}},
}

func sortedKeys(m map[string]entry) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestSameIndexFromEveryFS: the same libraries give the same index, in the
// same order, from a directory on disk, a zip and an fstest.MapFS, with one
// worker or many. Directories are compared relative to each root.
func TestSameIndexFromEveryFS(t *testing.T) {
	fix := func(id string) []byte { return elftest.FixtureBytes(t, id) }
	withRunpath, changed, err := elf.Apply(fix("x86_64/transitive/libfoo.so"),
		elf.Edit{SetRunpath: true, Runpath: "$ORIGIN/x:${ORIGIN}/y:/deps"})
	require.NoError(t, err)
	require.True(t, changed)

	base := map[string]entry{
		"lib/libfoo.so":     {data: fix("x86_64/transitive/libfoo.so")},
		"lib/notes.so":      {data: []byte("not ELF")},
		"lib/tiny.so":       {data: []byte("\x7fE")},
		"lib/prog":          {data: fix("x86_64/pie/prog")}, // ELF, but no .so in its name
		"lib/sub/libbar.so": {data: fix("x86_64/transitive/libbar.so")},
		"a.libs/libbar.so":  {data: fix("aarch64/transitive/libbar.so")},
		"lib/dir.so/readme": {data: []byte("a directory named like a library")},
		"deps/libdep.so":    {data: fix("x86_64/transitive/libbar.so")},
	}
	withLinks := map[string]entry{
		"lib/libbar.so.1.0":   {data: fix("x86_64/transitive/libbar.so")},
		"lib/libbar.so.1":     {link: "libbar.so.1.0"},        // another name: the link's directory
		"other/libbar.so.1":   {link: "../lib/libbar.so.1.0"}, // another name: other/
		"other/libbar.so.1.0": {link: "../lib/libbar.so.1.0"}, // same name: lib/
		"other/dangling.so":   {link: "nowhere.so"},
	}
	closure := map[string]entry{
		"lib/libfoo.so":      {data: withRunpath},
		"deps/libbar.so":     {data: fix("x86_64/transitive/libbar.so")},
		"deps/sub/libsub.so": {data: fix("x86_64/transitive/libbar.so")},
	}
	for _, tc := range []struct {
		name      string
		files     map[string]entry
		root      string
		recursive bool
		follow    bool
		symlinks  bool
		want      []string
	}{
		{name: "recursive", files: base, root: ".", recursive: true, want: []string{
			"a.libs/libbar.so AARCH64", "deps/libdep.so X86_64", "lib/libfoo.so X86_64", "lib/sub/libbar.so X86_64",
		}},
		{name: "one directory", files: base, root: "lib", want: []string{"lib/libfoo.so X86_64"}},
		{name: "one file", files: base, root: "lib/sub/libbar.so", want: []string{"lib/sub/libbar.so X86_64"}},
		{name: "a file without .so", files: base, root: "lib/prog"},
		{name: "missing", files: base, root: "nope"},
		{name: "symlinks", files: withLinks, root: ".", recursive: true, symlinks: true, want: []string{
			"lib/libbar.so.1 X86_64", "lib/libbar.so.1.0 X86_64", "other/libbar.so.1 X86_64", "lib/libbar.so.1.0 X86_64",
		}},
		{name: "RUNPATH followed", files: closure, root: "lib", follow: true, want: []string{
			"lib/libfoo.so X86_64", "deps/libbar.so X86_64",
		}},
		{name: "RUNPATH followed, recursion inherited", files: closure, root: "lib", recursive: true, follow: true, want: []string{
			"lib/libfoo.so X86_64", "deps/libbar.so X86_64", "deps/sub/libsub.so X86_64",
		}},
		{name: "RUNPATH not followed", files: closure, root: "lib", want: []string{"lib/libfoo.so X86_64"}},
	} {
		for _, src := range sources {
			if tc.symlinks && !src.symlinks {
				continue
			}
			t.Run(tc.name+"/"+src.name, func(t *testing.T) {
				fsys, top := src.make(t, tc.files)
				for _, workers := range []int{1, 4} {
					root := Root{FS: fsys, Name: tc.root, Path: Join(top, tc.root), Recursive: tc.recursive}
					if tc.root == "." {
						root.Path = top
					}
					var ix resolver.Index
					var got []string
					b := Builder{Index: &ix}
					opts := Options{Workers: workers, Found: func(_ Root, n Node, act Action, lib Lib) {
						assert.Equal(t, Read, act)
						if lib.Library.Name == "" {
							return
						}
						rel := strings.TrimPrefix(strings.TrimPrefix(lib.Library.Dir, top), "/")
						got = append(got, Join(rel, lib.Library.Name)+" "+strings.TrimPrefix(lib.Library.Machine.String(), "EM_"))
					}}
					if tc.follow {
						opts.Follow = func(dir string) (Root, bool) {
							if dir != "/deps" {
								t.Errorf("followed %q", dir)
								return Root{}, false
							}
							return Root{FS: fsys, Name: "deps", Path: top + "/deps"}, true
						}
					}
					require.NoError(t, b.Add(context.Background(), []Root{root}, opts))
					assert.Equal(t, tc.want, got, "%d workers", workers)
					distinct := map[string]bool{}
					for _, w := range tc.want {
						distinct[w] = true
					}
					assert.Equal(t, len(distinct), ix.Len(), "a library met twice is indexed once")
				}
			})
		}
	}
}

// TestLookupAfterBuild: the first compatible library wins, whichever file
// system it came from.
func TestLookupAfterBuild(t *testing.T) {
	x64 := resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	files := map[string]entry{
		"a/libbar.so": {data: elftest.FixtureBytes(t, "aarch64/transitive/libbar.so")},
		"b/libbar.so": {data: elftest.FixtureBytes(t, "x86_64/transitive/libbar.so")},
		"c/libbar.so": {data: elftest.FixtureBytes(t, "x86_64/transitive/libbar.so")},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			fsys, top := src.make(t, files)
			var ix resolver.Index
			b := Builder{Index: &ix}
			require.NoError(t, b.Add(context.Background(), []Root{
				{FS: fsys, Name: "c", Path: top + "/c"}, {FS: fsys, Name: "a", Path: top + "/a"}, {FS: fsys, Name: "b", Path: top + "/b"},
				{FS: fsys, Name: "c", Path: top + "/c"}, // read once
			}, Options{}))
			lib, ok := ix.Lookup("libbar.so", x64)
			require.True(t, ok)
			assert.Equal(t, top+"/c", lib.Dir)
			assert.Len(t, ix.Candidates("libbar.so"), 3)
		})
	}
}
