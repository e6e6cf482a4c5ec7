package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
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

func parse(t *testing.T, data []byte) *elf.File {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	return f
}

// TestReadFixtures compares what the reader finds in every committed
// fixture with what fixtures/build.sh says it made.
func TestReadFixtures(t *testing.T) {
	for _, fx := range elftest.Fixtures(t) {
		t.Run(fx.ID(), func(t *testing.T) {
			f := parse(t, fx.Bytes(t))
			assert.Equal(t, fx.Arch.Machine, f.Machine)
			assert.Equal(t, fx.Arch.Class, f.Class)
			assert.Equal(t, fx.Arch.Data, f.Data)
			assert.Equal(t, fx.Type, f.Type)
			assert.Equal(t, fx.Flags, f.Flags)
			assert.Equal(t, fx.Interp, f.Interpreter)
			assert.Equal(t, fx.Interp != "", f.HasInterpreter)
			assert.Equal(t, fx.Needed, f.Needed)
			assert.Equal(t, fx.Soname, f.Soname)
			assert.Equal(t, fx.RPath, f.Rpath)
			assert.Equal(t, fx.RunPath, f.Runpath)
			assert.Equal(t, fx.Kind != elftest.Object, f.HasSegments())
			assert.Equal(t, fx.Kind == elftest.StaticProgram && fx.Type == stdelf.ET_EXEC, f.IsStatic())
			assert.Equal(t, fx.Kind == elftest.StaticProgram && fx.PIE, f.IsStaticPIE())
			assert.False(t, f.IsDebugObject())
		})
	}
}

func TestNotELF(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("#!/bin/sh\n"), []byte("\x7fEL"), bytes.Repeat([]byte{0}, 100)} {
		_, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		assert.ErrorIs(t, err, elf.ErrNotELF, "%q", data)
	}
}

// TestHostileHeaders corrupts a real file in memory, field by field, and
// expects a FormatError rather than a panic or a wrong answer.
func TestHostileHeaders(t *testing.T) {
	orig := elftest.FixtureBytes(t, "x86_64/runpath/prog")
	f := parse(t, orig)
	le := func(b []byte, off int, v uint64, n int) {
		for i := 0; i < n; i++ {
			b[off+i] = byte(v >> (8 * i))
		}
	}
	interp := f.Progs[1]
	require.Equal(t, stdelf.PT_INTERP, interp.Type)
	tests := []struct {
		name string
		mut  func(b []byte)
		msg  string
	}{
		{"truncated header", func(b []byte) {}, "truncated"},
		{"bad class", func(b []byte) { b[stdelf.EI_CLASS] = 9 }, "unknown class"},
		{"bad data", func(b []byte) { b[stdelf.EI_DATA] = 7 }, "data encoding"},
		{"phoff past end", func(b []byte) { le(b, 32, 1<<40, 8) }, "program header table out of bounds"},
		{"phoff wraps", func(b []byte) { le(b, 32, ^uint64(0)-8, 8) }, "out of bounds"},
		{"phentsize", func(b []byte) { le(b, 54, 12, 2) }, "entry size"},
		{"interp size", func(b []byte) { le(b, 64+56+32, 1<<50, 8) }, "interpreter path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(orig)
			if tt.name == "truncated header" {
				b = b[:40]
			}
			tt.mut(b)
			_, err := elf.NewFile(bytes.NewReader(b), int64(len(b)))
			var fe *elf.FormatError
			require.True(t, errors.As(err, &fe), "error %v", err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// TestIsDebugObject builds a library without -g and its separate debug
// file: only .eh_frame says "DWARF" there, as pyelftools counts it.
func TestIsDebugObject(t *testing.T) {
	gcc := elftest.LookPath(t, "gcc")
	objcopy := elftest.LookPath(t, "objcopy")
	dir := t.TempDir()
	src := filepath.Join(dir, "d.c")
	require.NoError(t, os.WriteFile(src, []byte("int f(int x) { return x + 1; }\n"), 0o644))
	lib := filepath.Join(dir, "libd.so")
	dbg := filepath.Join(dir, "libd.debug")
	out, err := exec.Command(gcc, "-shared", "-fPIC", "-O2", "-o", lib, src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(objcopy, "--only-keep-debug", lib, dbg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for path, want := range map[string]bool{lib: false, dbg: true} {
		f, err := elf.Open(path)
		require.NoError(t, err)
		assert.Equal(t, want, f.IsDebugObject(), path)
		assert.Equal(t, want, f.DynamicStripped(), path)
		require.NoError(t, f.Close())
	}
}

// TestDynamicSectionWithoutPTDynamic: a library linked with a script that
// leaves out PT_DYNAMIC (patchelf's phdr-corruption test) is read and
// edited through its loaded .dynamic section.
func TestDynamicSectionWithoutPTDynamic(t *testing.T) {
	data := elftest.FixtureBytes(t, "x86_64/pie/libfoo.so")
	f := parse(t, data)
	i := slices.IndexFunc(f.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_DYNAMIC })
	require.GreaterOrEqual(t, i, 0)
	f.ByteOrder.PutUint32(data[f.PhOff+uint64(i*f.PhEntSize):], uint32(stdelf.PT_NULL))
	g := parse(t, data)
	require.True(t, g.IsDynamic())
	assert.Equal(t, f.Needed, g.Needed)
	assert.Equal(t, f.Soname, g.Soname)

	for _, rp := range []string{"/x", strings.Repeat("/long", 40)} {
		out, changed, err := elf.Apply(data, elf.Edit{SetRunpath: true, Runpath: rp})
		require.NoError(t, err)
		require.True(t, changed)
		h := parse(t, out)
		assert.Equal(t, rp, h.Runpath)
		assert.Equal(t, f.Needed, h.Needed)
		assert.False(t, slices.ContainsFunc(h.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_DYNAMIC }))
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "in"), data, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "out"), out, 0o644))
		assert.Empty(t, elftest.NewComplaints(elftest.Complaints(t, filepath.Join(dir, "in")), elftest.Complaints(t, filepath.Join(dir, "out"))))
	}
}

// TestUnnamedSectionSymbols: a symbol in a section whose name was erased
// (patchelf's invalid-elf test) is found for the warning patchelf gives.
func TestUnnamedSectionSymbols(t *testing.T) {
	data := elftest.FixtureBytes(t, "x86_64/pie/prog")
	f := parse(t, data)
	assert.Empty(t, f.UnnamedSectionSymbols())
	text := slices.IndexFunc(f.Sections, func(s elf.Section) bool { return s.Name == ".text" })
	require.Greater(t, text, 0)
	clear(data[f.ShOff+uint64(text*f.ShEntSize):][:4])
	assert.Equal(t, []int{text}, parse(t, data).UnnamedSectionSymbols())
}

// TestResolutionCacheSectionOfAnyKind: objcopy --add-section makes a
// .note.nixos.ldcache that is no valid note; it still counts as present.
func TestResolutionCacheSectionOfAnyKind(t *testing.T) {
	objcopy := elftest.LookPath(t, "objcopy")
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(prog, elftest.FixtureBytes(t, "x86_64/pie/prog"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tiny"), []byte("x"), 0o644))
	f, err := elf.Open(prog)
	require.NoError(t, err)
	assert.False(t, f.HasResolutionCacheSection())
	require.NoError(t, f.Close())
	out, err := exec.Command(objcopy, "--add-section", elf.ResolutionCacheSection+"="+filepath.Join(dir, "tiny"), prog).CombinedOutput()
	require.NoError(t, err, "%s", out)
	f, err = elf.Open(prog)
	require.NoError(t, err)
	defer f.Close()
	assert.True(t, f.HasResolutionCacheSection())
	assert.Nil(t, f.ResolutionCache)
}
