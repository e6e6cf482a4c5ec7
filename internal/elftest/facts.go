package elftest

import (
	stdelf "debug/elf"
	"fmt"
	"math/bits"
)

// Facts are what a test wants to know about an ELF file after a write,
// read with debug/elf and through PT_DYNAMIC and DT_STRTAB (so files without
// section headers work), independently of gopatchelf's own reader.
type Facts struct {
	Type    stdelf.Type
	Machine stdelf.Machine
	Class   stdelf.Class
	Data    stdelf.Data
	Flags   uint32 // e_flags

	Interp  string          // PT_INTERP, "" if none
	DynTags []stdelf.DynTag // every dynamic entry's tag in order, DT_NULL excluded
	Needed  []string        // DT_NEEDED in order
	Soname  string          // DT_SONAME
	RPath   string          // DT_RPATH
	RunPath string          // DT_RUNPATH
	PIE     bool            // DT_FLAGS_1 has DF_1_PIE
	// GNUHash and SysVHash say whether DT_GNU_HASH and DT_HASH exist.
	GNUHash, SysVHash bool

	SectionHeaders bool   // e_shoff != 0
	Symtab         bool   // a SHT_SYMTAB section exists
	PageSize       uint64 // the largest p_align of the PT_LOAD segments
	// Payload is the number of bytes past everything the headers describe.
	Payload int64
}

// Has reports whether the dynamic table has an entry with tag.
func (f Facts) Has(tag stdelf.DynTag) bool {
	for _, t := range f.DynTags {
		if t == tag {
			return true
		}
	}
	return false
}

// Inspect reads the facts of an ELF file.
func Inspect(data []byte) (Facts, error) {
	m, err := parseImage(data)
	if err != nil {
		return Facts{}, err
	}
	fx := Facts{
		Type: m.f.Type, Machine: m.f.Machine, Class: m.f.Class, Data: m.f.Data, Flags: m.flags,
		SectionHeaders: m.shoff != 0,
	}
	for _, p := range m.loads {
		fx.PageSize = max(fx.PageSize, p.Align)
	}
	for _, s := range m.f.Sections {
		if s.Type == stdelf.SHT_SYMTAB {
			fx.Symtab = true
		}
	}
	if end := m.end(); end < uint64(len(data)) {
		fx.Payload = int64(uint64(len(data)) - end)
	}
	for _, p := range m.f.Progs {
		if p.Type != stdelf.PT_INTERP {
			continue
		}
		b, ok := m.fileRange(p.Off, p.Filesz)
		s, ok2 := cstring(b, 0)
		if !ok || !ok2 {
			return Facts{}, fmt.Errorf("PT_INTERP (offset %#x, size %#x) is not a string inside the file", p.Off, p.Filesz)
		}
		fx.Interp = s
	}
	if m.dynProg == nil {
		return fx, nil
	}
	var strtab []byte
	for _, e := range m.dyn {
		fx.DynTags = append(fx.DynTags, e.tag)
		switch e.tag {
		case stdelf.DT_GNU_HASH:
			fx.GNUHash = true
		case stdelf.DT_HASH:
			fx.SysVHash = true
		case stdelf.DT_FLAGS_1:
			fx.PIE = e.val&uint64(stdelf.DF_1_PIE) != 0
		case stdelf.DT_NEEDED, stdelf.DT_SONAME, stdelf.DT_RPATH, stdelf.DT_RUNPATH:
			if strtab == nil {
				if strtab, err = m.dynStrings(); err != nil {
					return Facts{}, err
				}
			}
			s, ok := cstring(strtab, e.val)
			if !ok {
				return Facts{}, fmt.Errorf("%v string at %#x is outside DT_STRSZ %#x or not NUL-terminated", e.tag, e.val, len(strtab))
			}
			switch e.tag {
			case stdelf.DT_NEEDED:
				fx.Needed = append(fx.Needed, s)
			case stdelf.DT_SONAME:
				fx.Soname = s
			case stdelf.DT_RPATH:
				fx.RPath = s
			case stdelf.DT_RUNPATH:
				fx.RunPath = s
			}
		}
	}
	return fx, nil
}

// overlaps reports whether [a, a+n) and [b, b+m) share a byte.
func overlaps(a, n, b, m uint64) bool {
	if n == 0 || m == 0 {
		return false
	}
	ae, c1 := bits.Add64(a, n, 0)
	be, c2 := bits.Add64(b, m, 0)
	if c1 != 0 || c2 != 0 {
		return true
	}
	return a < be && b < ae
}
