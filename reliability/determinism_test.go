package reliability

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// detTree is a tree where order could matter: two providers of the same
// library name, programs in several dirs, symlinked library names, an
// RPATH to convert, a file without section headers and a text file.
func detTree(t *testing.T) map[string]file {
	t.Helper()
	out := map[string]file{}
	for _, fx := range elftest.Fixtures(t) {
		if fx.Arch.Name != "x86_64" {
			continue
		}
		switch fx.Variant {
		case "transitive":
			out["a/lib/"+fx.Name] = file{data: fx.Bytes(t)}
			out["z/lib/"+fx.Name] = file{data: fx.Bytes(t)}
			if fx.Name == "prog" {
				for _, d := range []string{"bin", "m/bin", "0/bin"} {
					out[d+"/prog"] = file{data: fx.Bytes(t)}
				}
			}
		case "rpath", "noshdrs", "hash-sysv":
			out[fx.Variant+"/"+fx.Name] = file{data: fx.Bytes(t)}
		}
	}
	out["a/lib/libfoo.so.1"] = file{link: "libfoo.so"}
	out["z/lib/libbar.so.1"] = file{link: "../../a/lib/libbar.so"}
	out["share/doc.txt"] = file{data: []byte("text\n")}
	return out
}

type file struct {
	data []byte
	link string
}

func makeTree(t *testing.T, root string, files map[string]file, order []string) {
	t.Helper()
	for _, rel := range order {
		f := files[rel]
		p := filepath.Join(root, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if f.link != "" {
			require.NoError(t, os.Symlink(f.link, p))
			continue
		}
		require.NoError(t, os.WriteFile(p, f.data, 0o755))
	}
}

// TestDeterminism: the same tree created in two orders (so that readdir
// order may differ) and patched with NIX_BUILD_CORES=1 and 8 gives the
// same bytes and the same log lines. A second run writes no file: the
// inodes and mtimes stay as they were. All of it in both write modes,
// which give the same bytes and logs; in place, every file keeps its inode.
func TestDeterminism(t *testing.T) {
	files := detTree(t)
	// The same paths for both modes: RUNPATHs are absolute.
	tmp := t.TempDir()
	byMode := map[string]map[string]entry{}
	logs := map[string]string{}
	for _, mode := range writeModes {
		t.Run(mode, func(t *testing.T) {
			byMode[mode], logs[mode] = determinism(t, tmp, files, mode)
		})
	}
	require.Len(t, byMode, len(writeModes))
	for p, e := range byMode["atomic"] {
		assert.Equal(t, e.hash, byMode["in-place"][p].hash, "%s: in place differs from atomic", p)
	}
	assert.Len(t, byMode["in-place"], len(byMode["atomic"]))
	assert.Equal(t, logs["atomic"], logs["in-place"], "the log depends on the write mode")
}

// determinism runs TestDeterminism with --write mode and returns the tree
// patched and the log of the first run.
func determinism(t *testing.T, tmp string, files map[string]file, mode string) (map[string]entry, string) {
	order := make([]string, 0, len(files))
	for p := range files {
		order = append(order, p)
	}
	slices.Sort(order)
	reversed := slices.Clone(order)
	slices.Reverse(reversed)

	interp := interpreterFile(t, tmp)
	nolibc := noLibc(t, tmp)
	tree := filepath.Join(tmp, "tree") // the same path both times: RUNPATHs are absolute

	type outcome struct {
		files          map[string]entry
		stdout, stderr string
	}
	var results []outcome
	for i, c := range []struct {
		order []string
		cores string
	}{{order, "1"}, {reversed, "8"}, {order, "8"}, {reversed, "1"}} {
		require.NoError(t, os.RemoveAll(tree))
		makeTree(t, tree, files, c.order)
		before := snapshot(t, tree)
		res := runBin(t, []string{"NIX_BUILD_CORES=" + c.cores}, autoArgs(tree, interp, nolibc, "--write", mode)...)
		require.Equal(t, 0, res.code, "run %d: %s", i, res.stderr)
		results = append(results, outcome{contents(snapshot(t, tree)), res.stdout, res.stderr})
		if mode == "in-place" {
			for p, e := range results[i].files {
				assert.Equal(t, before[p].inode, e.inode, "run %d: %s has a new inode in place", i, p)
			}
		}
		if i > 0 {
			for p, e := range results[0].files {
				assert.Equal(t, e.hash, results[i].files[p].hash, "run %d (cores %s): %s differs", i, c.cores, p)
			}
			assert.Equal(t, results[0].stdout, results[i].stdout, "run %d: stdout differs", i)
			assert.Equal(t, results[0].stderr, results[i].stderr, "run %d: stderr differs", i)
		}
	}
	patched := 0
	for p, e := range results[0].files {
		if f := files[p]; f.link == "" && e.hash != sha(f.data) {
			patched++
		}
	}
	require.Greater(t, patched, 4, "too few files patched to prove anything")

	// Idempotence: run again over the last tree.
	before := snapshot(t, tree)
	res := runBin(t, []string{"NIX_BUILD_CORES=2"}, autoArgs(tree, interp, nolibc, "--write", mode)...)
	require.Equal(t, 0, res.code, res.stderr)
	after := snapshot(t, tree)
	for p, e := range before {
		a := after[p]
		assert.Equal(t, e.inode, a.inode, "%s: rewritten by the second run (new inode)", p)
		assert.Equal(t, e.mtime, a.mtime, "%s: touched by the second run", p)
		assert.Equal(t, e.hash, a.hash, p)
	}
	assert.Len(t, after, len(before))
	return results[0].files, results[0].stdout + results[0].stderr
}
