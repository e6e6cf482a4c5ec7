package elf_test

import (
	"bytes"
	stdelf "debug/elf"
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

// shtEnd is where the section header table ends, 0 without one.
func shtEnd(f *elf.File) int64 {
	if f.ShOff == 0 || f.ShNum == 0 {
		return 0
	}
	es := int64(64)
	if f.Class == stdelf.ELFCLASS32 {
		es = 40
	}
	return int64(f.ShOff) + int64(f.ShNum)*es
}

func phdr(f *elf.File) (stdelf.ProgHeader, bool) {
	i := slices.IndexFunc(f.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_PHDR })
	if i < 0 {
		return stdelf.ProgHeader{}, false
	}
	return f.Progs[i], true
}

// assertLayoutKept checks what a grown file keeps from the original: the
// program header table where it was (PT_PHDR's address too, as patchelf
// keeps it), a section header table that ended the file still ending it
// (before a payload), and the payload byte for byte at the end.
func assertLayoutKept(t *testing.T, orig, out []byte, payload int) {
	t.Helper()
	f, g := parse(t, orig), parse(t, out)
	if f.HasInterpreter {
		// A program's table stays in the first page; a library's may move
		// (ld.so reads it from the file, and copies it).
		assert.Equal(t, f.PhOff, g.PhOff, "e_phoff")
	}
	if ph, ok := phdr(f); ok {
		gh, ok := phdr(g)
		require.True(t, ok)
		assert.Equal(t, ph.Vaddr, gh.Vaddr, "PT_PHDR address")
		assert.Equal(t, ph.Off, gh.Off, "PT_PHDR offset")
	}
	if end := shtEnd(f); end != 0 && end == int64(len(orig)-payload) {
		assert.Equal(t, int64(len(out)-payload), shtEnd(g), "the section header table ends the file")
	}
	if payload > 0 {
		assert.Equal(t, orig[len(orig)-payload:], out[len(out)-payload:], "the payload ends the file")
	}
}

// TestPayloadKeptAtEnd: a program that reads data appended to its own file
// (from the end of /proc/self/exe) still finds it after edits that grow the
// file — a longer RUNPATH, a longer interpreter — on every arch.
func TestPayloadKeptAtEnd(t *testing.T) {
	all := elftest.Fixtures(t)
	progs := elftest.Select(all, func(f elftest.Fixture) bool { return f.Payload > 0 })
	require.Len(t, progs, len(elftest.Arches()))
	for _, fx := range progs {
		t.Run(fx.ID(), func(t *testing.T) {
			runner := elftest.NewRunner(t, fx.Arch)
			dir := t.TempDir()
			libdir := filepath.Join(dir, strings.Repeat("long-dir-name/", 6)+"lib")
			require.NoError(t, os.MkdirAll(libdir, 0o755))
			fx.CopyDeps(t, all, libdir)
			loader := elftest.CopyLoader(t, fx.Arch, len(fx.Interp)+40)
			interp := runpath(libdir)
			interp.Interpreter = loader
			for name, e := range map[string]elf.Edit{"runpath": runpath(libdir), "runpath and interpreter": interp} {
				t.Run(name, func(t *testing.T) {
					orig := fx.Bytes(t)
					p, err := parse(t, orig).Plan(e)
					require.NoError(t, err)
					assert.Equal(t, int64(fx.Payload), p.TrailingData)
					out := applyChecked(t, orig, e, filepath.Join(dir, "in"))
					assert.Greater(t, len(out), len(orig), "the edit grows the file")
					assertLayoutKept(t, orig, out, fx.Payload)
					prog := filepath.Join(dir, "prog")
					require.NoError(t, os.WriteFile(prog, out, 0o755))
					assert.Equal(t, fx.Output, runner.RunOK(t, nil, prog))
				})
			}
		})
	}
}

// TestGrowthBound: for the same edit, no file grows by more than patchelf
// (the one in PATH) would grow it plus one page; the program with 32 MiB
// of .bss grows by a few hundred bytes, not by its .bss.
func TestGrowthBound(t *testing.T) {
	patchelf, err := exec.LookPath("patchelf")
	if err != nil {
		elftest.Unavailable(t, "patchelf not found in PATH")
	}
	// 100 bytes, as issue 15's measurement.
	rp := "/nix/store/0c6f5cl6xbbc9s5rp1a1w3jl5vb8m4f9-openssl-3.3.2/lib:/nix/store/yzbwl5m9sibvvq7r7b-zlib/lib"
	require.Len(t, rp, 100)
	fxs := elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
		return (f.Kind == elftest.Program || f.Kind == elftest.Library) && f.SectionHeaders
	})
	var bigbss int
	for _, fx := range fxs {
		t.Run(fx.ID(), func(t *testing.T) {
			orig := fx.Bytes(t)
			out, changed, err := elf.Apply(orig, runpath(rp))
			require.NoError(t, err)
			require.True(t, changed)
			ours := len(out) - len(orig)
			if fx.Payload == 0 {
				assertLayoutKept(t, orig, out, 0)
			}

			path := filepath.Join(t.TempDir(), fx.Name)
			require.NoError(t, os.WriteFile(path, orig, 0o755))
			cmd := exec.Command(patchelf, "--set-rpath", rp, path)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Skipf("patchelf refuses the file: %v: %s", err, msg)
			}
			st, err := os.Stat(path)
			require.NoError(t, err)
			theirs := int(st.Size()) - len(orig)
			page := int(elf.DefaultPageSize(parse(t, orig).Machine))
			assert.LessOrEqual(t, ours, theirs+page, "grows by %d bytes, patchelf by %d", ours, theirs)
			if fx.Variant == "bigbss" && fx.Name == "prog" {
				bigbss++
				assert.Less(t, ours, 64<<10, "the .bss must not become file bytes")
			}
		})
	}
	assert.Equal(t, len(elftest.Arches()), bigbss, "every arch's bigbss program was measured")
}

// TestMovedDynstrNotDuplicated: when .dynstr moves into the new segment the
// old copy is cleared, so a symbol name is not in the file once more than
// before (patchelf's shared-rpath test counts them with strings(1)).
func TestMovedDynstrNotDuplicated(t *testing.T) {
	for _, fx := range elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
		return f.Variant == "bigdynstr" || f.Variant == "pie" && f.Kind != elftest.Object
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			orig := fx.Bytes(t)
			f := parse(t, orig)
			name := "foo"
			if fx.Variant == "bigdynstr" {
				// build.sh's gen_symbols: libfoo_… in libfoo.so, prog_… in prog.
				name = strings.TrimSuffix(fx.Name, ".so") + "_exported_symbol_with_a_deliberately_long_name_0001"
			}
			out := applyChecked(t, orig, runpath(strings.Repeat("/a-long-directory", 20)), filepath.Join(t.TempDir(), "in"))
			g := parse(t, out)
			strtab, ok := g.DynValue(stdelf.DT_STRTAB)
			require.True(t, ok)
			old, _ := f.DynValue(stdelf.DT_STRTAB)
			require.NotEqual(t, old, strtab, "the edit moves .dynstr")
			needle := []byte("\x00" + name + "\x00")
			assert.Equal(t, bytes.Count(orig, needle), bytes.Count(out, needle), "copies of %q", name)
		})
	}
}

// withLastLoadAt returns a copy of a fixture whose last PT_LOAD (and the
// segments inside it) sits at vaddr (plus its old offset modulo the page)
// with memsz bytes of memory: ia64 places data at 0x6000000000000000, and a
// crafted file anywhere up to the end of the address space.
func withLastLoadAt(t testing.TB, data []byte, vaddr, memsz uint64) []byte {
	t.Helper()
	data = bytes.Clone(data)
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	last := -1
	for i, p := range f.Progs {
		if p.Type == stdelf.PT_LOAD {
			last = i
		}
	}
	require.GreaterOrEqual(t, last, 0)
	l := f.Progs[last]
	bo := f.ByteOrder
	newBase := vaddr + l.Off%l.Align
	for i, p := range f.Progs {
		if p.Off < l.Off || p.Off >= l.Off+l.Filesz && i != last {
			continue
		}
		if p.Type == stdelf.PT_GNU_STACK {
			continue
		}
		v := newBase + (p.Vaddr - l.Vaddr)
		ms := p.Memsz
		if i == last {
			ms = max(memsz, p.Filesz)
		}
		at := f.PhOff + uint64(i)*uint64(f.PhEntSize)
		if f.Class == stdelf.ELFCLASS32 {
			bo.PutUint32(data[at+8:], uint32(v))
			bo.PutUint32(data[at+12:], uint32(v))
			bo.PutUint32(data[at+20:], uint32(ms))
		} else {
			bo.PutUint64(data[at+16:], v)
			bo.PutUint64(data[at+24:], v)
			bo.PutUint64(data[at+40:], ms)
		}
	}
	return data
}

// TestHighAddresses: segments at very high addresses are extended with a
// few hundred bytes (patchelf's no-rpath-ia64 once asked for 2^61 bytes);
// where the new segment would not fit the address space the edit is
// refused, never wrapped.
func TestHighAddresses(t *testing.T) {
	x64 := elftest.FixtureBytes(t, "x86_64/nopie/prog")
	i686 := elftest.FixtureBytes(t, "i686/nopie/prog")
	long := runpath(strings.Repeat("/a-long-directory", 20))
	for _, tc := range []struct {
		name string
		data []byte
		fits bool
	}{
		{"ia64-like data at 0x6000000000000000", withLastLoadAt(t, x64, 0x6000000000000000, 0x1000000), true},
		{"data ending two pages below 2^64", withLastLoadAt(t, x64, 0xffffffffffff0000, 0xe000), true},
		{"data ending in the last page", withLastLoadAt(t, x64, 0xffffffffffffe000, 0x1000), false},
		{"data ending at 2^64", withLastLoadAt(t, x64, 0xfffffffffffff000, 0x218), false},
		{"32-bit data ending in the last page", withLastLoadAt(t, i686, 0xfffe0000, 0x1f000), false},
		{"32-bit data at 3 GiB", withLastLoadAt(t, i686, 0xc0000000, 0x100000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := elf.NewFile(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil {
				require.False(t, tc.fits, "the crafted file must parse: %v", err)
				return
			}
			p, err := f.Plan(long)
			if !tc.fits {
				assert.ErrorIs(t, err, elf.ErrUnsafe)
				return
			}
			require.NoError(t, err)
			assert.Less(t, p.Size-p.OrigSize, int64(64<<10))
			out := p.Bytes(tc.data)
			g := parse(t, out)
			assert.Equal(t, long.Runpath, g.Runpath)
			for _, ph := range g.Progs {
				if ph.Type == stdelf.PT_LOAD {
					assert.Equal(t, ph.Off%ph.Align, ph.Vaddr%ph.Align, "congruent")
					assert.GreaterOrEqual(t, ph.Vaddr+ph.Memsz, ph.Vaddr, "no wrap")
					if g.Class == stdelf.ELFCLASS32 {
						assert.LessOrEqual(t, ph.Vaddr+ph.Memsz, uint64(1)<<32, "fits 32 bits")
					}
				}
			}
		})
	}
}

// TestSymbolInNotesKeepsThemInPlace: when a symbol other than a section's
// or __abi_tag points into the notes after the program header table, code
// may use their address, so they stay and the table moves instead: the
// fallback layout, which still loads everywhere (at the cost of growth up
// to the end of .bss).
func TestSymbolInNotesKeepsThemInPlace(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Variant == "pie" && f.Name == "prog"
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			orig := fx.Bytes(t)
			data := bytes.Clone(orig)
			sf, err := stdelf.NewFile(bytes.NewReader(data))
			require.NoError(t, err)
			syms, err := sf.Symbols()
			require.NoError(t, err)
			symtab := sf.SectionByType(stdelf.SHT_SYMTAB)
			var note *stdelf.Section // the first note, which moves out of the table's way
			for _, s := range sf.Sections {
				if s.Type == stdelf.SHT_NOTE && (note == nil || s.Offset < note.Offset) {
					note = s
				}
			}
			require.NotNil(t, note)
			i := slices.IndexFunc(syms, func(s stdelf.Symbol) bool { return s.Name == "main" })
			require.GreaterOrEqual(t, i, 0)
			// syms omits the null symbol: entry i+1 of the table.
			if sf.Class == stdelf.ELFCLASS32 {
				sf.ByteOrder.PutUint32(data[symtab.Offset+uint64(i+1)*16+4:], uint32(note.Addr))
			} else {
				sf.ByteOrder.PutUint64(data[symtab.Offset+uint64(i+1)*24+8:], note.Addr)
			}

			dir := t.TempDir()
			libdir := filepath.Join(dir, "lib")
			require.NoError(t, os.Mkdir(libdir, 0o755))
			fx.CopyDeps(t, all, libdir)
			e := runpath(libdir + strings.Repeat(":/a-long-directory", 10))
			out := applyChecked(t, data, e, filepath.Join(dir, "in"))
			f, g := parse(t, data), parse(t, out)
			assert.NotEqual(t, f.PhOff, g.PhOff, "the table moved")
			ph, ok := phdr(g)
			require.True(t, ok)
			assert.Equal(t, g.PhOff, ph.Off)
			assert.Equal(t, bytes.Count(orig, []byte("GNU\x00")), bytes.Count(out, []byte("GNU\x00")), "notes not copied")
			prog := filepath.Join(dir, "prog")
			require.NoError(t, os.WriteFile(prog, out, 0o755))
			assert.Equal(t, fx.Output, elftest.NewRunner(t, fx.Arch).RunOK(t, nil, prog))
		})
	}
}
