package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Issue 13: outside Nix, on a plain Debian or Fedora machine, with no
// flag but --paths and --libs.

// outsideNix clears what would make gopatchelf think it runs in a Nix
// build.
func outsideNix(t *testing.T) {
	t.Setenv("NIX_BINTOOLS", "")
	t.Setenv("NIX_BUILD_TOP", "")
}

// systemLib finds a library the way the machine's loader would by
// default, in the usual system directories.
func systemLib(name string) (string, bool) {
	for _, d := range relink.SystemDirs("/") {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// machinePrograms are programs of the machine that need libraries other
// than glibc's; tar and xz are on every Debian and Fedora system.
var machinePrograms = []string{"curl", "xz", "tar", "git", "wget"}

// copyProgram lays out prog in T/bin and the non-glibc libraries it
// needs directly in libDirs (round robin). With rename, every such
// library gets a name no system directory has (gpe-NAME, in DT_NEEDED and
// DT_SONAME), so the program can find it only through the RUNPATH auto
// writes; the libraries' own dependencies still come from the system.
// It returns the program's path in T.
func copyProgram(t *testing.T, prog, tree string, libDirs []string, rename bool) string {
	t.Helper()
	src, err := exec.LookPath(prog)
	require.NoError(t, err)
	src, err = filepath.EvalSymlinks(src)
	require.NoError(t, err)
	f, err := elf.Open(src)
	require.NoError(t, err)
	needed := f.Needed
	f.Close()

	var edit elf.Edit
	n := 0
	for _, name := range needed {
		if resolver.IsGlibc(name) {
			continue
		}
		lib, ok := systemLib(name)
		require.True(t, ok, "%s needs %s, not in the system directories", prog, name)
		data, err := os.ReadFile(lib)
		require.NoError(t, err)
		dest := name
		if rename {
			dest = "gpe-" + name
			edit.ReplaceNeeded = append(edit.ReplaceNeeded, elf.Replacement{Old: name, New: dest})
			data, _, err = elf.Apply(data, elf.Edit{Soname: dest})
			require.NoError(t, err)
		}
		writeFile(t, filepath.Join(libDirs[n%len(libDirs)], dest), data, 0o755)
		n++
	}
	require.NotZero(t, n, "%s needs only glibc", prog)
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	if rename {
		data, _, err = elf.Apply(data, edit)
		require.NoError(t, err)
	}
	out := filepath.Join(tree, "bin", prog)
	writeFile(t, out, data, 0o755)
	return out
}

func availablePrograms(t *testing.T) []string {
	var progs []string
	for _, p := range machinePrograms {
		if _, err := exec.LookPath(p); err == nil {
			progs = append(progs, p)
		}
	}
	if len(progs) == 0 {
		t.Skip("none of " + strings.Join(machinePrograms, ", ") + " is installed")
	}
	return progs
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

// TestAutoOutsideNix: a tree copied from the machine's own programs and
// the libraries they need; "auto --paths T --libs DIR" and nothing else
// sets each RUNPATH to DIR, leaves glibc to the loader, and the programs
// run, finding the libraries only through that RUNPATH.
func TestAutoOutsideNix(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("runs the machine's own ELF programs")
	}
	outsideNix(t)
	for _, rename := range []bool{false, true} {
		t.Run(fmt.Sprintf("rename=%v", rename), func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			tree, dir := filepath.Join(root, "T"), filepath.Join(root, "DIR")
			progs := availablePrograms(t)
			want := map[string]string{}
			for _, p := range progs {
				path := copyProgram(t, p, tree, []string{dir}, rename)
				if rename {
					_, err := runClean(root, path, "--version")
					require.Error(t, err, "%s: before auto, the renamed libraries cannot be found", p)
				}
				orig, err := exec.LookPath(p)
				require.NoError(t, err)
				out, err := runClean(root, orig, "--version")
				require.NoError(t, err)
				want[p] = out
			}

			t.Chdir(root)
			code, stdout, stderr := runCmd(t, "auto", "--paths", "T", "--libs", "DIR", "--explain")
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Empty(t, stderr)
			assert.Contains(t, stdout, "    libc.so.6 -> libc: left to the dynamic linker\n")
			for _, line := range strings.Split(stdout, "\n") {
				if strings.Contains(line, "-> libc") {
					name := strings.Fields(line)[0]
					assert.True(t, resolver.IsGlibc(name), "%s is not glibc's, but: %s", name, line)
				}
			}
			for _, p := range progs {
				f, err := elf.Open(filepath.Join(tree, "bin", p))
				require.NoError(t, err)
				assert.Equal(t, dir, f.Runpath, p)
				f.Close()
				out, err := runClean(root, filepath.Join(tree, "bin", p), "--version")
				require.NoError(t, err, "%s: %s", p, out)
				assert.Equal(t, want[p], out, p)
			}
		})
	}
}

// TestListOptionsBothWays: "--libs A B" and "--libs A --libs B" give the
// same result in auto and in check.
func TestListOptionsBothWays(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("runs the machine's own ELF programs")
	}
	outsideNix(t)
	progs := availablePrograms(t)
	type result struct {
		code           int
		stdout, stderr string
		files          map[string][]byte
	}
	results := map[string]result{}
	for _, form := range []string{"together", "repeated", "equals"} {
		root, err := filepath.EvalSymlinks(t.TempDir())
		require.NoError(t, err)
		// The same path for every form, so that outputs compare.
		base := filepath.Join(os.TempDir(), "gopatchelf-listopts-"+strings.ReplaceAll(t.Name(), "/", "-"))
		require.NoError(t, os.RemoveAll(base))
		require.NoError(t, os.Rename(root, base))
		t.Cleanup(func() { os.RemoveAll(base) })
		root = base
		for _, p := range progs {
			copyProgram(t, p, filepath.Join(root, "T"), []string{filepath.Join(root, "A"), filepath.Join(root, "B")}, true)
		}
		t.Chdir(root)
		var libs []string
		switch form {
		case "together":
			libs = []string{"--libs", "A", "B"}
		case "repeated":
			libs = []string{"--libs", "A", "--libs", "B"}
		case "equals":
			libs = []string{"--libs=A", "--libs=B"}
		}
		var r result
		r.code, r.stdout, r.stderr = runCmd(t, append([]string{"auto", "--paths", "T"}, libs...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		code, out, errs := runCmd(t, append(append([]string{"check", "--format", "json", "--no-default-dirs"}, libs...), "--", "T")...)
		r.stdout += fmt.Sprintf("check: %d\n%s%s", code, out, errs)
		r.files = treeBytes(t, root)
		results[form] = r
		os.RemoveAll(root)
	}
	assert.Equal(t, results["together"], results["repeated"])
	assert.Equal(t, results["together"], results["equals"])
}

// Bad input is one line naming it, exit status 2, and nothing is touched.
func TestBadInputMessages(t *testing.T) {
	outsideNix(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	t.Chdir(root)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"auto", "--paths", "/nonexistent"}, "gopatchelf: error: --paths /nonexistent: no such file or directory\n"},
		{[]string{"auto", "--paths", "out", "gone"}, "gopatchelf: error: --paths gone: no such file or directory\n"},
		{[]string{"auto", "--paths", "out", "--libs", "store/bar/lib", "store/none/lib"},
			"gopatchelf: error: --libs store/none/lib: no such file or directory\n"},
		{[]string{"auto", "--paths", "out", "--libc-dir", "nolibc"}, "gopatchelf: error: --libc-dir nolibc: no such file or directory\n"},
		{[]string{"auto", "--paths", "out", "--libc-dir", "glibc/lib/libc.so.6"},
			"gopatchelf: error: --libc-dir glibc/lib/libc.so.6: not a directory\n"},
		{[]string{"auto", "--paths", "out", "--interpreter", "/nonexistent/ld.so"},
			"gopatchelf: error: --interpreter /nonexistent/ld.so: no such file or directory\n"},
		{[]string{"auto", "--paths", "out", "--interpreter", "glibc/lib"}, "gopatchelf: error: --interpreter glibc/lib: is a directory\n"},
		{[]string{"check", "/nonexistent"}, "gopatchelf: error: PATH /nonexistent: no such file or directory\n"},
		{[]string{"check", "--libs", "gone", "--", "out"}, "gopatchelf: error: --libs gone: no such file or directory\n"},
		{[]string{"check", "--frob", "out"}, "gopatchelf check: unknown option --frob (see gopatchelf check --help)\n"},
		{[]string{"check", "--format", "xml", "out"}, "gopatchelf check: --format xml: choose text, json or github (see gopatchelf check --help)\n"},
		{[]string{"check"}, "gopatchelf check: no PATH given (see gopatchelf check --help)\n"},
	} {
		before := treeBytes(t, root)
		code, stdout, stderr := runCmd(t, tc.args...)
		assert.Equal(t, exitUsage, code, "%q", tc.args)
		assert.Equal(t, tc.want, stderr, "%q", tc.args)
		assert.Empty(t, stdout, "%q", tc.args)
		assert.Equal(t, before, treeBytes(t, root), "%q touched the tree", tc.args)
	}
}

// Inside a Nix build the setup hook passes PKG/lib for every input,
// whether it exists or not; auto-patchelf accepts that, and so does auto.
func TestMissingLibsAcceptedInNix(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", root+"/bintools")
	code, _, stderr := runCmd(t, "auto", "--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "store/none/lib")
	assert.Equal(t, exitOK, code, stderr)
}

// TestLogIsDeterministic: with stdout and stderr on one file, as in a Nix
// build log, the log of a run over a tree with damaged files is the same
// from run to run and for 1 and 8 workers, and no line is split.
func TestLogIsDeterministic(t *testing.T) {
	libfoo := fixture(t, "x86_64/pie/libfoo.so")
	prog := fixture(t, "x86_64/pie/prog")
	ext := withNeeded(t, "x86_64/transitive/libfoo.so", "libbar.so", "libmissing.so.1")
	template := t.TempDir()
	goldenTree(t, template) // the fixtures are read from the package directory
	work, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	t.Chdir(work)
	base := filepath.Join(work, "tree")
	var logs []string
	for _, cores := range []string{"1", "8", "1", "8"} {
		require.NoError(t, os.RemoveAll(base))
		sh(t, work, "cp", "-a", template, base)
		// The fake bintools name the template's glibc: point them here.
		writeFile(t, filepath.Join(base, "bintools/nix-support/dynamic-linker"), []byte(base+"/glibc/lib/ld-linux-x86-64.so.2\n"), 0o644)
		writeFile(t, filepath.Join(base, "bintools/nix-support/orig-libc"), []byte(base+"/glibc\n"), 0o644)
		for i := range 40 {
			dir := filepath.Join(base, "out", "lib", fmt.Sprintf("m%03d", i))
			switch i % 4 {
			case 0:
				writeFile(t, filepath.Join(dir, "broken.so"), libfoo[:200+i], 0o755)
			case 1:
				writeFile(t, filepath.Join(dir, "prog"), prog, 0o755)
			case 2:
				writeFile(t, filepath.Join(dir, "ext.so"), ext, 0o755)
			case 3:
				writeFile(t, filepath.Join(dir, "libfoo.so"), libfoo, 0o755)
			}
		}
		t.Setenv("NIX_BINTOOLS", base+"/bintools")
		t.Setenv("NIX_BUILD_CORES", cores)
		logPath := filepath.Join(t.TempDir(), "log")
		f, err := os.Create(logPath)
		require.NoError(t, err)
		code := run(context.Background(), []string{"auto", "--paths", "tree/out", "--libs", "tree/store/bar/lib", "tree/store/pq/lib"},
			strings.NewReader(""), f, f)
		require.NoError(t, f.Close())
		assert.Equal(t, exitFailure, code)
		log, err := os.ReadFile(logPath)
		require.NoError(t, err)
		logs = append(logs, string(log))
	}
	require.Contains(t, logs[0], "gopatchelf: error: tree/out/lib/m000/broken.so: ")
	require.Contains(t, logs[0], "error: auto-patchelf could not satisfy dependency libmissing.so.1")
	for i, l := range logs[1:] {
		assert.Equal(t, logs[0], l, "run %d differs from the first", i+1)
	}
	for _, line := range strings.Split(logs[0], "\n") {
		// Every line is one of auto's own, whole.
		ok := line == "" || strings.HasPrefix(line, "gopatchelf: ") || strings.HasPrefix(line, "    ") ||
			strings.HasPrefix(line, "searching for ") || strings.HasPrefix(line, "setting ") ||
			strings.HasPrefix(line, "skipping ") || strings.HasPrefix(line, "auto-patchelf") ||
			strings.HasPrefix(line, "error: ") || strings.HasPrefix(line, "Add the missing") ||
			strings.HasPrefix(line, "automatically fixing") || strings.HasPrefix(line, "{") || strings.HasPrefix(line, " '")
		assert.True(t, ok, "a split or foreign line: %q", line)
	}
}
