package elf

import (
	stdelf "debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// Editing the dynamic symbol table: patchelf's --rename-dynamic-symbols and
// --clear-symbol-version.
//
// Both change only fixed-size tables that stay where they are: st_name of
// the renamed symbols (the new names go into .dynstr like any new string),
// the .gnu.version entries, the SysV and GNU hash tables, and — when a new
// name moves a symbol to another GNU hash bucket — the order of the symbols
// the GNU table covers. The GNU table needs the symbols of one bucket to be
// contiguous and the buckets in order, so symbols are stably re-sorted by
// bucket; .gnu.version and every relocation's symbol index follow the new
// order. A rename that keeps every bucket keeps the order, so nothing but
// the names and hash words change.

// verNdxGlobal is the .gnu.version entry of an unversioned global symbol.
const verNdxGlobal = 1

// symEdit is the planned change to the dynamic symbols.
type symEdit struct {
	off, entsize uint64 // the dynamic symbol table in the file
	raw          []byte // its entries, in the new order
	n            uint64

	renamed map[uint64]string // new index → new name, placed with the strings
	names   []string          // every symbol's name, new order, new names

	versymOff int64 // -1 without .gnu.version
	versym    []byte

	writes []Write // hash tables and relocations, ready to put
}

// gnuHash is the hash of the GNU hash table (DT_GNU_HASH).
func gnuHash(name string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(name); i++ {
		h = h*33 + uint32(name[i])
	}
	return h
}

// sysvHash is the hash of the SysV hash table (DT_HASH).
func sysvHash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h<<4 + uint32(name[i])
		g := h & 0xf0000000
		if g != 0 {
			h ^= g >> 24
		}
		h &^= g
	}
	return h
}

// planSymbols computes the symbol-table part of the edit.
func (p *planner) planSymbols() error {
	f, e := p.f, p.e
	if len(e.RenameSymbols) == 0 && len(e.ClearSymbolVersion) == 0 {
		return nil
	}
	if !f.IsDynamic() {
		return fmt.Errorf("%w: no dynamic section (statically linked?) with symbols to edit", ErrUnsafe)
	}
	off, n, entsize, ok := f.dynsymExtent()
	if !ok || n == 0 {
		return fmt.Errorf("%w: cannot find the dynamic symbol table (.dynsym)", ErrUnsafe)
	}
	raw, err := f.readAt(off, n*entsize, "dynamic symbol table")
	if err != nil {
		return err
	}
	s := &symEdit{off: off, entsize: entsize, raw: raw, n: n, versymOff: -1}
	s.names = make([]string, n)
	for i := range s.names {
		name := uint64(f.ByteOrder.Uint32(raw[uint64(i)*entsize:]))
		if s.names[i], err = f.dynString(name); err != nil {
			return err
		}
	}
	if addr, ok := f.DynValue(stdelf.DT_VERSYM); ok {
		o, ok := f.fileOffset(addr, 2*n)
		if !ok {
			return formatErr(f.dynOff, "DT_VERSYM %#x (%d entries) is not inside a loaded segment", addr, n)
		}
		if s.versym, err = f.readAt(uint64(o), 2*n, "symbol version table"); err != nil {
			return err
		}
		s.versymOff = o
	}
	origRaw, origVersym := slices.Clone(s.raw), slices.Clone(s.versym)

	if len(e.ClearSymbolVersion) > 0 {
		if s.versymOff < 0 {
			return fmt.Errorf("%w: cannot find the symbol version table (.gnu.version)", ErrUnsafe)
		}
		for i, name := range s.names {
			if slices.Contains(e.ClearSymbolVersion, name) {
				f.ByteOrder.PutUint16(s.versym[2*i:], verNdxGlobal)
			}
		}
	}

	s.renamed = map[uint64]string{}
	for i, name := range s.names {
		if nw, ok := e.RenameSymbols[name]; ok && nw != name && i > 0 {
			s.renamed[uint64(i)] = nw
			s.names[i] = nw
		}
	}
	if len(s.renamed) > 0 {
		if err := p.rehash(s); err != nil {
			return err
		}
		p.dynChanged = true // the new names go into .dynstr
	}
	if len(s.renamed) > 0 || !slices.Equal(origRaw, s.raw) || !slices.Equal(origVersym, s.versym) {
		p.syms = s
	}
	return nil
}

// rehash rebuilds the hash tables for the new names, reordering the symbols
// the GNU table covers when a bucket changes.
func (p *planner) rehash(s *symEdit) error {
	f := p.f
	bo := f.ByteOrder
	// The SysV table is read first: which symbols it holds is kept, in
	// the old numbering.
	sysv, err := f.readSysvHash(s.n)
	if err != nil {
		return err
	}
	var perm []uint64 // new order of the GNU-hashed symbols, nil if unchanged
	var symoff uint64
	if addr, ok := f.DynValue(stdelf.DT_GNU_HASH); ok {
		o, ok := f.fileOffset(addr, 16)
		if !ok {
			return formatErr(f.dynOff, ".gnu.hash table header out of range")
		}
		hdr, err := f.readAt(uint64(o), 16, "GNU hash table")
		if err != nil {
			return err
		}
		var nbuckets, maskwords uint64
		nbuckets, symoff, maskwords = uint64(bo.Uint32(hdr)), uint64(bo.Uint32(hdr[4:])), uint64(bo.Uint32(hdr[8:]))
		shift2 := bo.Uint32(hdr[12:])
		word := uint64(8)
		if f.Class == stdelf.ELFCLASS32 {
			word = 4
		}
		if nbuckets == 0 || maskwords == 0 || nbuckets > maxSymbols || maskwords > maxSymbols || symoff > s.n {
			return formatErr(o, ".gnu.hash table header out of range")
		}
		nchain := s.n - symoff
		size := 16 + maskwords*word + nbuckets*4 + nchain*4
		to, ok := f.fileOffset(addr, size)
		if !ok {
			return formatErr(o, ".gnu.hash table header out of range")
		}
		// A table with every bucket empty hashes no symbol (linkers then
		// write symoffset 1 whatever the count): nothing to rebuild.
		empty, err := f.gnuHashEmpty(addr, maskwords*word, nbuckets)
		if err != nil {
			return err
		}
		if nchain > 0 && !empty {
			if perm, err = p.gnuOrder(s, symoff, nbuckets); err != nil {
				return err
			}
			if perm != nil {
				if err := p.reorder(s, symoff, perm); err != nil {
					return err
				}
			}
			tab := make([]byte, size)
			copy(tab, hdr)
			bloom := tab[16 : 16+maskwords*word]
			buckets := tab[16+maskwords*word : 16+maskwords*word+nbuckets*4]
			chain := tab[16+maskwords*word+nbuckets*4:]
			bits := uint32(word * 8)
			for i := symoff; i < s.n; i++ {
				h := gnuHash(s.names[i])
				wi := uint64(h/bits) % maskwords
				var v uint64
				if word == 8 {
					v = bo.Uint64(bloom[wi*8:])
				} else {
					v = uint64(bo.Uint32(bloom[wi*4:]))
				}
				v |= 1<<(h%bits) | 1<<((h>>shift2)%bits)
				if word == 8 {
					bo.PutUint64(bloom[wi*8:], v)
				} else {
					bo.PutUint32(bloom[wi*4:], uint32(v))
				}
				b := uint64(h) % nbuckets
				if bo.Uint32(buckets[b*4:]) == 0 {
					bo.PutUint32(buckets[b*4:], uint32(i))
				}
				last := i == s.n-1 || uint64(gnuHash(s.names[i+1]))%nbuckets != b
				if last {
					h |= 1
				} else {
					h &^= 1
				}
				bo.PutUint32(chain[(i-symoff)*4:], h)
			}
			s.writes = append(s.writes, Write{Off: to, Data: tab})
		}
	}
	if sysv != nil {
		sysv.rebuild(s, symoff, perm)
		s.writes = append(s.writes, Write{Off: sysv.off, Data: sysv.tab})
	}
	return nil
}

// sysvTable is a SysV hash table (DT_HASH) and the symbols it holds.
type sysvTable struct {
	off     int64
	tab     []byte
	word    uint64
	bo      binary.ByteOrder
	members []uint64 // symbol indices reachable from the buckets
}

// readSysvHash reads the DT_HASH table of a file with n dynamic symbols;
// nil without one. Linkers leave local symbols (section symbols, index 0)
// out of it, so the members are found by walking the chains.
func (f *File) readSysvHash(n uint64) (*sysvTable, error) {
	addr, ok := f.DynValue(stdelf.DT_HASH)
	if !ok {
		return nil, nil
	}
	word := arch.SysVHashWord(f.Machine, f.Class)
	o, ok := f.fileOffset(addr, 2*word)
	if !ok {
		return nil, formatErr(f.dynOff, ".hash table header out of range")
	}
	t := &sysvTable{off: o, word: word, bo: f.ByteOrder}
	hdr, err := f.readAt(uint64(o), 2*word, "hash table")
	if err != nil {
		return nil, err
	}
	nbucket, nchain := t.get(hdr), t.get(hdr[word:])
	if nbucket == 0 || nbucket > maxSymbols || nchain > n || nchain > maxSymbols {
		return nil, formatErr(o, ".hash table header out of range")
	}
	size := (2 + nbucket + nchain) * word
	if _, ok := f.fileOffset(addr, size); !ok {
		return nil, formatErr(o, ".hash table header out of range")
	}
	if t.tab, err = f.readAt(uint64(o), size, "hash table"); err != nil {
		return nil, err
	}
	seen := make([]bool, nchain)
	for b := uint64(0); b < nbucket; b++ {
		for i := t.get(t.tab[(2+b)*word:]); i != 0 && i < nchain && !seen[i]; i = t.get(t.tab[(2+nbucket+i)*word:]) {
			seen[i] = true
		}
	}
	for i, in := range seen {
		if in {
			t.members = append(t.members, uint64(i)+n-nchain)
		}
	}
	return t, nil
}

func (t *sysvTable) get(b []byte) uint64 {
	if t.word == 8 {
		return t.bo.Uint64(b)
	}
	return uint64(t.bo.Uint32(b))
}

func (t *sysvTable) put(b []byte, v uint64) {
	if t.word == 8 {
		t.bo.PutUint64(b, v)
	} else {
		t.bo.PutUint32(b, uint32(v))
	}
}

// rebuild fills the table again for s's names, with the same members,
// renumbered by perm (GNU order from symoff on), each put at the head of
// its bucket's chain in index order.
func (t *sysvTable) rebuild(s *symEdit, symoff uint64, perm []uint64) {
	w := t.word
	nbucket, nchain := t.get(t.tab), t.get(t.tab[w:])
	first := s.n - nchain
	clear(t.tab[2*w:])
	members := make([]uint64, len(t.members))
	for k, i := range t.members {
		if perm != nil && i >= symoff {
			i = symoff + perm[i-symoff]
		}
		members[k] = i
	}
	slices.Sort(members)
	for _, i := range members {
		b := uint64(sysvHash(s.names[i])) % nbucket
		t.put(t.tab[(2+nbucket+i-first)*w:], t.get(t.tab[(2+b)*w:]))
		t.put(t.tab[(2+b)*w:], i-first)
	}
}

// gnuHashEmpty reports whether every bucket of the GNU hash table at addr
// is empty.
func (f *File) gnuHashEmpty(addr, bloomBytes, nbuckets uint64) (bool, error) {
	o, ok := f.fileOffset(addr+16+bloomBytes, nbuckets*4)
	if !ok {
		return false, formatErr(f.dynOff, ".gnu.hash table header out of range")
	}
	b, err := f.readAt(uint64(o), nbuckets*4, "GNU hash buckets")
	if err != nil {
		return false, err
	}
	return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 }), nil
}

// symtabBound counts the dynamic symbols of a file without section headers
// whose GNU hash table hashes none (a program exporting nothing): the table
// is taken to end where the next structure the dynamic table points at
// begins, as linkers lay them out. ok is false when nothing follows it.
func (f *File) symtabBound(symAddr, entsize uint64) (uint64, bool) {
	next := ^uint64(0)
	for _, d := range f.Dynamic {
		switch d.Tag {
		case stdelf.DT_STRTAB, stdelf.DT_VERSYM, stdelf.DT_HASH, stdelf.DT_GNU_HASH, stdelf.DT_RELA, stdelf.DT_REL,
			stdelf.DT_JMPREL, stdelf.DT_VERNEED, stdelf.DT_VERDEF, stdelf.DT_INIT, stdelf.DT_FINI, stdelf.DT_PLTGOT:
			if d.Val > symAddr {
				next = min(next, d.Val)
			}
		}
	}
	if next == ^uint64(0) || (next-symAddr)/entsize > maxSymbols {
		return 0, false
	}
	n := (next - symAddr) / entsize
	// After an edit moved .dynstr, the old one may follow the symbols:
	// stop at the first entry that cannot be a symbol (name outside the
	// string table, unknown type).
	o, ok := f.fileOffset(symAddr, n*entsize)
	if !ok {
		return 0, false
	}
	b, err := f.readAt(uint64(o), n*entsize, "dynamic symbol table")
	if err != nil {
		return 0, false
	}
	info := uint64(4) // st_info
	if entsize == 16 {
		info = 12
	}
	for i := uint64(1); i < n; i++ {
		e := b[i*entsize:]
		if uint64(f.ByteOrder.Uint32(e)) >= f.strSize || stdelf.ST_TYPE(e[info]) > stdelf.STT_GNU_IFUNC {
			return i, true
		}
	}
	return n, true
}

// gnuOrder returns the new order of the symbols from symoff on, stably
// sorted by GNU hash bucket (perm[old-symoff] = new-symoff), or nil when
// they are in order already.
func (p *planner) gnuOrder(s *symEdit, symoff, nbuckets uint64) ([]uint64, error) {
	n := s.n - symoff
	idx := make([]uint64, n)
	bucket := make([]uint64, n)
	for i := range idx {
		idx[i] = uint64(i)
		bucket[i] = uint64(gnuHash(s.names[symoff+uint64(i)])) % nbuckets
	}
	if sort.SliceIsSorted(idx, func(a, b int) bool { return bucket[idx[a]] < bucket[idx[b]] }) {
		return nil, nil
	}
	sort.SliceStable(idx, func(a, b int) bool { return bucket[idx[a]] < bucket[idx[b]] })
	perm := make([]uint64, n)
	for newPos, old := range idx {
		perm[old] = uint64(newPos)
	}
	return perm, nil
}

// reorder moves the symbols from symoff on to their new places in the
// symbol, version and name tables, and renumbers the relocations.
func (p *planner) reorder(s *symEdit, symoff uint64, perm []uint64) error {
	f := p.f
	if f.Machine == stdelf.EM_MIPS || f.Machine == stdelf.EM_MIPS_RS3_LE {
		// MIPS keeps the global GOT entries in .dynsym order (DT_MIPS_GOTSYM).
		return fmt.Errorf("%w: the new names need the dynamic symbols in another order, which MIPS's GOT layout does not allow", ErrUnsafe)
	}
	for _, t := range []stdelf.DynTag{0x6000000f, 0x60000010, 0x60000011, 0x60000012, stdelf.DT_SYMINFO} {
		// DT_ANDROID_REL(SZ)/RELA(SZ) pack relocations; DT_SYMINFO is indexed by symbol.
		if _, ok := f.DynValue(t); ok {
			return fmt.Errorf("%w: the new names need the dynamic symbols in another order, and dynamic tag %#x refers to them by index", ErrUnsafe, uint64(t))
		}
	}
	relocs, err := p.relocWrites(symoff, perm)
	if err != nil {
		return err
	}
	es := s.entsize
	raw := slices.Clone(s.raw)
	names := slices.Clone(s.names)
	renamed := map[uint64]string{}
	for i, nw := range s.renamed {
		if i >= symoff {
			i = symoff + perm[i-symoff]
		}
		renamed[i] = nw
	}
	var versym []byte
	if s.versym != nil {
		versym = slices.Clone(s.versym)
	}
	for old, nw := range perm {
		from, to := symoff+uint64(old), symoff+nw
		copy(raw[to*es:(to+1)*es], s.raw[from*es:(from+1)*es])
		names[to] = s.names[from]
		if versym != nil {
			copy(versym[2*to:2*to+2], s.versym[2*from:2*from+2])
		}
	}
	s.raw, s.names, s.renamed, s.versym = raw, names, renamed, versym
	s.writes = append(s.writes, relocs...)
	return nil
}

// relocTable is one table of dynamic relocations in the file.
type relocTable struct {
	off, size, entsize uint64
	rela               bool
}

// relocWrites renumbers the symbol of every dynamic relocation that refers
// to a moved symbol: the tables DT_RELA, DT_REL and DT_JMPREL point at, and
// any relocation section linked to .dynsym.
func (p *planner) relocWrites(symoff uint64, perm []uint64) ([]Write, error) {
	f := p.f
	word := uint64(8)
	if f.Class == stdelf.ELFCLASS32 {
		word = 4
	}
	var tabs []relocTable
	add := func(addr, size uint64, rela bool) error {
		if size == 0 {
			return nil
		}
		o, ok := f.fileOffset(addr, size)
		if !ok {
			return formatErr(f.dynOff, "relocation table %#x (%d bytes) is not inside a loaded segment", addr, size)
		}
		es := 2 * word
		if rela {
			es = 3 * word
		}
		tabs = append(tabs, relocTable{uint64(o), size, es, rela})
		return nil
	}
	if a, ok := f.DynValue(stdelf.DT_RELA); ok {
		sz, _ := f.DynValue(stdelf.DT_RELASZ)
		if err := add(a, sz, true); err != nil {
			return nil, err
		}
	}
	if a, ok := f.DynValue(stdelf.DT_REL); ok {
		sz, _ := f.DynValue(stdelf.DT_RELSZ)
		if err := add(a, sz, false); err != nil {
			return nil, err
		}
	}
	if a, ok := f.DynValue(stdelf.DT_JMPREL); ok {
		sz, _ := f.DynValue(stdelf.DT_PLTRELSZ)
		kind, _ := f.DynValue(stdelf.DT_PLTREL)
		if err := add(a, sz, stdelf.DynTag(kind) == stdelf.DT_RELA); err != nil {
			return nil, err
		}
	}
	dynsym := -1
	for _, s := range f.Sections {
		if s.Type == stdelf.SHT_DYNSYM {
			dynsym = s.Index
			break
		}
	}
	for _, s := range f.Sections {
		if (s.Type == stdelf.SHT_REL || s.Type == stdelf.SHT_RELA) && dynsym > 0 && int(s.Link) == dynsym {
			es := 2 * word
			if s.Type == stdelf.SHT_RELA {
				es = 3 * word
			}
			tabs = append(tabs, relocTable{s.Offset, s.FileSize, es, s.Type == stdelf.SHT_RELA})
		}
	}
	seen := map[uint64]bool{}
	var out []Write
	for _, t := range tabs {
		if t.size/t.entsize > maxSymbols*16 {
			return nil, formatErr(int64(min(t.off, 1<<62)), "relocation table of %d bytes", t.size)
		}
		b, err := f.readAt(t.off, t.size/t.entsize*t.entsize, "relocation table")
		if err != nil {
			return nil, err
		}
		for i := uint64(0); i+t.entsize <= uint64(len(b)); i += t.entsize {
			at := t.off + i
			if seen[at] {
				continue
			}
			seen[at] = true
			info := b[i+word:]
			var sym, typ uint64
			if word == 8 {
				v := f.ByteOrder.Uint64(info)
				sym, typ = v>>32, v&0xffffffff
			} else {
				v := uint64(f.ByteOrder.Uint32(info))
				sym, typ = v>>8, v&0xff
			}
			if sym < symoff || sym-symoff >= uint64(len(perm)) {
				continue
			}
			nw := symoff + perm[sym-symoff]
			if nw == sym {
				continue
			}
			w := make([]byte, word)
			if word == 8 {
				f.ByteOrder.PutUint64(w, nw<<32|typ)
			} else {
				f.ByteOrder.PutUint32(w, uint32(nw<<8|typ))
			}
			out = append(out, Write{Off: int64(at + word), Data: w})
		}
	}
	return out, nil
}

// placeSymbolNames gives the renamed symbols their string offsets.
func (p *planner) placeSymbolNames(place func(string) uint64) {
	s := p.syms
	if s == nil {
		return
	}
	idx := make([]uint64, 0, len(s.renamed))
	for i := range s.renamed {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		p.f.ByteOrder.PutUint32(s.raw[i*s.entsize:], uint32(place(s.renamed[i])))
	}
}

// writeSymbols puts the symbol-table writes; strings must be placed.
func (p *planner) writeSymbols() {
	s := p.syms
	if s == nil {
		return
	}
	p.b.put(int64(s.off), s.raw)
	if s.versymOff >= 0 {
		p.b.put(s.versymOff, s.versym)
	}
	for _, w := range s.writes {
		p.b.put(w.Off, w.Data)
	}
}

// UnnamedSectionSymbols returns the indices of the sections that have no
// name but hold symbols of .symtab or .dynsym. patchelf warns about them
// ("symbol table entry refers to an unnamed section"): it finds sections by
// name and cannot keep such a symbol's section index right. Nothing here
// depends on names; the list is for that warning.
func (f *File) UnnamedSectionSymbols() []int {
	unnamed := map[int]bool{}
	for _, s := range f.Sections {
		if s.Index > 0 && s.Name == "" {
			unnamed[s.Index] = true
		}
	}
	if len(unnamed) == 0 {
		return nil
	}
	entsize, shndxOff := uint64(24), uint64(6)
	if f.Class == stdelf.ELFCLASS32 {
		entsize, shndxOff = 16, 14
	}
	hit := map[int]bool{}
	for _, s := range f.Sections {
		if (s.Type != stdelf.SHT_SYMTAB && s.Type != stdelf.SHT_DYNSYM) || s.Size > maxSymtabScan {
			continue
		}
		tab, err := f.readAt(s.Offset, s.Size/entsize*entsize, "symbol table")
		if err != nil {
			continue
		}
		for i := uint64(0); i+entsize <= uint64(len(tab)); i += entsize {
			if x := int(f.ByteOrder.Uint16(tab[i+shndxOff:])); unnamed[x] {
				hit[x] = true
			}
		}
	}
	out := make([]int, 0, len(hit))
	for x := range hit {
		out = append(out, x)
	}
	slices.Sort(out)
	return out
}
