package elf

import (
	"bytes"
	stdelf "debug/elf"
	"fmt"
	"slices"
)

// The NixOS resolution-cache note (patchelf 0.19.0's --build-resolution-cache):
// nixpkgs' patched glibc loader reads it through PT_NOTE to skip the run-path
// search. The descriptor's format belongs to package ldcache; here it is an
// opaque byte string placed, replaced or removed in the same single write as
// the RUNPATH it was computed from.
const (
	ResolutionCacheSection  = ".note.nixos.ldcache"
	resolutionCacheOwner    = "NixOS"
	resolutionCacheNoteType = 0x63a86cb6
)

// cacheNote is where an existing resolution-cache note lies.
type cacheNote struct {
	section   int // section header index, -1 without one
	off, size uint64
	addr      uint64
}

// HasResolutionCacheSection reports whether f has a section named
// .note.nixos.ldcache, whatever it holds: patchelf 0.19 treats any such
// section as an existing note (see ResolutionCache for a valid one).
func (f *File) HasResolutionCacheSection() bool {
	for _, s := range f.Sections {
		if s.Name == ResolutionCacheSection {
			return true
		}
	}
	return f.cache != nil
}

func (f *File) readResolutionCache() {
	try := func(off, size, addr uint64, section int) bool {
		if size > maxNotes {
			return false
		}
		b, err := f.readAt(off, size, "note")
		if err != nil {
			return false
		}
		for _, n := range parseNotes(b, f.ByteOrder, 4) {
			if n.name == resolutionCacheOwner && n.typ == resolutionCacheNoteType {
				f.ResolutionCache = bytes.Clone(n.desc)
				f.cache = &cacheNote{section: section, off: off, size: size, addr: addr}
				return true
			}
		}
		return false
	}
	for _, s := range f.Sections {
		if s.Type == stdelf.SHT_NOTE && s.Name == ResolutionCacheSection && try(s.Offset, s.FileSize, s.Addr, s.Index) {
			return
		}
	}
	if len(f.Sections) == 0 {
		for _, p := range f.Progs {
			if p.Type == stdelf.PT_NOTE && try(p.Off, p.Filesz, p.Vaddr, -1) {
				return
			}
		}
	}
}

// encodeCacheNote lays out the note: header, owner padded to 4, descriptor
// padded to 4 — the layout patchelf writes.
func (f *File) encodeCacheNote(desc []byte) []byte {
	name := append([]byte(resolutionCacheOwner), 0)
	out := make([]byte, 12+alignUp(uint64(len(name)), 4)+alignUp(uint64(len(desc)), 4))
	f.ByteOrder.PutUint32(out, uint32(len(name)))
	f.ByteOrder.PutUint32(out[4:], uint32(len(desc)))
	f.ByteOrder.PutUint32(out[8:], resolutionCacheNoteType)
	copy(out[12:], name)
	copy(out[12+alignUp(uint64(len(name)), 4):], desc)
	return out
}

type cacheAction int

const (
	cacheKeep cacheAction = iota
	cacheInPlace
	cacheAppend
	cacheRemove
)

// planCache decides what happens to the note (with DT_RUNPATH or, as
// patchelf 0.19 allows, DT_RPATH: the loader searches the object's own
// DT_RPATH first, so the note's first hit is the loader's answer too): written where the old one
// was when it fits, appended otherwise, removed when the run path or the
// needed libraries change without a new note (it would be stale).
func (p *planner) planCache() error {
	f, e := p.f, p.e
	if e.ResolutionCache == nil {
		if f.cache != nil && p.linkChanged {
			p.cache = cacheRemove
		}
		return nil
	}
	if !f.IsDynamic() {
		return fmt.Errorf("%w: no dynamic section (statically linked?) for a resolution cache", ErrUnsafe)
	}
	p.cacheNote = f.encodeCacheNote(e.ResolutionCache)
	switch {
	case f.cache != nil && bytes.Equal(f.ResolutionCache, e.ResolutionCache):
		p.cache = cacheKeep
	case f.cache != nil && uint64(len(p.cacheNote)) <= f.cache.size:
		p.cache = cacheInPlace
	default:
		p.cache = cacheAppend
	}
	return nil
}

func (p *planner) hasTag(t stdelf.DynTag) bool {
	return slices.ContainsFunc(p.dyn, func(d dynEnt) bool { return d.Tag == t })
}

// cacheNoteProg is the index in p.progs of the PT_NOTE covering the old
// note, -1 if none.
func (p *planner) cacheNoteProg() int {
	c := p.f.cache
	return slices.IndexFunc(p.progs, func(ph stdelf.ProgHeader) bool {
		return ph.Type == stdelf.PT_NOTE && ph.Off == c.off
	})
}

// applyCacheInPlace overwrites the old note and shrinks what describes it.
func (p *planner) applyCacheInPlace() {
	c := p.f.cache
	b := make([]byte, c.size)
	copy(b, p.cacheNote)
	p.b.put(int64(c.off), b)
	n := uint64(len(p.cacheNote))
	if i := p.cacheNoteProg(); i >= 0 {
		p.progs[i].Filesz, p.progs[i].Memsz = n, n
	}
	if c.section >= 0 {
		p.putSection(c.section, c.addr, c.off, n)
	}
}

// applyCacheRemove zeroes the note — its "=<store path>" entries would keep
// store references alive — and drops its PT_NOTE, the PT_LOAD made just for
// it, and its section header when it is the last one.
func (p *planner) applyCacheRemove() error {
	f, c := p.f, p.f.cache
	p.b.put(int64(c.off), make([]byte, c.size))
	p.progs = slices.DeleteFunc(p.progs, func(ph stdelf.ProgHeader) bool {
		return (ph.Type == stdelf.PT_NOTE || ph.Type == stdelf.PT_LOAD) && ph.Off == c.off && ph.Filesz == c.size
	})
	if c.section < 0 {
		return nil
	}
	if c.section == f.ShNum-1 && f.ShNum < int(stdelf.SHN_LORESERVE) {
		p.putShnum(f.ShNum - 1)
		return nil
	}
	// Not last: renumbering sections would renumber symbols; blank it.
	p.blankSection(c.section)
	return nil
}

// putShoff points e_shoff at off.
func (p *planner) putShoff(off uint64) {
	f := p.f
	b := make([]byte, 8)
	if f.Class == stdelf.ELFCLASS32 {
		f.ByteOrder.PutUint32(b, uint32(off))
		p.b.put(32, b[:4])
	} else {
		f.ByteOrder.PutUint64(b, off)
		p.b.put(40, b)
	}
}

func (p *planner) putShnum(n int) {
	f := p.f
	b := make([]byte, 2)
	f.ByteOrder.PutUint16(b, uint16(n))
	if f.Class == stdelf.ELFCLASS32 {
		p.b.put(48, b)
	} else {
		p.b.put(60, b)
	}
}

// encodeSection encodes one section header.
func (f *File) encodeSection(name uint32, typ stdelf.SectionType, flags stdelf.SectionFlag, addr, off, size, align uint64) []byte {
	bo := f.ByteOrder
	if f.Class == stdelf.ELFCLASS32 {
		b := make([]byte, 40)
		bo.PutUint32(b, name)
		bo.PutUint32(b[4:], uint32(typ))
		bo.PutUint32(b[8:], uint32(flags))
		bo.PutUint32(b[12:], uint32(addr))
		bo.PutUint32(b[16:], uint32(off))
		bo.PutUint32(b[20:], uint32(size))
		bo.PutUint32(b[32:], uint32(align))
		return b
	}
	b := make([]byte, 64)
	bo.PutUint32(b, name)
	bo.PutUint32(b[4:], uint32(typ))
	bo.PutUint64(b[8:], uint64(flags))
	bo.PutUint64(b[16:], addr)
	bo.PutUint64(b[24:], off)
	bo.PutUint64(b[32:], size)
	bo.PutUint64(b[48:], align)
	return b
}

// shNamesSize is the size of the section name table.
func (f *File) shNamesSize() uint64 {
	if f.ShStrNdx <= 0 || f.ShStrNdx >= len(f.Sections) {
		return 0
	}
	return f.Sections[f.ShStrNdx].FileSize
}

// appendSectionHeader writes, at namesOff and tableOff past the end of the
// original file, a copy of the section name table with the note's name added
// and a copy of the section header table (with the recorded changes) with
// the note's header added, and points the ELF header at them.
func (p *planner) appendSectionHeader(namesOff, tableOff, addr, off, size uint64) error {
	f := p.f
	if f.ShNum+1 >= int(stdelf.SHN_LORESERVE) || f.ShStrNdx <= 0 || f.ShStrNdx >= f.ShNum {
		return fmt.Errorf("%w: cannot add a section header to this table", ErrUnsafe)
	}
	shstr := f.Sections[f.ShStrNdx]
	names, err := f.readAt(shstr.Offset, shstr.FileSize, "section name table")
	if err != nil {
		return err
	}
	nameOff := uint64(len(names))
	names = append(bytes.Clone(names), ResolutionCacheSection+"\x00"...)
	table, err := f.readAt(f.ShOff, uint64(f.ShNum*f.shdrSize()), "section header table")
	if err != nil {
		return err
	}
	table = bytes.Clone(table)
	p.flushSections(table)
	p.newSHT = true
	// The name table's own header, in the copy, points at the grown copy.
	es := f.shdrSize()
	hdr := table[f.ShStrNdx*es:]
	if f.Class == stdelf.ELFCLASS32 {
		f.ByteOrder.PutUint32(hdr[16:], uint32(namesOff))
		f.ByteOrder.PutUint32(hdr[20:], uint32(len(names)))
	} else {
		f.ByteOrder.PutUint64(hdr[24:], namesOff)
		f.ByteOrder.PutUint64(hdr[32:], uint64(len(names)))
	}
	table = append(table, f.encodeSection(uint32(nameOff), stdelf.SHT_NOTE, stdelf.SHF_ALLOC, addr, off, size, 4)...)
	if !f.fits(tableOff + uint64(len(table))) {
		return fmt.Errorf("%w: the section header table would not fit a 32-bit file", ErrUnsafe)
	}
	p.b.put(int64(namesOff), names)
	p.b.put(int64(tableOff), table)
	p.putShoff(tableOff)
	p.putShnum(f.ShNum + 1)
	return nil
}
