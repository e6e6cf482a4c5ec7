package elf

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// ErrNotELF is returned by [NewFile] and [Open] for input that does not start
// with the ELF magic. Callers walking trees skip such files silently.
var ErrNotELF = errors.New("not an ELF file")

// ErrUnsafe marks a refusal: the file is a valid ELF file, but the requested
// change cannot be made without risking a broken result. Test for it with
// errors.Is; the message says why.
var ErrUnsafe = errors.New("refusing to rewrite")

// ErrNoDTNull is returned by [File.Plan] for an edit of a dynamic table
// that has no DT_NULL entry: where it ends is unknown, so nothing is added.
var ErrNoDTNull = errors.New("malformed ELF: the dynamic table has no DT_NULL terminator")

// FormatError reports malformed input at a byte offset.
type FormatError struct {
	Off int64  // offset in the file the problem was found at, -1 if unknown
	Msg string // what is wrong
}

func (e *FormatError) Error() string {
	if e.Off < 0 {
		return "malformed ELF: " + e.Msg
	}
	return fmt.Sprintf("malformed ELF: %s at byte %#x", e.Msg, e.Off)
}

func formatErr(off int64, format string, args ...any) error {
	return &FormatError{Off: off, Msg: fmt.Sprintf(format, args...)}
}

// FileHeader is the ELF header, with the fields debug/elf leaves out.
type FileHeader struct {
	Class      stdelf.Class
	Data       stdelf.Data
	ByteOrder  binary.ByteOrder
	OSABI      stdelf.OSABI
	ABIVersion uint8
	Type       stdelf.Type
	Machine    stdelf.Machine
	Flags      uint32 // e_flags: the ABI variant on ARM, MIPS, RISC-V, …
	Entry      uint64

	PhOff     uint64
	ShOff     uint64
	PhEntSize int
	ShEntSize int
	PhNum     int // program headers, after extended numbering
	ShNum     int // section headers, after extended numbering
	ShStrNdx  int
}

// Section is a section header with its index in the section header table.
type Section struct {
	stdelf.SectionHeader
	Index int
}

// DlopenDep is one entry of a `.note.dlopen` note: a library the file loads
// with dlopen(3). Any one of Sonames satisfies it.
type DlopenDep struct {
	Sonames     []string `json:"soname"`
	Feature     string   `json:"feature,omitempty"`
	Description string   `json:"description,omitempty"`
	Priority    string   `json:"priority,omitempty"`
}

// Dyn is one entry of the dynamic table.
type Dyn struct {
	Tag stdelf.DynTag
	Val uint64
}

// File is a parsed ELF file. It is read-only once made: the writer derives a
// [Patch] from it without changing it.
type File struct {
	FileHeader
	Progs    []stdelf.ProgHeader
	Sections []Section

	// Interpreter is the path in PT_INTERP, without its terminating NUL;
	// HasInterpreter tells an empty one from none.
	Interpreter    string
	HasInterpreter bool

	Needed     []string
	Soname     string
	HasSoname  bool
	Runpath    string // DT_RUNPATH, colon-separated as stored
	HasRunpath bool
	Rpath      string // DT_RPATH
	HasRpath   bool

	// Dlopen lists the `.note.dlopen` dependencies in file order.
	// Malformed notes are skipped: they only document optional libraries.
	Dlopen []DlopenDep

	// ResolutionCache is the descriptor of the NixOS resolution-cache note
	// (section .note.nixos.ldcache), nil without one.
	ResolutionCache []byte
	cache           *cacheNote

	// Dynamic is the dynamic table up to, not including, the first DT_NULL.
	Dynamic []Dyn
	// DynamicSlots is the capacity of the dynamic table in entries, trailing
	// DT_NULL padding included.
	DynamicSlots int

	r      io.ReaderAt
	size   int64
	closer io.Closer

	dynOff  int64 // file offset of the dynamic table, -1 without one
	dynAddr uint64
	strOff  int64 // file offset of the dynamic string table, -1 without one
	strSize uint64
	strAddr uint64
	dynstr  []byte // the dynamic string table once loadDynstr has read it
	// dynstrOnce guards the read of dynstr, which fails with dynstrErr.
	dynstrOnce sync.Once
	dynstrErr  error
	interpPH   int // index of PT_INTERP in Progs, -1 without one
	dynPH      int // index of PT_DYNAMIC in Progs, -1 without one
}

// Size is the length of the file in bytes.
func (f *File) Size() int64 { return f.size }

// IsStatic reports whether f is a statically linked executable: ET_EXEC
// without an interpreter, the auto-patchelf definition. A static-pie is
// ET_DYN without an interpreter; see [File.IsStaticPIE].
func (f *File) IsStatic() bool { return f.Type == stdelf.ET_EXEC && !f.HasInterpreter }

// IsStaticPIE reports whether f is a position-independent executable that
// carries its own relocation code instead of an interpreter (gcc -static-pie):
// ET_DYN, no PT_INTERP, and DT_FLAGS_1 with DF_1_PIE.
func (f *File) IsStaticPIE() bool {
	if f.Type != stdelf.ET_DYN || f.HasInterpreter {
		return false
	}
	v, ok := f.DynValue(stdelf.DT_FLAGS_1)
	return ok && v&uint64(stdelf.DF_1_PIE) != 0
}

// HasSegments reports whether f has program headers at all; object files and
// some firmware images do not.
func (f *File) HasSegments() bool { return len(f.Progs) > 0 }

// IsDynamic reports whether f has a dynamic section.
func (f *File) IsDynamic() bool { return f.dynOff >= 0 }

// IsDebugObject reports whether f is a separate debug file (as made by
// objcopy --only-keep-debug): DWARF is present and .text has no bytes.
// DWARF counts as present the way pyelftools' has_dwarf_info, which
// auto-patchelf uses, decides: .debug_info, .zdebug_info or .eh_frame, so
// the debug file of a library built without -g is recognised too.
func (f *File) IsDebugObject() bool {
	var dwarf, nobitsText bool
	for _, s := range f.Sections {
		switch {
		case s.Name == ".debug_info" || s.Name == ".zdebug_info" || s.Name == ".eh_frame":
			dwarf = true
		case s.Name == ".text" && s.Type == stdelf.SHT_NOBITS:
			nobitsText = true
		}
	}
	return dwarf && nobitsText
}

// DynamicStripped reports whether f's .dynamic section holds no bytes
// (SHT_NOBITS), as in a separate debug file made by objcopy
// --only-keep-debug: there is no dynamic table to read or edit.
func (f *File) DynamicStripped() bool {
	for _, s := range f.Sections {
		if s.Name == ".dynamic" {
			return s.Type == stdelf.SHT_NOBITS
		}
	}
	return false
}

// SearchPath returns the run-time search path the loader uses for f's own
// dependencies: DT_RUNPATH when present (the loader then ignores DT_RPATH),
// else DT_RPATH.
func (f *File) SearchPath() string {
	if f.HasRunpath {
		return f.Runpath
	}
	return f.Rpath
}

// DynValue returns the value of the first dynamic entry with the tag.
func (f *File) DynValue(tag stdelf.DynTag) (uint64, bool) {
	for _, d := range f.Dynamic {
		if d.Tag == tag {
			return d.Val, true
		}
	}
	return 0, false
}

// Close closes the file opened by [Open]; it does nothing for a File made by
// [NewFile].
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// Open opens the named file and parses it with [NewFile]. The File keeps
// the file open for [File.Plan]; Close it when done. Errors name the file.
func Open(name string) (*File, error) {
	fd, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	f, err := NewFile(fd, st.Size())
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f.closer = fd
	return f, nil
}

// NewFile parses the ELF file of the given size read through r. It reads
// only the headers, the dynamic table, its string table and the notes.
func NewFile(r io.ReaderAt, size int64) (f *File, err error) {
	defer func() {
		// debug/elf is not hardened against hostile input (its own doc says
		// so); whatever slips through becomes an error, never a crash.
		if p := recover(); p != nil {
			f, err = nil, formatErr(-1, "unreadable structure (%v)", p)
		}
	}()
	if size < 0 {
		return nil, formatErr(-1, "negative size")
	}
	var ident [stdelf.EI_NIDENT]byte
	if size < int64(len(ident)) {
		if n, _ := r.ReadAt(ident[:min(size, 4)], 0); n == 4 && string(ident[:4]) == stdelf.ELFMAG {
			return nil, formatErr(size, "file truncated inside the ELF header")
		}
		return nil, ErrNotELF
	}
	if _, err := r.ReadAt(ident[:], 0); err != nil {
		return nil, err
	}
	if string(ident[:4]) != stdelf.ELFMAG {
		return nil, ErrNotELF
	}
	f = &File{r: r, size: size, dynOff: -1, strOff: -1, interpPH: -1, dynPH: -1}
	if err := f.readHeader(ident); err != nil {
		return nil, err
	}
	sf, err := stdelf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, &FormatError{Off: -1, Msg: strings.TrimPrefix(err.Error(), "elf: ")}
	}
	f.Progs = make([]stdelf.ProgHeader, len(sf.Progs))
	for i, p := range sf.Progs {
		f.Progs[i] = p.ProgHeader
	}
	f.Sections = make([]Section, len(sf.Sections))
	for i, s := range sf.Sections {
		f.Sections[i] = Section{SectionHeader: s.SectionHeader, Index: i}
	}
	if f.IsDebugObject() {
		// objcopy --only-keep-debug keeps the program headers but not the
		// bytes they describe: there is no interpreter or dynamic table to
		// read, and their offsets may lie past the end of the file.
		return f, nil
	}
	if err := f.readInterp(); err != nil {
		return nil, err
	}
	if err := f.readDynamic(); err != nil {
		return nil, err
	}
	f.readDlopen()
	f.readResolutionCache()
	return f, nil
}

func (f *File) readHeader(ident [stdelf.EI_NIDENT]byte) error {
	f.Class = stdelf.Class(ident[stdelf.EI_CLASS])
	f.Data = stdelf.Data(ident[stdelf.EI_DATA])
	switch f.Data {
	case stdelf.ELFDATA2LSB:
		f.ByteOrder = binary.LittleEndian
	case stdelf.ELFDATA2MSB:
		f.ByteOrder = binary.BigEndian
	default:
		return formatErr(stdelf.EI_DATA, "unknown data encoding %d", f.Data)
	}
	f.OSABI = stdelf.OSABI(ident[stdelf.EI_OSABI])
	f.ABIVersion = ident[stdelf.EI_ABIVERSION]
	bo := f.ByteOrder
	switch f.Class {
	case stdelf.ELFCLASS32:
		var h stdelf.Header32
		if f.size < int64(binary.Size(h)) {
			return formatErr(f.size, "file truncated inside the ELF header")
		}
		if err := binary.Read(io.NewSectionReader(f.r, 0, f.size), bo, &h); err != nil {
			return err
		}
		f.Type, f.Machine, f.Flags, f.Entry = stdelf.Type(h.Type), stdelf.Machine(h.Machine), h.Flags, uint64(h.Entry)
		f.PhOff, f.ShOff = uint64(h.Phoff), uint64(h.Shoff)
		f.PhEntSize, f.PhNum = int(h.Phentsize), int(h.Phnum)
		f.ShEntSize, f.ShNum, f.ShStrNdx = int(h.Shentsize), int(h.Shnum), int(h.Shstrndx)
	case stdelf.ELFCLASS64:
		var h stdelf.Header64
		if f.size < int64(binary.Size(h)) {
			return formatErr(f.size, "file truncated inside the ELF header")
		}
		if err := binary.Read(io.NewSectionReader(f.r, 0, f.size), bo, &h); err != nil {
			return err
		}
		f.Type, f.Machine, f.Flags, f.Entry = stdelf.Type(h.Type), stdelf.Machine(h.Machine), h.Flags, h.Entry
		f.PhOff, f.ShOff = h.Phoff, h.Shoff
		f.PhEntSize, f.PhNum = int(h.Phentsize), int(h.Phnum)
		f.ShEntSize, f.ShNum, f.ShStrNdx = int(h.Shentsize), int(h.Shnum), int(h.Shstrndx)
	default:
		return formatErr(stdelf.EI_CLASS, "unknown class %d", f.Class)
	}
	// Extended numbering (gABI "Sheader"): the real counts live in section 0.
	if f.ShOff != 0 && (f.ShNum == 0 || f.ShStrNdx == int(stdelf.SHN_XINDEX) || f.PhNum == 0xffff) {
		var s0 [64]byte
		n := f.shdrSize()
		if !f.inFile(f.ShOff, uint64(n)) {
			return formatErr(int64(min(f.ShOff, 1<<62)), "section header table out of bounds")
		}
		if _, err := f.r.ReadAt(s0[:n], int64(f.ShOff)); err != nil {
			return err
		}
		var size, link, info uint64
		if f.Class == stdelf.ELFCLASS32 {
			size, link, info = uint64(bo.Uint32(s0[20:])), uint64(bo.Uint32(s0[24:])), uint64(bo.Uint32(s0[28:]))
		} else {
			size, link, info = bo.Uint64(s0[32:]), uint64(bo.Uint32(s0[40:])), uint64(bo.Uint32(s0[44:]))
		}
		if f.ShNum == 0 {
			f.ShNum = int(min(size, 1<<24))
		}
		if f.ShStrNdx == int(stdelf.SHN_XINDEX) && link != 0 {
			// With sh_link 0 the index stays SHN_XINDEX: out of bounds.
			f.ShStrNdx = int(min(link, 1<<24))
		}
		if f.PhNum == 0xffff {
			f.PhNum = int(min(info, 1<<24))
		}
	}
	// The checks and their wording follow patchelf 0.19's ElfFile
	// constructor, in its order, so that both name the same first problem.
	if f.PhNum > 0 && !f.inFile(f.PhOff, uint64(f.PhNum)*uint64(f.PhEntSize)) {
		return formatErr(int64(min(f.PhOff, 1<<62)), "program header table out of bounds")
	}
	if f.ShOff != 0 && f.ShNum > 0 && !f.inFile(f.ShOff, uint64(f.ShNum)*uint64(f.ShEntSize)) {
		return formatErr(int64(min(f.ShOff, 1<<62)), "section header table out of bounds")
	}
	if f.PhNum > 0 && f.PhEntSize != f.phdrSize() {
		return formatErr(-1, "program headers have wrong size (entry size %d, want %d)", f.PhEntSize, f.phdrSize())
	}
	return f.checkSectionTable()
}

// checkSectionTable checks the section header table and the section name
// table before debug/elf reads them (it allocates in chunks of up to 10 MiB
// on the word of the header alone): entry size, name table index, bounds,
// termination, and every section's name offset.
func (f *File) checkSectionTable() error {
	if f.ShOff == 0 || f.ShNum == 0 {
		return nil
	}
	if f.ShEntSize != f.shdrSize() {
		return formatErr(-1, "section headers have wrong size (entry size %d, want %d)", f.ShEntSize, f.shdrSize())
	}
	if f.ShStrNdx == 0 {
		return nil // no section names
	}
	if f.ShStrNdx < 0 || f.ShStrNdx >= f.ShNum {
		return formatErr(-1, "string table index out of bounds (e_shstrndx %d, %d sections)", f.ShStrNdx, f.ShNum)
	}
	table, err := f.readAt(f.ShOff, uint64(f.ShNum*f.ShEntSize), "section header table")
	if err != nil {
		return err
	}
	bo := f.ByteOrder
	at := f.ShOff + uint64(f.ShStrNdx*f.ShEntSize)
	sh := table[f.ShStrNdx*f.ShEntSize:]
	var off, size uint64
	if f.Class == stdelf.ELFCLASS32 {
		off, size = uint64(bo.Uint32(sh[16:])), uint64(bo.Uint32(sh[20:]))
	} else {
		off, size = bo.Uint64(sh[24:]), bo.Uint64(sh[32:])
	}
	switch {
	case off > uint64(f.size):
		return formatErr(int64(at), "string table offset out of bounds (section name table at %#x)", off)
	case !f.inFile(off, size):
		return formatErr(int64(at), "section name table (%d bytes at %#x): data region extends past file end", size, off)
	case size == 0:
		return formatErr(int64(at), "string table size is zero (section name table)")
	}
	last, err := f.readAt(off+size-1, 1, "section name table")
	if err != nil {
		return err
	}
	if last[0] != 0 {
		return formatErr(int64(off+size-1), "string table is not zero terminated (section name table)")
	}
	for i := 1; i < f.ShNum; i++ {
		if name := uint64(bo.Uint32(table[i*f.ShEntSize:])); name >= size {
			return formatErr(int64(f.ShOff)+int64(i*f.ShEntSize), "section name offset out of bounds (section %d, offset %d, table of %d bytes)", i, name, size)
		}
	}
	return nil
}

func (f *File) phdrSize() int {
	if f.Class == stdelf.ELFCLASS32 {
		return 32
	}
	return 56
}

func (f *File) shdrSize() int {
	if f.Class == stdelf.ELFCLASS32 {
		return 40
	}
	return 64
}

func (f *File) dynEntSize() int {
	if f.Class == stdelf.ELFCLASS32 {
		return 8
	}
	return 16
}

// inFile reports whether [off, off+n) lies inside the file, without overflow.
func (f *File) inFile(off, n uint64) bool {
	size := uint64(f.size)
	return off <= size && n <= size-off
}

// readAt reads n bytes at off after checking they lie inside the file.
func (f *File) readAt(off, n uint64, what string) ([]byte, error) {
	if !f.inFile(off, n) {
		return nil, formatErr(int64(min(off, 1<<62)), "%s (%d bytes) outside the file", what, n)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		return nil, err
	}
	return b, nil
}

// maxInterp bounds PT_INTERP: the kernel rejects paths longer than PATH_MAX.
const maxInterp = 4096

func (f *File) readInterp() error {
	for i, p := range f.Progs {
		if p.Type != stdelf.PT_INTERP {
			continue
		}
		if p.Filesz > maxInterp {
			return formatErr(int64(min(p.Off, 1<<62)), "interpreter path of %d bytes", p.Filesz)
		}
		b, err := f.readAt(p.Off, p.Filesz, "PT_INTERP")
		if err != nil {
			return err
		}
		f.interpPH, f.HasInterpreter = i, true
		f.Interpreter = cstring(b)
		return nil
	}
	return nil
}

// cstring returns b up to its first NUL.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// fileOffset maps a virtual address to a file offset through the PT_LOAD
// segment holding n bytes there.
func (f *File) fileOffset(addr, n uint64) (int64, bool) {
	for _, p := range f.Progs {
		if p.Type != stdelf.PT_LOAD || addr < p.Vaddr {
			continue
		}
		rel := addr - p.Vaddr
		if rel <= p.Filesz && n <= p.Filesz-rel && f.inFile(p.Off+rel, n) && p.Off+rel >= p.Off {
			return int64(p.Off + rel), true
		}
	}
	return 0, false
}

// maxDynEntries bounds the dynamic table so a lying size cannot make us
// allocate much; real tables have a few dozen entries.
const maxDynEntries = 1 << 16

func (f *File) readDynamic() error {
	var off, size, addr uint64
	found := false
	for i, p := range f.Progs {
		if p.Type == stdelf.PT_DYNAMIC {
			off, size, addr, found = p.Off, p.Filesz, p.Vaddr, true
			f.dynPH = i
			break
		}
	}
	if !found {
		// Without program headers (relocatable objects) there is nothing the
		// loader would read; a .dynamic section alone is not consulted. A
		// program or library whose linker script left out PT_DYNAMIC but
		// loads a .dynamic section is edited through the section, as
		// patchelf does (its test phdr-corruption).
		s, ok := f.loadedDynamicSection()
		if !ok {
			return nil
		}
		off, size, addr = s.Offset, s.Size, s.Addr
	}
	if err := f.checkDynamicSection(); err != nil {
		return err
	}
	ent := uint64(f.dynEntSize())
	if size/ent > maxDynEntries {
		return formatErr(int64(min(off, 1<<62)), "dynamic table of %d bytes", size)
	}
	b, err := f.readAt(off, size, "PT_DYNAMIC")
	if err != nil {
		return err
	}
	f.dynOff, f.dynAddr = int64(off), addr
	f.DynamicSlots = int(size / ent)
	bo := f.ByteOrder
	for i := 0; i < f.DynamicSlots; i++ {
		e := b[uint64(i)*ent:]
		var d Dyn
		if ent == 8 {
			d = Dyn{stdelf.DynTag(int32(bo.Uint32(e))), uint64(bo.Uint32(e[4:]))}
		} else {
			d = Dyn{stdelf.DynTag(int64(bo.Uint64(e))), bo.Uint64(e[8:])}
		}
		if d.Tag == stdelf.DT_NULL {
			break
		}
		f.Dynamic = append(f.Dynamic, d)
	}
	strAddr, okA := f.DynValue(stdelf.DT_STRTAB)
	strSize, okS := f.DynValue(stdelf.DT_STRSZ)
	if !okA || !okS {
		if f.hasStringTags() {
			return formatErr(f.dynOff, "dynamic table has string entries but no DT_STRTAB/DT_STRSZ")
		}
		return nil
	}
	soff, ok := f.fileOffset(strAddr, strSize)
	if !ok {
		return formatErr(f.dynOff, "DT_STRTAB %#x (+%d) is not inside a loaded segment", strAddr, strSize)
	}
	f.strOff, f.strSize, f.strAddr = soff, strSize, strAddr
	// The table itself is read when an edit needs it (loadDynstr): a
	// library's can be megabytes, of which parsing needs a few names.
	if !f.inFile(uint64(soff), strSize) {
		return formatErr(int64(min(uint64(soff), 1<<62)), "%s (%d bytes) outside the file", "dynamic string table", strSize)
	}
	if strSize > 0 {
		last, err := f.readAt(uint64(soff)+strSize-1, 1, "dynamic string table")
		if err != nil {
			return err
		}
		if last[0] != 0 {
			return formatErr(soff+int64(strSize)-1, "string table is not NUL-terminated (dynamic string table)")
		}
	}
	for _, d := range f.Dynamic {
		var s string
		switch d.Tag {
		case stdelf.DT_NEEDED, stdelf.DT_SONAME, stdelf.DT_RPATH, stdelf.DT_RUNPATH:
			if s, err = f.dynString(d.Val); err != nil {
				return err
			}
		default:
			continue
		}
		switch d.Tag {
		case stdelf.DT_NEEDED:
			f.Needed = append(f.Needed, s)
		// glibc's loader keeps the last entry of a tag (elf_get_dynamic_info
		// overwrites), so a repeated one reads as the last.
		case stdelf.DT_SONAME:
			f.Soname, f.HasSoname = s, true
		case stdelf.DT_RPATH:
			f.Rpath, f.HasRpath = s, true
		case stdelf.DT_RUNPATH:
			f.Runpath, f.HasRunpath = s, true
		}
	}
	return nil
}

// checkDynamicSection checks the bounds and alignment of the SHT_DYNAMIC
// section header, as patchelf does before reading it: a header that lies
// about the dynamic table marks a corrupt file even when PT_DYNAMIC is
// intact.
func (f *File) checkDynamicSection() error {
	for _, s := range f.Sections {
		if s.Type != stdelf.SHT_DYNAMIC {
			continue
		}
		if !f.inFile(s.Offset, s.Size) {
			return formatErr(-1, "section %s (%d bytes at %#x): data offset extends past file end", s.Name, s.Size, s.Offset)
		}
		if s.Offset%uint64(f.dynEntSize()/2) != 0 {
			return formatErr(int64(s.Offset), "section %s: section content is not naturally aligned", s.Name)
		}
	}
	return nil
}

// loadedDynamicSection finds the SHT_DYNAMIC section of a program or
// library, when a PT_LOAD maps all of it.
func (f *File) loadedDynamicSection() (Section, bool) {
	if f.Type != stdelf.ET_EXEC && f.Type != stdelf.ET_DYN {
		return Section{}, false
	}
	for _, s := range f.Sections {
		if s.Type != stdelf.SHT_DYNAMIC || s.Flags&stdelf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		if o, ok := f.fileOffset(s.Addr, s.Size); ok && uint64(o) == s.Offset {
			return s, true
		}
	}
	return Section{}, false
}

func (f *File) hasStringTags() bool {
	for _, d := range f.Dynamic {
		switch d.Tag {
		case stdelf.DT_NEEDED, stdelf.DT_SONAME, stdelf.DT_RPATH, stdelf.DT_RUNPATH:
			return true
		}
	}
	return false
}

func (f *File) dynString(off uint64) (string, error) {
	size := uint64(0)
	if f.strOff >= 0 {
		size = f.strSize
	}
	if off >= size {
		return "", formatErr(f.strOff, "string table index out of bounds (offset %d, dynamic string table of %d bytes)", off, size)
	}
	if t := f.dynstr; t != nil {
		b := t[off:]
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return "", formatErr(f.strOff+int64(off), "unterminated string")
		}
		return string(b[:i]), nil
	}
	// Not loaded: read the string alone, in growing chunks. readDynamic
	// has checked that the table ends with a NUL.
	for n := min(size-off, 256); ; n = min(size-off, 4*n) {
		b, err := f.readAt(uint64(f.strOff)+off, n, "dynamic string table")
		if err != nil {
			return "", err
		}
		if i := bytes.IndexByte(b, 0); i >= 0 {
			return string(b[:i]), nil
		}
		if n == size-off {
			return "", formatErr(f.strOff+int64(off), "unterminated string")
		}
	}
}

// loadDynstr reads the whole dynamic string table, once: parsing reads
// only the strings it needs, an edit needs the table.
func (f *File) loadDynstr() error {
	f.dynstrOnce.Do(func() {
		if f.strOff < 0 {
			return
		}
		f.dynstr, f.dynstrErr = f.readAt(uint64(f.strOff), f.strSize, "dynamic string table")
	})
	return f.dynstrErr
}

// dlopenNoteType is the FDO note type of `.note.dlopen`
// (https://systemd.io/ELF_DLOPEN_METADATA/).
const dlopenNoteType = 0x407c0c0a

// maxNotes bounds how many note bytes are read per file.
const maxNotes = 1 << 20

func (f *File) readDlopen() {
	type region struct{ off, size, align uint64 }
	var regions []region
	for _, s := range f.Sections {
		if s.Type == stdelf.SHT_NOTE && s.Name == ".note.dlopen" {
			regions = append(regions, region{s.Offset, s.FileSize, s.Addralign})
		}
	}
	if len(f.Sections) == 0 {
		for _, p := range f.Progs {
			if p.Type == stdelf.PT_NOTE {
				regions = append(regions, region{p.Off, p.Filesz, p.Align})
			}
		}
	}
	total := uint64(0)
	for _, rg := range regions {
		total += rg.size
		if total > maxNotes {
			return
		}
		b, err := f.readAt(rg.off, rg.size, "note")
		if err != nil {
			continue
		}
		for _, n := range parseNotes(b, f.ByteOrder, rg.align) {
			if n.name != "FDO" || n.typ != dlopenNoteType {
				continue
			}
			f.Dlopen = append(f.Dlopen, parseDlopen(n.desc)...)
		}
	}
}

type note struct {
	name string
	typ  uint32
	desc []byte
}

// parseNotes decodes a note region; alignment 8 pads name and descriptor to
// 8 bytes (gABI permits 4 or 8), anything else to 4.
func parseNotes(b []byte, bo binary.ByteOrder, align uint64) []note {
	pad := uint64(4)
	if align == 8 {
		pad = 8
	}
	var out []note
	for uint64(len(b)) >= 12 {
		namesz, descsz, typ := uint64(bo.Uint32(b)), uint64(bo.Uint32(b[4:])), bo.Uint32(b[8:])
		rest := uint64(len(b)) - 12
		nameEnd := alignUp(namesz, pad)
		if namesz > rest || nameEnd > rest || descsz > rest-nameEnd {
			break
		}
		name := cstring(b[12 : 12+namesz])
		desc := b[12+nameEnd : 12+nameEnd+descsz]
		out = append(out, note{name, typ, desc})
		adv := 12 + nameEnd + alignUp(descsz, pad)
		if adv > uint64(len(b)) {
			break
		}
		b = b[adv:]
	}
	return out
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	r := v % a
	if r == 0 || v > ^uint64(0)-a {
		return v
	}
	return v + a - r
}
