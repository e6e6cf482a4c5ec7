package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// whlMake writes demo-1.0-py3-none-any.whl: a program and an extension
// needing libfoo.so from the wheel's demo.libs/, which needs libbar.so from
// outside, plus members that must not change.
// whlMake writes a demo wheel; ext, when given, replaces the extension
// module's bytes.
func whlMake(t testing.TB, path string, ext ...[]byte) {
	t.Helper()
	members := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"demo/__init__.py", []byte("\n"), 0o644},
		{"demo/prog", srFixture(t, "x86_64/pie/prog"), 0o755},
		{"demo/_ext.cpython-314-x86_64-linux-gnu.so", append(ext, srFixture(t, "x86_64/pie/prog"))[0], 0o755},
		{"demo.libs/libfoo.so", srFixture(t, "x86_64/transitive/libfoo.so"), 0o755},
		{"demo-1.0.dist-info/WHEEL", []byte("Wheel-Version: 1.0\nTag: py3-none-any\n"), 0o644},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var rec bytes.Buffer
	cw := csv.NewWriter(&rec)
	for _, m := range members {
		fh := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		fh.SetMode(m.mode)
		w, err := zw.CreateHeader(fh)
		require.NoError(t, err)
		_, err = w.Write(m.data)
		require.NoError(t, err)
		sum := sha256.Sum256(m.data)
		require.NoError(t, cw.Write([]string{m.name, "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]), strconv.Itoa(len(m.data))}))
	}
	require.NoError(t, cw.Write([]string{"demo-1.0.dist-info/RECORD", "", ""}))
	cw.Flush()
	w, err := zw.Create("demo-1.0.dist-info/RECORD")
	require.NoError(t, err)
	_, err = w.Write(rec.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	srWrite(t, path, buf.Bytes())
}

func whlRun(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWheel(context.Background(), args, stdio{out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestWheelCommand(t *testing.T) {
	td := srChdir(t)
	whlMake(t, "in/demo-1.0-py3-none-any.whl")
	srWrite(t, "libs/libbar.so", srFixture(t, "x86_64/transitive/libbar.so"))
	wd, err := os.Getwd()
	require.NoError(t, err)

	code, out, errOut := whlRun(t, "--check", "in/demo-1.0-py3-none-any.whl")
	assert.Equal(t, exitFailure, code)
	assert.Empty(t, errOut)
	// The loader's default directories differ between machines.
	srGolden(t, td, "wheel-check.golden", regexp.MustCompile(`(?m)^ +searched: .*\n`).ReplaceAllString(out, ""))

	code, out, errOut = whlRun(t, "in/demo-1.0-py3-none-any.whl", "--check", "--ignore-missing", "libbar.*")
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "missing libbar.so (ignored by \"libbar.*\")")

	code, out, errOut = whlRun(t, "in/demo-1.0-py3-none-any.whl", "--libs", "libs", "-o", "out")
	assert.Equal(t, exitOK, code, errOut)
	srGolden(t, td, "wheel.golden", strings.ReplaceAll(out, wd, "$PWD"))

	// The output is a wheel whose program runs once unpacked.
	data, err := os.ReadFile("out/demo-1.0-py3-none-any.whl")
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		srWrite(t, filepath.Join("unpacked", f.Name), b)
		require.NoError(t, os.Chmod(filepath.Join("unpacked", f.Name), f.Mode().Perm()))
	}
	f, err := elf.Open("unpacked/demo/prog")
	require.NoError(t, err)
	assert.Equal(t, "$ORIGIN/../demo.libs", f.Runpath)
	f.Close()
	r := elftest.NewRunner(t, elftest.Arches()[0])
	assert.Contains(t, r.RunOK(t, nil, "unpacked/demo/prog"), "bar: hello from libbar")
	st, err := os.Stat("out/demo-1.0-py3-none-any.whl")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())

	// Again: same bytes, nothing written.
	code, out, _ = whlRun(t, "--libs", "libs", "-o", "out", "in/demo-1.0-py3-none-any.whl")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "demo-1.0-py3-none-any.whl: unchanged out/demo-1.0-py3-none-any.whl")
	again, err := os.ReadFile("out/demo-1.0-py3-none-any.whl")
	require.NoError(t, err)
	assert.Equal(t, data, again)
	leftovers, err := filepath.Glob("out/.*")
	require.NoError(t, err)
	assert.Empty(t, leftovers, "no temporary files left")
}

func TestWheelErrors(t *testing.T) {
	srChdir(t)
	srWrite(t, "bad.whl", []byte("not a zip"))
	require.NoError(t, os.MkdirAll("adir.whl", 0o755))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "out", "bad.whl"}, "gopatchelf: error: wheel bad.whl: not a zip archive\n"},
		{[]string{"-o", "out", "missing.whl"}, "gopatchelf: error: wheel missing.whl: no such file or directory\n"},
		{[]string{"-o", "out", "adir.whl"}, "gopatchelf: error: wheel adir.whl: is a directory\n"},
		{[]string{"--check", "--libs", "nolibs", "--", "bad.whl"}, "gopatchelf: error: wheel bad.whl: not a zip archive\n"},
		{[]string{"--check", "--libc-dir", "bad.whl", "--", "in.whl"}, "gopatchelf: error: wheel in.whl: no such file or directory\n"},
		{[]string{"--check", "--libs", "A", "B.whl"},
			"gopatchelf wheel: no wheel given (--libs took B.whl: put wheels after -- or before the options) (see gopatchelf wheel --help)\n"},
		{[]string{"--frob", "x.whl"}, "gopatchelf wheel: unknown option --frob (see gopatchelf wheel --help)\n"},
	} {
		code, out, errOut := whlRun(t, tc.args...)
		assert.Equal(t, exitUsage, code, "%q", tc.args)
		assert.Empty(t, out, "%q", tc.args)
		assert.Equal(t, tc.want, errOut, "%q", tc.args)
	}
	_, err := os.Stat("out")
	assert.True(t, os.IsNotExist(err), "nothing written")

	for _, args := range [][]string{{}, {"x.whl"}, {"--check", "-o", "d", "x.whl"}, {"--nope", "x.whl"}} {
		code, _, errOut := whlRun(t, args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, errOut)
	}
	code, out, _ := whlRun(t, "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "usage: gopatchelf wheel")
}

// "--libs A B" and "--libs A --libs B" (and "--libs=A --libs=B") give the
// same wheel and the same report.
func TestWheelListOptionsBothWays(t *testing.T) {
	srChdir(t)
	whlMake(t, "in/demo-1.0-py3-none-any.whl")
	srWrite(t, "A/libfoo.so", srFixture(t, "x86_64/transitive/libfoo.so"))
	srWrite(t, "B/libbar.so", srFixture(t, "x86_64/transitive/libbar.so"))
	type result struct {
		code      int
		out, errs string
		whl       []byte
	}
	results := map[string]result{}
	for name, libs := range map[string][]string{
		"together": {"--libs", "A", "B"},
		"repeated": {"--libs", "A", "--libs", "B"},
		"equals":   {"--libs=A", "--libs=B"},
	} {
		outDir := "out-" + name
		args := append(append([]string{"-o", outDir}, libs...), "--", "in/demo-1.0-py3-none-any.whl")
		code, out, errs := whlRun(t, args...)
		require.Equal(t, exitOK, code, errs)
		whl, err := os.ReadFile(filepath.Join(outDir, "demo-1.0-py3-none-any.whl"))
		require.NoError(t, err)
		results[name] = result{code, strings.ReplaceAll(out, outDir, "OUT"), errs, whl}
	}
	assert.Equal(t, results["together"], results["repeated"])
	assert.Equal(t, results["together"], results["equals"])
	assert.Contains(t, results["together"].out, "/B")
}

// TestWheelCheckVersions: --check asks the loader's questions of the
// patched members, symbol versions included: a member built against a
// newer glibc than the machine's is reported even though every library is
// found.
func TestWheelCheckVersions(t *testing.T) {
	srChdir(t)
	ext := bytes.ReplaceAll(srFixture(t, "x86_64/pie/prog"), []byte("GLIBC_2.34\x00"), []byte("GLIBC_9.99\x00"))
	whlMake(t, "in/demo-1.0-py3-none-any.whl", ext)
	srWrite(t, "libs/libbar.so", srFixture(t, "x86_64/transitive/libbar.so"))

	code, out, errOut := whlRun(t, "--check", "--libs", "libs", "--", "in/demo-1.0-py3-none-any.whl")
	assert.Equal(t, exitFailure, code, errOut)
	assert.Contains(t, out, "0 missing dependencies")
	assert.Contains(t, out, "GLIBC_9.99")
	assert.Contains(t, out, "demo-1.0-py3-none-any.whl/demo/_ext.cpython-314-x86_64-linux-gnu.so")
	assert.NotContains(t, out, "demo-1.0-py3-none-any.whl/demo/prog\n", "the unchanged program is fine")
}

// TestWheelCheckFormats: --check --format json and github print only the
// check's document, as gopatchelf check does.
func TestWheelCheckFormats(t *testing.T) {
	srChdir(t)
	whlMake(t, "in/demo-1.0-py3-none-any.whl")

	code, out, errOut := whlRun(t, "--check", "--format", "json", "in/demo-1.0-py3-none-any.whl")
	assert.Equal(t, exitFailure, code, errOut)
	var doc struct {
		Version  int `json:"version"`
		Findings []struct {
			Kind, File, Soname string
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, 1, doc.Version)
	require.NotEmpty(t, doc.Findings)
	assert.Equal(t, "libbar.so", doc.Findings[0].Soname)
	assert.True(t, strings.HasPrefix(doc.Findings[0].File, "demo-1.0-py3-none-any.whl/"), doc.Findings[0].File)

	code, out, _ = whlRun(t, "--check", "--format", "github", "in/demo-1.0-py3-none-any.whl")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "::error file=demo-1.0-py3-none-any.whl/demo/prog::libbar.so not found (wanted by demo-1.0-py3-none-any.whl/demo.libs/libfoo.so")
	assert.NotContains(t, out, "RUNPATH")

	code, _, errOut = whlRun(t, "--format", "json", "-o", "out", "in/demo-1.0-py3-none-any.whl")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--format goes with --check")
}
