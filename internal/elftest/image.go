package elftest

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// image is a file parsed by debug/elf plus the header fields debug/elf does
// not expose, read independently of gopatchelf's own reader so that tests
// get a second opinion.
type image struct {
	data []byte
	f    *stdelf.File
	bo   binary.ByteOrder

	flags                               uint32
	entry, phoff, shoff                 uint64
	ehsize, phentsize, phnum, shentsize uint64
	shnum, shstrndx                     uint64
	loads                               []*stdelf.Prog // PT_LOAD in file order
	dyn                                 []dynEntry     // nil without PT_DYNAMIC
	dynProg                             *stdelf.Prog
}

type dynEntry struct {
	tag stdelf.DynTag
	val uint64
}

// parseImage parses data with debug/elf, turning a panic in debug/elf into
// an error (hostile input has crashed it before).
func parseImage(data []byte) (img *image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("debug/elf panicked: %v", r)
		}
	}()
	f, err := stdelf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("debug/elf: %w", err)
	}
	img = &image{data: data, f: f, bo: f.ByteOrder}
	switch f.Class {
	case stdelf.ELFCLASS64:
		var h stdelf.Header64
		if _, err := binary.Decode(data, f.ByteOrder, &h); err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		img.flags, img.entry, img.phoff, img.shoff = h.Flags, h.Entry, h.Phoff, h.Shoff
		img.ehsize, img.phentsize, img.phnum = uint64(h.Ehsize), uint64(h.Phentsize), uint64(h.Phnum)
		img.shentsize, img.shnum, img.shstrndx = uint64(h.Shentsize), uint64(h.Shnum), uint64(h.Shstrndx)
	case stdelf.ELFCLASS32:
		var h stdelf.Header32
		if _, err := binary.Decode(data, f.ByteOrder, &h); err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		img.flags, img.entry, img.phoff, img.shoff = h.Flags, uint64(h.Entry), uint64(h.Phoff), uint64(h.Shoff)
		img.ehsize, img.phentsize, img.phnum = uint64(h.Ehsize), uint64(h.Phentsize), uint64(h.Phnum)
		img.shentsize, img.shnum, img.shstrndx = uint64(h.Shentsize), uint64(h.Shnum), uint64(h.Shstrndx)
	default:
		return nil, fmt.Errorf("unknown class %v", f.Class)
	}
	// Extended numbering: debug/elf read the real counts from section 0.
	if img.shoff != 0 && len(f.Sections) > 0 {
		img.shnum = uint64(len(f.Sections))
	}
	for _, p := range f.Progs {
		if p.Type == stdelf.PT_LOAD {
			img.loads = append(img.loads, p)
		}
		if p.Type == stdelf.PT_DYNAMIC && img.dynProg == nil {
			img.dynProg = p
		}
	}
	if img.dynProg != nil {
		img.dyn, err = img.readDynamic(img.dynProg)
		if err != nil {
			return nil, err
		}
	}
	return img, nil
}

func (m *image) is64() bool { return m.f.Class == stdelf.ELFCLASS64 }

// fileRange returns data[off:off+n] if that lies inside the file.
func (m *image) fileRange(off, n uint64) ([]byte, bool) {
	end, carry := bits.Add64(off, n, 0)
	if carry != 0 || end > uint64(len(m.data)) {
		return nil, false
	}
	return m.data[off:end], true
}

// readDynamic reads the dynamic table from the file bytes PT_DYNAMIC names,
// up to DT_NULL.
func (m *image) readDynamic(p *stdelf.Prog) ([]dynEntry, error) {
	b, ok := m.fileRange(p.Off, p.Filesz)
	if !ok {
		return nil, fmt.Errorf("PT_DYNAMIC (offset %#x, size %#x) is outside the file", p.Off, p.Filesz)
	}
	size := 8
	if m.is64() {
		size = 16
	}
	var out []dynEntry
	for ; len(b) >= size; b = b[size:] {
		var e dynEntry
		if m.is64() {
			e = dynEntry{stdelf.DynTag(m.bo.Uint64(b)), m.bo.Uint64(b[8:])}
		} else {
			e = dynEntry{stdelf.DynTag(int32(m.bo.Uint32(b))), uint64(m.bo.Uint32(b[4:]))}
		}
		if e.tag == stdelf.DT_NULL {
			return out, nil
		}
		out = append(out, e)
	}
	return nil, errors.New("PT_DYNAMIC has no DT_NULL entry")
}

func (m *image) dynValue(tag stdelf.DynTag) (uint64, bool) {
	for _, e := range m.dyn {
		if e.tag == tag {
			return e.val, true
		}
	}
	return 0, false
}

// loadForAddr returns the PT_LOAD whose file image holds [addr, addr+n).
func (m *image) loadForAddr(addr, n uint64) *stdelf.Prog {
	for _, p := range m.loads {
		if addr >= p.Vaddr && n <= p.Filesz && addr-p.Vaddr <= p.Filesz-n {
			return p
		}
	}
	return nil
}

// loadForOff returns the PT_LOAD whose file range holds [off, off+n).
func (m *image) loadForOff(off, n uint64) *stdelf.Prog {
	for _, p := range m.loads {
		if off >= p.Off && n <= p.Filesz && off-p.Off <= p.Filesz-n {
			return p
		}
	}
	return nil
}

// inMemory reports whether addr lies in the memory image of a PT_LOAD.
func (m *image) inMemory(addr uint64) bool {
	for _, p := range m.loads {
		if addr >= p.Vaddr && addr-p.Vaddr < p.Memsz {
			return true
		}
	}
	return false
}

// addrBytes returns the file bytes that PT_LOAD maps at [addr, addr+n).
func (m *image) addrBytes(addr, n uint64) ([]byte, bool) {
	p := m.loadForAddr(addr, n)
	if p == nil {
		return nil, false
	}
	return m.fileRange(p.Off+(addr-p.Vaddr), n)
}

// dynStrings returns the dynamic string table named by DT_STRTAB/DT_STRSZ.
func (m *image) dynStrings() ([]byte, error) {
	addr, ok1 := m.dynValue(stdelf.DT_STRTAB)
	size, ok2 := m.dynValue(stdelf.DT_STRSZ)
	if !ok1 || !ok2 {
		return nil, errors.New("dynamic table lacks DT_STRTAB or DT_STRSZ")
	}
	b, ok := m.addrBytes(addr, size)
	if !ok {
		return nil, fmt.Errorf("DT_STRTAB %#x (DT_STRSZ %#x) is not in the file image of a PT_LOAD", addr, size)
	}
	return b, nil
}

// cstring returns the NUL-terminated string at off in tab.
func cstring(tab []byte, off uint64) (string, bool) {
	if off >= uint64(len(tab)) {
		return "", false
	}
	i := bytes.IndexByte(tab[off:], 0)
	if i < 0 {
		return "", false
	}
	return string(tab[off : off+uint64(i)]), true
}

// end returns the offset just past everything the headers describe: the ELF
// header, both header tables, segments and sections.
func (m *image) end() uint64 {
	end := m.ehsize
	grow := func(off, n uint64) {
		if e, carry := bits.Add64(off, n, 0); carry == 0 && e > end {
			end = e
		}
	}
	grow(m.phoff, m.phnum*m.phentsize)
	if m.shoff != 0 {
		grow(m.shoff, m.shnum*m.shentsize)
	}
	for _, p := range m.f.Progs {
		grow(p.Off, p.Filesz)
	}
	for _, s := range m.f.Sections {
		if s.Type != stdelf.SHT_NOBITS {
			grow(s.Offset, s.FileSize)
		}
	}
	return end
}
