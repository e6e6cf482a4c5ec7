package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/relink"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.txt from the current output")

func fixture(t testing.TB, id string) []byte {
	t.Helper()
	return elftest.FixtureBytes(t, id)
}

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, mode))
}

// withNeeded is a fixture whose DT_NEEDED entries are renamed, to stand for
// an extension module that needs, say, libpq.so.5.
func withNeeded(t testing.TB, id string, renames ...string) []byte {
	t.Helper()
	var e elf.Edit
	for i := 0; i+1 < len(renames); i += 2 {
		e.ReplaceNeeded = append(e.ReplaceNeeded, elf.Replacement{Old: renames[i], New: renames[i+1]})
	}
	out, _, err := elf.Apply(fixture(t, id), e)
	require.NoError(t, err)
	return out
}

// goldenTree lays out, under root, a build output shaped like a Python
// environment, two store paths, and a fake $NIX_BINTOOLS whose interpreter
// is an x86-64 ELF file (only its header is read).
func goldenTree(t testing.TB, root string) {
	t.Helper()
	w := func(name string, data []byte) { writeFile(t, filepath.Join(root, name), data, 0o755) }
	w("out/bin/prog", fixture(t, "x86_64/pie/prog"))
	w("out/bin/static", fixture(t, "x86_64/static/prog"))
	w("out/lib/libfoo.so", fixture(t, "x86_64/transitive/libfoo.so"))
	w("out/lib/foo.o", fixture(t, "x86_64/object/foo.o"))
	w("out/lib/arm/libfoo.so", fixture(t, "aarch64/pie/libfoo.so"))
	w("out/lib/python3.14/site-packages/psycopg_c/_psycopg.so",
		withNeeded(t, "x86_64/transitive/libfoo.so", "libbar.so", "libpq.so.5"))
	w("out/share/notes.so", []byte("a text file named .so\n"))
	require.NoError(t, os.Symlink("libfoo.so", filepath.Join(root, "out/lib/libfoo.so.1")))
	w("store/bar/lib/libbar.so", fixture(t, "x86_64/transitive/libbar.so"))
	w("store/pq/lib/libpq.so.5", withNeeded(t, "x86_64/transitive/libbar.so"))
	w("glibc/lib/ld-linux-x86-64.so.2", fixture(t, "x86_64/pie/libfoo.so"))
	w("glibc/lib/libc.so.6", nil)
	w("bintools/nix-support/dynamic-linker", []byte(root+"/glibc/lib/ld-linux-x86-64.so.2\n"))
	w("bintools/nix-support/orig-libc", []byte(root+"/glibc\n"))
}

type goldenCase struct {
	name string
	args []string
	env  map[string]string // NIX_BINTOOLS defaults to the fake one
	prep func(t *testing.T, root string)
}

func goldenCases() []goldenCase {
	auto := func(args ...string) []string { return append([]string{"auto"}, args...) }
	return []goldenCase{
		{name: "text", args: auto("--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "store/none/lib")},
		{name: "json", args: auto("--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "--structured-logs")},
		{name: "missing", args: auto("--paths", "out", "--libs", "store/bar/lib")},
		{name: "missing-json", args: auto("--paths", "out", "--structured-logs")},
		{name: "ignore-missing", args: auto("--ignore-missing", "libpq.so.*", "lib[!c]*.so", "--paths", "out")},
		{name: "ignore-missing-json", args: auto("--ignore-missing", "*", "--paths", "out", "--structured-logs")},
		{name: "explain", args: auto("--paths", "out", "--libs", "store/pq/lib", "store/bar/lib", "--explain")},
		{name: "explain-missing", args: auto("--paths", "out", "--libs", "store/bar/lib", "--explain", "--keep-libc")},
		{name: "explain-json", args: auto("--paths", "out", "--libs", "store/bar/lib", "--explain", "--structured-logs")},
		{name: "setup-hook-shape", args: auto("--ignore-missing", "--paths", "./out/", "--libs", "store/bar/lib", "store//pq/lib/",
			"--runtime-dependencies", "/run/opengl-driver/lib", "--append-rpaths", "/extra", "--keep-libc",
			"--extra-args", "--force-rpath", "--page-size", "65536", "--frobnicate")},
		{name: "no-paths", args: auto("--paths")},
		{name: "usage-required", args: auto("--libs", "x")},
		{name: "usage-unrecognized", args: auto("--paths", "out", "--bogus", "value")},
		{name: "usage-page-size", args: auto("--paths", "out", "--extra-args", "--page-size", "1000")},
		{name: "usage-fsync", args: auto("--paths", "out", "--fsync", "sometimes")},
		{name: "usage-write", args: auto("--paths", "out", "--write", "inplace")},
		{name: "help", args: auto("--help")},
		{name: "missing-path", args: auto("--paths", "out/bin/prog", "gone", "--libs", "store/bar/lib", "store/pq/lib")},
		{name: "truncated", args: auto("--paths", "out", "--libs", "store/bar/lib", "store/pq/lib"),
			prep: func(t *testing.T, root string) {
				writeFile(t, filepath.Join(root, "out/lib/broken.so"), fixture(t, "x86_64/pie/libfoo.so")[:300], 0o755)
			}},
		{name: "bad-interpreter", args: auto("--paths", "out"),
			prep: func(t *testing.T, root string) {
				writeFile(t, filepath.Join(root, "glibc/lib/ld-linux-x86-64.so.2"), []byte("#!/bin/sh\n"), 0o755)
			}},
		{name: "no-bintools-files", args: auto("--paths", "out"), env: map[string]string{"NIX_BINTOOLS": "$ROOT/nothing"}},
		{name: "standalone", args: auto("--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "--libc-dir", "glibc/lib"),
			env: map[string]string{"NIX_BINTOOLS": ""}},
	}
}

// TestGolden runs gopatchelf through run() on a fresh tree per case and
// compares exit code, stdout and stderr with testdata/golden/<case>.txt,
// where the temporary root reads $ROOT. go test -run TestGolden -update
// rewrites the files; review the diff.
func TestGolden(t *testing.T) {
	pkgDir, err := os.Getwd()
	require.NoError(t, err)
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			goldenTree(t, root)
			if tc.prep != nil {
				tc.prep(t, root)
			}
			t.Chdir(root)
			t.Setenv("NIX_BINTOOLS", root+"/bintools")
			t.Setenv("NIX_BUILD_CORES", "4")
			for k, v := range tc.env {
				t.Setenv(k, strings.ReplaceAll(v, "$ROOT", root))
			}
			before := treeBytes(t, root)

			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)

			got := formatGolden(code, stdout.String(), stderr.String(), root)
			path := filepath.Join(pkgDir, "testdata", "golden", tc.name+".txt")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)

			if code != 0 {
				// A failed run writes only what it could fully verify:
				// files it refused or could not parse are untouched.
				after := treeBytes(t, root)
				for _, name := range []string{"out/lib/broken.so", "out/bin/static", "out/lib/foo.o", "out/share/notes.so"} {
					assert.Equal(t, before[name], after[name], name)
				}
			}
		})
	}
}

func formatGolden(code int, stdout, stderr, root string) string {
	r := strings.NewReplacer(root, "$ROOT")
	return "-- exit --\n" + strconv.Itoa(code) + "\n-- stdout --\n" + r.Replace(stdout) + "-- stderr --\n" + r.Replace(stderr)
}

func treeBytes(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = data
		return err
	}))
	return out
}

// An unreadable file is an error naming it, the run fails with status 1,
// and the other files are still patched. Root reads everything, so this
// runs only as another user (hook's tests cover it with an injected FS).
func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read a file of mode 000")
	}
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	secret := filepath.Join(root, "out/lib/secret.so")
	writeFile(t, secret, fixture(t, "x86_64/pie/libfoo.so"), 0o755)
	require.NoError(t, os.Chmod(secret, 0))
	t.Cleanup(func() { os.Chmod(secret, 0o755) })
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", root+"/bintools")

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"auto", "--paths", "out", "--libs", "store/bar/lib", "store/pq/lib"},
		strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, exitFailure, code)
	assert.Equal(t, "gopatchelf: error: open out/lib/secret.so: permission denied\n"+
		"gopatchelf: error: 1 of 8 files could not be patched (see above)\n", stderr.String())
	assert.Contains(t, stdout.String(), "setting RPATH to: "+root+"/store/pq/lib\n")
}

// Standalone without --libc-dir: the system's libc directory is found, so
// libc.so.6 is left to the system's dynamic linker, as Nix's would be.
func TestStandaloneFindsSystemLibc(t *testing.T) {
	dir, ok := relink.SystemLibcDir("/", "", true)
	if !ok {
		t.Skip("no libc.so.6 in the usual system directories (NixOS?)")
	}
	fi, err := os.Stat(filepath.Join(dir, "libc.so.6"))
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular())

	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", "")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"auto", "--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "--explain"},
		strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "    libc.so.6 -> libc: left to the dynamic linker\n")
	assert.NotContains(t, stdout.String(), "setting interpreter")
}
