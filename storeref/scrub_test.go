package storeref

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// storeLoader is where a Nix build's loader lives, for a fixture's own.
func storeLoader(interp string) string {
	return "/nix/store/" + hashA + "-glibc-2.40-66/lib/" + filepath.Base(interp)
}

// storeify gives a fixture what a Nix build gives it: the interpreter and
// RUNPATH entries in the store, around the entries given.
func storeify(t *testing.T, data []byte, interp bool, runpath string) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	e := elf.Edit{SetRunpath: true, Runpath: runpath}
	if interp && f.HasInterpreter {
		e.Interpreter = storeLoader(f.Interpreter)
	}
	out, _, err := elf.Apply(data, e)
	require.NoError(t, err)
	return out
}

func mustParse(t *testing.T, data []byte) *elf.File {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	return f
}

func TestScanELF(t *testing.T) {
	all := elftest.Fixtures(t)
	prog := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == "x86_64/pie/prog" })[0]
	krb5 := "/nix/store/" + hashB + "-krb5-1.21.3"
	data := storeify(t, prog.Bytes(t), true, "$ORIGIN/../lib:"+krb5+"/lib:/usr/lib")

	refs, err := Scan(data, DefaultStoreDir)
	require.NoError(t, err)
	require.Len(t, refs, 2)
	glibc := "/nix/store/" + hashA + "-glibc-2.40-66"
	assert.Equal(t, Ref{Kind: Interpreter, StorePath: glibc, Value: glibc + "/lib/ld-linux-x86-64.so.2", Offset: refs[0].Offset}, refs[0])
	assert.Equal(t, Ref{Kind: Runpath, StorePath: krb5, Value: krb5 + "/lib", Offset: refs[1].Offset}, refs[1])
	for _, r := range refs {
		assert.Equal(t, r.StorePath, string(data[r.Offset:r.Offset+int64(len(r.StorePath))]), "offset of %s", r.Kind)
	}

	// The same path in RPATH, and in DT_NEEDED.
	data, _, err = elf.Apply(prog.Bytes(t), elf.Edit{SetRunpath: true, Runpath: krb5 + "/lib", ForceRpath: true,
		ReplaceNeeded: []elf.Replacement{{Old: "libfoo.so", New: krb5 + "/lib/libfoo.so"}}})
	require.NoError(t, err)
	refs, err = Scan(data, DefaultStoreDir)
	require.NoError(t, err)
	var kinds []Kind
	for _, r := range refs {
		kinds = append(kinds, r.Kind)
	}
	assert.Equal(t, []Kind{Needed, Rpath}, kinds)
}

// TestScrubFixtures scrubs a program and its library on every arch and runs
// the program: the kept RUNPATH entry still finds the library, and the
// placeholder interpreter is the arch's real loader path.
func TestScrubFixtures(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, prog := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Variant == "pie" && f.Name == "prog"
	}) {
		t.Run(prog.Arch.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			libDir := prog.CopyDeps(t, all, filepath.Join(dir))
			krb5 := "/nix/store/" + hashB + "-krb5-1.21.3/lib"
			data := storeify(t, prog.Bytes(t), true, krb5+":"+libDir+":/nix/store/"+hashA+"-openssl-3.4.1/lib")

			res, err := Scrub(data, Options{})
			require.NoError(t, err)
			assert.True(t, res.Changed)
			assert.Empty(t, res.Remaining, "every store path is gone, stale .dynstr bytes included")
			assert.Len(t, res.Data, len(data), "shorter strings are written in place")
			f := mustParse(t, res.Data)
			assert.Equal(t, libDir, f.Runpath)
			assert.Equal(t, prog.Arch.Interp, f.Interpreter)
			assert.Equal(t, prog.Arch.Interp, PlaceholderInterpreter(f))
			assert.Equal(t, []Change{
				{Kind: Runpath, Old: krb5 + ":" + libDir + ":/nix/store/" + hashA + "-openssl-3.4.1/lib", New: libDir},
				{Kind: Interpreter, Old: storeLoader(prog.Arch.Interp), New: prog.Arch.Interp},
			}, res.Changes)
			elftest.AssertValid(t, res.Data)
			assert.NotContains(t, string(res.Data), "/nix/store/")

			again, err := Scrub(res.Data, Options{})
			require.NoError(t, err)
			assert.False(t, again.Changed, "a second scrub changes nothing")
			assert.Empty(t, again.Changes)

			path := filepath.Join(dir, "prog")
			require.NoError(t, os.WriteFile(path, res.Data, 0o755))
			out := elftest.NewRunner(t, prog.Arch).RunOK(t, nil, path)
			assert.Equal(t, prog.Output, out)
		})
	}
}

func TestScrubSearchPaths(t *testing.T) {
	all := elftest.Fixtures(t)
	lib := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == "x86_64/transitive/libfoo.so" })[0]
	store := "/nix/store/" + hashB + "-krb5-1.21.3/lib"
	tests := []struct {
		name       string
		edit       elf.Edit
		wantKind   Kind
		has        bool // a search path is left
		want       string
		wantChange bool
	}{
		{"runpath, all store", elf.Edit{SetRunpath: true, Runpath: store}, Runpath, false, "", true},
		{"runpath, $ORIGIN kept", elf.Edit{SetRunpath: true, Runpath: store + ":$ORIGIN/../lib"}, Runpath, true, "$ORIGIN/../lib", true},
		{"rpath stays rpath", elf.Edit{SetRunpath: true, ForceRpath: true, Runpath: "$ORIGIN:" + store}, Rpath, true, "$ORIGIN", true},
		{"rpath, all store", elf.Edit{SetRunpath: true, ForceRpath: true, Runpath: store}, Rpath, false, "", true},
		{"no store entry", elf.Edit{SetRunpath: true, Runpath: "$ORIGIN:/usr/lib"}, Runpath, true, "$ORIGIN:/usr/lib", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _, err := elf.Apply(lib.Bytes(t), tt.edit)
			require.NoError(t, err)
			res, err := Scrub(data, Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.wantChange, res.Changed)
			assert.Empty(t, res.Remaining)
			f := mustParse(t, res.Data)
			assert.Equal(t, tt.has, f.HasRunpath || f.HasRpath)
			assert.Equal(t, tt.want, f.SearchPath())
			if tt.has {
				assert.Equal(t, tt.wantKind == Rpath, f.HasRpath)
			}
			assert.False(t, f.HasInterpreter, "a library gets no interpreter")
			if !tt.wantChange {
				assert.Same(t, &data[0], &res.Data[0], "unchanged input is returned as is")
			}
		})
	}
}

func TestScrubOptions(t *testing.T) {
	all := elftest.Fixtures(t)
	prog := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == "aarch64/pie/prog" })[0]
	data := storeify(t, prog.Bytes(t), true, "/nix/store/"+hashB+"-x/lib")

	res, err := Scrub(data, Options{Interpreter: "/run/placeholder/ld.so"})
	require.NoError(t, err)
	assert.Equal(t, "/run/placeholder/ld.so", mustParse(t, res.Data).Interpreter)

	// Another store dir: /nix/store paths are then nobody's business.
	res, err = Scrub(data, Options{StoreDir: "/gnu/store"})
	require.NoError(t, err)
	assert.False(t, res.Changed)
	assert.Empty(t, res.Remaining)
}

func TestScrubNotELF(t *testing.T) {
	data := []byte("home = /nix/store/" + hashA + "-python3-3.14.0/bin\n")
	res, err := Scrub(data, Options{})
	require.NoError(t, err)
	assert.False(t, res.Changed)
	assert.Equal(t, []Ref{{Kind: Bytes, StorePath: "/nix/store/" + hashA + "-python3-3.14.0", Offset: 7}}, res.Remaining)
}

func TestScrubMalformed(t *testing.T) {
	all := elftest.Fixtures(t)
	prog := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == "x86_64/pie/prog" })[0]
	data := prog.Bytes(t)[:200] // the program headers point past the end
	_, err := Scrub(data, Options{})
	var fe *elf.FormatError
	assert.ErrorAs(t, err, &fe)
}

// cProgram is a program with a store path in .rodata, debug information
// naming the store (its sources "come from" one), an interpreter and a
// RUNPATH in the store: what a C extension built in a Nix FOD looks like.
const cProgram = `#include <stdio.h>
static const char where[] = "/nix/store/` + hashB + `-foo-1.0/lib";
int main(void) { puts(where); return 0; }
`

func buildCProgram(t *testing.T) (path string, loader string) {
	t.Helper()
	gcc := elftest.LookPath(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "main.c")
	require.NoError(t, os.WriteFile(src, []byte(cProgram), 0o644))
	loader = elftest.HostLoader(t, elftest.Arches()[0])
	path = filepath.Join(dir, "main")
	cmd := exec.Command(gcc, "-g", "-O1", "-o", path, src,
		"-fdebug-prefix-map="+dir+"=/nix/store/"+hashA+"-source",
		"-Wl,--enable-new-dtags,-rpath,/nix/store/"+hashA+"-glibc-2.40-66/lib:$ORIGIN",
		"-Wl,--dynamic-linker="+storeLoader(loader))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return path, loader
}

func TestScrubRodataAndDebug(t *testing.T) {
	if !strings.HasPrefix(elftest.Arches()[0].GOARCH, "amd64") {
		t.Skip("builds an x86-64 program with the host gcc")
	}
	path, loader := buildCProgram(t)
	data, err := os.ReadFile(path)
	require.NoError(t, err)

	before, err := Scan(data, DefaultStoreDir)
	require.NoError(t, err)
	sections := map[string]int{}
	kinds := map[Kind]int{}
	for _, r := range before {
		kinds[r.Kind]++
		sections[r.Section]++
	}
	assert.Equal(t, 1, kinds[Interpreter])
	assert.Equal(t, 1, kinds[Runpath])
	assert.Equal(t, 1, sections[".rodata"])
	assert.Positive(t, sections[".debug_line"]+sections[".debug_str"]+sections[".debug_line_str"], "%v", sections)

	res, err := Scrub(data, Options{})
	require.NoError(t, err)
	require.Len(t, res.Remaining, 1, "%v", res.Remaining)
	assert.Equal(t, Ref{Kind: Bytes, StorePath: "/nix/store/" + hashB + "-foo-1.0", Offset: res.Remaining[0].Offset,
		Section: ".rodata"}, res.Remaining[0])
	assert.Len(t, res.Data, len(data), "shorter strings are written in place")
	f := mustParse(t, res.Data)
	assert.Equal(t, "$ORIGIN", f.Runpath)
	assert.Equal(t, loader, f.Interpreter)
	for _, c := range res.Changes {
		if c.Kind == Bytes {
			assert.True(t, strings.HasPrefix(c.Section, ".debug"), c.Section)
			assert.Equal(t, "/nix/store/"+blankHash+"-source", c.New)
		}
	}

	kept, err := Scrub(data, Options{KeepUnloaded: true})
	require.NoError(t, err)
	assert.Greater(t, len(kept.Remaining), 1)

	require.NoError(t, os.WriteFile(path, res.Data, 0o755))
	out := elftest.NewRunner(t, elftest.Arches()[0]).RunOK(t, nil, path)
	assert.Equal(t, "/nix/store/"+hashB+"-foo-1.0/lib\n", out)
}

// TestScrubRunpathAndRpath covers a file with both tags (old linkers with
// --enable-new-dtags wrote both): the loader reads DT_RUNPATH only, so the
// result is the filtered DT_RUNPATH alone. The RUNPATH is made by hand, in
// place of DT_DEBUG, pointing at the tail "$ORIGIN" of the RPATH string.
func TestScrubRunpathAndRpath(t *testing.T) {
	all := elftest.Fixtures(t)
	lib := elftest.Select(all, func(f elftest.Fixture) bool { return f.ID() == "x86_64/rpath/prog" })[0]
	store := "/nix/store/" + hashB + "-krb5-1.21.3/lib"
	data, _, err := elf.Apply(lib.Bytes(t), elf.Edit{SetRunpath: true, ForceRpath: true, Runpath: store + ":$ORIGIN"})
	require.NoError(t, err)
	f := mustParse(t, data)
	debug := slices.IndexFunc(f.Dynamic, func(d elf.Dyn) bool { return d.Tag == stdelf.DT_DEBUG })
	require.GreaterOrEqual(t, debug, 0)
	rpathOff, ok := f.DynValue(stdelf.DT_RPATH)
	require.True(t, ok)
	var dynOff uint64
	for _, p := range f.Progs {
		if p.Type == stdelf.PT_DYNAMIC {
			dynOff = p.Off
		}
	}
	slot := dynOff + uint64(debug)*16
	binary.LittleEndian.PutUint64(data[slot:], uint64(stdelf.DT_RUNPATH))
	binary.LittleEndian.PutUint64(data[slot+8:], rpathOff+uint64(len(store)+1))
	f = mustParse(t, data)
	require.True(t, f.HasRunpath && f.HasRpath)
	require.Equal(t, "$ORIGIN", f.Runpath)

	res, err := Scrub(data, Options{})
	require.NoError(t, err)
	got := mustParse(t, res.Data)
	assert.True(t, got.HasRunpath)
	assert.False(t, got.HasRpath, "the loader ignored DT_RPATH; it goes")
	assert.Equal(t, "$ORIGIN", got.Runpath)
	assert.Equal(t, []Change{{Kind: Rpath, Old: store + ":$ORIGIN"}}, res.Changes)
	// The RPATH string shares its tail with the RUNPATH, so elf may keep
	// its bytes: then the re-scan must report them as bytes in .dynstr.
	for _, r := range res.Remaining {
		assert.Equal(t, Ref{Kind: Bytes, StorePath: "/nix/store/" + hashB + "-krb5-1.21.3", Offset: r.Offset, Section: ".dynstr"}, r)
	}
	t.Logf("remaining: %+v", res.Remaining)
}

// TestPlaceholderInterpreterByArch: the placeholder for loaders of arches
// without fixtures, as internal/arch places them.
func TestPlaceholderInterpreterByArch(t *testing.T) {
	for _, tc := range []struct {
		interp string
		m      stdelf.Machine
		c      stdelf.Class
		want   string
	}{
		{"/nix/store/x-glibc/lib/ld-linux-loongarch-lp64d.so.1", stdelf.EM_LOONGARCH, stdelf.ELFCLASS64, "/lib64/ld-linux-loongarch-lp64d.so.1"},
		{"/nix/store/x-glibc/lib/ld-linux-x32.so.2", stdelf.EM_X86_64, stdelf.ELFCLASS32, "/libx32/ld-linux-x32.so.2"},
		{"/nix/store/x-glibc/lib/ld.so.1", stdelf.EM_MIPS, stdelf.ELFCLASS64, "/lib64/ld.so.1"},
		{"/nix/store/x-glibc/lib/ld.so.1", stdelf.EM_MIPS, stdelf.ELFCLASS32, "/lib/ld.so.1"},
		{"/nix/store/x-glibc/lib/ld64.so.1", stdelf.EM_PPC64, stdelf.ELFCLASS64, "/lib64/ld64.so.1"},
		{"/nix/store/x-glibc/lib/ld64.so.1", stdelf.EM_S390, stdelf.ELFCLASS64, "/lib/ld64.so.1"},
		{"/nix/store/x-musl/lib/ld-musl-x86_64.so.1", stdelf.EM_X86_64, stdelf.ELFCLASS64, "/lib/ld-musl-x86_64.so.1"},
		{"/nix/store/x-glibc/lib/ld-linux-ia64.so.2", stdelf.EM_IA_64, stdelf.ELFCLASS64, "/lib/ld-linux-ia64.so.2"},
		{"", stdelf.EM_X86_64, stdelf.ELFCLASS64, "/lib/ld.so"},
	} {
		f := &elf.File{FileHeader: elf.FileHeader{Machine: tc.m, Class: tc.c}, Interpreter: tc.interp}
		assert.Equal(t, tc.want, PlaceholderInterpreter(f), tc.interp)
	}
}
