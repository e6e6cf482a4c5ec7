package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
)

// checkTree lays out, under root, a build output and a site-packages that
// need libraries from two "store" directories, and a stand-in glibc (the
// program's interpreter; its libc.so.6 is a fixture library, which defines
// no versions, so glibc versions are not compared). The golden cases pass
// --no-default-dirs so that the host's own /lib never shows.
func checkTree(t testing.TB, root string) {
	t.Helper()
	w := func(name string, data []byte) { writeFile(t, filepath.Join(root, name), data, 0o755) }
	prog, _, err := elf.Apply(fixture(t, "x86_64/transitive/prog"), elf.Edit{
		Interpreter: root + "/glibc/lib/ld-linux-x86-64.so.2",
		SetRunpath:  true, Runpath: "$ORIGIN/../lib",
	})
	require.NoError(t, err)
	w("out/bin/prog", prog)
	w("out/bin/static", fixture(t, "x86_64/static/prog"))
	w("out/lib/libfoo.so", fixture(t, "x86_64/transitive/libfoo.so"))
	w("out/share/notes.so", []byte("a text file named .so\n"))
	sp := "lib/python3.14/site-packages/"
	w(sp+"psycopg_c/_psycopg.cpython-314-x86_64-linux-gnu.so",
		withNeeded(t, "x86_64/transitive/libfoo.so", "libbar.so", "libpq.so.5"))
	w(sp+"psycopg_c-3.2.9.dist-info/RECORD", []byte(
		"psycopg_c/_psycopg.cpython-314-x86_64-linux-gnu.so,sha256=AAAA,1234\npsycopg_c-3.2.9.dist-info/RECORD,,\n"))
	w("store/bar/lib/libbar.so", fixture(t, "x86_64/transitive/libbar.so"))
	w("store/pq/lib/libpq.so.5", withNeeded(t, "x86_64/transitive/libbar.so"))
	w("glibc/lib/ld-linux-x86-64.so.2", standInLoader(t))
	w("glibc/lib/libc.so.6", renamed(t, "x86_64/pie/libfoo.so", "libc.so.6"))
}

// standInLoader is a loader as check sees one (a shared object with no
// interpreter and no DT_NEEDED) without glibc's table of default
// directories, so that it searches its own directory, as Nix's glibc.
func standInLoader(t testing.TB) []byte {
	t.Helper()
	out, _, err := elf.Apply(fixture(t, "x86_64/pie/libfoo.so"), elf.Edit{Soname: "ld-linux-x86-64.so.2", RemoveNeeded: []string{"libbar.so", "libc.so.6"}})
	require.NoError(t, err)
	return out
}

// renamed is a fixture library with another DT_SONAME, so that it does
// not stand in for libfoo.so once loaded.
func renamed(t testing.TB, id, soname string) []byte {
	t.Helper()
	out, _, err := elf.Apply(fixture(t, id), elf.Edit{Soname: soname})
	require.NoError(t, err)
	return out
}

func checkCases() [](struct {
	name string
	args []string
	prep func(t *testing.T, root string)
}) {
	std := []string{"--interpreter", "glibc/lib/ld-linux-x86-64.so.2"}
	args := func(a ...string) []string { return append(append([]string{}, std...), a...) }
	broken := func(t *testing.T, root string) {
		writeFile(t, filepath.Join(root, "out/lib/broken.so"), fixture(t, "x86_64/pie/libfoo.so")[:300], 0o755)
	}
	return [](struct {
		name string
		args []string
		prep func(t *testing.T, root string)
	}){
		{"text", args("--", "out", "lib"), broken},
		{"json", args("--format", "json", "--", "out", "lib"), broken},
		{"github", args("--format=github", "--", "out", "lib"), broken},
		{"clean", args("--libs", "store/bar/lib", "store/pq/lib", "--", "out", "lib"), nil},
		{"clean-json", args("--libs", "store/bar/lib", "store/pq/lib", "--format", "json", "--", "out/bin"), nil},
		{"ignore-missing", append([]string{"out", "lib"}, args("--ignore-missing", "libbar.so", "libpq.so.*")...), nil},
		{"paths-first", append([]string{"out/bin/prog"}, args("--libs", "store/bar/lib")...), nil},
		{"libxml-mismatch", args("--libs", "store/pq/lib", "--", "lib"), lxmlAndXmlsec},
		{"duplicate-same-version", args("--libs", "store/pq/lib", "--", "lib"), lxmlAndXmlsecSame},
		{"missing-path", args("--", "gone"), nil},
		{"bad-interpreter", args("--", "out/bin"), badInterpreters},
		{"other-architecture", args("--", "out/lib"), otherArch},
		{"zero-config", []string{"out/bin/prog"}, nil},
		{"usage-no-path", args(), nil},
		{"usage-format", []string{"--format", "xml", "out"}, nil},
		{"usage-unknown", []string{"--frobnicate", "out"}, nil},
		{"help", []string{"--help"}, nil},
	}
}

// badInterpreters adds programs whose interpreter cannot start them.
func badInterpreters(t *testing.T, root string) {
	for name, interp := range map[string]string{
		"nonexistent": "/nonexistent/ld-x86-64.so.2",
		"not-elf":     root + "/out/share/notes.so",
		"aarch64":     root + "/arm/ld-linux-aarch64.so.1",
		"library":     root + "/store/bar/lib/libbar.so",
	} {
		prog, _, err := elf.Apply(fixture(t, "x86_64/transitive/prog"), elf.Edit{
			Interpreter: interp, SetRunpath: true, Runpath: "$ORIGIN/../lib:" + root + "/store/bar/lib",
		})
		require.NoError(t, err)
		writeFile(t, filepath.Join(root, "out/bin/bad-"+name), prog, 0o755)
	}
	writeFile(t, filepath.Join(root, "arm/ld-linux-aarch64.so.1"), fixture(t, "aarch64/transitive/libbar.so"), 0o755)
}

// otherArch adds aarch64 libraries to an x86-64 output, as onnxruntime's
// npm package ships them.
func otherArch(t *testing.T, root string) {
	writeFile(t, filepath.Join(root, "out/lib/aarch64/libfoo.so"), fixture(t, "aarch64/transitive/libfoo.so"), 0o755)
}

// lxmlAndXmlsec adds lxml and xmlsec extension modules that load
// libxml2.so.2 from two copies of different versions: lxml's bundled
// 2.13.8 and a store path's 2.12.10.
func lxmlAndXmlsec(t *testing.T, root string) { xmlPair(t, root, "2.12.10") }

// lxmlAndXmlsecSame is lxmlAndXmlsec with the same version in both copies.
func lxmlAndXmlsecSame(t *testing.T, root string) { xmlPair(t, root, "2.13.8") }

func xmlPair(t *testing.T, root, storeVersion string) {
	sp := filepath.Join(root, "lib/python3.14/site-packages")
	ext := func(runpath string) []byte {
		out, _, err := elf.Apply(fixture(t, "x86_64/transitive/libfoo.so"), elf.Edit{
			ReplaceNeeded: []elf.Replacement{{Old: "libbar.so", New: "libxml2.so.2"}},
			SetRunpath:    true, Runpath: runpath,
		})
		require.NoError(t, err)
		return out
	}
	lib := func(dir, version, fixtureID string) {
		writeFile(t, filepath.Join(dir, "libxml2.so."+version), renamed(t, fixtureID, "libxml2.so.2"), 0o755)
		require.NoError(t, os.Symlink("libxml2.so."+version, filepath.Join(dir, "libxml2.so.2")))
	}
	writeFile(t, filepath.Join(sp, "lxml/etree.cpython-314-x86_64-linux-gnu.so"), ext("$ORIGIN/../lxml.libs"), 0o755)
	lib(filepath.Join(sp, "lxml.libs"), "2.13.8", "x86_64/transitive/libbar.so")
	writeFile(t, filepath.Join(sp, "lxml-6.0.0.dist-info/RECORD"), []byte(
		"lxml/etree.cpython-314-x86_64-linux-gnu.so,,\nlxml.libs/libxml2.so.2,,\n"), 0o644)
	writeFile(t, filepath.Join(sp, "xmlsec.cpython-314-x86_64-linux-gnu.so"), ext(root+"/store/libxml2/lib"), 0o755)
	writeFile(t, filepath.Join(sp, "xmlsec-1.3.16.dist-info/RECORD"), []byte(
		"xmlsec.cpython-314-x86_64-linux-gnu.so,,\n"), 0o644)
	lib(filepath.Join(root, "store/libxml2/lib"), storeVersion, "x86_64/pie/libfoo.so")
}

// TestCheckGolden runs check on a fresh tree per case and compares exit
// code, stdout and stderr with testdata/check/<case>.txt; the temporary
// root reads $ROOT. go test -run TestCheckGolden -update rewrites them.
func TestCheckGolden(t *testing.T) {
	pkgDir, err := os.Getwd()
	require.NoError(t, err)
	for _, tc := range checkCases() {
		t.Run(tc.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			checkTree(t, root)
			if tc.prep != nil {
				tc.prep(t, root)
			}
			t.Chdir(root)
			before := treeBytes(t, root)

			var stdout, stderr bytes.Buffer
			code := runCheck(context.Background(), tc.args, stdio{in: strings.NewReader(""), out: &stdout, errOut: &stderr})

			got := formatGolden(code, stdout.String(), stderr.String(), root)
			path := filepath.Join(pkgDir, "testdata", "check", tc.name+".txt")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
			assert.Equal(t, before, treeBytes(t, root), "check wrote to the tree")
			if strings.Contains(tc.name, "json") {
				var doc map[string]any
				require.NoError(t, json.Unmarshal(stdout.Bytes(), &doc), "not JSON")
			}
		})
	}
}

// TestCheckExitCodes pins the documented exit codes, independent of the
// golden text.
func TestCheckExitCodes(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	checkTree(t, root)
	t.Chdir(root)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--no-default-dirs", "--libs", "glibc/lib", "store/bar/lib", "store/pq/lib", "--", "out", "lib"}, exitOK},
		{[]string{"--no-default-dirs", "--libs", "glibc/lib", "--", "out", "lib"}, exitFailure},
		{[]string{"--no-default-dirs", "out/share/notes.so"}, exitOK}, // nothing ELF: nothing wrong
		{[]string{"--no-default-dirs", "nonexistent"}, exitUsage},
		{[]string{"--no-default-dirs", "--libs", "nonexistent", "--", "out"}, exitUsage},
		{[]string{"--no-default-dirs"}, exitUsage},
		{[]string{"--format", "yaml", "out"}, exitUsage},
		{[]string{"--libs"}, exitUsage},
		{[]string{"-h"}, exitOK},
	} {
		var stdout, stderr bytes.Buffer
		code := runCheck(context.Background(), tc.args, stdio{in: strings.NewReader(""), out: &stdout, errOut: &stderr})
		assert.Equal(t, tc.code, code, "%q\nstdout:\n%s\nstderr:\n%s", tc.args, stdout.String(), stderr.String())
	}
}

// TestCheckAfterAuto is the CI job of issue 6 in one process: the tree
// fails check, `gopatchelf auto` patches it, and then check passes.
func TestCheckAfterAuto(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	checkTree(t, root)
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", "")
	checkArgs := []string{"--no-default-dirs", "--libs", "glibc/lib", "--", "out", "lib"}
	check := func() (int, string) {
		var stdout, stderr bytes.Buffer
		code := runCheck(context.Background(), checkArgs, stdio{in: strings.NewReader(""), out: &stdout, errOut: &stderr})
		return code, stdout.String() + stderr.String()
	}
	code, out := check()
	require.Equal(t, exitFailure, code, out)

	var stdout, stderr bytes.Buffer
	code = run(context.Background(), []string{"auto", "--paths", "out", "lib", "--libs", "store/bar/lib", "store/pq/lib",
		"--libc-dir", "glibc/lib"}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, code, stdout.String()+stderr.String())

	code, out = check()
	assert.Equal(t, exitOK, code, out)
}
