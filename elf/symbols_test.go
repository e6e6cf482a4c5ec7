package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// renameSuffix is appended to every renamed symbol.
const renameSuffix = "_renamed_by_gopatchelf"

// definedDynsyms returns the names of the symbols data defines in .dynsym
// (read with debug/elf, so it needs section headers).
func definedDynsyms(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := stdelf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	syms, err := f.DynamicSymbols()
	require.NoError(t, err)
	var out []string
	for _, s := range syms {
		if s.Section != stdelf.SHN_UNDEF && s.Name != "" {
			out = append(out, s.Name)
		}
	}
	return out
}

// TestRenameDynamicSymbols renames every symbol libfoo defines, in libfoo
// and in the program that uses it, and runs the program with eager binding
// (LD_BIND_NOW), natively and under qemu-user: the loader must find each
// renamed definition through the rebuilt hash tables. The tables and the
// relocations are also checked independently of the loader, and a program
// renamed against an unrenamed library must fail to start.
func TestRenameDynamicSymbols(t *testing.T) {
	all := elftest.Fixtures(t)
	variants := []string{"pie", "nopie", "hash-gnu", "hash-sysv", "hash-both", "bigdynstr", "noshdrs"}
	progs := elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && f.Name == "prog" && slices.Contains(variants, f.Variant)
	})
	require.NotEmpty(t, progs)
	for _, fx := range progs {
		t.Run(fx.ID(), func(t *testing.T) {
			lib := fx.Sibling(t, all, "libfoo.so")
			libData := lib.Bytes(t)
			names := []string{"foo"}
			if lib.SectionHeaders {
				names = definedDynsyms(t, libData)
			}
			require.Contains(t, names, "foo")
			m := map[string]string{}
			for _, n := range names {
				m[n] = n + renameSuffix
			}
			dir := t.TempDir()
			libdir := filepath.Join(dir, "lib")
			require.NoError(t, os.Mkdir(libdir, 0o755))

			e := elf.Edit{RenameSymbols: m}
			libOut := applyChecked(t, libData, e, filepath.Join(dir, "lib.in"))
			e.SetRunpath, e.Runpath = true, libdir
			progOut := applyChecked(t, fx.Bytes(t), e, filepath.Join(dir, "prog.in"))
			for _, c := range []struct{ orig, out []byte }{{libData, libOut}, {fx.Bytes(t), progOut}} {
				if lib.SectionHeaders {
					checkRenamed(t, c.orig, c.out, m)
				}
			}

			prog := filepath.Join(dir, "prog")
			require.NoError(t, os.WriteFile(prog, progOut, 0o755))
			runner := elftest.NewRunner(t, fx.Arch)

			// Against the original library, the renamed reference to foo
			// cannot bind.
			require.NoError(t, os.WriteFile(filepath.Join(libdir, "libfoo.so"), libData, 0o755))
			res := runner.Run(t, []string{"LD_BIND_NOW=1"}, prog)
			assert.NotEqual(t, 0, res.ExitCode, "%s", res)
			assert.Contains(t, res.Stderr, "foo"+renameSuffix)

			require.NoError(t, os.WriteFile(filepath.Join(libdir, "libfoo.so"), libOut, 0o755))
			assert.Equal(t, fx.Output, runner.RunOK(t, []string{"LD_BIND_NOW=1"}, prog))
			assert.Equal(t, fx.Output, runner.RunOK(t, nil, prog))
		})
	}
}

// checkRenamed compares a file before and after a rename, reading it with
// debug/elf and its own hash-table walk: every symbol keeps its value, size,
// section and version under its new name, every defined symbol is found by
// both hash tables at its index, and every dynamic relocation refers to the
// same (renamed) symbol as before.
func checkRenamed(t *testing.T, orig, out []byte, m map[string]string) {
	t.Helper()
	before, after := readDyn(t, orig), readDyn(t, out)
	require.Equal(t, len(before.syms), len(after.syms))
	type key struct {
		name     string
		value    uint64
		size     uint64
		sect     stdelf.SectionIndex
		info     byte
		versym   uint16
		hasVersm bool
	}
	keys := func(d *dynInfo, rename bool) []key {
		var ks []key
		for i, s := range d.syms {
			n := s.Name
			if nw, ok := m[n]; ok && rename && i > 0 {
				n = nw
			}
			k := key{name: n, value: s.Value, size: s.Size, sect: s.Section, info: s.Info}
			if d.versym != nil {
				k.versym, k.hasVersm = d.versym[i], true
			}
			ks = append(ks, k)
		}
		slices.SortFunc(ks, func(a, b key) int {
			if a.name != b.name {
				if a.name < b.name {
					return -1
				}
				return 1
			}
			return int(a.value) - int(b.value)
		})
		return ks
	}
	assert.Equal(t, keys(before, true), keys(after, false), "symbols, renamed")
	assert.Equal(t, before.relocNames(m), after.relocNames(nil), "relocation targets")
	for i, s := range after.syms {
		if i == 0 || s.Section == stdelf.SHN_UNDEF || s.Name == "" || stdelf.ST_BIND(s.Info) == stdelf.STB_LOCAL {
			continue
		}
		if after.gnu != nil {
			assert.Equal(t, i, after.gnuLookup(s.Name), "GNU hash lookup of %s", s.Name)
		}
		if after.sysv != nil {
			assert.Equal(t, i, after.sysvLookup(s.Name), "SysV hash lookup of %s", s.Name)
		}
	}
}

// dynInfo is what the test reads of a file's dynamic symbols.
type dynInfo struct {
	f      *stdelf.File
	syms   []stdelf.Symbol // index 0 included
	versym []uint16
	gnu    []byte
	sysv   []byte
	relocs [][]byte // raw tables
	rela   []bool
}

func readDyn(t *testing.T, data []byte) *dynInfo {
	t.Helper()
	f, err := stdelf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	syms, err := f.DynamicSymbols()
	require.NoError(t, err)
	d := &dynInfo{f: f, syms: append([]stdelf.Symbol{{}}, syms...)}
	for _, s := range f.Sections {
		var err error
		switch {
		case s.Type == stdelf.SHT_GNU_VERSYM:
			b, e := s.Data()
			err = e
			for i := 0; i+2 <= len(b); i += 2 {
				d.versym = append(d.versym, f.ByteOrder.Uint16(b[i:]))
			}
		case s.Type == stdelf.SHT_GNU_HASH:
			d.gnu, err = s.Data()
		case s.Type == stdelf.SHT_HASH:
			d.sysv, err = s.Data()
		case (s.Type == stdelf.SHT_RELA || s.Type == stdelf.SHT_REL) && s.Flags&stdelf.SHF_ALLOC != 0:
			b, e := s.Data()
			err = e
			d.relocs, d.rela = append(d.relocs, b), append(d.rela, s.Type == stdelf.SHT_RELA)
		}
		require.NoError(t, err)
	}
	return d
}

func (d *dynInfo) relocNames(m map[string]string) []string {
	var out []string
	w := 8
	if d.f.Class == stdelf.ELFCLASS32 {
		w = 4
	}
	for k, tab := range d.relocs {
		es := 2 * w
		if d.rela[k] {
			es = 3 * w
		}
		for i := 0; i+es <= len(tab); i += es {
			var sym uint64
			if w == 8 {
				sym = d.f.ByteOrder.Uint64(tab[i+8:]) >> 32
			} else {
				sym = uint64(d.f.ByteOrder.Uint32(tab[i+4:])) >> 8
			}
			n := d.syms[sym].Name
			if nw, ok := m[n]; ok && sym > 0 {
				n = nw
			}
			out = append(out, n)
		}
	}
	return out
}

func (d *dynInfo) gnuLookup(name string) int {
	bo, tab := d.f.ByteOrder, d.gnu
	nb, symoff, maskw, shift := bo.Uint32(tab), bo.Uint32(tab[4:]), bo.Uint32(tab[8:]), bo.Uint32(tab[12:])
	word := uint32(8)
	if d.f.Class == stdelf.ELFCLASS32 {
		word = 4
	}
	h := uint32(5381)
	for _, c := range []byte(name) {
		h = h*33 + uint32(c)
	}
	bloomAt := 16 + (h/(word*8))%maskw*word
	var bw uint64
	if word == 8 {
		bw = bo.Uint64(tab[bloomAt:])
	} else {
		bw = uint64(bo.Uint32(tab[bloomAt:]))
	}
	if bw>>(h%(word*8))&1 == 0 || bw>>((h>>shift)%(word*8))&1 == 0 {
		return -1
	}
	buckets := 16 + maskw*word
	chain := buckets + nb*4
	i := bo.Uint32(tab[buckets+(h%nb)*4:])
	if i == 0 {
		return -1
	}
	for ; ; i++ {
		c := bo.Uint32(tab[chain+(i-symoff)*4:])
		if c|1 == h|1 && d.syms[i].Name == name {
			return int(i)
		}
		if c&1 != 0 {
			return -1
		}
	}
}

func (d *dynInfo) sysvLookup(name string) int {
	word := 4
	if d.f.Class == stdelf.ELFCLASS64 && (d.f.Machine == stdelf.EM_S390 || d.f.Machine == stdelf.EM_ALPHA) {
		word = 8
	}
	get := func(i int) uint64 {
		if word == 8 {
			return d.f.ByteOrder.Uint64(d.sysv[i*8:])
		}
		return uint64(d.f.ByteOrder.Uint32(d.sysv[i*4:]))
	}
	var h uint32
	for _, c := range []byte(name) {
		h = h<<4 + uint32(c)
		if g := h & 0xf0000000; g != 0 {
			h ^= g >> 24
			h &^= g
		}
	}
	nb := get(0)
	for i := get(2 + int(uint64(h)%nb)); i != 0; i = get(2 + int(nb) + int(i)) {
		if d.syms[i].Name == name {
			return int(i)
		}
	}
	return -1
}

// TestClearSymbolVersion makes the program's reference to puts unversioned;
// it must still run (an unversioned reference binds to the default version).
func TestClearSymbolVersion(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && f.Name == "prog" && (f.Variant == "pie" || f.Variant == "hash-sysv")
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			data := fx.Bytes(t)
			before := readDyn(t, data)
			i := slices.IndexFunc(before.syms, func(s stdelf.Symbol) bool { return s.Name == "puts" })
			require.Greater(t, i, 0)
			require.Greater(t, before.versym[i], uint16(1), "puts is versioned to start with")

			dir := t.TempDir()
			libdir := filepath.Join(dir, "lib")
			require.NoError(t, os.Mkdir(libdir, 0o755))
			fx.CopyDeps(t, all, libdir)
			e := elf.Edit{ClearSymbolVersion: []string{"puts", "no-such-symbol"}}
			out := applyChecked(t, data, e, filepath.Join(dir, "in"))
			assert.Equal(t, len(data), len(out), "versions are cleared in place")
			after := readDyn(t, out)
			for j := range before.versym {
				want := before.versym[j]
				if j == i {
					want = 1
				}
				assert.Equal(t, want, after.versym[j], "versym[%d]", j)
			}
			out, _, err := elf.Apply(out, runpath(libdir))
			require.NoError(t, err)
			prog := filepath.Join(dir, "prog")
			require.NoError(t, os.WriteFile(prog, out, 0o755))
			assert.Equal(t, fx.Output, elftest.NewRunner(t, fx.Arch).RunOK(t, []string{"LD_BIND_NOW=1"}, prog))
		})
	}
	t.Run("no version table", func(t *testing.T) {
		data := elftest.FixtureBytes(t, "x86_64/static-pie/prog")
		_, _, err := elf.Apply(data, elf.Edit{ClearSymbolVersion: []string{"puts"}})
		assert.Error(t, err)
	})
}

// TestAddDebugTag adds DT_DEBUG to libraries (which have none) and leaves
// programs (which have one) alone; the patched library still loads.
func TestAddDebugTag(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && f.Name == "prog" && (f.Variant == "pie" || f.Variant == "noshdrs" || f.Variant == "nopie")
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			data := fx.Bytes(t)
			prog := parse(t, data)
			_, hasDebug := prog.DynValue(stdelf.DT_DEBUG)
			require.True(t, hasDebug)
			p, err := prog.Plan(elf.Edit{AddDebugTag: true})
			require.NoError(t, err)
			assert.True(t, p.IsEmpty(), "a program with DT_DEBUG is left alone")

			lib := fx.Sibling(t, all, "libfoo.so")
			dir := t.TempDir()
			libOut := applyChecked(t, lib.Bytes(t), elf.Edit{AddDebugTag: true}, filepath.Join(dir, "lib"))
			got := parse(t, libOut)
			require.NotEmpty(t, got.Dynamic)
			assert.Equal(t, elf.Dyn{Tag: stdelf.DT_DEBUG}, got.Dynamic[0])
			assert.Equal(t, parse(t, lib.Bytes(t)).Dynamic, got.Dynamic[1:])

			libdir := filepath.Join(dir, "libs")
			require.NoError(t, os.Mkdir(libdir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(libdir, "libfoo.so"), libOut, 0o755))
			out, _, err := elf.Apply(data, runpath(libdir))
			require.NoError(t, err)
			progPath := filepath.Join(dir, "prog")
			require.NoError(t, os.WriteFile(progPath, out, 0o755))
			assert.Equal(t, fx.Output, elftest.NewRunner(t, fx.Arch).RunOK(t, nil, progPath))
		})
	}
}
