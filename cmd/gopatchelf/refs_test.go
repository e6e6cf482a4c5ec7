package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/storeref"
)

var updateStoreref = flag.Bool("update-storeref", false, "rewrite testdata/storeref/*.golden from the current output")

// Made-up store paths of the tree srTree lays out.
const (
	srGlibc  = "/nix/store/0c7yzr2x3nvqjx7sz8bqmvw5gm5hkz1a-glibc-2.40-66"
	srKrb5   = "/nix/store/1b8xprl9kb4d0q2aywrlgkwddc7s3xjm-krb5-1.21.3"
	srPython = "/nix/store/2wq9dghjm4xjbdrfqhh0j4ly8v5vq3c1-python3-3.14.0"
)

func srFixture(t testing.TB, id string) []byte {
	t.Helper()
	return elftest.FixtureBytes(t, id)
}

func srApply(t testing.TB, data []byte, e elf.Edit) []byte {
	t.Helper()
	out, _, err := elf.Apply(data, e)
	require.NoError(t, err)
	return out
}

func srWrite(t testing.TB, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o755))
}

func srGunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	data, err := io.ReadAll(zr)
	require.NoError(t, err)
	return data
}

// srTree lays out, in the working directory, an FOD output shaped like the
// authentik venv: an extension with a store RUNPATH next to $ORIGIN, a
// program with a store interpreter, the C program with a store path in
// .rodata and its DWARF, a text file and a symbolic link into the store,
// and files without references.
func srTree(t testing.TB, td string) {
	t.Helper()
	site := "venv/lib/python3.14/site-packages/"
	srWrite(t, site+"gssapi/raw/_ext.so", srApply(t, srFixture(t, "x86_64/transitive/libfoo.so"),
		elf.Edit{SetRunpath: true, Runpath: "$ORIGIN/../../gssapi.libs:" + srKrb5 + "/lib"}))
	srWrite(t, site+"gssapi.libs/libbar.so", srFixture(t, "x86_64/transitive/libbar.so"))
	srWrite(t, "venv/libexec/prog", srApply(t, srFixture(t, "x86_64/pie/prog"),
		elf.Edit{Interpreter: srGlibc + "/lib/ld-linux-x86-64.so.2", SetRunpath: true, Runpath: srKrb5 + "/lib"}))
	srWrite(t, "venv/libexec/rodata-prog", srGunzip(t, filepath.Join(td, "rodata-prog.gz")))
	srWrite(t, "venv/pyvenv.cfg", []byte("home = "+srPython+"/bin\n"))
	srWrite(t, "venv/README.txt", []byte("nothing to see\n"))
	require.NoError(t, os.MkdirAll("venv/bin", 0o755))
	require.NoError(t, os.Symlink(srPython+"/bin/python3.14", "venv/bin/python"))
	require.NoError(t, os.Symlink("python", "venv/bin/python3"))
}

func srTestdata(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Join(wd, "testdata", "storeref")
}

// srRun runs the subcommand args[0] in-process (its function, not the
// dispatcher, so these tests do not depend on the command table) and returns its exit code,
// stdout and stderr.
func srRun(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	cmds := map[string]func(context.Context, []string, stdio) int{"refs": runRefs, "scrub": runScrub}
	var out, errOut bytes.Buffer
	code := cmds[args[0]](context.Background(), args[1:], stdio{out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

// srGolden compares got with testdata/storeref/name, or rewrites it.
func srGolden(t testing.TB, dir, name, got string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if *updateStoreref {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update-storeref to create it")
	assert.Equal(t, string(want), got)
}

// srChdir makes a fresh temporary directory the working one, so paths in
// the output are short and the same on every machine.
func srChdir(t *testing.T) string {
	t.Helper()
	td := srTestdata(t)
	t.Setenv(elftest.FixtureDirEnv, elftest.FixtureDir(t))
	t.Chdir(t.TempDir())
	return td
}

func TestRefsGolden(t *testing.T) {
	td := srChdir(t)
	srTree(t, td)
	for _, tc := range []struct{ golden, format string }{{"refs.golden", "text"}, {"refs-json.golden", "json"}} {
		code, out, errOut := srRun(t, "refs", "--format", tc.format, "venv")
		assert.Equal(t, exitOK, code, errOut)
		assert.Empty(t, errOut)
		srGolden(t, td, tc.golden, out)
	}
}

func TestRefsJSONSchema(t *testing.T) {
	td := srChdir(t)
	srTree(t, td)
	code, out, _ := srRun(t, "refs", "venv", "--format=json")
	require.Equal(t, exitOK, code)
	var rep storeref.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, "/nix/store", rep.StoreDir)
	assert.Contains(t, rep.StorePaths, srKrb5)
	assert.Contains(t, rep.StorePaths, srPython)
	kinds := map[storeref.Kind]bool{}
	for _, f := range rep.Files {
		for _, r := range f.Refs {
			kinds[r.Kind] = true
			if r.Offset >= 0 {
				data, err := os.ReadFile(f.Path)
				require.NoError(t, err)
				assert.Equal(t, r.StorePath, string(data[r.Offset:r.Offset+int64(len(r.StorePath))]), "%s %+v", f.Path, r)
			}
		}
	}
	for _, k := range []storeref.Kind{storeref.Runpath, storeref.Interpreter, storeref.Bytes, storeref.Symlink} {
		assert.True(t, kinds[k], "kind %s reported", k)
	}
}

func TestRefsUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no paths", []string{"refs"}, exitUsage, "gopatchelf refs: no PATH given (see gopatchelf refs --help)\n"},
		{"bad format", []string{"refs", "--format", "xml", "x"}, exitUsage, "gopatchelf refs: --format xml: choose text or json (see gopatchelf refs --help)\n"},
		{"relative store", []string{"refs", "--store-dir", "nix", "x"}, exitUsage, "gopatchelf refs: store directory must be an absolute path other than / (see gopatchelf refs --help)\n"},
		{"unknown flag", []string{"refs", "--frobnicate", "x"}, exitUsage, "gopatchelf refs: unknown option --frobnicate (see gopatchelf refs --help)\n"},
		{"go flag style", []string{"refs", "-format", "json", "x"}, exitUsage, "gopatchelf refs: unknown option -format (see gopatchelf refs --help)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := srRun(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Empty(t, out)
			assert.Equal(t, tt.err, errOut)
		})
	}
	code, out, _ := srRun(t, "refs", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "usage: gopatchelf refs")
	assert.Contains(t, out, "--store-dir DIR")
}

func TestRefsMissingPath(t *testing.T) {
	srChdir(t)
	srWrite(t, "a.txt", []byte(srKrb5+"/lib\n"))
	code, out, errOut := srRun(t, "refs", "a.txt", "nonexistent", "--", "-dash")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Equal(t, "gopatchelf: error: PATH nonexistent: no such file or directory\n", errOut)
	srWrite(t, "-dash", []byte(srKrb5+"/lib\n"))
	code, out, errOut = srRun(t, "refs", "--format=text", "a.txt", "--", "-dash")
	assert.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "a.txt\n  bytes       "+srKrb5+" at 0x0\n-dash\n  bytes       "+srKrb5+" at 0x0\n"+
		"2 references to 1 store paths in 2 files\n", out)
}

func TestStorerefCommandsRegistered(t *testing.T) {
	for _, name := range []string{"refs", "scrub", "wheel"} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{name, "-h"}, nil, &out, &errOut)
		assert.Equal(t, exitOK, code, name)
		assert.Contains(t, out.String(), "usage: gopatchelf "+name, name)
	}
}
