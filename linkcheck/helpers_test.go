package linkcheck

import (
	"bytes"
	stdelf "debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// Sources of the libraries the tests build with the native gcc: a chain
// prog → libfoo.so → libbar.so → libbaz.so, each calling the next, so
// that the real loader can tell us whether a layout loads.
var chainSources = map[string]string{
	"baz.c": `#include <stdio.h>
void baz(void) { puts("baz"); }
`,
	"bar.c": `void baz(void);
void bar(void) { baz(); }
`,
	"foo.c": `void bar(void);
void foo(void) { bar(); }
`,
	"prog.c": `void foo(void);
int main(void) { foo(); return 0; }
`,
	// libver.so.1 in two releases: the second adds ver_new at VERS_2.0.
	"ver1.c": `int ver_old(void) { return 1; }
`,
	"ver1.map": `VERS_1.0 { global: ver_old; local: *; };
`,
	"ver2.c": `int ver_old(void) { return 1; }
int ver_new(void) { return 2; }
`,
	"ver2.map": `VERS_1.0 { global: ver_old; local: *; };
VERS_2.0 { global: ver_new; } VERS_1.0;
`,
	"vprog.c": `int ver_old(void); int ver_new(void);
int main(void) { return ver_old() + ver_new() == 3 ? 0 : 1; }
`,
	// libdl.so carries a .note.dlopen (https://systemd.io/ELF_DLOPEN_METADATA/)
	// with two entries: two alternatives, then one optional library.
	"dl.c": `#include <stdint.h>
#define NOTE(id, json) \
	__attribute__((section(".note.dlopen"), used, aligned(4))) \
	static const struct { uint32_t n, d, t; char name[4]; char desc[(sizeof(json) + 3) / 4 * 4]; } \
	id = { 4, sizeof(json), 0x407c0c0a, "FDO", json }
NOTE(n1, "[{\"soname\":[\"libnone.so.9\",\"libbaz.so\"],\"priority\":\"required\"},"
	"{\"soname\":[\"libextra.so.1\"],\"priority\":\"suggested\"}]");
int dl_dummy(void) { return 0; }
`,
}

var (
	builtOnce sync.Once
	built     map[string][]byte
	buildErr  error
)

// compiled returns the test libraries and programs, built once per test
// binary with gcc; the test is skipped without gcc (failed when CI is set).
func compiled(t *testing.T) map[string][]byte {
	t.Helper()
	gcc := elftest.LookPath(t, "gcc")
	builtOnce.Do(func() { built, buildErr = build(gcc) })
	require.NoError(t, buildErr)
	return built
}

func build(gcc string) (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "linkcheck-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for name, src := range chainSources {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			return nil, err
		}
	}
	steps := [][]string{
		{"-shared", "-fPIC", "-Wl,-soname,libbaz.so", "-o", "libbaz.so", "baz.c"},
		{"-shared", "-fPIC", "-Wl,-soname,libbar.so", "-o", "libbar.so", "bar.c", "-L.", "-lbaz"},
		{"-shared", "-fPIC", "-Wl,-soname,libfoo.so", "-o", "libfoo.so", "foo.c", "-L.", "-lbar"},
		{"-o", "prog", "prog.c", "-L.", "-lfoo", "-Wl,--allow-shlib-undefined"},
		{"-shared", "-fPIC", "-Wl,-soname,libver.so.1", "-Wl,--version-script=ver1.map", "-o", "ver1/libver.so.1", "ver1.c"},
		{"-shared", "-fPIC", "-Wl,-soname,libver.so.1", "-Wl,--version-script=ver2.map", "-o", "ver2/libver.so.1", "ver2.c"},
		{"-o", "vprog", "vprog.c", "ver2/libver.so.1"},
		{"-shared", "-fPIC", "-Wl,-soname,libdl.so", "-o", "libdl.so", "dl.c"},
	}
	for _, d := range []string{"ver1", "ver2"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	for _, args := range steps {
		cmd := exec.Command(gcc, append([]string{"-O2"}, args...)...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return nil, &buildError{args, out.String(), err}
		}
	}
	files := map[string][]byte{}
	for _, name := range []string{"libbaz.so", "libbar.so", "libfoo.so", "prog", "ver1/libver.so.1", "ver2/libver.so.1", "vprog", "libdl.so"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	return files, nil
}

type buildError struct {
	args []string
	out  string
	err  error
}

func (e *buildError) Error() string {
	return "gcc " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.out
}

// paths sets a file's search path the way `gopatchelf auto` would write
// it: DT_RUNPATH, or DT_RPATH with rpath.
func paths(t *testing.T, data []byte, value string, rpath bool) []byte {
	return pathsTB(t, data, value, rpath)
}

func pathsTB(t testing.TB, data []byte, value string, rpath bool) []byte {
	t.Helper()
	out, _, err := elf.Apply(data, elf.Edit{SetRunpath: true, Runpath: value, ForceRpath: rpath})
	require.NoError(t, err)
	return out
}

func put(t testing.TB, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o755))
}

// runs reports whether the real loader starts prog (natively), with only
// env in the environment.
func runs(t *testing.T, prog string, env ...string) (bool, string) {
	t.Helper()
	data, err := os.ReadFile(prog)
	require.NoError(t, err)
	f, err := stdelf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	r := elftest.RunnerFor(t, f.Machine, f.Class, f.Data)
	res := r.Run(t, env, prog)
	return res.ExitCode == 0, res.String()
}

// tempRoot is a temporary directory without symlinks in its path, so that
// paths in reports compare as built.
func tempRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	return root
}

// problems returns the findings of severity s as "kind object soname
// version symbol" lines, with root replaced by "$ROOT", for comparison.
func problems(rep *Report, s Severity, root string) []string {
	out := []string{}
	for _, f := range rep.Findings {
		if f.Severity != s {
			continue
		}
		fields := []string{string(f.Kind), f.Object}
		for _, x := range []string{f.Soname, f.Version, f.Symbol} {
			if x != "" {
				fields = append(fields, x)
			}
		}
		out = append(out, strings.ReplaceAll(strings.Join(fields, " "), root, "$ROOT"))
	}
	return out
}

func fixtureBytes(t *testing.T, id string) []byte { return fixtureBytesTB(t, id) }

func fixtureBytesTB(t testing.TB, id string) []byte {
	t.Helper()
	return elftest.FixtureBytes(t, id)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// replaceInDynstr replaces the only occurrence of old in .dynstr by new,
// of the same length.
func replaceInDynstr(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	require.Len(t, new, len(old))
	f, err := stdelf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	sec := f.Section(".dynstr")
	require.NotNil(t, sec)
	out := bytes.Clone(data)
	tab := out[sec.Offset : sec.Offset+sec.Size]
	require.Equal(t, 1, bytes.Count(tab, []byte(old)), "occurrences of %q", old)
	copy(tab[bytes.Index(tab, []byte(old)):], new)
	return out
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}
