package elftest_test

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// elfEditor corrupts an ELF file in memory, one header field at a time.
type elfEditor struct {
	t    *testing.T
	data []byte
}

func (e *elfEditor) file() *stdelf.File {
	f, err := stdelf.NewFile(bytes.NewReader(e.data))
	require.NoError(e.t, err)
	return f
}

func (e *elfEditor) is64() bool { return e.data[stdelf.EI_CLASS] == byte(stdelf.ELFCLASS64) }

func (e *elfEditor) bo() binary.ByteOrder {
	if e.data[stdelf.EI_DATA] == byte(stdelf.ELFDATA2MSB) {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// put writes v at off as a 4- or 8-byte word.
func (e *elfEditor) put(off uint64, size int, v uint64) {
	if size == 8 {
		e.bo().PutUint64(e.data[off:], v)
	} else {
		e.bo().PutUint32(e.data[off:], uint32(v))
	}
}

func (e *elfEditor) get(off uint64, size int) uint64 {
	if size == 8 {
		return e.bo().Uint64(e.data[off:])
	}
	return uint64(e.bo().Uint32(e.data[off:]))
}

// phoff returns e_phoff.
func (e *elfEditor) phoff() uint64 {
	if e.is64() {
		return e.get(0x20, 8)
	}
	return e.get(0x1c, 4)
}

// progField returns the offset and size of a field of program header i.
func (e *elfEditor) progField(i int, field string) (uint64, int) {
	idx := map[string]int{"flags": 0, "offset": 1, "vaddr": 2, "filesz": 3, "memsz": 4, "align": 5}[field]
	if e.is64() {
		return e.phoff() + uint64(i)*56 + []uint64{4, 8, 16, 32, 40, 48}[idx], []int{4, 8, 8, 8, 8, 8}[idx]
	}
	return e.phoff() + uint64(i)*32 + []uint64{24, 4, 8, 16, 20, 28}[idx], 4
}

// prog returns the index of the n-th program header of type typ.
func (e *elfEditor) prog(typ stdelf.ProgType, n int) int {
	for i, p := range e.file().Progs {
		if p.Type == typ {
			if n == 0 {
				return i
			}
			n--
		}
	}
	e.t.Fatalf("no %v #%d", typ, n)
	return -1
}

func (e *elfEditor) setProg(i int, field string, v uint64) {
	off, size := e.progField(i, field)
	e.put(off, size, v)
}

func (e *elfEditor) getProg(i int, field string) uint64 {
	off, size := e.progField(i, field)
	return e.get(off, size)
}

// setDyn sets the value of the first dynamic entry with tag.
func (e *elfEditor) setDyn(tag stdelf.DynTag, v uint64) {
	size := 4
	if e.is64() {
		size = 8
	}
	p := e.file().Progs[e.prog(stdelf.PT_DYNAMIC, 0)]
	for off := p.Off; off < p.Off+p.Filesz; off += uint64(2 * size) {
		if stdelf.DynTag(e.get(off, size)) == tag {
			e.put(off+uint64(size), size, v)
			return
		}
	}
	e.t.Fatalf("no %v", tag)
}

func (e *elfEditor) getDyn(tag stdelf.DynTag) uint64 {
	f := e.file()
	v, err := f.DynValue(tag)
	require.NoError(e.t, err)
	require.NotEmpty(e.t, v, "no %v", tag)
	return v[0]
}

// setSection sets sh_addr or sh_offset of the named section.
func (e *elfEditor) setSection(name, field string, v uint64) {
	f := e.file()
	shoff := e.get(0x28, 8)
	entsize, addrOff, offOff, size := uint64(64), uint64(16), uint64(24), 8
	if !e.is64() {
		shoff, entsize, addrOff, offOff, size = e.get(0x20, 4), 40, 12, 16, 4
	}
	for i, s := range f.Sections {
		if s.Name == name {
			base := shoff + uint64(i)*entsize
			if field == "addr" {
				e.put(base+addrOff, size, v)
			} else {
				e.put(base+offOff, size, v)
			}
			return
		}
	}
	e.t.Fatalf("no section %s", name)
}

func fixtureBytes(t *testing.T, id string) []byte {
	t.Helper()
	for _, f := range elftest.Fixtures(t) {
		if f.ID() == id {
			return f.Bytes(t)
		}
	}
	t.Fatalf("no fixture %s", id)
	return nil
}

// Each corruption is one mistake a writer could make; Validate must name it.
func TestValidateCatchesCorruption(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(e *elfEditor)
		want    string
	}{
		{"truncated", func(e *elfEditor) { e.data = e.data[:len(e.data)/2] }, "debug/elf: EOF"},
		{"segment past the end", func(e *elfEditor) {
			i := e.prog(stdelf.PT_LOAD, 1)
			e.setProg(i, "filesz", uint64(len(e.data)))
		}, "is outside the file"},
		{"load misaligned", func(e *elfEditor) {
			i := e.prog(stdelf.PT_LOAD, 1)
			e.setProg(i, "offset", e.getProg(i, "offset")+8)
		}, "p_offset % p_align"},
		{"loads unsorted", func(e *elfEditor) {
			i, j := e.prog(stdelf.PT_LOAD, 0), e.prog(stdelf.PT_LOAD, 1)
			size := uint64(32)
			if e.is64() {
				size = 56
			}
			a, b := e.phoff()+uint64(i)*size, e.phoff()+uint64(j)*size
			tmp := bytes.Clone(e.data[a : a+size])
			copy(e.data[a:a+size], e.data[b:b+size])
			copy(e.data[b:b+size], tmp)
		}, "not sorted by p_vaddr"},
		{"loads overlap", func(e *elfEditor) {
			i := e.prog(stdelf.PT_LOAD, 0)
			e.setProg(i, "memsz", e.getProg(i, "memsz")+0x100000)
		}, "overlaps the previous PT_LOAD"},
		{"memsz below filesz", func(e *elfEditor) {
			i := e.prog(stdelf.PT_LOAD, 0)
			e.setProg(i, "memsz", e.getProg(i, "filesz")-1)
		}, "p_memsz"},
		{"PT_PHDR offset", func(e *elfEditor) {
			i := e.prog(stdelf.PT_PHDR, 0)
			e.setProg(i, "offset", e.getProg(i, "offset")+8)
		}, "is not the program header table"},
		{"PT_PHDR address", func(e *elfEditor) {
			i := e.prog(stdelf.PT_PHDR, 0)
			e.setProg(i, "vaddr", e.getProg(i, "vaddr")+0x100)
		}, "PT_PHDR p_vaddr"},
		{"interp without NUL", func(e *elfEditor) {
			i := e.prog(stdelf.PT_INTERP, 0)
			e.setProg(i, "filesz", e.getProg(i, "filesz")-1)
		}, "not a NUL-terminated path"},
		{"interp outside loads", func(e *elfEditor) {
			i := e.prog(stdelf.PT_INTERP, 0)
			e.setProg(i, "offset", uint64(len(e.data))-e.getProg(i, "filesz"))
		}, "PT_INTERP (offset"},
		{"DT_STRSZ too big", func(e *elfEditor) { e.setDyn(stdelf.DT_STRSZ, 1<<30) }, "DT_STRTAB"},
		{"DT_NEEDED past strings", func(e *elfEditor) {
			e.setDyn(stdelf.DT_NEEDED, e.getDyn(stdelf.DT_STRSZ)+10)
		}, "DT_NEEDED value"},
		{"DT_SYMTAB unmapped", func(e *elfEditor) { e.setDyn(stdelf.DT_SYMTAB, 0x7ead0000) }, "DT_SYMTAB 0x7ead0000"},
		{"dynamic without DT_NULL", func(e *elfEditor) {
			e.setDyn(stdelf.DT_NULL, uint64(stdelf.DT_DEBUG))
			p := e.file().Progs[e.prog(stdelf.PT_DYNAMIC, 0)]
			size := uint64(8)
			if e.is64() {
				size = 16
			}
			for off := p.Off; off < p.Off+p.Filesz; off += size {
				if e.get(off, int(size/2)) == 0 {
					e.put(off, int(size/2), uint64(stdelf.DT_DEBUG))
				}
			}
		}, "no DT_NULL"},
		{".dynstr address", func(e *elfEditor) {
			e.setSection(".dynstr", "addr", e.getDyn(stdelf.DT_STRTAB)+8)
		}, `".dynstr"`},
		{"sections overlap", func(e *elfEditor) {
			f := e.file()
			e.setSection(".dynsym", "offset", f.Section(".dynstr").Offset)
		}, "overlaps"},
	}
	for _, id := range []string{"x86_64/pie/prog", "i686/nopie/prog", "ppc64/pie/prog", "armhf/nopie/prog"} {
		orig := fixtureBytes(t, id)
		require.Empty(t, elftest.Validate(orig))
		for _, tt := range tests {
			t.Run(id+"/"+tt.name, func(t *testing.T) {
				e := &elfEditor{t: t, data: bytes.Clone(orig)}
				tt.corrupt(e)
				errs := elftest.Validate(e.data)
				require.NotEmpty(t, errs)
				assert.Contains(t, fmt.Sprint(errs), tt.want)
			})
		}
	}
}

// PT_DYNAMIC holds DT_DEBUG, which ld.so writes: its segment must stay
// writable.
func TestValidateDynamicWritable(t *testing.T) {
	e := &elfEditor{t: t, data: fixtureBytes(t, "x86_64/nopie/prog")}
	dyn := e.file().Progs[e.prog(stdelf.PT_DYNAMIC, 0)]
	for i, p := range e.file().Progs {
		if p.Type == stdelf.PT_LOAD && p.Off <= dyn.Off && dyn.Off < p.Off+p.Filesz {
			e.setProg(i, "flags", uint64(stdelf.PF_R))
		}
	}
	assert.Contains(t, fmt.Sprint(elftest.Validate(e.data)), "read-only PT_LOAD")
}

// tinyExec builds a minimal x86_64 executable: two PT_LOADs of 0x1000 bytes
// each at the given file offsets and addresses, and the program header table
// (PT_PHDR and the loads) at phoff, mapped at phdrAddr.
func tinyExec(t *testing.T, phoff uint64, loads [2][2]uint64, phdrAddr uint64) []byte {
	t.Helper()
	const size = 0x3000
	data := make([]byte, size)
	progs := []stdelf.Prog64{
		{Type: uint32(stdelf.PT_PHDR), Flags: uint32(stdelf.PF_R), Off: phoff, Vaddr: phdrAddr, Paddr: phdrAddr,
			Filesz: 3 * 56, Memsz: 3 * 56, Align: 8},
	}
	for i, l := range loads {
		flags := stdelf.PF_R | stdelf.PF_X
		if i == 1 {
			flags = stdelf.PF_R | stdelf.PF_W
		}
		progs = append(progs, stdelf.Prog64{Type: uint32(stdelf.PT_LOAD), Flags: uint32(flags), Off: l[0],
			Vaddr: l[1], Paddr: l[1], Filesz: 0x1000, Memsz: 0x1000, Align: 0x1000})
	}
	hdr := stdelf.Header64{
		Type: uint16(stdelf.ET_EXEC), Machine: uint16(stdelf.EM_X86_64), Version: 1, Entry: loads[0][1],
		Phoff: phoff, Ehsize: 64, Phentsize: 56, Phnum: uint16(len(progs)), Shentsize: 64,
	}
	copy(hdr.Ident[:], stdelf.ELFMAG)
	hdr.Ident[stdelf.EI_CLASS], hdr.Ident[stdelf.EI_DATA] = byte(stdelf.ELFCLASS64), byte(stdelf.ELFDATA2LSB)
	hdr.Ident[stdelf.EI_VERSION] = 1
	_, err := binary.Encode(data, binary.LittleEndian, hdr)
	require.NoError(t, err)
	_, err = binary.Encode(data[phoff:], binary.LittleEndian, progs)
	require.NoError(t, err)
	return data
}

// Where the kernel (before 5.18) and qemu-user think the program headers
// are mapped: both compute AT_PHDR from e_phoff instead of PT_PHDR.
func TestValidateAtPhdr(t *testing.T) {
	// The usual layout: the first PT_LOAD maps the file from offset 0.
	ok := tinyExec(t, 0x40, [2][2]uint64{{0, 0x400000}, {0x1000, 0x401000}}, 0x400040)
	assert.Empty(t, elftest.Validate(ok))

	// The table in the second PT_LOAD, which is mapped with another
	// offset-to-address delta than the first.
	second := tinyExec(t, 0x1040, [2][2]uint64{{0, 0x400000}, {0x1000, 0x402000}}, 0x402040)
	errs := fmt.Sprint(elftest.Validate(second))
	assert.Contains(t, errs, "Linux < 5.18 passes AT_PHDR 0x401040")
	assert.Contains(t, errs, "qemu-user passes AT_PHDR 0x401040")

	// The first PT_LOAD does not start at offset 0: right for the kernel,
	// wrong for qemu, which starts from the lowest address.
	skewed := tinyExec(t, 0x1040, [2][2]uint64{{0x1000, 0x401000}, {0x2000, 0x402000}}, 0x401040)
	errs = fmt.Sprint(elftest.Validate(skewed))
	assert.NotContains(t, errs, "Linux < 5.18")
	assert.Contains(t, errs, "qemu-user passes AT_PHDR 0x402040")
}

func TestValidateGarbage(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("\x7fELF"), bytes.Repeat([]byte{0xff}, 100), []byte(strings.Repeat("ELF", 30))} {
		errs := elftest.Validate(data)
		assert.NotEmpty(t, errs)
		_, err := elftest.Inspect(data)
		assert.Error(t, err)
	}
}

// Validate and Inspect must survive any input. Seeds are small fixtures:
// the fuzzer spends long minimizing big inputs.
func FuzzValidate(f *testing.F) {
	for _, fx := range elftest.Fixtures(f) {
		if fx.Variant == "object" || fx.Arch.Name == "x86_64" && (fx.Variant == "pie" || fx.Variant == "noshdrs") {
			f.Add(fx.Bytes(f))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		elftest.Validate(data)
		_, _ = elftest.Inspect(data)
	})
}
