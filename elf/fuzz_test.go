package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"io"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// fuzzEdits are the edits FuzzApply tries; the fuzzer picks one by index.
var fuzzEdits = []elf.Edit{
	{SetRunpath: true, Runpath: "/nix/store/00000000000000000000000000000000-fuzz/lib"},
	{SetRunpath: true, Runpath: ""},
	{SetRunpath: true, Runpath: strings.Repeat("/long", 200), ForceRpath: true},
	{RemoveRunpath: true},
	{Interpreter: "/nix/store/00000000000000000000000000000000-glibc/lib/ld-linux.so.2"},
	{Interpreter: "/l"},
	{AddNeeded: []string{"libextra.so.1"}, RemoveNeeded: []string{"libc.so.6"}},
	{ReplaceNeeded: []elf.Replacement{{Old: "libfoo.so", New: "libfoo-renamed.so"}}},
	{Soname: "libfuzz.so.9"},
	{SetOSABI: true, OSABI: 3, NoDefaultLib: true, ClearExecstack: true},
	{AddDebugTag: true},
	{RenameSymbols: map[string]string{"foo": "foo_fuzzed_name", "puts": "p"}, ClearSymbolVersion: []string{"puts"}},
}

// FuzzApply reads, edits and re-reads: no input may panic, and every edit
// that succeeds must produce a file that parses and says what was asked.
func FuzzApply(f *testing.F) {
	for _, fx := range elftest.Fixtures(f) {
		data := fx.Bytes(f)
		if len(data) > 24<<10 {
			continue
		}
		f.Add(data, uint8(0))
		f.Add(data, uint8(4))
		f.Add(data, uint8(len(fuzzEdits)-1)) // the symbol edits
	}
	// Segments at the top of the address space (ia64 puts data at
	// 0x6000000000000000): the layout's arithmetic must refuse, not wrap.
	for _, id := range []string{"x86_64/nopie/prog", "i686/nopie/prog"} {
		data := elftest.FixtureBytes(f, id)
		for _, at := range []uint64{0x6000000000000000, 0xffffffffffff0000, 0xfffffffffffff000, 0xfffe0000} {
			f.Add(withLastLoadAt(f, data, at, 0x10000), uint8(0))
			f.Add(withLastLoadAt(f, data, at, 0x10000), uint8(4))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		e := fuzzEdits[int(which)%len(fuzzEdits)]
		file, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		p, err := file.Plan(e)
		if err != nil || p.IsEmpty() {
			return
		}
		out := p.Bytes(data)
		if got := readAllAt(t, p.Reader(bytes.NewReader(data)), p.Size); !bytes.Equal(out, got) {
			t.Fatalf("Patch.Reader and Patch.Bytes differ")
		}
		for _, align := range []int64{1, 16, 4096} {
			a, err := p.Aligned(bytes.NewReader(data), align)
			if err != nil {
				t.Fatalf("Aligned(%d): %v", align, err)
			}
			if got := a.Bytes(data); !bytes.Equal(out, got) {
				t.Fatalf("Aligned(%d) changes the result", align)
			}
			var dst memTarget
			dst.b = bytes.Clone(data)
			if err := a.ApplyTo(&dst); err != nil || !bytes.Equal(out, dst.b) {
				t.Fatalf("Aligned(%d).ApplyTo: %v, same result %v", align, err, bytes.Equal(out, dst.b))
			}
			for i, w := range a.Writes {
				end := w.Off + int64(len(w.Data))
				if w.Off%align != 0 || end%align != 0 && end != a.Size {
					t.Fatalf("Aligned(%d): write %d at [%d, %d) is not aligned", align, i, w.Off, end)
				}
				if i > 0 && w.Off <= a.Writes[i-1].Off+int64(len(a.Writes[i-1].Data)) {
					t.Fatalf("Aligned(%d): writes %d and %d meet but were not merged", align, i-1, i)
				}
			}
		}
		g, err := elf.NewFile(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("edited file does not parse: %v", err)
		}
		// Every segment the edit wrote or moved is mapped where it can be.
		for i, ph := range g.Progs {
			if ph.Type != stdelf.PT_LOAD || slices.Contains(file.Progs, ph) {
				continue
			}
			end, wrapped := bits.Add64(ph.Vaddr, ph.Memsz, 0)
			if wrapped != 0 || g.Class == stdelf.ELFCLASS32 && end > 1<<32 {
				t.Fatalf("segment %d [%#x, +%#x) leaves the address space", i, ph.Vaddr, ph.Memsz)
			}
			if ph.Align > 1 && ph.Off%ph.Align != ph.Vaddr%ph.Align {
				t.Fatalf("segment %d: offset %#x and address %#x differ modulo %#x", i, ph.Off, ph.Vaddr, ph.Align)
			}
		}
		if e.SetRunpath {
			if e.ForceRpath && g.Rpath != e.Runpath || !e.ForceRpath && g.Runpath != e.Runpath {
				t.Fatalf("search path not set: runpath %q rpath %q", g.Runpath, g.Rpath)
			}
		}
		if e.Interpreter != "" && g.Interpreter != e.Interpreter {
			t.Fatalf("interpreter %q, want %q", g.Interpreter, e.Interpreter)
		}
		if e.Soname != "" && g.Soname != e.Soname {
			t.Fatalf("soname %q, want %q", g.Soname, e.Soname)
		}
		// The same edit again changes nothing.
		p2, err := g.Plan(e)
		if err != nil {
			t.Fatalf("second plan: %v", err)
		}
		if !p2.IsEmpty() {
			t.Fatalf("second application of %+v changes the file again", e)
		}
	})
}

// readAllAt reads size bytes from r in uneven chunks, so that reads start
// and end inside and across the patch's writes.
func readAllAt(t *testing.T, r io.ReaderAt, size int64) []byte {
	t.Helper()
	out := make([]byte, 0, size)
	chunk := []int{1, 7, 64, 333, 4096}
	for i, off := 0, int64(0); off < size; i++ {
		b := make([]byte, chunk[i%len(chunk)])
		n, err := r.ReadAt(b, off)
		if err != nil && !(err == io.EOF && off+int64(n) == size) {
			t.Fatalf("ReadAt(%d bytes at %d): %d, %v", len(b), off, n, err)
		}
		out = append(out, b[:n]...)
		off += int64(n)
	}
	if n, err := r.ReadAt(make([]byte, 1), size); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end: %d, %v", n, err)
	}
	return out
}

// memTarget is a file in memory for Patch.ApplyTo.
type memTarget struct{ b []byte }

func (m *memTarget) WriteAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	return copy(m.b[off:], p), nil
}

func (m *memTarget) Truncate(size int64) error {
	if size <= int64(len(m.b)) {
		m.b = m.b[:size]
		return nil
	}
	m.b = append(m.b, make([]byte, size-int64(len(m.b)))...)
	return nil
}
