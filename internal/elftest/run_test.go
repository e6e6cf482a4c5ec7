package elftest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// libDir makes dir/lib holding f's dependencies.
func libDir(t *testing.T, all []elftest.Fixture, f elftest.Fixture, dir string) string {
	t.Helper()
	lib := filepath.Join(dir, "lib")
	require.NoError(t, os.Mkdir(lib, 0o755))
	return f.CopyDeps(t, all, lib)
}

// Before any writer exists, this proves the runner and the fixtures: an
// unpatched program fails because nothing tells the loader where libfoo.so
// is, and runs once LD_LIBRARY_PATH does.
func TestUnpatchedProgramsNeedTheirLibraries(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, a := range elftest.Arches() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			r := elftest.NewRunner(t, a)
			progs := elftest.Select(all, func(f elftest.Fixture) bool { return f.Arch.Name == a.Name && f.Runnable() })
			require.NotEmpty(t, progs)
			for _, f := range progs {
				t.Run(f.Variant, func(t *testing.T) {
					dir := t.TempDir()
					prog := f.CopyTo(t, dir)
					if f.Kind == elftest.StaticProgram {
						assert.Equal(t, f.Output, r.RunOK(t, nil, prog))
						return
					}

					res := r.Run(t, nil, prog)
					assert.Equal(t, 127, res.ExitCode, "%v", res)
					assert.Contains(t, res.Stderr, "libfoo.so: cannot open shared object file")
					assert.Empty(t, res.Stdout)

					lib := libDir(t, all, f, dir)
					assert.Equal(t, f.Output, r.RunOK(t, []string{"LD_LIBRARY_PATH=" + lib}, prog))
				})
			}
		})
	}
}

// The transitive variant's libfoo.so needs libbar.so, which the loader must
// find too; the payload variant's program really reads its payload.
func TestSpecialVariants(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, a := range elftest.Arches() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			r := elftest.NewRunner(t, a)
			pick := func(variant string) elftest.Fixture {
				got := elftest.Select(all, func(f elftest.Fixture) bool {
					return f.Arch.Name == a.Name && f.Variant == variant && f.Name == "prog"
				})
				require.Len(t, got, 1)
				return got[0]
			}

			f := pick("transitive")
			dir := t.TempDir()
			prog := f.CopyTo(t, dir)
			f.Sibling(t, all, "libfoo.so").CopyTo(t, dir)
			res := r.Run(t, []string{"LD_LIBRARY_PATH=" + dir}, prog)
			assert.Equal(t, 127, res.ExitCode, "%v", res)
			assert.Contains(t, res.Stderr, "libbar.so: cannot open shared object file")

			f = pick("payload")
			dir = t.TempDir()
			prog = f.CopyTo(t, dir)
			env := []string{"LD_LIBRARY_PATH=" + libDir(t, all, f, dir)}
			assert.Equal(t, f.Output, r.RunOK(t, env, prog))
			data, err := os.ReadFile(prog)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(prog, data[:len(data)-f.Payload], 0o755))
			res = r.Run(t, env, prog)
			assert.Equal(t, 3, res.ExitCode, "%v", res)
			assert.Equal(t, "prog: hello from prog\nprog: payload missing\n", res.Stdout)
		})
	}
}

// A loader copied to a longer path works: run it as a program, the way
// `ld.so --library-path DIR PROG` does.
func TestCopyLoader(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, a := range elftest.Arches() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			r := elftest.NewRunner(t, a)
			f := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == a.Name+"/pie/prog" })[0]
			dir := t.TempDir()
			prog := f.CopyTo(t, dir)
			lib := libDir(t, all, f, dir)

			for _, minLen := range []int{0, 300, 1000} {
				loader := elftest.CopyLoader(t, a, minLen)
				assert.Greater(t, len(loader), len(a.Interp))
				assert.GreaterOrEqual(t, len(loader), minLen)
				assert.Equal(t, filepath.Base(a.Interp), filepath.Base(loader))
				assert.Equal(t, f.Output, r.RunOK(t, nil, loader, "--library-path", lib, prog))
			}
		})
	}
}

// Debian's patchelf stands in for our writer to prove the whole harness:
// set the interpreter to a copied loader and RUNPATH to the library
// directory, then the program runs with an empty environment and reads back
// as written.
//
// What Validate and the reference tools say about patchelf's output is only
// logged: patchelf 0.14.3 (Debian 12) leaves PT_INTERP after the PT_LOADs
// (the gABI wants it first), .symtab's _DYNAMIC stale, and on ppc64 a note
// that eu-readelf calls garbage. Our writer's tests assert both are clean.
func TestHarnessWithReferencePatchelf(t *testing.T) {
	patchelf := elftest.LookPath(t, "patchelf")
	all := elftest.Fixtures(t)
	for _, a := range elftest.Arches() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			r := elftest.NewRunner(t, a)
			for _, variant := range []string{"pie", "nopie", "transitive"} {
				f := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == a.Name+"/"+variant+"/prog" })[0]
				t.Run(variant, func(t *testing.T) {
					dir := t.TempDir()
					prog := f.CopyTo(t, dir)
					lib := libDir(t, all, f, dir)
					loader := elftest.CopyLoader(t, a, 0)
					before := elftest.Complaints(t, prog)

					args := []string{"--set-interpreter", loader, "--set-rpath", lib, prog}
					out, err := exec.Command(patchelf, args...).CombinedOutput()
					require.NoError(t, err, "%s", out)
					if variant == "transitive" {
						// RUNPATH is not inherited: libfoo.so needs its own.
						libfoo := filepath.Join(lib, "libfoo.so")
						out, err := exec.Command(patchelf, "--set-rpath", lib, libfoo).CombinedOutput()
						require.NoError(t, err, "%s", out)
					}

					assert.Equal(t, f.Output, r.RunOK(t, nil, prog))
					data, err := os.ReadFile(prog)
					require.NoError(t, err)
					facts, err := elftest.Inspect(data)
					require.NoError(t, err)
					assert.Equal(t, loader, facts.Interp)
					assert.Equal(t, lib, facts.RunPath)
					assert.Equal(t, f.Needed, facts.Needed)
					t.Logf("patchelf output: Validate: %q; new complaints: %q",
						elftest.Validate(data), elftest.NewComplaints(before, elftest.Complaints(t, prog)))
				})
			}
		})
	}
}

func TestRunnerReportsFailures(t *testing.T) {
	a, ok := elftest.ArchByName("x86_64")
	require.True(t, ok)
	r := elftest.NewRunner(t, a)
	dir := t.TempDir()

	script := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho out; echo err >&2; echo \"$FOO${LD_LIBRARY_PATH:-unset}\"; exit 7\n"), 0o755))
	t.Setenv("LD_LIBRARY_PATH", dir)
	res := r.Run(t, []string{"FOO=foo-"}, script)
	assert.Equal(t, 7, res.ExitCode)
	assert.Equal(t, "out\nfoo-unset\n", res.Stdout, "the test's environment must not leak")
	assert.Equal(t, "err\n", res.Stderr)
	assert.NoError(t, res.Err)

	require.NoError(t, os.Chmod(script, 0o644))
	res = r.Run(t, nil, script)
	assert.Equal(t, -1, res.ExitCode)
	assert.ErrorContains(t, res.Err, "not executable")

	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\nkill -9 $$\n"), 0o755))
	require.NoError(t, os.Chmod(script, 0o755))
	res = r.Run(t, nil, script)
	assert.Equal(t, -1, res.ExitCode)
	assert.ErrorContains(t, res.Err, "killed")
	assert.True(t, strings.HasPrefix(res.String(), "exit -1 (signal: killed)"), res.String())
}
