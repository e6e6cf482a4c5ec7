package elftest

import (
	stdelf "debug/elf"
	"fmt"
	"math/bits"
	"slices"
	"testing"
)

// qemuPageSize is the page size qemu-user rounds the lowest PT_LOAD down to
// when it computes AT_PHDR (TARGET_PAGE_SIZE, 4 KiB on every fixture arch).
const qemuPageSize = 0x1000

// Validate checks the invariants a loader relies on and returns one error
// per violation; none means the file is consistent. It is meant for every
// file a test writes, and never panics, whatever data holds.
//
// It checks that debug/elf parses the file and that:
//   - both header tables, every segment and every section lie inside the file;
//   - PT_LOAD segments are sorted by p_vaddr, p_offset ≡ p_vaddr (mod p_align),
//     p_memsz ≥ p_filesz, and they do not share a page once rounded to the
//     largest p_align (the page size the target may run with);
//   - PT_PHDR and PT_INTERP come before every PT_LOAD, and PT_PHDR describes
//     the header table where a PT_LOAD maps it;
//   - in an executable the header table is mapped where both Linux < 5.18
//     (first PT_LOAD's p_vaddr - p_offset + e_phoff) and qemu-user (lowest
//     p_vaddr rounded down to 4 KiB, + e_phoff) put AT_PHDR;
//   - PT_INTERP is a NUL-terminated string inside a PT_LOAD (ld.so reads it
//     from memory);
//   - PT_DYNAMIC lies inside a PT_LOAD (writable when DT_DEBUG is present),
//     ends with DT_NULL, DT_STRTAB/DT_STRSZ map to file bytes, every string
//     entry is a NUL-terminated string inside it, and address entries
//     (DT_SYMTAB, DT_JMPREL, DT_VERNEED, …) point into loaded memory;
//   - PT_NOTE holds well-formed notes; PT_GNU_RELRO and PT_TLS lie in a
//     PT_LOAD;
//   - allocated sections sit where their PT_LOAD maps them, sections and
//     header tables do not overlap in the file, sh_link indices are valid,
//     .dynamic/.dynstr/.interp agree with the segments, and .dynsym names
//     lie inside .dynstr.
func Validate(data []byte) []error {
	m, err := parseImage(data)
	if err != nil {
		return []error{err}
	}
	c := &checker{m: m}
	c.headers()
	c.segments()
	c.loads()
	c.phdr()
	c.interp()
	c.dynamic()
	c.notes()
	c.sections()
	return c.errs
}

// AssertValid reports every [Validate] error as a test error and returns
// whether there was none.
func AssertValid(tb testing.TB, data []byte) bool {
	tb.Helper()
	errs := Validate(data)
	for _, err := range errs {
		tb.Errorf("invalid ELF: %v", err)
	}
	return len(errs) == 0
}

type checker struct {
	m    *image
	errs []error
}

func (c *checker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func progName(i int, p *stdelf.Prog) string { return fmt.Sprintf("phdr[%d] %v", i, p.Type) }

// isExecutable reports whether the kernel (or qemu) maps this file as the
// main program and passes AT_PHDR for it.
func (c *checker) isExecutable() bool {
	m := c.m
	if m.f.Type == stdelf.ET_EXEC {
		return true
	}
	if m.f.Type != stdelf.ET_DYN {
		return false
	}
	for _, p := range m.f.Progs {
		if p.Type == stdelf.PT_INTERP {
			return true
		}
	}
	flags, _ := m.dynValue(stdelf.DT_FLAGS_1)
	return flags&uint64(stdelf.DF_1_PIE) != 0
}

func (c *checker) headers() {
	m := c.m
	phsize, shsize := uint64(32), uint64(40)
	if m.is64() {
		phsize, shsize = 56, 64
	}
	if m.phnum > 0 {
		if m.phentsize != phsize {
			c.errorf("e_phentsize is %d, want %d", m.phentsize, phsize)
		}
		if _, ok := m.fileRange(m.phoff, m.phnum*m.phentsize); !ok {
			c.errorf("program header table (e_phoff %#x, %d entries) is outside the file (size %#x)", m.phoff, m.phnum, len(m.data))
		}
	}
	if m.shoff != 0 {
		if m.shentsize != shsize {
			c.errorf("e_shentsize is %d, want %d", m.shentsize, shsize)
		}
		if _, ok := m.fileRange(m.shoff, m.shnum*m.shentsize); !ok {
			c.errorf("section header table (e_shoff %#x, %d entries) is outside the file (size %#x)", m.shoff, m.shnum, len(m.data))
		}
		if m.shnum > 0 && m.shstrndx != uint64(stdelf.SHN_UNDEF) && m.shstrndx >= m.shnum && m.shstrndx != 0xffff {
			c.errorf("e_shstrndx %d is not a section (e_shnum %d)", m.shstrndx, m.shnum)
		}
	} else if m.shnum != 0 {
		c.errorf("e_shoff is 0 but e_shnum is %d", m.shnum)
	}
}

func (c *checker) segments() {
	m := c.m
	seenLoad := false
	count := map[stdelf.ProgType]int{}
	for i, p := range m.f.Progs {
		name := progName(i, p)
		count[p.Type]++
		if p.Filesz > 0 {
			if _, ok := m.fileRange(p.Off, p.Filesz); !ok {
				c.errorf("%s (offset %#x, filesz %#x) is outside the file (size %#x)", name, p.Off, p.Filesz, len(m.data))
			}
		}
		if (p.Type == stdelf.PT_LOAD || p.Type == stdelf.PT_TLS) && p.Memsz < p.Filesz {
			c.errorf("%s: p_memsz %#x < p_filesz %#x", name, p.Memsz, p.Filesz)
		}
		switch p.Type {
		case stdelf.PT_LOAD:
			seenLoad = true
		case stdelf.PT_PHDR, stdelf.PT_INTERP:
			if seenLoad {
				c.errorf("%s comes after a PT_LOAD", name)
			}
		case stdelf.PT_GNU_RELRO, stdelf.PT_TLS:
			if p.Memsz == 0 {
				continue
			}
			inside := false
			for _, l := range m.loads {
				if p.Vaddr >= l.Vaddr && p.Memsz <= l.Memsz && p.Vaddr-l.Vaddr <= l.Memsz-p.Memsz {
					inside = true
				}
			}
			if !inside {
				c.errorf("%s (vaddr %#x, memsz %#x) is not inside one PT_LOAD", name, p.Vaddr, p.Memsz)
			}
		}
	}
	for _, t := range []stdelf.ProgType{stdelf.PT_PHDR, stdelf.PT_INTERP, stdelf.PT_DYNAMIC} {
		if count[t] > 1 {
			c.errorf("%d %v segments, want at most one", count[t], t)
		}
	}
	if m.f.Type == stdelf.ET_EXEC || m.f.Type == stdelf.ET_DYN {
		if len(m.loads) == 0 {
			c.errorf("%v without PT_LOAD", m.f.Type)
		}
	}
}

// pageSize is the largest p_align of the PT_LOAD segments, at least 1.
func (c *checker) pageSize() uint64 {
	page := uint64(1)
	for _, p := range c.m.loads {
		if p.Align > page && bits.OnesCount64(p.Align) == 1 {
			page = p.Align
		}
	}
	return page
}

// minPage is the smallest page size Linux runs with. Linkers lay segments
// out so they do not share a page of this size (common-page-size), while
// p_align is the largest page size (max-page-size): armhf's 64 KiB p_align
// with 4 KiB-apart segments is normal, not an overlap.
const minPage = 4096

func (c *checker) loads() {
	m := c.m
	page := min(c.pageSize(), minPage)
	for i, p := range m.loads {
		name := fmt.Sprintf("PT_LOAD #%d (offset %#x, vaddr %#x)", i, p.Off, p.Vaddr)
		if p.Align > 1 {
			if bits.OnesCount64(p.Align) != 1 {
				c.errorf("%s: p_align %#x is not a power of two", name, p.Align)
			} else if p.Off%p.Align != p.Vaddr%p.Align {
				c.errorf("%s: p_offset %% p_align (%#x) != p_vaddr %% p_align (%#x), p_align %#x",
					name, p.Off%p.Align, p.Vaddr%p.Align, p.Align)
			}
		}
		if _, carry := bits.Add64(p.Vaddr, p.Memsz, 0); carry != 0 {
			c.errorf("%s: p_vaddr + p_memsz overflows", name)
			continue
		}
		if i == 0 {
			continue
		}
		prev := m.loads[i-1]
		if p.Vaddr < prev.Vaddr {
			c.errorf("%s: not sorted by p_vaddr (previous PT_LOAD at %#x)", name, prev.Vaddr)
			continue
		}
		prevEnd := alignUp(prev.Vaddr+prev.Memsz, page)
		if start := p.Vaddr &^ (page - 1); prevEnd > start {
			c.errorf("%s overlaps the previous PT_LOAD (vaddr %#x, memsz %#x) when rounded to %#x-byte pages",
				name, prev.Vaddr, prev.Memsz, page)
		}
	}
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

func (c *checker) phdr() {
	m := c.m
	size := m.phnum * m.phentsize
	var hdr *stdelf.Prog
	for _, p := range m.f.Progs {
		if p.Type == stdelf.PT_PHDR {
			hdr = p
			break
		}
	}
	load := m.loadForOff(m.phoff, size)
	var mapped uint64
	if load != nil {
		mapped = load.Vaddr + (m.phoff - load.Off)
	}
	if hdr != nil {
		if hdr.Off != m.phoff || hdr.Filesz != size {
			c.errorf("PT_PHDR (offset %#x, filesz %#x) is not the program header table (e_phoff %#x, size %#x)",
				hdr.Off, hdr.Filesz, m.phoff, size)
		}
		switch {
		case load == nil:
			c.errorf("PT_PHDR: the program header table (e_phoff %#x) is not inside a PT_LOAD", m.phoff)
		case mapped != hdr.Vaddr:
			c.errorf("PT_PHDR p_vaddr %#x, but its PT_LOAD maps e_phoff %#x at %#x", hdr.Vaddr, m.phoff, mapped)
		}
	}
	if !c.isExecutable() || len(m.loads) == 0 || m.phnum == 0 {
		return
	}
	if load == nil {
		if hdr == nil {
			c.errorf("executable: the program header table (e_phoff %#x) is not inside a PT_LOAD", m.phoff)
		}
		return
	}
	first := m.loads[0]
	if kernel := first.Vaddr - first.Off + m.phoff; kernel != mapped {
		c.errorf("executable: Linux < 5.18 passes AT_PHDR %#x (first PT_LOAD's p_vaddr - p_offset + e_phoff), but the table is mapped at %#x",
			kernel, mapped)
	}
	lowest := first.Vaddr
	for _, p := range m.loads {
		lowest = min(lowest, p.Vaddr)
	}
	if qemu := lowest&^(qemuPageSize-1) + m.phoff; qemu != mapped {
		c.errorf("executable: qemu-user passes AT_PHDR %#x (lowest p_vaddr rounded to 4 KiB + e_phoff), but the table is mapped at %#x",
			qemu, mapped)
	}
}

// inLoad checks that a segment's file bytes lie inside a PT_LOAD that maps
// them at the segment's p_vaddr, and returns that PT_LOAD.
func (c *checker) inLoad(i int, p *stdelf.Prog) *stdelf.Prog {
	load := c.m.loadForOff(p.Off, p.Filesz)
	if load == nil {
		c.errorf("%s (offset %#x, filesz %#x) is not inside a PT_LOAD", progName(i, p), p.Off, p.Filesz)
		return nil
	}
	if got := load.Vaddr + (p.Off - load.Off); got != p.Vaddr {
		c.errorf("%s p_vaddr %#x, but its PT_LOAD maps offset %#x at %#x", progName(i, p), p.Vaddr, p.Off, got)
	}
	return load
}

func (c *checker) interp() {
	m := c.m
	for i, p := range m.f.Progs {
		if p.Type != stdelf.PT_INTERP {
			continue
		}
		if b, ok := m.fileRange(p.Off, p.Filesz); ok {
			// The kernel and qemu insist on the last byte; ld.so reads up to the first NUL.
			if s, ok := cstring(b, 0); !ok || s == "" || b[len(b)-1] != 0 {
				c.errorf("%s (filesz %#x) is not a NUL-terminated path", progName(i, p), p.Filesz)
			}
		}
		c.inLoad(i, p)
	}
}

// addrTags are dynamic entries holding an address in the loaded image.
var addrTags = []stdelf.DynTag{
	stdelf.DT_PLTGOT, stdelf.DT_HASH, stdelf.DT_STRTAB, stdelf.DT_SYMTAB, stdelf.DT_RELA, stdelf.DT_INIT,
	stdelf.DT_FINI, stdelf.DT_REL, stdelf.DT_JMPREL, stdelf.DT_INIT_ARRAY, stdelf.DT_FINI_ARRAY,
	stdelf.DT_PREINIT_ARRAY, stdelf.DT_GNU_HASH, stdelf.DT_VERSYM, stdelf.DT_VERDEF, stdelf.DT_VERNEED,
	stdelf.DynTag(36), // DT_RELR, which debug/elf does not name
}

// stringTags are dynamic entries holding an offset in DT_STRTAB.
var stringTags = []stdelf.DynTag{
	stdelf.DT_NEEDED, stdelf.DT_SONAME, stdelf.DT_RPATH, stdelf.DT_RUNPATH, stdelf.DT_AUXILIARY, stdelf.DT_FILTER,
}

func (c *checker) dynamic() {
	m := c.m
	if m.dynProg == nil {
		return
	}
	i := slices.Index(m.f.Progs, m.dynProg)
	if load := c.inLoad(i, m.dynProg); load != nil {
		if _, debug := m.dynValue(stdelf.DT_DEBUG); debug && load.Flags&stdelf.PF_W == 0 {
			c.errorf("PT_DYNAMIC has DT_DEBUG, which ld.so writes, but lies in a read-only PT_LOAD")
		}
	}
	var strtab []byte
	hasStrings := slices.ContainsFunc(m.dyn, func(e dynEntry) bool { return slices.Contains(stringTags, e.tag) })
	if _, ok := m.dynValue(stdelf.DT_STRTAB); ok || hasStrings {
		var err error
		if strtab, err = m.dynStrings(); err != nil {
			c.errorf("%v", err)
		} else if len(strtab) > 0 && strtab[len(strtab)-1] != 0 {
			c.errorf("dynamic string table does not end with NUL")
		}
	}
	for _, e := range m.dyn {
		switch {
		case slices.Contains(stringTags, e.tag):
			if strtab == nil {
				continue
			}
			if _, ok := cstring(strtab, e.val); !ok {
				c.errorf("%v value %#x is outside DT_STRSZ %#x", e.tag, e.val, len(strtab))
			}
		case slices.Contains(addrTags, e.tag):
			if !m.inMemory(e.val) {
				c.errorf("%v %#x is not inside a PT_LOAD", e.tag, e.val)
			}
		}
	}
}

func (c *checker) notes() {
	m := c.m
	for i, p := range m.f.Progs {
		if p.Type != stdelf.PT_NOTE {
			continue
		}
		b, ok := m.fileRange(p.Off, p.Filesz)
		if !ok {
			continue // reported by segments
		}
		align := p.Align
		if align < 4 {
			align = 4
		}
		if align != 4 && align != 8 {
			c.errorf("%s: p_align %d, want 4 or 8", progName(i, p), p.Align)
			continue
		}
		for off := uint64(0); off < uint64(len(b)); {
			if uint64(len(b))-off < 12 {
				c.errorf("%s: truncated note header at +%#x", progName(i, p), off)
				break
			}
			namesz, descsz := uint64(m.bo.Uint32(b[off:])), uint64(m.bo.Uint32(b[off+4:]))
			next := off + 12 + alignUp(namesz, 4)
			next = alignUp(next, align) + alignUp(descsz, align)
			if namesz > uint64(len(b)) || descsz > uint64(len(b)) || next > alignUp(uint64(len(b)), align) {
				c.errorf("%s: note at +%#x (namesz %d, descsz %d) runs past p_filesz %#x",
					progName(i, p), off, namesz, descsz, p.Filesz)
				break
			}
			off = next
		}
	}
}

func (c *checker) sections() {
	m := c.m
	if len(m.f.Sections) == 0 {
		return
	}
	type span struct {
		what     string
		off, len uint64
	}
	spans := []span{{"ELF header", 0, m.ehsize}}
	if m.phnum > 0 {
		spans = append(spans, span{"program header table", m.phoff, m.phnum * m.phentsize})
	}
	spans = append(spans, span{"section header table", m.shoff, m.shnum * m.shentsize})

	for i, s := range m.f.Sections {
		name := fmt.Sprintf("section [%d] %q", i, s.Name)
		if s.Link >= uint32(len(m.f.Sections)) {
			c.errorf("%s: sh_link %d is not a section", name, s.Link)
		}
		if s.Type == stdelf.SHT_NOBITS || s.Type == stdelf.SHT_NULL {
			continue
		}
		if _, ok := m.fileRange(s.Offset, s.FileSize); !ok {
			c.errorf("%s (offset %#x, size %#x) is outside the file (size %#x)", name, s.Offset, s.FileSize, len(m.data))
			continue
		}
		spans = append(spans, span{name, s.Offset, s.FileSize})
		if s.Flags&stdelf.SHF_ALLOC == 0 || s.Size == 0 || len(m.loads) == 0 {
			continue
		}
		load := m.loadForOff(s.Offset, s.FileSize)
		if load == nil {
			c.errorf("%s (offset %#x, size %#x) is allocated but not inside a PT_LOAD", name, s.Offset, s.FileSize)
		} else if got := load.Vaddr + (s.Offset - load.Off); got != s.Addr {
			c.errorf("%s: sh_addr %#x, but its PT_LOAD maps offset %#x at %#x", name, s.Addr, s.Offset, got)
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.off != b.off {
			return cmpU64(a.off, b.off)
		}
		return cmpU64(a.len, b.len)
	})
	// Compare each span with the one reaching furthest before it, so that a
	// big span overlapping several small ones is caught too.
	var reach span
	for i, b := range spans {
		if i > 0 && overlaps(reach.off, reach.len, b.off, b.len) {
			c.errorf("%s (offset %#x, size %#x) overlaps %s (offset %#x, size %#x) in the file",
				reach.what, reach.off, reach.len, b.what, b.off, b.len)
		}
		if i == 0 || b.off+b.len > reach.off+reach.len {
			reach = b
		}
	}
	c.dynSections()
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// dynSections checks that the section headers describe the same dynamic
// table, strings and interpreter as the segments do.
func (c *checker) dynSections() {
	m := c.m
	for i, s := range m.f.Sections {
		name := fmt.Sprintf("section [%d] %q", i, s.Name)
		switch {
		case s.Type == stdelf.SHT_DYNAMIC && m.dynProg != nil:
			if s.Offset != m.dynProg.Off || s.Addr != m.dynProg.Vaddr {
				c.errorf("%s (offset %#x, addr %#x) is not where PT_DYNAMIC is (offset %#x, vaddr %#x)",
					name, s.Offset, s.Addr, m.dynProg.Off, m.dynProg.Vaddr)
			}
		case s.Type == stdelf.SHT_DYNSYM:
			c.dynsym(name, s)
		case s.Name == ".interp":
			for _, p := range m.f.Progs {
				if p.Type == stdelf.PT_INTERP && (s.Offset != p.Off || s.Addr != p.Vaddr || s.Size != p.Filesz) {
					c.errorf("%s (offset %#x, addr %#x, size %#x) is not where PT_INTERP is (offset %#x, vaddr %#x, filesz %#x)",
						name, s.Offset, s.Addr, s.Size, p.Off, p.Vaddr, p.Filesz)
				}
			}
		}
	}
}

// dynsym checks .dynsym's string table section against DT_STRTAB and that
// every symbol name lies inside it.
func (c *checker) dynsym(name string, s *stdelf.Section) {
	m := c.m
	if int(s.Link) >= len(m.f.Sections) {
		return // reported by sections
	}
	str := m.f.Sections[s.Link]
	if addr, ok := m.dynValue(stdelf.DT_STRTAB); ok && m.dynProg != nil {
		size, _ := m.dynValue(stdelf.DT_STRSZ)
		if str.Addr != addr || str.Size != size {
			c.errorf("section %q (addr %#x, size %#x) linked from %s is not DT_STRTAB %#x, DT_STRSZ %#x",
				str.Name, str.Addr, str.Size, name, addr, size)
		}
	}
	if str.Type == stdelf.SHT_NOBITS {
		return
	}
	strs, ok := m.fileRange(str.Offset, str.FileSize)
	syms, ok2 := m.fileRange(s.Offset, s.FileSize)
	if !ok || !ok2 {
		return // reported by sections
	}
	entsize := uint64(16)
	if m.is64() {
		entsize = 24
	}
	for i := uint64(0); (i+1)*entsize <= uint64(len(syms)); i++ {
		off := uint64(m.bo.Uint32(syms[i*entsize:]))
		if _, ok := cstring(strs, off); !ok {
			c.errorf("%s: symbol %d name offset %#x is outside %q (size %#x)", name, i, off, str.Name, len(strs))
			return
		}
	}
}
