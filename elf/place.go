package elf

import (
	stdelf "debug/elf"
	"math/bits"
	"slices"
	"strings"
)

// Where the pieces of a grown file go: room for the program header table
// where it is, and the bytes that must stay at the end of the file. See the
// layout notes at the top of layout.go.

// calc does overflow-checked address and offset arithmetic: once a result
// would wrap, bad is set and every later result is meaningless.
type calc struct{ bad bool }

func (c *calc) add(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		c.bad = true
	}
	return s
}

func (c *calc) sub(a, b uint64) uint64 {
	d, borrow := bits.Sub64(a, b, 0)
	if borrow != 0 {
		c.bad = true
	}
	return d
}

func (c *calc) mul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		c.bad = true
	}
	return lo
}

// align rounds v up to a multiple of a (a power of two or 0/1).
func (c *calc) align(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return c.add(v, a-1) &^ (a - 1)
}

// alignTo returns the smallest v' ≥ v with v' ≡ want (mod a), a a power of two.
func (c *calc) alignTo(v, want, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return c.add(v, (want-v)&(a-1))
}

// tail is what follows the file's contents: a section header table that
// comes after everything else, and bytes past everything the headers
// describe (an appended payload). Both stay at the end of a grown file,
// behind the new segment.
type tail struct {
	contentEnd uint64 // end of the headers, segments and sections
	shtMoves   bool   // the section header table lies at or after contentEnd
	payloadOff uint64 // first byte after everything described; the file size when none
}

// maxMovedTail bounds the payload moved to stay at the end of the file: it
// is held in memory.
const maxMovedTail = 256 << 20

// payloadSize is the length of the bytes past everything described.
func (t tail) payloadSize(f *File) uint64 { return uint64(f.size) - t.payloadOff }

// isPayload reports whether the file has an appended payload: bytes after
// everything described that are not mere zero padding.
func (t tail) isPayload(f *File) bool {
	return t.payloadSize(f) > 0 && !f.zeroTail(t.payloadOff)
}

// phtRoom is how the program header table grows where it is: the block
// [lo, hi) right after it moves into the new segment, keeping its offset
// modulo align, and the sections and segments inside it move with it.
type phtRoom struct {
	lo, hi   uint64
	align    uint64
	sections []int // indexes into f.Sections
	progs    []int // indexes into p.progs
}

func (r *phtRoom) moves() bool { return r != nil && r.hi > r.lo }

// addressTags are the dynamic tags whose value is an address in the file.
var addressTags = []stdelf.DynTag{
	stdelf.DT_PLTGOT, stdelf.DT_HASH, stdelf.DT_STRTAB, stdelf.DT_SYMTAB, stdelf.DT_RELA, stdelf.DT_INIT,
	stdelf.DT_FINI, stdelf.DT_REL, stdelf.DT_JMPREL, stdelf.DT_INIT_ARRAY, stdelf.DT_FINI_ARRAY,
	stdelf.DT_PREINIT_ARRAY, stdelf.DT_SYMTAB_SHNDX, dtRelr, stdelf.DT_GNU_HASH, stdelf.DT_VERSYM,
	stdelf.DT_VERDEF, stdelf.DT_VERNEED, stdelf.DT_GNU_CONFLICT, stdelf.DT_GNU_LIBLIST, stdelf.DT_MIPS_RLD_MAP,
}

// roomForPHT finds room for n program headers where the table is, by
// moving what directly follows it: the interpreter string and notes, which
// nothing but program and section headers (and their own section symbols)
// point at. It returns false when the table cannot grow in place: the bytes
// after it hold anything else (hash tables, symbols, code), bytes no header
// describes that are not zero, or the table would leave its PT_LOAD.
func (p *planner) roomForPHT(n int, page uint64) (*phtRoom, bool) {
	f := p.f
	es := uint64(f.phdrSize())
	if f.PhNum == 0 || f.PhEntSize != f.phdrSize() {
		return nil, false
	}
	var c calc
	cur := c.add(f.PhOff, uint64(f.PhNum)*es)
	want := c.add(f.PhOff, uint64(n)*es)
	if c.bad {
		return nil, false
	}
	load := slices.IndexFunc(f.Progs, func(ph stdelf.ProgHeader) bool {
		end, ok := checkedAdd(ph.Off, ph.Filesz)
		return ph.Type == stdelf.PT_LOAD && ok && ph.Off <= f.PhOff && cur <= end
	})
	if load < 0 {
		return nil, false
	}
	for _, ph := range p.progs {
		if ph.Type == stdelf.PT_PHDR && ph.Off != f.PhOff {
			return nil, false
		}
	}
	if want <= cur {
		return &phtRoom{lo: cur, hi: cur}, true
	}
	loadEnd := f.Progs[load].Off + f.Progs[load].Filesz

	type span struct {
		lo, hi  uint64
		movable bool
		sec     int
		prog    int
	}
	var spans []span
	addSpan := func(lo, size uint64, movable bool, sec, prog int) {
		hi, ok := checkedAdd(lo, size)
		if !ok {
			hi = ^uint64(0)
		}
		spans = append(spans, span{lo, max(hi, lo+1), movable, sec, prog})
	}
	var interp stdelf.ProgHeader
	if f.interpPH >= 0 {
		interp = f.Progs[f.interpPH]
	}
	for i, s := range f.Sections {
		if s.Index == 0 || s.Type == stdelf.SHT_NULL || s.Type == stdelf.SHT_NOBITS || s.FileSize == 0 {
			continue
		}
		movable := s.Flags&stdelf.SHF_ALLOC != 0 && (s.Type == stdelf.SHT_NOTE ||
			(s.Type == stdelf.SHT_PROGBITS && f.interpPH >= 0 && s.Offset == interp.Off && s.FileSize == interp.Filesz))
		addSpan(s.Offset, s.FileSize, movable, i, -1)
	}
	for i, ph := range p.progs {
		switch ph.Type {
		case stdelf.PT_LOAD, stdelf.PT_PHDR, stdelf.PT_NULL:
			continue
		}
		if ph.Filesz == 0 {
			continue
		}
		movable := ph.Type == stdelf.PT_INTERP || ph.Type == stdelf.PT_NOTE || ph.Type == stdelf.PT_GNU_PROPERTY
		addSpan(ph.Off, ph.Filesz, movable, -1, i)
	}
	for _, d := range f.Dynamic {
		if slices.Contains(addressTags, d.Tag) {
			if o, ok := f.fileOffset(d.Val, 1); ok {
				addSpan(uint64(o), 1, false, -1, -1)
			}
		}
	}
	if f.strOff >= 0 {
		addSpan(uint64(f.strOff), f.strSize, false, -1, -1)
	}
	if f.dynOff >= 0 {
		addSpan(uint64(f.dynOff), uint64(f.DynamicSlots*f.dynEntSize()), false, -1, -1)
	}
	if f.ShOff != 0 && f.ShNum > 0 {
		addSpan(f.ShOff, uint64(f.ShNum*f.shdrSize()), false, -1, -1)
	}
	if c := f.cache; c != nil {
		addSpan(c.off, c.size, false, -1, -1)
	}

	hi := want
	for changed := true; changed; {
		changed = false
		for _, s := range spans {
			if s.lo >= hi || s.hi <= cur {
				continue
			}
			if !s.movable || s.lo < cur {
				return nil, false
			}
			if s.hi > hi {
				hi, changed = s.hi, true
			}
		}
	}
	if hi > loadEnd || hi-cur > maxGrowth {
		return nil, false
	}
	block, err := f.readAt(cur, hi-cur, "headers")
	if err != nil {
		return nil, false
	}
	// Bytes no header describes must be padding.
	covered := make([]bool, len(block))
	room := &phtRoom{lo: cur, hi: hi, align: 8}
	for _, s := range spans {
		if s.lo < cur || s.hi > hi {
			continue
		}
		for i := s.lo; i < s.hi; i++ {
			covered[i-cur] = true
		}
		if s.sec >= 0 {
			room.sections = append(room.sections, s.sec)
			room.align = max(room.align, f.Sections[s.sec].Addralign)
		}
		if s.prog >= 0 {
			room.progs = append(room.progs, s.prog)
			room.align = max(room.align, p.progs[s.prog].Align)
		}
	}
	for i, b := range block {
		if b != 0 && !covered[i] {
			return nil, false
		}
	}
	if !isPow2(room.align) || room.align > page {
		return nil, false
	}
	addr := f.Progs[load].Vaddr + (cur - f.Progs[load].Off)
	if f.symbolIn(addr, addr+(hi-cur)) {
		return nil, false
	}
	return room, true
}

// symbolIn reports whether a symbol other than a section's own, a file's,
// a mapping symbol, glibc's __abi_tag (which names the ABI note) or
// PowerPC's __invoke_dynamic_linker__ (which names .interp), which no code
// uses,
// points into [lo, hi): code might then refer to the bytes there by
// address. It also answers true when a symbol table cannot be read.
func (f *File) symbolIn(lo, hi uint64) bool {
	entsize, valOff, infoOff, shndxOff := uint64(24), uint64(8), uint64(4), uint64(6)
	if f.Class == stdelf.ELFCLASS32 {
		entsize, valOff, infoOff, shndxOff = 16, 4, 12, 14
	}
	type table struct {
		off, n uint64
		sec    Section
	}
	var tabs []table
	for _, s := range f.Sections {
		if s.Type == stdelf.SHT_SYMTAB || s.Type == stdelf.SHT_DYNSYM {
			tabs = append(tabs, table{s.Offset, s.Size / entsize, s})
		}
	}
	if len(tabs) == 0 {
		off, n, _, ok := f.dynsymExtent()
		if !ok {
			return true
		}
		tabs = append(tabs, table{off: off, n: n, sec: Section{Index: -1}})
	}
	for _, t := range tabs {
		if t.n*entsize > maxSymtabScan {
			return true
		}
		b, err := f.readAt(t.off, t.n*entsize, "symbol table")
		if err != nil {
			return true
		}
		for i := uint64(0); i < t.n; i++ {
			sym := b[i*entsize:]
			var val uint64
			if entsize == 16 {
				val = uint64(f.ByteOrder.Uint32(sym[valOff:]))
			} else {
				val = f.ByteOrder.Uint64(sym[valOff:])
			}
			typ := stdelf.SymType(sym[infoOff] & 0xf)
			shndx := stdelf.SectionIndex(f.ByteOrder.Uint16(sym[shndxOff:]))
			if val < lo || val >= hi || shndx == stdelf.SHN_UNDEF || typ == stdelf.STT_SECTION || typ == stdelf.STT_FILE {
				continue
			}
			if t.sec.Index >= 0 {
				// $d, $x, $a, $t: ARM, AArch64 and RISC-V mapping symbols;
				// __invoke_dynamic_linker__: PowerPC's linker names .interp so.
				if name := f.symbolName(t.sec, sym); name == "__abi_tag" || name == "__invoke_dynamic_linker__" ||
					strings.HasPrefix(name, "$") {
					continue
				}
			}
			return true
		}
	}
	return false
}

// fill writes zeros over every byte of [lo, hi) no write covers: the bytes
// of the original file there belong to nothing any more.
func (b *patchBuilder) fill(lo, hi int64) {
	if lo >= hi {
		return
	}
	ws := slices.Clone(b.writes)
	slices.SortStableFunc(ws, func(x, y Write) int { return cmpInt64(x.Off, y.Off) })
	at := lo
	for _, w := range ws {
		end := w.Off + int64(len(w.Data))
		if end <= at || len(w.Data) == 0 {
			continue
		}
		if w.Off >= hi {
			break
		}
		if w.Off > at {
			b.put(at, make([]byte, w.Off-at))
		}
		at = max(at, end)
	}
	if at < hi {
		b.put(at, make([]byte, hi-at))
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// zeroed reports whether b is all zeros.
func zeroed(b []byte) bool { return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 }) }

// dtRelr is DT_RELR, newer than debug/elf's constants.
const dtRelr stdelf.DynTag = 36
