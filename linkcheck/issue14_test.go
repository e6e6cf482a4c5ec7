package linkcheck

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// TestSystemDirsTable finds glibc's system_dirs next to its lengths,
// before or after the strings, in either byte order and word size.
func TestSystemDirsTable(t *testing.T) {
	dirs := []string{"/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/"}
	lens := func(bo binary.ByteOrder, word int) []byte {
		var b bytes.Buffer
		for _, d := range dirs {
			w := make([]byte, word)
			if word == 8 {
				bo.PutUint64(w, uint64(len(d)))
			} else {
				bo.PutUint32(w, uint32(len(d)))
			}
			b.Write(w)
		}
		return b.Bytes()
	}
	strs := func() []byte {
		var b bytes.Buffer
		for _, d := range dirs {
			b.WriteString(d + "\x00")
		}
		return b.Bytes()
	}
	want := []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}
	tests := []struct {
		name string
		data []byte
		bo   binary.ByteOrder
		word int
		want []string
	}{
		{"lengths before, 64-bit LE", concat([]byte("junk\x00/etc/x\x00\x00\x00\x00\x00"), lens(binary.LittleEndian, 8), strs()), binary.LittleEndian, 8, want},
		{"lengths after, 32-bit BE, after code bytes", concat([]byte("\xe5\xff\xff"), strs(), []byte{0, 0, 0}, lens(binary.BigEndian, 4)), binary.BigEndian, 4, want},
		{"paths without lengths are not the table", concat([]byte("x\x00"), strs()), binary.LittleEndian, 8, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, systemDirsTable(tt.data, tt.bo, tt.word))
		})
	}
	// The machine's own loaders, when there: glibc's ld.so --help lists
	// the same directories as "system search path".
	for _, a := range elftest.Arches() {
		p := a.Interp
		if a.GOARCH != "amd64" {
			p = a.Sysroot() + a.Interp
		}
		o := open(p)
		if o.f == nil {
			continue
		}
		li := readLoader(p, o, o.f.FileHeader)
		assert.Equal(t, "loader", li.from, p)
		assert.Contains(t, li.dirs, "/usr/lib", p)
		assert.Equal(t, "/etc/ld.so.cache", li.cache, p)
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestParseLdCache reads glibc's cache format: a header, 24-byte entries,
// strings addressed from the header; hwcaps entries are left out.
func TestParseLdCache(t *testing.T) {
	bo := binary.LittleEndian
	strings := "libz.so.1\x00/lib/x86_64-linux-gnu/libz.so.1\x00/lib/glibc-hwcaps/x86-64-v3/libz.so.1\x00"
	const entries = 2
	base := 48 + entries*24
	h := make([]byte, base)
	copy(h, cacheMagic)
	bo.PutUint32(h[20:], entries)
	bo.PutUint32(h[24:], uint32(len(strings)))
	entry := func(i int, key, val uint32, hwcap uint64) {
		e := h[48+i*24:]
		bo.PutUint32(e[0:], 0x0303)
		bo.PutUint32(e[4:], key)
		bo.PutUint32(e[8:], val)
		bo.PutUint64(e[16:], hwcap)
	}
	entry(0, uint32(base), uint32(base+10), 0)
	entry(1, uint32(base), uint32(base+10+31), 1<<62)
	data := concat([]byte("ld.so-1.7.0\x00\x00\x00\x00\x00"), h, []byte(strings))
	assert.Equal(t, ldCache{"libz.so.1": {"/lib/x86_64-linux-gnu/libz.so.1"}}, parseLdCache(data, bo))
	assert.Empty(t, parseLdCache(data[:30], bo), "truncated")
	assert.Empty(t, parseLdCache([]byte("not a cache"), bo))
}

// hostSources are a Python extension module, a node addon and a Python
// stand-in: the module uses CPython's API and powf without linking libm,
// as Debian's modules do; the host exports Py_Initialize and loads libm.
var hostSources = map[string]string{
	"mod.c": `float powf(float, float); void *PyLong_FromLong(long);
void *PyInit_mod(void) { return PyLong_FromLong((long)powf(2, 3)); }
`,
	"addon.c": `void *napi_create_object(void *, void *); int helper_from_nowhere(void);
void *napi_register_module_v1(void *env, void *exports) { napi_create_object(env, exports); return helper_from_nowhere() ? exports : 0; }
`,
	"host.c": `#include <math.h>
void Py_Initialize(void) {} void *PyLong_FromLong(long v) { return (void *)v; }
int main(int argc, char **argv) { return (int)pow(argc, 2) == 1 ? 0 : 1; }
`,
}

// TestHostModules: without --host, a module's symbols of its host's API
// are the host's; others (powf) are errors. With --host, the host's
// exports and the libraries it loads (libm) define them.
func TestHostModules(t *testing.T) {
	gcc := elftest.LookPath(t, "gcc")
	root := tempRoot(t)
	for name, src := range hostSources {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(src), 0o644))
	}
	sp := filepath.Join(root, "site-packages")
	nm := filepath.Join(root, "node_modules/addon")
	require.NoError(t, os.MkdirAll(sp, 0o755))
	require.NoError(t, os.MkdirAll(nm, 0o755))
	for _, args := range [][]string{
		{"-shared", "-fPIC", "-o", filepath.Join(sp, "mod.cpython-311-x86_64-linux-gnu.so"), "mod.c"},
		{"-shared", "-fPIC", "-o", filepath.Join(nm, "addon.node"), "addon.c"},
		{"-rdynamic", "-o", "python3", "host.c", "-lm"},
	} {
		cmd := exec.Command(gcc, append([]string{"-fno-builtin"}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	rep, err := Check(context.Background(), Config{Paths: []string{sp, nm}, UndefinedSymbols: true})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"undefined-symbol $ROOT/site-packages/mod.cpython-311-x86_64-linux-gnu.so powf",
		"undefined-symbol $ROOT/node_modules/addon/addon.node helper_from_nowhere",
	}, problems(rep, Error, root))
	assert.Equal(t, "python", rep.Files[0].Host)
	assert.Equal(t, "node", rep.Files[1].Host)

	rep, err = Check(context.Background(), Config{Paths: []string{sp}, UndefinedSymbols: true, Hosts: []string{filepath.Join(root, "python3")}})
	require.NoError(t, err)
	assert.Equal(t, []string{}, problems(rep, Error, root))

	_, err = Check(context.Background(), Config{Paths: []string{sp}, Hosts: []string{filepath.Join(nm, "addon.node")}})
	assert.ErrorIs(t, err, errNotHost)
}

// TestContextAndLibsOnly: a library that a program loads is judged in the
// program's process, where an already loaded soname satisfies it; alone,
// it is judged alone. A library found only through Libs is a warning,
// and the program runs only with LD_LIBRARY_PATH.
func TestContextAndLibsOnly(t *testing.T) {
	bin := compiled(t)
	root := tempRoot(t)
	// prog → libfoo.so → libbar.so → libbaz.so; the program's RUNPATH
	// reaches all three, libfoo's none: libbar comes in through libfoo,
	// found by nobody... unless the program needs it first.
	prog := paths(t, bin["prog"], "$ORIGIN/../lib", false)
	prog, _, err := elf.Apply(prog, elf.Edit{AddNeeded: []string{"libbar.so"}})
	require.NoError(t, err)
	put(t, filepath.Join(root, "app/bin/prog"), prog)
	put(t, filepath.Join(root, "app/lib/libfoo.so"), bin["libfoo.so"])
	put(t, filepath.Join(root, "app/lib/libbar.so"), paths(t, bin["libbar.so"], "$ORIGIN", false))
	put(t, filepath.Join(root, "app/lib/libbaz.so"), bin["libbaz.so"])
	put(t, filepath.Join(root, "alone/libfoo.so"), bin["libfoo.so"])

	rep, err := Check(context.Background(), Config{Paths: []string{filepath.Join(root, "app"), filepath.Join(root, "alone")}})
	require.NoError(t, err)
	assert.Equal(t, []string{"missing-library $ROOT/alone/libfoo.so libbar.so"}, problems(rep, Error, root))
	for _, f := range rep.Files {
		if filepath.Base(filepath.Dir(f.Path)) == "lib" {
			assert.Equal(t, filepath.Join(root, "app/bin/prog"), f.LoadedBy, f.Path)
		}
	}
	ok, out := runs(t, filepath.Join(root, "app/bin/prog"))
	assert.True(t, ok, out)

	// Through Libs only: a warning, and the loader agrees it needs them.
	put(t, filepath.Join(root, "app/bin/prog"), paths(t, bin["prog"], "/nonexistent", false))
	rep, err = Check(context.Background(), Config{Paths: []string{filepath.Join(root, "app/bin")}, Libs: []string{filepath.Join(root, "app/lib")}})
	require.NoError(t, err)
	assert.Equal(t, []string{}, problems(rep, Error, root))
	assert.Equal(t, []string{
		"libs-only $ROOT/app/bin/prog libfoo.so",
		"libs-only $ROOT/app/lib/libfoo.so libbar.so",
	}, problems(rep, Warning, root))
	ok, _ = runs(t, filepath.Join(root, "app/bin/prog"))
	assert.False(t, ok)
	ok, out = runs(t, filepath.Join(root, "app/bin/prog"), "LD_LIBRARY_PATH="+filepath.Join(root, "app/lib"))
	assert.True(t, ok, out)
}

// TestTargetArchitecture: with a target, files of another architecture are
// an info finding and not checked; the interpreter sets the target.
func TestTargetArchitecture(t *testing.T) {
	root := tempRoot(t)
	put(t, filepath.Join(root, "x/libfoo.so"), fixtureBytes(t, "x86_64/transitive/libfoo.so"))
	put(t, filepath.Join(root, "a/libfoo.so"), fixtureBytes(t, "aarch64/transitive/libfoo.so"))
	x86 := resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}
	rep, err := Check(context.Background(), Config{Paths: []string{root}, Target: x86})
	require.NoError(t, err)
	assert.Equal(t, []string{"missing-library $ROOT/x/libfoo.so libbar.so"}, problems(rep, Error, root))
	assert.Equal(t, []string{"other-architecture "}, problems(rep, Info, root))
	assert.Equal(t, "aarch64 file, not checked: the target is x86_64", rep.Findings[0].Message())
	assert.Equal(t, "other architecture", rep.Files[0].Skipped)

	// No target: both are checked.
	rep, err = Check(context.Background(), Config{Paths: []string{root}, NoDefaultDirs: true})
	require.NoError(t, err)
	assert.Len(t, problems(rep, Error, root), 4) // libbar.so and libc.so.6, twice
}
