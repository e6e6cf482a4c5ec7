package elf

// The one writer strategy.
//
// An edit is first tried in place: a string that fits where an unshared old
// string was is written there (the rest zeroed), removed and renamed entries
// shift inside the dynamic table, and a shorter interpreter overwrites the
// old one. What does not fit goes into ONE new read-write PT_LOAD segment
// behind the file's contents, holding, in this order:
//
//	[program header table] | [moved block] | .dynamic | .dynstr | interpreter | [cache note]
//
// each present only when it has to move. The file then ends, as before,
// with the section header table if it ended the file before, then any bytes
// that followed everything the headers describe (an appended payload),
// moved as one block byte for byte, so they stay the last bytes of the file
// and a program that finds its payload from the end of its own file still
// does (Patch.TrailingData says so).
//
// The program header table needs a slot for the new segment. It stays
// where it is, at the start of the first PT_LOAD, and grows over what
// follows it: the interpreter string and notes (.note.gnu.property,
// build-id, ABI tag), which only program and section headers and their own
// section symbols point at, move as one block into the new segment, keeping
// their offset modulo their alignment; PT_INTERP, PT_NOTE, PT_GNU_PROPERTY,
// their section headers and symbols follow them. This is patchelf 0.19's
// layout for shared objects and PIE. Keeping the table in place is what
// lets every loader find it:
//
//   - For a program, the kernel computes AT_PHDR. Linux ≥ 5.18 uses the
//     segment that maps e_phoff; older kernels use the first PT_LOAD's
//     (p_vaddr - p_offset) + e_phoff, and qemu-user (7.2) the lowest
//     PT_LOAD's page + e_phoff. With the table where the linker put it all
//     agree, PT_PHDR keeps its address (patchelf's no-rpath-pie-powerpc
//     checks 0x34), and the new segment only needs p_offset ≡ p_vaddr
//     modulo its alignment: it goes right behind the contents in the file
//     and right behind the highest segment (.bss included) in memory, so
//     the file grows by what the segment holds, not by the size of .bss.
//   - A moved interpreter string lies inside the new segment, as ld.so
//     reads it from memory; moved notes likewise (ld.so reads
//     PT_GNU_PROPERTY from memory, the kernel from the file); a moved
//     .dynamic is writable there (DT_DEBUG, and glibc's in-place
//     relocation of d_ptr values).
//
// When the bytes after the table hold anything else (hash tables, symbols,
// code), bytes no header describes that are not zero, a symbol (other than
// section, file and mapping symbols and glibc's __abi_tag) points into
// them, so code might use their address, or the table would leave its
// PT_LOAD, the table moves instead, to the start of the new segment:
//
//   - ld.so reads a shared object's table from the file at e_phoff and
//     copies it when no segment maps it; a PT_PHDR, if any, is pointed at
//     the copy in the new segment. Libraries whose table is followed by
//     .gnu.hash take this way; it costs nothing.
//   - For a program, the new segment is then placed so that its
//     p_vaddr - p_offset equals the first PT_LOAD's, so both AT_PHDR
//     formulas above give the same, correct address, and PT_PHDR is
//     updated to it. That pads the file up to the end of .bss; no program
//     a linker made needs this, as they all have .interp after the table.
//
// A segment an earlier edit appended (read-write, without .bss, the last in
// memory and of the contents) grows instead of getting a sibling, so
// repeated edits do not pile up segments. When .dynstr moves, the complete
// table goes into the new segment and the old copy is zeroed (nothing but
// DT_STRTAB and its section header pointed at it), so no string is in the
// file twice and no stale path survives. Every address and offset is
// computed with overflow checks (see calc): segments at the top of the
// address space (ia64's at 0x6000000000000000) are extended by what is
// added, and an edit that would not fit the address space is refused.

import (
	"bytes"
	stdelf "debug/elf"
	"fmt"
	"math/bits"
	"slices"

	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// DefaultPageSize is the largest page size Linux uses on the architecture:
// a new segment aligned to it maps on every kernel configuration (the
// per-architecture table, internal/arch, holds it).
func DefaultPageSize(m stdelf.Machine) uint64 {
	return arch.PageSize(m)
}

// dtMIPSRldMapRel holds an address relative to its own dynamic entry.
const dtMIPSRldMapRel stdelf.DynTag = 0x70000035

// maxGrowth bounds how much an edit may grow a file. A program whose
// program header table has to move grows by up to its .bss (see the layout
// notes above); more than this means a corrupted header rather than a real
// program.
const maxGrowth = 256 << 20

// maxAlign bounds p_align values we are willing to honour.
const maxAlign = 1 << 28

// dynEnt is an entry of the dynamic table being rebuilt. String entries
// carry their value; fresh ones still need a place in .dynstr.
type dynEnt struct {
	Dyn
	str   string
	isStr bool
	fresh bool // str has no offset yet
}

func isStringTag(t stdelf.DynTag) bool {
	switch t {
	case stdelf.DT_NEEDED, stdelf.DT_SONAME, stdelf.DT_RPATH, stdelf.DT_RUNPATH:
		return true
	}
	return false
}

// Plan lays out f with e applied and returns the patch that turns f into
// the result. An empty patch means nothing would change. The result is
// parsed again and checked against f and e before Plan returns it; a
// mismatch is an [ErrVerify] error.
func (f *File) Plan(e Edit) (*Patch, error) {
	if e.SetExecstack && e.ClearExecstack {
		return nil, fmt.Errorf("%w: both setting and clearing the executable stack", ErrUnsafe)
	}
	if e.Interpreter != "" && !f.HasInterpreter {
		what := "a static executable"
		switch {
		case f.IsStaticPIE():
			what = "a static-pie executable"
		case f.Type == stdelf.ET_DYN:
			what = "a shared library"
		case f.Type != stdelf.ET_EXEC:
			what = "a file of type " + f.Type.String()
		}
		return nil, fmt.Errorf("%w: %s has no PT_INTERP to change; giving it one would change how it starts", ErrUnsafe, what)
	}
	if f.IsStaticPIE() && (e.SetRunpath || len(e.AddNeeded) > 0 || e.ResolutionCache != nil) {
		// glibc's static-pie start-up code asserts that there is no
		// DT_RUNPATH or DT_RPATH and loads nothing: such a file crashes.
		return nil, fmt.Errorf("%w: a static-pie executable loads no libraries; a run path or needed library would make it crash at start-up", ErrUnsafe)
	}
	wantsDyn := e.Soname != "" || e.RemoveRunpath || e.SetRunpath || len(e.RemoveNeeded) > 0 ||
		len(e.ReplaceNeeded) > 0 || len(e.AddNeeded) > 0 || e.NoDefaultLib || e.AddDebugTag
	if wantsDyn && !f.IsDynamic() {
		return nil, fmt.Errorf("%w: no dynamic section (statically linked?)", ErrUnsafe)
	}
	if err := f.loadDynstr(); err != nil {
		return nil, err
	}
	p := &planner{f: f, e: e, b: &patchBuilder{f: f}}
	patch, err := p.run()
	if err != nil || patch.IsEmpty() {
		return patch, err
	}
	// Every writer gets the check of the result (verify.go), before a byte
	// is written.
	if err := f.verify(patch.Reader(f.r), patch.Size, e); err != nil {
		return nil, err
	}
	return patch, nil
}

type planner struct {
	f *File
	e Edit
	b *patchBuilder

	dyn        []dynEnt
	dynChanged bool
	verneedFix map[uint64]string // file offset of a vn_file field → new name
	verneedOff map[uint64]uint64 // the same field → new string offset

	dynstr      []byte // the (possibly amended) old string table
	appended    []byte // strings that did not fit, placed after dynstr
	dynstrMoves bool
	dynMoves    bool

	interpMoves bool
	progs       []stdelf.ProgHeader
	linkChanged bool // DT_NEEDED, DT_RUNPATH or DT_RPATH change

	cache     cacheAction
	cacheNote []byte
	shdrs     map[int]shdrFix
	newSHT    bool // the section header table was copied to the end

	syms *symEdit // renamed symbols, cleared versions; nil if none
}

func (p *planner) run() (*Patch, error) {
	f, e := p.f, p.e
	p.progs = slices.Clone(f.Progs)
	if f.IsDynamic() {
		if err := p.rebuildDynamic(); err != nil {
			return nil, err
		}
	}
	if err := p.planSymbols(); err != nil {
		return nil, err
	}
	if p.dynChanged && len(f.Dynamic) == f.DynamicSlots {
		return nil, ErrNoDTNull
	}
	if e.SetOSABI && e.OSABI != f.OSABI {
		p.b.put(stdelf.EI_OSABI, []byte{byte(e.OSABI)})
	}
	if err := p.execstack(); err != nil {
		return nil, err
	}
	if err := p.planCache(); err != nil {
		return nil, err
	}
	newInterp := e.Interpreter != "" && e.Interpreter != f.Interpreter
	if !p.dynChanged && !newInterp && len(p.b.writes) == 0 && !p.stackChanged() && p.cache == cacheKeep && p.syms == nil {
		return &Patch{OrigSize: f.size, Size: f.size}, nil
	}
	if p.dynChanged {
		if err := p.placeStrings(); err != nil {
			return nil, err
		}
		p.dynMoves = len(p.dyn)+1 > f.DynamicSlots
	}
	p.writeSymbols()
	if newInterp {
		old := f.Progs[f.interpPH]
		p.interpMoves = uint64(len(e.Interpreter))+1 > old.Filesz
		if what := f.coreOverlap(old.Off, old.Filesz, stdelf.PT_INTERP); what != "" {
			return nil, fmt.Errorf("%w: PT_INTERP overlaps %s", ErrUnsafe, what)
		}
	}
	if p.dynChanged && f.dynOff >= 0 {
		if what := f.coreOverlap(uint64(f.dynOff), uint64(f.DynamicSlots*f.dynEntSize()), stdelf.PT_DYNAMIC); what != "" {
			return nil, fmt.Errorf("%w: PT_DYNAMIC overlaps %s", ErrUnsafe, what)
		}
	}
	if !p.dynMoves && !p.dynstrMoves && !p.interpMoves && p.cache != cacheAppend && len(p.progs) <= len(f.Progs) {
		return p.inPlace()
	}
	if f.IsDynamic() && !p.dynMoves {
		// The new segment is writable (see appendSegment); carrying .dynamic
		// gives it a writable section, as eu-elflint expects, at the price of
		// a few hundred bytes.
		p.dynMoves, p.dynChanged = true, true
		if p.dynstr == nil {
			p.dynstr = f.dynstr
		}
	}
	return p.appendSegment()
}

// coreOverlap names the structure the loader needs that [off, off+n)
// overlaps, other than the one of type self, or returns "". A crafted file
// can make PT_INTERP or PT_DYNAMIC cover the headers; writing there would
// corrupt them.
func (f *File) coreOverlap(off, n uint64, self stdelf.ProgType) string {
	end, ok := checkedAdd(off, n)
	if !ok {
		return "the end of the address space"
	}
	hit := func(lo, size uint64) bool {
		hi, ok := checkedAdd(lo, size)
		return !ok || (lo < end && off < hi)
	}
	switch {
	case hit(0, uint64(f.ehdrSize())):
		return "the ELF header"
	case f.PhNum > 0 && hit(f.PhOff, uint64(f.PhNum*f.PhEntSize)):
		return "the program header table"
	case self != stdelf.PT_DYNAMIC && f.dynOff >= 0 && hit(uint64(f.dynOff), uint64(f.DynamicSlots*f.dynEntSize())):
		return "the dynamic table"
	case f.strOff >= 0 && hit(uint64(f.strOff), f.strSize):
		return "the dynamic string table"
	case self != stdelf.PT_INTERP && f.interpPH >= 0 && hit(f.Progs[f.interpPH].Off, f.Progs[f.interpPH].Filesz):
		return "the interpreter"
	}
	return ""
}

func (p *planner) stackChanged() bool {
	if len(p.progs) != len(p.f.Progs) {
		return true
	}
	for i := range p.progs {
		if p.progs[i] != p.f.Progs[i] {
			return true
		}
	}
	return false
}

func (p *planner) execstack() error {
	if !p.e.SetExecstack && !p.e.ClearExecstack {
		return nil
	}
	for i := range p.progs {
		if p.progs[i].Type != stdelf.PT_GNU_STACK {
			continue
		}
		if p.e.SetExecstack {
			p.progs[i].Flags |= stdelf.PF_X
		} else {
			p.progs[i].Flags &^= stdelf.PF_X
		}
		return nil
	}
	// No PT_GNU_STACK means the architecture's default, executable on
	// some: say it explicitly, as patchelf does. The table grows, so the
	// edit takes the appended-segment path.
	stack := stdelf.ProgHeader{Type: stdelf.PT_GNU_STACK, Flags: stdelf.PF_R | stdelf.PF_W, Align: 0x10}
	if p.e.SetExecstack {
		stack.Flags |= stdelf.PF_X
	}
	p.progs = append(p.progs, stack)
	return nil
}

// rebuildDynamic computes the new dynamic table from the edit.
func (p *planner) rebuildDynamic() error {
	f, e := p.f, p.e
	for _, d := range f.Dynamic {
		ent := dynEnt{Dyn: d}
		if isStringTag(d.Tag) {
			s, err := f.dynString(d.Val)
			if err != nil {
				return err
			}
			ent.str, ent.isStr = s, true
		}
		p.dyn = append(p.dyn, ent)
	}
	orig := slices.Clone(p.dyn)

	if len(e.RemoveNeeded) > 0 {
		p.dyn = slices.DeleteFunc(p.dyn, func(d dynEnt) bool {
			return d.Tag == stdelf.DT_NEEDED && slices.Contains(e.RemoveNeeded, d.str)
		})
	}
	for _, r := range e.ReplaceNeeded {
		if r.Old == r.New || r.New == "" {
			continue
		}
		for i := range p.dyn {
			if p.dyn[i].Tag == stdelf.DT_NEEDED && p.dyn[i].str == r.Old {
				p.dyn[i].str, p.dyn[i].fresh = r.New, true
			}
		}
		if err := p.replaceVerneed(r); err != nil {
			return err
		}
	}
	var add []dynEnt
	for _, n := range e.AddNeeded {
		if n == "" || p.needs(n) || slices.ContainsFunc(add, func(d dynEnt) bool { return d.str == n }) {
			continue
		}
		add = append(add, dynEnt{Dyn: Dyn{Tag: stdelf.DT_NEEDED}, str: n, isStr: true, fresh: true})
	}
	p.dyn = append(add, p.dyn...)

	if e.Soname != "" {
		p.setString(stdelf.DT_SONAME, e.Soname)
	}
	if e.RemoveRunpath {
		p.dyn = slices.DeleteFunc(p.dyn, func(d dynEnt) bool {
			return d.Tag == stdelf.DT_RPATH || d.Tag == stdelf.DT_RUNPATH
		})
	}
	if e.SetRunpath {
		tag, other := stdelf.DT_RUNPATH, stdelf.DT_RPATH
		if e.ForceRpath {
			tag, other = other, tag
		}
		// Keep the position of the first search-path entry, converted to the
		// wanted kind; drop the rest so the loader sees one answer.
		i := slices.IndexFunc(p.dyn, func(d dynEnt) bool { return d.Tag == tag || d.Tag == other })
		if i >= 0 {
			if p.dyn[i].Tag != tag || p.dyn[i].str != e.Runpath {
				p.dyn[i].Tag, p.dyn[i].str, p.dyn[i].fresh = tag, e.Runpath, true
			}
			rest := slices.DeleteFunc(p.dyn[i+1:], func(d dynEnt) bool { return d.Tag == tag || d.Tag == other })
			p.dyn = p.dyn[:i+1+len(rest)]
		} else {
			p.insert(dynEnt{Dyn: Dyn{Tag: tag}, str: e.Runpath, isStr: true, fresh: true})
		}
	}
	if e.AddDebugTag && !p.hasTag(stdelf.DT_DEBUG) {
		p.dyn = slices.Insert(p.dyn, 0, dynEnt{Dyn: Dyn{Tag: stdelf.DT_DEBUG}})
	}
	if e.NoDefaultLib {
		i := slices.IndexFunc(p.dyn, func(d dynEnt) bool { return d.Tag == stdelf.DT_FLAGS_1 })
		if i < 0 {
			p.insert(dynEnt{Dyn: Dyn{Tag: stdelf.DT_FLAGS_1, Val: uint64(stdelf.DF_1_NODEFLIB)}})
		} else {
			p.dyn[i].Val |= uint64(stdelf.DF_1_NODEFLIB)
		}
	}
	p.linkChanged = !slices.EqualFunc(linkEntries(orig), linkEntries(p.dyn), func(a, b dynEnt) bool {
		return a.Tag == b.Tag && a.str == b.str
	})
	p.dynChanged = len(p.verneedFix) > 0 || !slices.EqualFunc(orig, p.dyn, func(a, b dynEnt) bool {
		return a.Tag == b.Tag && a.str == b.str && (a.isStr || a.Val == b.Val)
	})
	return nil
}

// linkEntries are the entries a resolution cache is computed from.
func linkEntries(ds []dynEnt) []dynEnt {
	return slices.DeleteFunc(slices.Clone(ds), func(d dynEnt) bool {
		return d.Tag != stdelf.DT_NEEDED && d.Tag != stdelf.DT_RUNPATH && d.Tag != stdelf.DT_RPATH
	})
}

func (p *planner) needs(name string) bool {
	return slices.ContainsFunc(p.dyn, func(d dynEnt) bool { return d.Tag == stdelf.DT_NEEDED && d.str == name })
}

// setString sets the first entry of tag to s, or inserts one.
func (p *planner) setString(tag stdelf.DynTag, s string) {
	for i := range p.dyn {
		if p.dyn[i].Tag == tag {
			if p.dyn[i].str != s {
				p.dyn[i].str, p.dyn[i].fresh = s, true
			}
			return
		}
	}
	p.insert(dynEnt{Dyn: Dyn{Tag: tag}, str: s, isStr: true, fresh: true})
}

// insert places a new entry after the DT_NEEDED entries, where linkers put
// DT_SONAME and DT_RUNPATH.
func (p *planner) insert(d dynEnt) {
	i := 0
	for j, x := range p.dyn {
		if x.Tag == stdelf.DT_NEEDED {
			i = j + 1
		}
	}
	p.dyn = slices.Insert(p.dyn, i, d)
}

// checkedAdd adds without wrapping.
func checkedAdd(a, b uint64) (uint64, bool) {
	s, c := bits.Add64(a, b, 0)
	return s, c == 0
}

func isPow2(v uint64) bool { return v != 0 && v&(v-1) == 0 }

// encoder helpers ---------------------------------------------------------

func (f *File) putWord(b []byte, v uint64) {
	if f.Class == stdelf.ELFCLASS32 {
		f.ByteOrder.PutUint32(b, uint32(v))
	} else {
		f.ByteOrder.PutUint64(b, v)
	}
}

func (f *File) encodeDyn(ents []Dyn, slots int) []byte {
	es := f.dynEntSize()
	out := make([]byte, slots*es)
	for i, d := range ents {
		b := out[i*es:]
		if es == 8 {
			f.ByteOrder.PutUint32(b, uint32(int32(d.Tag)))
			f.ByteOrder.PutUint32(b[4:], uint32(d.Val))
		} else {
			f.ByteOrder.PutUint64(b, uint64(int64(d.Tag)))
			f.ByteOrder.PutUint64(b[8:], d.Val)
		}
	}
	return out
}

func (f *File) encodeProgs(progs []stdelf.ProgHeader) []byte {
	es := f.phdrSize()
	out := make([]byte, len(progs)*es)
	bo := f.ByteOrder
	for i, ph := range progs {
		b := out[i*es:]
		if f.Class == stdelf.ELFCLASS32 {
			bo.PutUint32(b, uint32(ph.Type))
			bo.PutUint32(b[4:], uint32(ph.Off))
			bo.PutUint32(b[8:], uint32(ph.Vaddr))
			bo.PutUint32(b[12:], uint32(ph.Paddr))
			bo.PutUint32(b[16:], uint32(ph.Filesz))
			bo.PutUint32(b[20:], uint32(ph.Memsz))
			bo.PutUint32(b[24:], uint32(ph.Flags))
			bo.PutUint32(b[28:], uint32(ph.Align))
		} else {
			bo.PutUint32(b, uint32(ph.Type))
			bo.PutUint32(b[4:], uint32(ph.Flags))
			bo.PutUint64(b[8:], ph.Off)
			bo.PutUint64(b[16:], ph.Vaddr)
			bo.PutUint64(b[24:], ph.Paddr)
			bo.PutUint64(b[32:], ph.Filesz)
			bo.PutUint64(b[40:], ph.Memsz)
			bo.PutUint64(b[48:], ph.Align)
		}
	}
	return out
}

// fits32 reports whether every value fits a 32-bit file's fields.
func (f *File) fits(vs ...uint64) bool {
	if f.Class != stdelf.ELFCLASS32 {
		return true
	}
	for _, v := range vs {
		if v > 0xffffffff {
			return false
		}
	}
	return true
}

// shdrFix is a change to one section header: new addr, offset and size,
// or a blank entry.
type shdrFix struct {
	addr, off, size uint64
	blank           bool
}

// putSection records new addr, offset and size for section i; they are
// written by flushSections, into the table where it is or into its copy.
func (p *planner) putSection(i int, addr, off, size uint64) {
	if p.shdrs == nil {
		p.shdrs = map[int]shdrFix{}
	}
	p.shdrs[i] = shdrFix{addr: addr, off: off, size: size}
}

func (p *planner) blankSection(i int) {
	if p.shdrs == nil {
		p.shdrs = map[int]shdrFix{}
	}
	p.shdrs[i] = shdrFix{blank: true}
}

// encodeFix applies fx to the section header entry e.
func (f *File) encodeFix(e []byte, fx shdrFix) {
	if fx.blank {
		clear(e[:f.shdrSize()])
		return
	}
	if f.Class == stdelf.ELFCLASS32 {
		f.ByteOrder.PutUint32(e[12:], uint32(fx.addr))
		f.ByteOrder.PutUint32(e[16:], uint32(fx.off))
		f.ByteOrder.PutUint32(e[20:], uint32(fx.size))
		return
	}
	f.ByteOrder.PutUint64(e[16:], fx.addr)
	f.ByteOrder.PutUint64(e[24:], fx.off)
	f.ByteOrder.PutUint64(e[32:], fx.size)
}

// flushSections writes the recorded section header changes into table, a
// copy of the section header table, or in place when table is nil.
func (p *planner) flushSections(table []byte) {
	f := p.f
	es := f.shdrSize()
	for i, fx := range p.shdrs {
		if table != nil {
			f.encodeFix(table[i*es:], fx)
			continue
		}
		e := make([]byte, es)
		f.encodeFix(e, fx)
		if fx.blank {
			p.b.put(int64(f.ShOff)+int64(i*es), e)
		} else if f.Class == stdelf.ELFCLASS32 {
			p.b.put(int64(f.ShOff)+int64(i*es)+12, e[12:24])
		} else {
			p.b.put(int64(f.ShOff)+int64(i*es)+16, e[16:40])
		}
	}
}

// sectionAt finds the section header describing the bytes at off, addr.
func (f *File) sectionAt(typ stdelf.SectionType, off, addr uint64) int {
	for _, s := range f.Sections {
		if s.Type == typ && s.Offset == off && s.Addr == addr && s.Index != 0 {
			return s.Index
		}
	}
	return -1
}

// inPlace writes an edit that needed no new segment.
func (p *planner) inPlace() (*Patch, error) {
	f := p.f
	if p.dynChanged {
		p.writeDynamic(uint64(f.dynOff), f.dynAddr, f.DynamicSlots)
		p.writeOldDynstr()
	}
	if p.e.Interpreter != "" && p.e.Interpreter != f.Interpreter {
		ph := f.Progs[f.interpPH]
		b := make([]byte, ph.Filesz)
		copy(b, p.e.Interpreter)
		p.b.put(int64(ph.Off), b)
	}
	switch p.cache {
	case cacheInPlace:
		p.applyCacheInPlace()
	case cacheRemove:
		if err := p.applyCacheRemove(); err != nil {
			return nil, err
		}
	}
	if p.stackChanged() {
		p.writeProgsInPlace()
	}
	p.flushSections(nil)
	return p.b.finish(f.size)
}

// writeProgsInPlace rewrites the program header table where it is; it can
// only have kept its size or shrunk.
func (p *planner) writeProgsInPlace() {
	f := p.f
	size := uint64(len(p.progs) * f.phdrSize())
	for i := range p.progs {
		if p.progs[i].Type == stdelf.PT_PHDR {
			p.progs[i].Filesz, p.progs[i].Memsz = size, size
		}
	}
	b := make([]byte, f.PhNum*f.phdrSize())
	copy(b, f.encodeProgs(p.progs))
	p.b.put(int64(f.PhOff), b)
	if len(p.progs) != f.PhNum {
		p.putPhnum(len(p.progs))
	}
}

func (p *planner) putPhnum(n int) {
	b := make([]byte, 2)
	p.f.ByteOrder.PutUint16(b, uint16(n))
	if p.f.Class == stdelf.ELFCLASS32 {
		p.b.put(44, b)
	} else {
		p.b.put(56, b)
	}
}

// writeOldDynstr writes the amended old string table in place.
func (p *planner) writeOldDynstr() {
	if !bytes.Equal(p.dynstr, p.f.dynstr) {
		p.b.put(p.f.strOff, p.dynstr)
	}
}

// writeDynamic encodes the table for its home at off/addr with the given
// number of slots; string entries must have offsets by now.
func (p *planner) writeDynamic(off, addr uint64, slots int) {
	f := p.f
	es := uint64(f.dynEntSize())
	ents := make([]Dyn, len(p.dyn))
	for i, d := range p.dyn {
		ents[i] = d.Dyn
		if d.Tag == dtMIPSRldMapRel {
			if oldIdx := p.origIndex(i); oldIdx >= 0 {
				oldAddr := f.dynAddr + uint64(oldIdx)*es
				newAddr := addr + uint64(i)*es
				ents[i].Val = d.Val + oldAddr - newAddr
			}
		}
	}
	p.b.put(int64(off), f.encodeDyn(ents, slots))
	for _, fix := range p.verneedFixes() {
		p.b.put(fix.Off, fix.Data)
	}
}

// origIndex finds the position entry i had in the original table (only
// meaningful for non-string entries, which are never duplicated by edits).
func (p *planner) origIndex(i int) int {
	d := p.dyn[i]
	for j, o := range p.f.Dynamic {
		if o.Tag == d.Tag && o.Val == d.Val {
			return j
		}
	}
	return -1
}

// appendSegment lays out the new PT_LOAD and everything that moves into it.
func (p *planner) appendSegment() (*Patch, error) {
	f := p.f
	t, err := p.checkLayout()
	if err != nil {
		return nil, err
	}
	switch p.cache {
	case cacheInPlace:
		p.applyCacheInPlace()
	case cacheRemove:
		if err := p.applyCacheRemove(); err != nil {
			return nil, err
		}
	}
	var (
		maxEnd    uint64
		loadAlign uint64 = 1
		first            = -1
	)
	for i, ph := range f.Progs {
		if ph.Type != stdelf.PT_LOAD {
			continue
		}
		if first < 0 {
			first = i
		}
		maxEnd = max(maxEnd, ph.Vaddr+ph.Memsz) // checkLayout refused wrapping
		if ph.Align > 1 {
			loadAlign = max(loadAlign, ph.Align)
		}
	}
	if first < 0 {
		return nil, fmt.Errorf("%w: no PT_LOAD segment to extend the file with", ErrUnsafe)
	}
	page := p.e.PageSize
	if page == 0 {
		page = DefaultPageSize(f.Machine)
	}
	if !isPow2(page) || page > maxAlign {
		return nil, fmt.Errorf("%w: page size %#x is not a power of two up to %#x", ErrUnsafe, page, maxAlign)
	}
	align := max(page, loadAlign)
	word := uint64(8)
	if f.Class == stdelf.ELFCLASS32 {
		word = 4
	}
	execLike := f.Type == stdelf.ET_EXEC || f.HasInterpreter || p.hasProg(stdelf.PT_PHDR)
	first0 := f.Progs[first]
	delta := first0.Vaddr - first0.Off

	// A segment an earlier edit appended (read-write, no .bss, the last in
	// memory and the last of the contents) grows instead of getting a
	// sibling, so repeated edits do not pile up segments.
	ext := -1
	for i, ph := range p.progs {
		if ph.Type == stdelf.PT_LOAD && i != first && ph.Off+ph.Filesz == t.contentEnd && ph.Memsz == ph.Filesz &&
			ph.Vaddr+ph.Memsz == maxEnd && ph.Align == align && ph.Flags&stdelf.PF_W != 0 && ph.Flags&stdelf.PF_X == 0 {
			ext = i
		}
	}
	addNoteProg := p.cache == cacheAppend && (f.cache == nil || p.cacheNoteProg() < 0)
	countProgs := func() int {
		n := len(p.progs)
		if ext < 0 {
			n++
		}
		if addNoteProg {
			n++
		}
		return n
	}
	nProgs := countProgs()
	room, phtInPlace := p.roomForPHT(nProgs, align)
	if !phtInPlace && execLike && ext >= 0 && p.progs[ext].Vaddr-p.progs[ext].Off != delta {
		ext = -1
		nProgs = countProgs()
	}
	if nProgs >= 0xffff {
		return nil, fmt.Errorf("%w: too many program headers", ErrUnsafe)
	}
	if !phtInPlace && execLike {
		// The table moves into the new segment. For a program the kernel
		// or qemu-user may compute AT_PHDR as the first PT_LOAD's
		// p_vaddr - p_offset + e_phoff: the segment must keep that
		// difference, which grows the file up to the end of .bss.
		if first0.Vaddr < first0.Off || delta%align != 0 {
			return nil, fmt.Errorf("%w: first PT_LOAD (vaddr %#x, offset %#x) is not aligned to %#x", ErrUnsafe, first0.Vaddr, first0.Off, align)
		}
		// qemu-user takes the lowest PT_LOAD address, rounded down to 4 KiB,
		// as the image base for AT_PHDR; it agrees with the kernel only when
		// the first segment maps the start of the file.
		if first0.Vaddr&^0xfff != delta {
			return nil, fmt.Errorf("%w: the first PT_LOAD does not map the start of the file", ErrUnsafe)
		}
	}
	phtSize := uint64(nProgs * f.phdrSize())
	var c calc

	// Before the segment: a copy of the section name table when a section
	// is added (so the segment still ends the contents and can grow next
	// time). After it: the section header table, when it was at the end,
	// and a payload, which stay the last bytes of the file.
	fileEnd := t.contentEnd
	var shNamesOff, shNamesSize uint64
	newSection := p.cache == cacheAppend && f.cache == nil && f.ShNum > 0 && f.ShOff != 0
	if newSection {
		shNamesOff = fileEnd
		shNamesSize = f.shNamesSize() + uint64(len(ResolutionCacheSection)) + 1
		fileEnd = c.add(shNamesOff, shNamesSize)
	}
	fileEnd = c.align(fileEnd, word)
	var off, vaddr uint64
	switch {
	case ext >= 0:
		off = fileEnd
		vaddr = c.add(p.progs[ext].Vaddr, off-p.progs[ext].Off)
	case execLike && !phtInPlace:
		vaddr = max(c.align(maxEnd, align), c.add(fileEnd, delta))
		off = c.sub(vaddr, delta)
	default:
		off = fileEnd
		vaddr = c.add(c.align(maxEnd, align), off%align)
	}

	// Contents, in order: program headers (when they move), the block that
	// made room for them (when they stay), .dynamic, .dynstr, interpreter,
	// resolution cache note.
	cur := uint64(0)
	if !phtInPlace {
		cur = phtSize
	}
	var blockRel uint64
	if room.moves() {
		blockRel = c.sub(c.alignTo(c.add(off, cur), room.lo, room.align), off)
		cur = c.add(blockRel, room.hi-room.lo)
	}
	var dynRel, strRel, interpRel uint64
	dynSlots := f.DynamicSlots
	if p.dynMoves {
		dynRel = c.align(cur, word)
		dynSlots = len(p.dyn) + 1
		cur = c.add(dynRel, uint64(dynSlots*f.dynEntSize()))
	}
	newStrSize := uint64(len(p.dynstr) + len(p.appended))
	if p.dynstrMoves {
		strRel = cur
		cur = c.add(cur, newStrSize)
	}
	newInterp := p.e.Interpreter != "" && p.e.Interpreter != f.Interpreter
	interpInBlock := f.interpPH >= 0 && room.moves() && f.Progs[f.interpPH].Off >= room.lo &&
		f.Progs[f.interpPH].Off < room.hi
	if newInterp && interpInBlock {
		// Its old place is taken by the table: write it anew.
		p.interpMoves = true
	}
	if p.interpMoves {
		interpRel = cur
		cur = c.add(cur, uint64(len(p.e.Interpreter))+1)
	}
	var noteRel uint64
	if p.cache == cacheAppend {
		noteRel = c.align(cur, 4)
		cur = c.add(noteRel, uint64(len(p.cacheNote)))
	}
	content := cur
	segEnd := c.add(off, content)
	_ = c.add(vaddr, content)
	pos := segEnd
	var shTableOff uint64
	switch {
	case newSection:
		shTableOff = c.align(pos, word)
		pos = c.add(shTableOff, uint64((f.ShNum+1)*f.shdrSize()))
	case t.shtMoves:
		shTableOff = c.align(pos, word)
		pos = c.add(shTableOff, uint64(f.ShNum*f.shdrSize()))
	}
	payloadOff := pos
	newSize := c.add(pos, t.payloadSize(f))
	if c.bad || !f.fits(newSize, vaddr+content) || newSize > 1<<62 {
		return nil, fmt.Errorf("%w: the new segment would not fit the address space", ErrUnsafe)
	}
	if newSize > uint64(f.size) && newSize-uint64(f.size) > maxGrowth {
		return nil, fmt.Errorf("%w: the file would grow by %d bytes to keep its segments aligned", ErrUnsafe, newSize-uint64(f.size))
	}

	// Writable, as patchelf's: a moved .dynamic must be, and eu-elflint
	// takes a read-only segment right after the data segment for the target
	// of relocations against large symbols ("read-only section modified").
	seg := stdelf.ProgHeader{
		Type: stdelf.PT_LOAD, Flags: stdelf.PF_R | stdelf.PF_W,
		Off: off, Vaddr: vaddr, Paddr: vaddr, Filesz: content, Memsz: content, Align: align,
	}
	if ext >= 0 {
		seg = p.progs[ext]
		seg.Filesz = off + content - seg.Off
		seg.Memsz = seg.Filesz
	}
	var moved []movedSection
	if room.moves() {
		blockAddr := f.Progs[first].Vaddr // placeholder, set below
		for _, ph := range f.Progs {
			if ph.Type == stdelf.PT_LOAD && ph.Off <= room.lo && room.lo-ph.Off < ph.Filesz {
				blockAddr = ph.Vaddr + (room.lo - ph.Off)
				break
			}
		}
		dOff, dAddr := off+blockRel-room.lo, vaddr+blockRel-blockAddr
		for _, i := range room.progs {
			ph := &p.progs[i]
			ph.Off += dOff
			ph.Vaddr += dAddr
			ph.Paddr += dAddr
		}
		for _, i := range room.sections {
			s := f.Sections[i]
			p.putSection(i, s.Addr+dAddr, s.Offset+dOff, s.Size)
			moved = append(moved, movedSection{i, s.Addr, s.Size, s.Addr + dAddr})
		}
		block, err := f.readAt(room.lo, room.hi-room.lo, "headers")
		if err != nil {
			return nil, err
		}
		if newInterp && interpInBlock {
			old := f.Progs[f.interpPH]
			clear(block[old.Off-room.lo : min(old.Off+old.Filesz, room.hi)-room.lo])
		}
		p.b.put(int64(off+blockRel), block)
	}
	for i := range p.progs {
		ph := &p.progs[i]
		switch ph.Type {
		case stdelf.PT_PHDR:
			if phtInPlace {
				ph.Filesz, ph.Memsz = phtSize, phtSize
			} else {
				ph.Off, ph.Vaddr, ph.Paddr, ph.Filesz, ph.Memsz = off, vaddr, vaddr, phtSize, phtSize
			}
		case stdelf.PT_DYNAMIC:
			if p.dynMoves {
				sz := uint64(dynSlots * f.dynEntSize())
				ph.Off, ph.Vaddr, ph.Paddr, ph.Filesz, ph.Memsz = off+dynRel, vaddr+dynRel, vaddr+dynRel, sz, sz
			}
		case stdelf.PT_INTERP:
			if p.interpMoves {
				sz := uint64(len(p.e.Interpreter)) + 1
				ph.Off, ph.Vaddr, ph.Paddr, ph.Filesz, ph.Memsz = off+interpRel, vaddr+interpRel, vaddr+interpRel, sz, sz
			}
		}
	}
	if ext >= 0 {
		p.progs[ext] = seg
	} else {
		lastLoad := -1
		for i, ph := range p.progs {
			if ph.Type == stdelf.PT_LOAD {
				lastLoad = i
			}
		}
		p.progs = slices.Insert(p.progs, lastLoad+1, seg)
	}
	if p.cache == cacheAppend {
		n := uint64(len(p.cacheNote))
		note := stdelf.ProgHeader{Type: stdelf.PT_NOTE, Flags: stdelf.PF_R, Off: off + noteRel,
			Vaddr: vaddr + noteRel, Paddr: vaddr + noteRel, Filesz: n, Memsz: n, Align: 4}
		if addNoteProg {
			at := len(p.progs)
			for i, ph := range p.progs {
				if ph.Type == stdelf.PT_NOTE {
					at = i + 1
				}
			}
			p.progs = slices.Insert(p.progs, at, note)
		} else {
			p.progs[p.cacheNoteProg()] = note
		}
	}

	// The program header table, where it is (padded with zeros over the
	// block that moved) or at the start of the segment; e_phoff, e_phnum.
	if phtInPlace {
		n := max(room.hi, f.PhOff+uint64(f.PhNum*f.phdrSize())) - f.PhOff
		b := make([]byte, n)
		copy(b, f.encodeProgs(p.progs))
		p.b.put(int64(f.PhOff), b)
	} else {
		if f.Class == stdelf.ELFCLASS32 {
			b := make([]byte, 4)
			f.ByteOrder.PutUint32(b, uint32(off))
			p.b.put(28, b)
		} else {
			b := make([]byte, 8)
			f.ByteOrder.PutUint64(b, off)
			p.b.put(32, b)
		}
		p.b.put(int64(off), f.encodeProgs(p.progs))
	}
	p.putPhnum(nProgs)

	if p.dynChanged {
		if p.dynstrMoves {
			for i := range p.dyn {
				if p.dyn[i].Tag == stdelf.DT_STRTAB {
					p.dyn[i].Val = vaddr + strRel
				}
				if p.dyn[i].Tag == stdelf.DT_STRSZ {
					p.dyn[i].Val = newStrSize
				}
			}
			tab := append(slices.Clone(p.dynstr), p.appended...)
			p.b.put(int64(off+strRel), tab)
			if si := f.sectionAt(stdelf.SHT_STRTAB, uint64(f.strOff), f.strAddr); si >= 0 {
				p.putSection(si, vaddr+strRel, off+strRel, newStrSize)
				moved = append(moved, movedSection{si, f.strAddr, f.strSize, vaddr + strRel})
			}
			p.clearOldDynstr()
		} else {
			p.writeOldDynstr()
		}
		if p.dynMoves {
			p.writeDynamic(off+dynRel, vaddr+dynRel, dynSlots)
			if si := f.sectionAt(stdelf.SHT_DYNAMIC, uint64(f.dynOff), f.dynAddr); si >= 0 {
				p.putSection(si, vaddr+dynRel, off+dynRel, uint64(dynSlots*f.dynEntSize()))
				moved = append(moved, movedSection{si, f.dynAddr, uint64(f.DynamicSlots * f.dynEntSize()), vaddr + dynRel})
			}
		} else {
			p.writeDynamic(uint64(f.dynOff), f.dynAddr, f.DynamicSlots)
		}
	}
	if newInterp {
		old := f.Progs[f.interpPH]
		if p.interpMoves {
			b := append([]byte(p.e.Interpreter), 0)
			p.b.put(int64(off+interpRel), b)
			if si := f.sectionAt(stdelf.SHT_PROGBITS, old.Off, old.Vaddr); si >= 0 {
				p.putSection(si, vaddr+interpRel, off+interpRel, uint64(len(b)))
				moved = slices.DeleteFunc(moved, func(m movedSection) bool { return m.index == si })
				moved = append(moved, movedSection{si, old.Vaddr, old.Filesz, vaddr + interpRel})
			}
		} else {
			b := make([]byte, old.Filesz)
			copy(b, p.e.Interpreter)
			p.b.put(int64(old.Off), b)
		}
	}
	if p.cache == cacheAppend {
		p.b.put(int64(off+noteRel), p.cacheNote)
		n := uint64(len(p.cacheNote))
		if c := f.cache; c != nil {
			p.b.put(int64(c.off), make([]byte, c.size))
			if c.section >= 0 {
				p.putSection(c.section, vaddr+noteRel, off+noteRel, n)
				moved = append(moved, movedSection{c.section, c.addr, c.size, vaddr + noteRel})
			}
		}
	}
	p.moveSymbols(moved)

	// Section headers: a copy with one more entry, a copy behind the
	// segment, or in place.
	switch {
	case newSection:
		if err := p.appendSectionHeader(shNamesOff, shTableOff, vaddr+noteRel, off+noteRel, uint64(len(p.cacheNote))); err != nil {
			return nil, err
		}
	case t.shtMoves:
		if err := p.moveSectionTable(shTableOff); err != nil {
			return nil, err
		}
	default:
		p.flushSections(nil)
	}
	if n := t.payloadSize(f); n > 0 {
		if n > maxMovedTail {
			return nil, fmt.Errorf("%w: %d bytes after the last segment and section (an appended payload) are too many to move", ErrUnsafe, n)
		}
		b, err := f.readAt(t.payloadOff, n, "trailing data")
		if err != nil {
			return nil, err
		}
		p.b.put(int64(payloadOff), b)
	}
	// Whatever was between the contents' end and the old end of the file
	// (section headers, payload, padding) is now covered by new bytes.
	p.b.fill(int64(t.contentEnd), min(f.size, int64(newSize)))
	patch, err := p.b.finish(int64(newSize))
	if err != nil {
		return nil, err
	}
	if t.isPayload(f) {
		patch.TrailingData = int64(t.payloadSize(f))
	}
	return patch, nil
}

// moveSectionTable writes the section header table, with the recorded
// changes, at off and points e_shoff there.
func (p *planner) moveSectionTable(off uint64) error {
	f := p.f
	table, err := f.readAt(f.ShOff, uint64(f.ShNum*f.shdrSize()), "section header table")
	if err != nil {
		return err
	}
	table = bytes.Clone(table)
	p.flushSections(table)
	p.newSHT = true
	if !f.fits(off + uint64(len(table))) {
		return fmt.Errorf("%w: the section header table would not fit a 32-bit file", ErrUnsafe)
	}
	p.b.put(int64(off), table)
	p.putShoff(off)
	return nil
}

// clearOldDynstr zeroes the old string table once a complete copy of it has
// moved into the new segment: only DT_STRTAB and the section header pointed
// at it, and both now point at the copy. A table that shares bytes with
// another section is left as the edit amended it.
func (p *planner) clearOldDynstr() {
	f := p.f
	lo, hi := uint64(f.strOff), uint64(f.strOff)+f.strSize
	si := f.sectionAt(stdelf.SHT_STRTAB, lo, f.strAddr)
	for _, s := range f.Sections {
		if s.Index != si && s.Type != stdelf.SHT_NOBITS && s.Type != stdelf.SHT_NULL && s.FileSize > 0 &&
			s.Offset < hi && lo < s.Offset+s.FileSize {
			p.writeOldDynstr()
			return
		}
	}
	for _, ph := range f.Progs {
		if ph.Type != stdelf.PT_LOAD && ph.Type != stdelf.PT_PHDR && ph.Type != stdelf.PT_NULL && ph.Filesz > 0 &&
			ph.Off < hi && lo < ph.Off+ph.Filesz {
			p.writeOldDynstr()
			return
		}
	}
	p.b.put(f.strOff, make([]byte, f.strSize))
}

func (p *planner) hasProg(t stdelf.ProgType) bool {
	return slices.ContainsFunc(p.f.Progs, func(ph stdelf.ProgHeader) bool { return ph.Type == t })
}

// checkLayout refuses files whose layout we cannot extend safely and finds
// what follows their contents.
func (p *planner) checkLayout() (tail, error) {
	f := p.f
	end := uint64(f.ehdrSize())
	if f.PhNum > 0 {
		end = max(end, f.PhOff+uint64(f.PhNum*f.PhEntSize))
	}
	var loads []stdelf.ProgHeader
	for i, ph := range f.Progs {
		segEnd, ok := checkedAdd(ph.Off, ph.Filesz)
		if !ok || segEnd > uint64(f.size) {
			return tail{}, fmt.Errorf("%w: segment %d (%s) extends past the end of the file", ErrUnsafe, i, ph.Type)
		}
		end = max(end, segEnd)
		if ph.Type != stdelf.PT_LOAD {
			continue
		}
		if ph.Memsz < ph.Filesz {
			return tail{}, fmt.Errorf("%w: segment %d has p_memsz < p_filesz", ErrUnsafe, i)
		}
		if ph.Align > maxAlign || (ph.Align > 1 && !isPow2(ph.Align)) {
			return tail{}, fmt.Errorf("%w: segment %d has alignment %#x", ErrUnsafe, i, ph.Align)
		}
		if ph.Align > 1 && ph.Off%ph.Align != ph.Vaddr%ph.Align {
			return tail{}, fmt.Errorf("%w: segment %d is misaligned (offset %#x, vaddr %#x, align %#x)", ErrUnsafe, i, ph.Off, ph.Vaddr, ph.Align)
		}
		if _, ok := checkedAdd(ph.Vaddr, ph.Memsz); !ok {
			return tail{}, fmt.Errorf("%w: segment %d wraps the address space", ErrUnsafe, i)
		}
		for j, o := range loads {
			if ph.Vaddr < o.Vaddr+o.Memsz && o.Vaddr < ph.Vaddr+ph.Memsz {
				return tail{}, fmt.Errorf("%w: segments %d and %d overlap in memory", ErrUnsafe, j, i)
			}
		}
		loads = append(loads, ph)
	}
	for _, s := range f.Sections {
		if s.Type == stdelf.SHT_NOBITS || s.Type == stdelf.SHT_NULL {
			continue
		}
		secEnd, ok := checkedAdd(s.Offset, s.FileSize)
		if !ok || secEnd > uint64(f.size) {
			return tail{}, fmt.Errorf("%w: section %s extends past the end of the file", ErrUnsafe, s.Name)
		}
		end = max(end, secEnd)
	}
	t := tail{contentEnd: end, payloadOff: end}
	if f.ShOff != 0 && f.ShNum > 0 {
		shEnd, ok := checkedAdd(f.ShOff, uint64(f.ShNum)*uint64(f.shdrSize()))
		if !ok || shEnd > uint64(f.size) {
			return tail{}, fmt.Errorf("%w: section header table extends past the end of the file", ErrUnsafe)
		}
		if f.ShOff >= end {
			t.shtMoves = true
			t.payloadOff = shEnd
		} else {
			t.contentEnd = max(end, shEnd)
			t.payloadOff = t.contentEnd
		}
	}
	return t, nil
}

// maxPadding bounds the trailing zero bytes taken for padding rather than
// a payload.
const maxPadding = 64 << 10

// zeroTail reports whether the bytes from end to the end of the file are
// zeros, as the stray padding auditwheel-repaired libraries end with; no
// program finds data there.
func (f *File) zeroTail(end uint64) bool {
	n := uint64(f.size) - end
	if n > maxPadding {
		return false
	}
	b, err := f.readAt(end, n, "trailing bytes")
	if err != nil {
		return false
	}
	return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 })
}

func (f *File) ehdrSize() int {
	if f.Class == stdelf.ELFCLASS32 {
		return 52
	}
	return 64
}

// maxSymtabScan bounds the bytes of symbol tables read to relocate symbols.
const maxSymtabScan = 64 << 20

// movedSection records a section header that now describes bytes elsewhere.
type movedSection struct {
	index            int
	oldAddr, oldSize uint64
	newAddr          uint64
}

// moveSymbols shifts the symbols defined in moved sections (their section
// symbols, _DYNAMIC) with them: eu-elflint checks that a symbol lies inside
// its section and that _DYNAMIC agrees with PT_DYNAMIC, and debuggers use
// them. Such symbols are local, so only .symtab's local part (sh_info
// entries) is scanned, and .dynsym whole.
func (p *planner) moveSymbols(moved []movedSection) {
	f := p.f
	if len(moved) == 0 {
		return
	}
	entsize, valOff, shndxOff := uint64(24), uint64(8), uint64(6)
	if f.Class == stdelf.ELFCLASS32 {
		entsize, valOff, shndxOff = 16, 4, 14
	}
	for _, s := range f.Sections {
		if s.Type != stdelf.SHT_SYMTAB && s.Type != stdelf.SHT_DYNSYM {
			continue
		}
		n := s.Size / entsize
		if s.Type == stdelf.SHT_SYMTAB {
			n = min(n, uint64(s.Info))
		}
		if n*entsize > maxSymtabScan {
			continue
		}
		tab, err := f.readAt(s.Offset, n*entsize, "symbol table")
		if err != nil {
			continue
		}
		for i := uint64(0); i < n; i++ {
			sym := tab[i*entsize:]
			shndx := int(f.ByteOrder.Uint16(sym[shndxOff:]))
			var val uint64
			if entsize == 16 {
				val = uint64(f.ByteOrder.Uint32(sym[valOff:]))
			} else {
				val = f.ByteOrder.Uint64(sym[valOff:])
			}
			for _, m := range moved {
				if val < m.oldAddr || val-m.oldAddr > m.oldSize {
					continue
				}
				// aarch64 and others define _DYNAMIC as an absolute symbol.
				if shndx != m.index && !(shndx == int(stdelf.SHN_ABS) && val == f.dynAddr && m.oldAddr == f.dynAddr &&
					f.symbolName(s, sym) == "_DYNAMIC") {
					continue
				}
				b := make([]byte, 4)
				if entsize == 24 {
					b = make([]byte, 8)
				}
				f.putWord(b, val-m.oldAddr+m.newAddr)
				p.b.put(int64(s.Offset+i*entsize+valOff), b)
			}
		}
	}
}

// symbolName returns the name of a symbol of table s, "" when unreadable.
func (f *File) symbolName(s Section, sym []byte) string {
	if int(s.Link) >= len(f.Sections) {
		return ""
	}
	strs := f.Sections[s.Link]
	name := uint64(f.ByteOrder.Uint32(sym))
	if name >= strs.Size {
		return ""
	}
	b, err := f.readAt(strs.Offset+name, min(64, strs.Size-name), "symbol name")
	if err != nil {
		return ""
	}
	return cstring(b)
}
