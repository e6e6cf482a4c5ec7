package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/storeref"
)

// srSnapshot reads every regular file under dir.
func srSnapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		require.NoError(t, err)
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			got[p] = string(data)
		}
		return nil
	}))
	return got
}

func TestScrubGolden(t *testing.T) {
	for _, tc := range []struct{ golden, format string }{{"scrub.golden", "text"}, {"scrub-json.golden", "json"}} {
		t.Run(tc.format, func(t *testing.T) {
			td := srChdir(t)
			srTree(t, td)
			code, out, errOut := srRun(t, "scrub", "--format", tc.format, "venv")
			assert.Equal(t, exitFailure, code, "references remain: .rodata, pyvenv.cfg, the symlink")
			assert.Empty(t, errOut)
			srGolden(t, td, tc.golden, out)
		})
	}
}

func TestScrubTree(t *testing.T) {
	td := srChdir(t)
	srTree(t, td)
	site := "venv/lib/python3.14/site-packages/"
	before := srSnapshot(t, "venv")
	require.NoError(t, os.Chmod(site+"gssapi/raw/_ext.so", 0o555))

	code, out, _ := srRun(t, "scrub", "--dry-run", "venv")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "would scrub runpath")
	assert.Equal(t, before, srSnapshot(t, "venv"), "--dry-run writes nothing")

	code, _, errOut := srRun(t, "scrub", "--allow-remaining", "venv")
	assert.Equal(t, exitOK, code, errOut)
	after := srSnapshot(t, "venv")
	assert.Equal(t, before["venv/pyvenv.cfg"], after["venv/pyvenv.cfg"], "text files are not touched")
	assert.Equal(t, before[site+"gssapi.libs/libbar.so"], after[site+"gssapi.libs/libbar.so"])

	ext, err := elf.Open(site + "gssapi/raw/_ext.so")
	require.NoError(t, err)
	defer ext.Close()
	assert.Equal(t, "$ORIGIN/../../gssapi.libs", ext.Runpath)
	st, err := os.Stat(site + "gssapi/raw/_ext.so")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o555), st.Mode().Perm(), "mode kept")

	// The scrubbed programs run: the placeholder is the real loader's path.
	if runtime.GOARCH == "amd64" {
		r := elftest.NewRunner(t, elftest.Arches()[0])
		assert.Equal(t, "/nix/store/1b8xprl9kb4d0q2aywrlgkwddc7s3xjm-foo-1.0/lib\n",
			r.RunOK(t, nil, "venv/libexec/rodata-prog"))
		lib := t.TempDir()
		srWrite(t, filepath.Join(lib, "libfoo.so"), srFixture(t, "x86_64/pie/libfoo.so"))
		assert.Contains(t, r.RunOK(t, []string{"LD_LIBRARY_PATH=" + lib}, "venv/libexec/prog"), "hello from libfoo")
	}

	// A second run changes nothing and says so.
	code, out, _ = srRun(t, "scrub", "--format=json", "venv")
	assert.Equal(t, exitFailure, code)
	assert.Equal(t, after, srSnapshot(t, "venv"))
	var rep storeref.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	for _, f := range rep.Files {
		require.NotNil(t, f.Changed)
		assert.False(t, *f.Changed, f.Path)
		assert.NotEmpty(t, f.Refs, f.Path)
	}
	assert.Len(t, rep.Files, 3) // .rodata, pyvenv.cfg, bin/python
}

func TestScrubCleanTreeExitsZero(t *testing.T) {
	srChdir(t)
	srWrite(t, "out/lib/libfoo.so", srApply(t, srFixture(t, "x86_64/pie/libfoo.so"),
		elf.Edit{SetRunpath: true, Runpath: srKrb5 + "/lib"}))
	code, out, errOut := srRun(t, "scrub", "out")
	assert.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "out/lib/libfoo.so: scrubbed runpath: "+srKrb5+"/lib -> (removed)\n"+
		"1 files scrubbed, 0 references to 0 store paths remaining in 0 files\n", out)
	code, out, _ = srRun(t, "scrub", "out")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "0 files scrubbed, 0 references to 0 store paths remaining in 0 files\n", out)
}

func TestScrubBadFileLeftUntouched(t *testing.T) {
	srChdir(t)
	bad := srFixture(t, "x86_64/pie/prog")[:300]
	bad = append(bad, srKrb5...)
	srWrite(t, "out/bad.so", bad)
	code, out, errOut := srRun(t, "scrub", "--allow-remaining", "out")
	assert.Equal(t, exitFailure, code, "a file that cannot be scrubbed fails the run")
	assert.Contains(t, errOut, "gopatchelf: error: out/bad.so: malformed ELF")
	assert.Contains(t, errOut, "(left untouched)\n")
	assert.Equal(t, "0 files scrubbed, 0 references to 0 store paths remaining in 0 files\n", out)
	got, err := os.ReadFile("out/bad.so")
	require.NoError(t, err)
	assert.Equal(t, bad, got)
}

func TestScrubUsage(t *testing.T) {
	code, _, errOut := srRun(t, "scrub", "--interpreter-placeholder", "ld.so", "x")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "gopatchelf scrub: --interpreter-placeholder ld.so: not an absolute path (see gopatchelf scrub --help)\n", errOut)
	code, _, errOut = srRun(t, "scrub")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "gopatchelf scrub: no PATH given (see gopatchelf scrub --help)\n", errOut)
	code, out, errOut := srRun(t, "scrub", "/nonexistent")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Equal(t, "gopatchelf: error: PATH /nonexistent: no such file or directory\n", errOut)
	code, out, _ = srRun(t, "scrub", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "--interpreter-placeholder PATH")
}

// TestScrubThenAuto is the authentik build in small: the FOD's output is
// scrubbed (no store path left in the program), and the derivation that
// uses it re-links it with auto against its own libraries; the program
// then runs with no LD_LIBRARY_PATH.
func TestScrubThenAuto(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("runs the x86-64 fixtures natively")
	}
	srChdir(t)
	srWrite(t, "fod/libexec/prog", srApply(t, srFixture(t, "x86_64/pie/prog"),
		elf.Edit{Interpreter: srGlibc + "/lib/ld-linux-x86-64.so.2", SetRunpath: true, Runpath: srKrb5 + "/lib"}))
	code, _, errOut := srRun(t, "scrub", "fod")
	require.Equal(t, exitOK, code, errOut)
	code, js, _ := srRun(t, "refs", "--format", "json", "fod")
	require.Equal(t, exitOK, code)
	var rep storeref.Report
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	assert.Empty(t, rep.Files, "no store path left in the FOD")
	r := elftest.NewRunner(t, elftest.Arches()[0])
	require.NotEqual(t, 0, r.Run(t, nil, "fod/libexec/prog").ExitCode, "libfoo.so is nowhere yet")

	srWrite(t, "deps/lib/libfoo.so", srFixture(t, "x86_64/pie/libfoo.so"))
	a := elftest.Arches()[0]
	loader := elftest.HostLoader(t, a)
	real, err := filepath.EvalSymlinks(loader) // Debian: /lib/x86_64-linux-gnu, where libc.so.6 is
	require.NoError(t, err)
	var out, errBuf bytes.Buffer
	code = run(context.Background(), []string{"auto", "--paths", "fod", "--libs", "deps/lib",
		"--interpreter", loader, "--libc-dir", filepath.Dir(real)}, nil, &out, &errBuf)
	require.Equal(t, exitOK, code, "%s%s", out.String(), errBuf.String())

	got := r.RunOK(t, nil, "fod/libexec/prog")
	assert.Contains(t, got, "foo: hello from libfoo")
}

// Both write modes give the same bytes; in place keeps every inode.
func TestScrubWriteModes(t *testing.T) {
	got := map[string]map[string]string{}
	for _, mode := range []string{"atomic", "in-place"} {
		t.Run(mode, func(t *testing.T) {
			td := srChdir(t)
			srTree(t, td)
			inodes := map[string]string{}
			for p := range srSnapshot(t, "venv") {
				st, err := os.Stat(p)
				require.NoError(t, err)
				inodes[p] = inode(st)
			}
			code, out, errOut := srRun(t, "scrub", "--allow-remaining", "--write", mode, "venv")
			require.Equal(t, exitOK, code, errOut)
			require.Contains(t, out, "scrubbed runpath")
			got[mode] = srSnapshot(t, "venv")
			changedInode := 0
			for p := range got[mode] {
				st, err := os.Stat(p)
				require.NoError(t, err)
				if inode(st) != inodes[p] {
					changedInode++
				}
			}
			if mode == "in-place" {
				assert.Zero(t, changedInode, "in place keeps every inode")
			} else {
				assert.Positive(t, changedInode, "atomic replaces the files it writes")
			}
		})
	}
	require.Len(t, got, 2)
	assert.Equal(t, got["atomic"], got["in-place"])
	code, _, errOut := srRun(t, "scrub", "--write", "inplace", "venv")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--write: invalid choice: 'inplace'")
}

// A file that cannot be written is reported, left as it is, and its
// references still count as remaining. The file is made immutable
// (chattr +i), which even root may not write.
func TestScrubUnwritableFileCountsAsRemaining(t *testing.T) {
	for _, mode := range []string{"atomic", "in-place"} {
		t.Run(mode, func(t *testing.T) {
			srChdir(t)
			data := srApply(t, srFixture(t, "x86_64/pie/libfoo.so"), elf.Edit{SetRunpath: true, Runpath: srKrb5 + "/lib"})
			srWrite(t, "out/lib/libfoo.so", data)
			if out, err := exec.Command("chattr", "+i", "out/lib/libfoo.so").CombinedOutput(); err != nil {
				elftest.Unavailable(t, "chattr +i: %s", strings.TrimSpace(string(out)))
				return
			}
			t.Cleanup(func() { exec.Command("chattr", "-i", "out/lib/libfoo.so").Run() })
			code, out, errOut := srRun(t, "scrub", "--write", mode, "out")
			assert.Equal(t, exitFailure, code)
			assert.Equal(t, "gopatchelf: error: out/lib/libfoo.so: open: Operation not permitted (left untouched)\n", errOut)
			assert.Equal(t, "store references remaining:\n"+
				"out/lib/libfoo.so\n"+
				"  runpath     "+srKrb5+"/lib\n"+
				"0 files scrubbed, 1 references to 1 store paths remaining in 1 files\n", out)
			got, err := os.ReadFile("out/lib/libfoo.so")
			require.NoError(t, err)
			assert.Equal(t, data, got)
		})
	}
}
