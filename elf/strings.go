package elf

import (
	"bytes"
	stdelf "debug/elf"
	"fmt"
	"slices"
	"sort"

	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// Placing strings in .dynstr.
//
// Every reference into the string table keeps working because the table is
// never reordered: a new string either reuses an identical string already
// there, takes the place of an old string that the edit frees, or is
// appended (which moves the table into the new segment). An old string is
// free only if no remaining reference points anywhere into it: linkers share
// string tails ("libfoo.so" inside "mylibfoo.so"), so the dynamic symbols,
// symbol-version records and other dynamic entries are all checked. When
// those references cannot all be found (no section headers and no hash
// table), nothing is freed and new strings are appended. A freed string is
// overwritten with 'X's (its NUL kept) before new strings take its place,
// as patchelf does, so no stale path survives.

// Other dynamic tags whose value is a string offset.
var stringValuedTags = []stdelf.DynTag{
	stdelf.DT_AUXILIARY, stdelf.DT_FILTER, stdelf.DT_CONFIG, stdelf.DT_DEPAUDIT, stdelf.DT_AUDIT,
	0x7ffffffe, // DT_USED (Solaris)
}

type region struct{ lo, hi, cur uint64 } // [lo, hi) free bytes, cur is the next free one

// placeStrings gives every fresh string entry an offset.
func (p *planner) placeStrings() error {
	f := p.f
	if f.strOff < 0 && (len(p.verneedFix) > 0 || slices.ContainsFunc(p.dyn, func(d dynEnt) bool { return d.fresh })) {
		return fmt.Errorf("%w: the dynamic table has no DT_STRTAB/DT_STRSZ to add strings to", ErrUnsafe)
	}
	p.dynstr = bytes.Clone(f.dynstr)

	refs, known := p.references()
	var free []region
	if known {
		var oldOffs []uint64
		for _, d := range f.Dynamic {
			if isStringTag(d.Tag) {
				oldOffs = append(oldOffs, d.Val)
			}
		}
		for off := range p.verneedFix {
			if v, ok := p.readU32(off); ok {
				oldOffs = append(oldOffs, uint64(v))
			}
		}
		sort.Slice(oldOffs, func(i, j int) bool { return oldOffs[i] < oldOffs[j] })
		for _, o := range oldOffs {
			lo, hi, ok := p.extent(o)
			if !ok || o == 0 || (len(free) > 0 && lo < free[len(free)-1].hi) {
				continue
			}
			if intersectsAny(refs, lo, hi) {
				continue
			}
			free = append(free, region{lo, hi, lo})
			// As patchelf does: X's, so no stale path survives and the
			// freed bytes still read as one string.
			for i := lo; i < hi-1; i++ {
				p.dynstr[i] = 'X'
			}
		}
	}

	place := func(s string) uint64 {
		needle := append([]byte(s), 0)
		for from := 0; from < len(p.dynstr); {
			i := bytes.Index(p.dynstr[from:], needle)
			if i < 0 {
				break
			}
			at := uint64(from + i)
			if !intersectsRegions(free, at, at+uint64(len(needle))) {
				return at
			}
			from += i + 1
		}
		for i := range free {
			r := &free[i]
			if r.hi-r.cur >= uint64(len(needle)) {
				at := r.cur
				copy(p.dynstr[at:], needle)
				r.cur += uint64(len(needle))
				return at
			}
		}
		if i := bytes.Index(p.appended, needle); i >= 0 && (i == 0 || p.appended[i-1] == 0) {
			return uint64(len(p.dynstr) + i)
		}
		at := uint64(len(p.dynstr) + len(p.appended))
		p.appended = append(p.appended, needle...)
		return at
	}
	for i := range p.dyn {
		if p.dyn[i].fresh {
			p.dyn[i].Val = place(p.dyn[i].str)
		}
	}
	p.verneedOff = map[uint64]uint64{}
	for _, off := range sortedKeys(p.verneedFix) {
		p.verneedOff[off] = place(p.verneedFix[off])
	}
	p.placeSymbolNames(place)
	p.dynstrMoves = len(p.appended) > 0
	return nil
}

func sortedKeys(m map[uint64]string) []uint64 {
	ks := make([]uint64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// extent is the byte range [lo, hi) of the NUL-terminated string at off.
func (p *planner) extent(off uint64) (lo, hi uint64, ok bool) {
	t := p.f.dynstr
	if off >= uint64(len(t)) {
		return 0, 0, false
	}
	n := bytes.IndexByte(t[off:], 0)
	if n < 0 {
		return 0, 0, false
	}
	return off, off + uint64(n) + 1, true
}

func intersectsAny(refs [][2]uint64, lo, hi uint64) bool {
	for _, r := range refs {
		if r[0] < hi && lo < r[1] {
			return true
		}
	}
	return false
}

func intersectsRegions(rs []region, lo, hi uint64) bool {
	for _, r := range rs {
		if r.lo < hi && lo < r.hi {
			return true
		}
	}
	return false
}

// references lists the extents of every string that stays referenced after
// the edit. known is false when some references could not be enumerated.
func (p *planner) references() (refs [][2]uint64, known bool) {
	add := func(off uint64) {
		if lo, hi, ok := p.extent(off); ok {
			refs = append(refs, [2]uint64{lo, hi})
		}
	}
	for _, d := range p.dyn {
		if d.isStr && !d.fresh {
			add(d.Val)
		}
		for _, t := range stringValuedTags {
			if d.Tag == t {
				add(d.Val)
			}
		}
	}
	names, ok := p.f.dynsymNames()
	if !ok {
		return nil, false
	}
	for _, n := range names {
		add(uint64(n))
	}
	vn, ok := p.f.versionNames()
	if !ok {
		return nil, false
	}
	for _, v := range vn {
		if _, replaced := p.verneedFix[v.fieldOff]; replaced {
			continue
		}
		add(uint64(v.name))
	}
	return refs, true
}

func (p *planner) readU32(fileOff uint64) (uint32, bool) {
	var b [4]byte
	if !p.f.inFile(fileOff, 4) {
		return 0, false
	}
	if _, err := p.f.r.ReadAt(b[:], int64(fileOff)); err != nil {
		return 0, false
	}
	return p.f.ByteOrder.Uint32(b[:]), true
}

// replaceVerneed records the vn_file fields naming r.Old.
func (p *planner) replaceVerneed(r Replacement) error {
	vn, ok := p.f.versionNames()
	if !ok {
		return nil
	}
	for _, v := range vn {
		if !v.isFile {
			continue
		}
		s, err := p.f.dynString(uint64(v.name))
		if err != nil {
			return err
		}
		if s == r.Old {
			if p.verneedFix == nil {
				p.verneedFix = map[uint64]string{}
			}
			p.verneedFix[v.fieldOff] = r.New
		}
	}
	return nil
}

// verneedFixes encodes the new vn_file values.
func (p *planner) verneedFixes() []Write {
	var ws []Write
	for _, off := range sortedKeys(p.verneedFix) {
		b := make([]byte, 4)
		p.f.ByteOrder.PutUint32(b, uint32(p.verneedOff[off]))
		ws = append(ws, Write{Off: int64(off), Data: b})
	}
	return ws
}

// maxSymbols bounds the symbol tables we read for references.
const maxSymbols = 1 << 22

// dynsymNames returns st_name of every dynamic symbol.
func (f *File) dynsymNames() ([]uint32, bool) {
	off, count, entsize, ok := f.dynsymExtent()
	if !ok {
		return nil, false
	}
	if count == 0 {
		return nil, true
	}
	b, err := f.readAt(off, count*entsize, "dynamic symbol table")
	if err != nil {
		return nil, false
	}
	names := make([]uint32, count)
	for i := range names {
		names[i] = f.ByteOrder.Uint32(b[uint64(i)*entsize:])
	}
	return names, true
}

func (f *File) dynsymExtent() (off, count, entsize uint64, ok bool) {
	entsize = 24
	if f.Class == stdelf.ELFCLASS32 {
		entsize = 16
	}
	for _, s := range f.Sections {
		if s.Type == stdelf.SHT_DYNSYM {
			if s.Entsize != 0 && s.Entsize != entsize {
				return 0, 0, 0, false
			}
			if s.Size/entsize > maxSymbols {
				return 0, 0, 0, false
			}
			return s.Offset, s.Size / entsize, entsize, true
		}
	}
	symAddr, ok := f.DynValue(stdelf.DT_SYMTAB)
	if !ok {
		return 0, 0, 0, true // no symbols at all
	}
	var n uint64
	if h, ok := f.DynValue(stdelf.DT_HASH); ok {
		word := arch.SysVHashWord(f.Machine, f.Class)
		o, ok := f.fileOffset(h, 2*word)
		if !ok {
			return 0, 0, 0, false
		}
		b, err := f.readAt(uint64(o), 2*word, "hash table")
		if err != nil {
			return 0, 0, 0, false
		}
		if word == 8 {
			n = f.ByteOrder.Uint64(b[8:])
		} else {
			n = uint64(f.ByteOrder.Uint32(b[4:]))
		}
	} else if g, ok := f.DynValue(stdelf.DT_GNU_HASH); ok {
		if n, ok = f.gnuHashCount(g); !ok {
			return 0, 0, 0, false
		}
		if n <= 1 { // the table hashes no symbol and so does not count them
			if n, ok = f.symtabBound(symAddr, entsize); !ok {
				return 0, 0, 0, false
			}
		}
	} else {
		return 0, 0, 0, false
	}
	if n > maxSymbols {
		return 0, 0, 0, false
	}
	o, ok := f.fileOffset(symAddr, n*entsize)
	if !ok {
		return 0, 0, 0, false
	}
	return uint64(o), n, entsize, true
}

// gnuHashCount derives the number of dynamic symbols from a GNU hash table:
// the highest symbol reachable from a bucket, followed to its chain's end.
func (f *File) gnuHashCount(addr uint64) (uint64, bool) {
	o, ok := f.fileOffset(addr, 16)
	if !ok {
		return 0, false
	}
	bo := f.ByteOrder
	h, err := f.readAt(uint64(o), 16, "GNU hash table")
	if err != nil {
		return 0, false
	}
	nbuckets, symoff, bloom := uint64(bo.Uint32(h)), uint64(bo.Uint32(h[4:])), uint64(bo.Uint32(h[8:]))
	word := uint64(8)
	if f.Class == stdelf.ELFCLASS32 {
		word = 4
	}
	if nbuckets > maxSymbols || bloom > maxSymbols {
		return 0, false
	}
	bucketsAddr := addr + 16 + bloom*word
	bo2, ok := f.fileOffset(bucketsAddr, nbuckets*4)
	if !ok {
		return 0, false
	}
	buckets, err := f.readAt(uint64(bo2), nbuckets*4, "GNU hash buckets")
	if err != nil {
		return 0, false
	}
	var last uint64
	for i := uint64(0); i < nbuckets; i++ {
		last = max(last, uint64(bo.Uint32(buckets[i*4:])))
	}
	if last < symoff {
		return symoff, true
	}
	// Follow the chain of the highest bucket to its end bit, reading the
	// rest of the chain array in one go.
	chainAddr := bucketsAddr + nbuckets*4 + (last-symoff)*4
	var chain []byte
	for n := uint64(4); n <= 4*maxSymbols; n *= 4 {
		co, ok := f.fileOffset(chainAddr, n)
		if !ok {
			break
		}
		if chain, err = f.readAt(uint64(co), n, "GNU hash chain"); err != nil {
			return 0, false
		}
		for i := uint64(0); i+4 <= uint64(len(chain)); i += 4 {
			if bo.Uint32(chain[i:])&1 == 1 {
				return last + i/4 + 1, true
			}
		}
	}
	return 0, false
}

// versionName is a string reference inside .gnu.version_r or .gnu.version_d.
type versionName struct {
	fieldOff uint64 // file offset of the 32-bit field
	name     uint32
	isFile   bool // vn_file, a library name
}

// maxVersionRecords bounds the version records walked.
const maxVersionRecords = 1 << 16

func (f *File) versionNames() ([]versionName, bool) {
	var out []versionName
	bo := f.ByteOrder
	budget := maxVersionRecords
	read := func(addr uint64, n uint64) ([]byte, uint64, bool) {
		if budget--; budget < 0 {
			return nil, 0, false
		}
		o, ok := f.fileOffset(addr, n)
		if !ok {
			return nil, 0, false
		}
		b, err := f.readAt(uint64(o), n, "version record")
		return b, uint64(o), err == nil
	}
	if addr, ok := f.DynValue(stdelf.DT_VERNEED); ok {
		num, _ := f.DynValue(stdelf.DT_VERNEEDNUM)
		if num > maxVersionRecords {
			return nil, false
		}
		for i := uint64(0); i < num; i++ {
			b, o, ok := read(addr, 16)
			if !ok {
				return nil, false
			}
			cnt, file, aux, next := uint64(bo.Uint16(b[2:])), bo.Uint32(b[4:]), uint64(bo.Uint32(b[8:])), uint64(bo.Uint32(b[12:]))
			out = append(out, versionName{fieldOff: o + 4, name: file, isFile: true})
			a := addr + aux
			for j := uint64(0); j < cnt && j < maxVersionRecords; j++ {
				x, xo, ok := read(a, 16)
				if !ok {
					return nil, false
				}
				out = append(out, versionName{fieldOff: xo + 8, name: bo.Uint32(x[8:])})
				an := uint64(bo.Uint32(x[12:]))
				if an == 0 {
					break
				}
				a += an
			}
			if next == 0 {
				break
			}
			addr += next
		}
	}
	if addr, ok := f.DynValue(stdelf.DT_VERDEF); ok {
		num, _ := f.DynValue(stdelf.DT_VERDEFNUM)
		if num > maxVersionRecords {
			return nil, false
		}
		for i := uint64(0); i < num; i++ {
			b, _, ok := read(addr, 20)
			if !ok {
				return nil, false
			}
			cnt, aux, next := uint64(bo.Uint16(b[6:])), uint64(bo.Uint32(b[12:])), uint64(bo.Uint32(b[16:]))
			a := addr + aux
			for j := uint64(0); j < cnt && j < maxVersionRecords; j++ {
				x, xo, ok := read(a, 8)
				if !ok {
					return nil, false
				}
				out = append(out, versionName{fieldOff: xo, name: bo.Uint32(x)})
				an := uint64(bo.Uint32(x[4:]))
				if an == 0 {
					break
				}
				a += an
			}
			if next == 0 {
				break
			}
			addr += next
		}
	}
	return out, true
}
