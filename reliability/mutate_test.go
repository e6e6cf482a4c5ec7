package reliability

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// seed is one valid ELF file mutants are made from, with the offsets of
// its structures (found by debug/elf on the valid original).
type seed struct {
	name  string // fixture ID or system library name
	arch  string // fixture arch name; "x86_64" for system libraries
	base  string // file name mutants keep (libfoo.so, prog, …)
	data  []byte
	is64  bool
	bo    binary.ByteOrder
	phoff uint64
	phnum int
	shoff uint64
	shnum int
	dyn   [][2]uint64 // file offset and size of each PT_DYNAMIC
	strs  [][2]uint64 // offset and size of string tables, PT_INTERP, notes
}

func newSeed(name, arch, base string, data []byte) (seed, bool) {
	f, err := stdelf.NewFile(bytes.NewReader(data))
	if err != nil {
		return seed{}, false
	}
	s := seed{name: name, arch: arch, base: base, data: data, is64: f.Class == stdelf.ELFCLASS64, bo: f.ByteOrder}
	if s.is64 {
		s.phoff, s.shoff = f.ByteOrder.Uint64(data[32:]), f.ByteOrder.Uint64(data[40:])
	} else {
		s.phoff, s.shoff = uint64(f.ByteOrder.Uint32(data[28:])), uint64(f.ByteOrder.Uint32(data[32:]))
	}
	s.phnum, s.shnum = len(f.Progs), len(f.Sections)
	for _, p := range f.Progs {
		switch p.Type {
		case stdelf.PT_DYNAMIC:
			s.dyn = append(s.dyn, [2]uint64{p.Off, p.Filesz})
		case stdelf.PT_INTERP, stdelf.PT_NOTE:
			s.strs = append(s.strs, [2]uint64{p.Off, p.Filesz})
		}
	}
	for _, sec := range f.Sections {
		if sec.Type == stdelf.SHT_STRTAB || sec.Type == stdelf.SHT_NOTE || sec.Type == stdelf.SHT_GNU_VERNEED {
			s.strs = append(s.strs, [2]uint64{sec.Offset, sec.Size})
		}
	}
	return s, true
}

// seeds returns every fixture, plus a few of this machine's own libraries
// (found through ldconfig; absent ones are left out).
func seeds(t testing.TB) []seed {
	t.Helper()
	var out []seed
	for _, fx := range elftest.Fixtures(t) {
		if s, ok := newSeed(fx.ID(), fx.Arch.Name, fx.Name, fx.Bytes(t)); ok {
			out = append(out, s)
		}
	}
	for _, p := range systemLibs([]string{"libz.so.1", "libgcc_s.so.1", "libm.so.6"}) {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if s, ok := newSeed("system/"+filepath.Base(p), "x86_64", filepath.Base(p), data); ok {
			out = append(out, s)
		}
	}
	return out
}

// systemLibs asks ldconfig where the named x86-64 libraries are.
func systemLibs(names []string) []string {
	out, err := exec.Command("ldconfig", "-p").Output()
	if err != nil {
		return nil
	}
	var paths []string
	for _, name := range names {
		re := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + ` \(libc6,x86-64\) => (\S+)$`)
		if m := re.FindSubmatch(out); m != nil {
			paths = append(paths, string(m[1]))
		}
	}
	return paths
}

// mutant is one mutated file and how it was made.
type mutant struct {
	id   int
	seed *seed
	how  string
	data []byte
}

func (m mutant) String() string { return fmt.Sprintf("#%d from %s (%s)", m.id, m.seed.name, m.how) }

// mutantSource makes mutants one at a time, each a pure function of the
// seed value and its number, so that a long run never holds them all.
type mutantSource struct {
	ss              []seed
	system, fixture []int
	rngSeed         uint64
}

func newMutantSource(ss []seed, rngSeed uint64) *mutantSource {
	src := &mutantSource{ss: ss, rngSeed: rngSeed}
	for i, s := range ss {
		if strings.HasPrefix(s.name, "system/") {
			src.system = append(src.system, i)
		} else {
			src.fixture = append(src.fixture, i)
		}
	}
	return src
}

// at returns mutant number i.
func (src *mutantSource) at(i int) mutant {
	rng := rand.New(rand.NewPCG(src.rngSeed, uint64(i)))
	pick := src.fixture
	if len(src.system) > 0 && rng.IntN(10) == 0 {
		pick = src.system
	}
	s := &src.ss[pick[rng.IntN(len(pick))]]
	m := &mutator{s: s, rng: rng, data: bytes.Clone(s.data)}
	steps := 1
	if rng.IntN(4) == 0 {
		steps += 1 + rng.IntN(3)
	}
	var hows []string
	for range steps {
		hows = append(hows, m.step())
	}
	return mutant{id: i, seed: s, how: strings.Join(hows, "+"), data: m.data}
}

type mutator struct {
	s    *seed
	rng  *rand.Rand
	data []byte
}

// word is the size of an address-sized field.
func (m *mutator) word() int {
	if m.s.is64 {
		return 8
	}
	return 4
}

// put writes v as a size-byte field at off (ignored when past the end:
// the file may already be truncated).
func (m *mutator) put(off uint64, size int, v uint64) {
	if off+uint64(size) > uint64(len(m.data)) || off > uint64(len(m.data)) {
		return
	}
	b := m.data[off:]
	switch size {
	case 2:
		m.s.bo.PutUint16(b, uint16(v))
	case 4:
		m.s.bo.PutUint32(b, uint32(v))
	case 8:
		m.s.bo.PutUint64(b, v)
	}
}

func (m *mutator) get(off uint64, size int) uint64 {
	if off+uint64(size) > uint64(len(m.data)) {
		return 0
	}
	b := m.data[off:]
	switch size {
	case 2:
		return uint64(m.s.bo.Uint16(b))
	case 4:
		return uint64(m.s.bo.Uint32(b))
	}
	return m.s.bo.Uint64(b)
}

// value is a hostile value for a field of the given size, often near a
// boundary of the file or of the type.
func (m *mutator) value(size int, old uint64) uint64 {
	n := uint64(len(m.data))
	max := uint64(math.MaxUint64) >> (64 - 8*size)
	cands := []uint64{0, 1, n - 1, n, n + 1, n + 4096, max, max - 7, max / 2, 1 << 31, 0x7fffffff,
		old + 1, old - 1, old * 2, old + n, old ^ 0x80, m.rng.Uint64() & max}
	if size == 8 {
		cands = append(cands, 1<<62, 1<<48)
	}
	return cands[m.rng.IntN(len(cands))] & max
}

// step applies one mutation and says which.
func (m *mutator) step() string {
	switch k := m.rng.IntN(100); {
	case k < 18:
		return m.flipBytes()
	case k < 26:
		return m.truncate()
	case k < 40:
		return m.header()
	case k < 58:
		return m.prog()
	case k < 70:
		return m.section()
	case k < 88:
		return m.dynamic()
	case k < 94:
		return m.overlap()
	default:
		return m.strings()
	}
}

func (m *mutator) flipBytes() string {
	n := 1 + m.rng.IntN(8)
	// Mostly in the first 4 KiB, where the headers are.
	limit := min(len(m.data), 4096)
	if m.rng.IntN(3) == 0 {
		limit = len(m.data)
	}
	if limit == 0 {
		return "flip(empty)"
	}
	for range n {
		i := m.rng.IntN(limit)
		m.data[i] ^= byte(1 + m.rng.IntN(255))
	}
	return fmt.Sprintf("flip%d", n)
}

func (m *mutator) truncate() string {
	var at int
	switch m.rng.IntN(3) {
	case 0:
		at = m.rng.IntN(min(len(m.data), 128) + 1)
	case 1: // inside or right after a structure
		at = int(m.s.phoff) + m.rng.IntN(m.s.phnum*m.phentsize()+1)
		if len(m.s.dyn) > 0 && m.rng.IntN(2) == 0 {
			at = int(m.s.dyn[0][0] + uint64(m.rng.IntN(int(m.s.dyn[0][1])+1)))
		}
	default:
		at = m.rng.IntN(len(m.data) + 1)
	}
	at = min(at, len(m.data))
	m.data = m.data[:at]
	return fmt.Sprintf("truncate@%d", at)
}

func (m *mutator) phentsize() int {
	if m.s.is64 {
		return 56
	}
	return 32
}

func (m *mutator) shentsize() int {
	if m.s.is64 {
		return 64
	}
	return 40
}

// header changes one field of the ELF header.
func (m *mutator) header() string {
	type field struct {
		name       string
		off32, off int
		size32, sz int
	}
	fields := []field{
		{"e_phoff", 28, 32, 4, 8}, {"e_shoff", 32, 40, 4, 8},
		{"e_phentsize", 42, 54, 2, 2}, {"e_phnum", 44, 56, 2, 2},
		{"e_shentsize", 46, 58, 2, 2}, {"e_shnum", 48, 60, 2, 2}, {"e_shstrndx", 50, 62, 2, 2},
		{"e_ehsize", 40, 52, 2, 2}, {"e_type", 16, 16, 2, 2}, {"e_machine", 18, 18, 2, 2},
		{"e_ident[class]", 4, 4, 1, 1}, {"e_ident[data]", 5, 5, 1, 1}, {"e_ident[osabi]", 7, 7, 1, 1},
	}
	f := fields[m.rng.IntN(len(fields))]
	off, size := f.off32, f.size32
	if m.s.is64 {
		off, size = f.off, f.sz
	}
	if size == 1 {
		if off < len(m.data) {
			m.data[off] = byte(m.rng.IntN(256))
		}
		return f.name
	}
	v := m.value(size, m.get(uint64(off), size))
	m.put(uint64(off), size, v)
	return fmt.Sprintf("%s=%#x", f.name, v)
}

// prog changes one field of one program header, or its type.
func (m *mutator) prog() string {
	if m.s.phnum == 0 {
		return m.header()
	}
	i := m.rng.IntN(m.s.phnum)
	base := m.s.phoff + uint64(i*m.phentsize())
	w := m.word()
	// name, offset in the 64-bit and 32-bit layouts
	fields := []struct {
		name       string
		off64, o32 int
	}{{"p_offset", 8, 4}, {"p_vaddr", 16, 8}, {"p_filesz", 32, 16}, {"p_memsz", 40, 20}, {"p_align", 48, 28}}
	if m.rng.IntN(6) == 0 {
		types := []uint64{uint64(stdelf.PT_LOAD), uint64(stdelf.PT_DYNAMIC), uint64(stdelf.PT_INTERP),
			uint64(stdelf.PT_NOTE), uint64(stdelf.PT_PHDR), uint64(stdelf.PT_GNU_STACK), uint64(stdelf.PT_NULL), 0x6474e550}
		v := types[m.rng.IntN(len(types))]
		m.put(base, 4, v)
		return fmt.Sprintf("phdr[%d].p_type=%v", i, stdelf.ProgType(v))
	}
	f := fields[m.rng.IntN(len(fields))]
	off := uint64(f.o32)
	if m.s.is64 {
		off = uint64(f.off64)
	}
	v := m.value(w, m.get(base+off, w))
	m.put(base+off, w, v)
	return fmt.Sprintf("phdr[%d].%s=%#x", i, f.name, v)
}

// section changes one field of one section header.
func (m *mutator) section() string {
	if m.s.shnum == 0 || m.s.shoff == 0 {
		return m.prog()
	}
	i := m.rng.IntN(m.s.shnum)
	base := m.s.shoff + uint64(i*m.shentsize())
	fields := []struct {
		name       string
		off64, o32 int
		sz64, sz32 int
	}{
		{"sh_name", 0, 0, 4, 4}, {"sh_type", 4, 4, 4, 4}, {"sh_addr", 16, 12, 8, 4}, {"sh_offset", 24, 16, 8, 4},
		{"sh_size", 32, 20, 8, 4}, {"sh_link", 40, 24, 4, 4}, {"sh_info", 44, 28, 4, 4},
		{"sh_addralign", 48, 32, 8, 4}, {"sh_entsize", 56, 36, 8, 4},
	}
	f := fields[m.rng.IntN(len(fields))]
	off, size := uint64(f.o32), f.sz32
	if m.s.is64 {
		off, size = uint64(f.off64), f.sz64
	}
	v := m.value(size, m.get(base+off, size))
	m.put(base+off, size, v)
	return fmt.Sprintf("shdr[%d].%s=%#x", i, f.name, v)
}

// dynamic changes one entry of the dynamic table: its value, its tag, or
// removes the terminating DT_NULL.
func (m *mutator) dynamic() string {
	if len(m.s.dyn) == 0 {
		return m.prog()
	}
	d := m.s.dyn[0]
	w := m.word()
	n := int(d[1]) / (2 * w)
	if n == 0 {
		return m.prog()
	}
	switch m.rng.IntN(6) {
	case 0: // no DT_NULL: fill every entry with DT_NEEDED
		for i := range n {
			m.put(d[0]+uint64(i*2*w), w, uint64(stdelf.DT_NEEDED))
		}
		return "dyn.noNULL"
	case 1:
		i := m.rng.IntN(n)
		tags := []stdelf.DynTag{stdelf.DT_NEEDED, stdelf.DT_STRTAB, stdelf.DT_STRSZ, stdelf.DT_RUNPATH,
			stdelf.DT_RPATH, stdelf.DT_SONAME, stdelf.DT_SYMTAB, stdelf.DT_GNU_HASH, stdelf.DT_HASH,
			stdelf.DT_VERNEED, stdelf.DT_VERNEEDNUM, stdelf.DT_FLAGS_1, stdelf.DT_NULL}
		v := tags[m.rng.IntN(len(tags))]
		m.put(d[0]+uint64(i*2*w), w, uint64(v))
		return fmt.Sprintf("dyn[%d].tag=%v", i, v)
	}
	// A value, preferring the entries the reader follows.
	want := map[uint64]bool{uint64(stdelf.DT_STRTAB): true, uint64(stdelf.DT_STRSZ): true,
		uint64(stdelf.DT_NEEDED): true, uint64(stdelf.DT_RUNPATH): true, uint64(stdelf.DT_RPATH): true,
		uint64(stdelf.DT_SONAME): true, uint64(stdelf.DT_SYMTAB): true, uint64(stdelf.DT_GNU_HASH): true,
		uint64(stdelf.DT_HASH): true, uint64(stdelf.DT_VERNEED): true, uint64(stdelf.DT_VERNEEDNUM): true}
	var idx []int
	for i := range n {
		if want[m.get(d[0]+uint64(i*2*w), w)] {
			idx = append(idx, i)
		}
	}
	i := m.rng.IntN(n)
	if len(idx) > 0 && m.rng.IntN(4) != 0 {
		i = idx[m.rng.IntN(len(idx))]
	}
	off := d[0] + uint64(i*2*w) + uint64(w)
	tag := stdelf.DynTag(m.get(d[0]+uint64(i*2*w), w))
	v := m.value(w, m.get(off, w))
	m.put(off, w, v)
	return fmt.Sprintf("dyn[%d](%v).val=%#x", i, tag, v)
}

// overlap makes one segment cover another's file range.
func (m *mutator) overlap() string {
	if m.s.phnum < 2 {
		return m.prog()
	}
	i, j := m.rng.IntN(m.s.phnum), m.rng.IntN(m.s.phnum)
	pe := uint64(m.phentsize())
	a, b := m.s.phoff+uint64(i)*pe, m.s.phoff+uint64(j)*pe
	w := m.word()
	offOff, vaddrOff, fileszOff := uint64(8), uint64(16), uint64(32)
	if !m.s.is64 {
		offOff, vaddrOff, fileszOff = 4, 8, 16
	}
	off := m.get(b+offOff, w) + uint64(m.rng.IntN(64))
	m.put(a+offOff, w, off)
	how := fmt.Sprintf("overlap(phdr[%d]~phdr[%d]: p_offset=%#x", i, j, off)
	if m.rng.IntN(2) == 0 {
		m.put(a+vaddrOff, w, m.get(b+vaddrOff, w))
		how += fmt.Sprintf(" p_vaddr=%#x", m.get(b+vaddrOff, w))
	}
	sz := m.get(b+fileszOff, w) * uint64(1+m.rng.IntN(3))
	m.put(a+fileszOff, w, sz)
	return how + fmt.Sprintf(" p_filesz=%#x)", sz)
}

// strings removes terminators from or inflates the size of a string table,
// the interpreter or a note.
func (m *mutator) strings() string {
	if len(m.s.strs) == 0 {
		return m.flipBytes()
	}
	r := m.s.strs[m.rng.IntN(len(m.s.strs))]
	if m.rng.IntN(2) == 0 {
		for o := r[0]; o < r[0]+r[1] && o < uint64(len(m.data)); o++ {
			if m.data[o] == 0 {
				m.data[o] = 'A'
			}
		}
		return "strings.unterminated"
	}
	// huge string size: DT_STRSZ, or the note's namesz/descsz
	for _, d := range m.s.dyn {
		w := m.word()
		for o := d[0]; o+uint64(2*w) <= d[0]+d[1]; o += uint64(2 * w) {
			if stdelf.DynTag(m.get(o, w)) == stdelf.DT_STRSZ {
				v := []uint64{1 << 30, 1<<32 - 1, 1 << 62}[m.rng.IntN(3)]
				m.put(o+uint64(w), w, v)
				return fmt.Sprintf("DT_STRSZ=%#x", v)
			}
		}
	}
	m.put(r[0]+uint64(4*m.rng.IntN(2)), 4, 0xfffffff0)
	return "strings.hugeNote"
}
