package storeref

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
)

// DefaultStoreDir is Nix's default store directory.
const DefaultStoreDir = "/nix/store"

// Kind says what holds a reference.
type Kind string

const (
	Runpath     Kind = "runpath"     // an entry of DT_RUNPATH
	Rpath       Kind = "rpath"       // an entry of DT_RPATH
	Interpreter Kind = "interpreter" // PT_INTERP
	Needed      Kind = "needed"      // a DT_NEEDED name
	Soname      Kind = "soname"      // DT_SONAME
	Bytes       Kind = "bytes"       // anywhere else, text files included
	Symlink     Kind = "symlink"     // a symbolic link's target; reported by callers that walk trees
)

// Ref is one store path found in a file.
type Ref struct {
	Kind Kind `json:"kind"`
	// StorePath is the store path itself, "<store dir>/<hash>-<name>",
	// without what follows it ("/lib", …).
	StorePath string `json:"store_path"`
	// Value is the whole string that holds it when Kind is structural: the
	// RUNPATH entry, the interpreter, the DT_NEEDED name.
	Value string `json:"value,omitempty"`
	// Offset is the file offset of the store path's first byte, -1 when
	// the string holding it is not in the file image.
	Offset int64 `json:"offset"`
	// Section is the ELF section holding Offset, "" for non-ELF files and
	// bytes outside every section.
	Section string `json:"section,omitempty"`
}

// Structural reports whether r is held by a dynamic-linking structure of
// an ELF file, which [Scrub] knows how to change.
func (r Ref) Structural() bool {
	switch r.Kind {
	case Runpath, Rpath, Interpreter, Needed, Soname:
		return true
	}
	return false
}

// match is one store path found in raw bytes.
type match struct {
	off  int // of the first byte of the store dir
	path string
}

// hashLen is the length of the hash part of a store path; nix32 is the
// alphabet it is written in (Nix's base-32: no e, o, u, t).
const (
	hashLen = 32
	nix32   = "0123456789abcdfghijklmnpqrsvwxyz"
	// maxName bounds a store path's name, as Nix does (211 characters).
	maxName = 211
)

var isNix32, isNameChar [256]bool

func init() {
	for i := 0; i < len(nix32); i++ {
		isNix32[nix32[i]] = true
	}
	for c := 0; c < 256; c++ {
		b := byte(c)
		isNameChar[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			strings.IndexByte("+-._?=", b) >= 0
	}
}

// blankHash is what remove-references-to (and Scrub) writes over a hash.
var blankHash = strings.Repeat("e", hashLen)

// findAll returns every store path in data, in order. A store path is the
// store dir, '/', 32 nix32 characters, '-' and a name of Nix's name
// characters not starting with '.'. Hashes of all 'e's are not store paths.
// Nix itself matches only the hashes of the build's inputs, anywhere; the
// shape is the best a scan without that list can do.
func findAll(data []byte, storeDir string) []match {
	prefix := []byte(storeDir + "/")
	var out []match
	for from := 0; from < len(data); {
		i := bytes.Index(data[from:], prefix)
		if i < 0 {
			break
		}
		start := from + i
		from = start + 1
		h := start + len(prefix)
		if h+hashLen+2 > len(data) || data[h+hashLen] != '-' || data[h+hashLen+1] == '.' {
			continue
		}
		ok := true
		for _, c := range data[h : h+hashLen] {
			if !isNix32[c] {
				ok = false
				break
			}
		}
		if !ok || string(data[h:h+hashLen]) == blankHash {
			continue
		}
		end := h + hashLen + 1
		for end < len(data) && end-(h+hashLen+1) < maxName && isNameChar[data[end]] {
			end++
		}
		if end == h+hashLen+1 {
			continue
		}
		out = append(out, match{off: start, path: string(data[start:end])})
		from = end
	}
	return out
}

// CleanStoreDir checks a store directory given by a user and returns it
// without a trailing slash.
func CleanStoreDir(dir string) (string, error) {
	d := strings.TrimRight(dir, "/")
	if !strings.HasPrefix(dir, "/") || d == "" {
		return "", errors.New("store directory must be an absolute path other than /")
	}
	return d, nil
}

// Scan returns every store path referenced in data, the contents of one
// file: first those held by ELF structures (interpreter, DT_NEEDED,
// DT_SONAME, DT_RUNPATH, DT_RPATH entries, in that order), then the others
// by offset. storeDir has no trailing slash ([CleanStoreDir]).
//
// Data that is not ELF is scanned as bytes. An ELF file that does not
// parse is scanned as bytes too, and the parse error is returned with the
// references: the caller decides whether that matters.
func Scan(data []byte, storeDir string) ([]Ref, error) {
	matches := findAll(data, storeDir)
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		refs := make([]Ref, 0, len(matches))
		for _, m := range matches {
			refs = append(refs, Ref{Kind: Bytes, StorePath: m.path, Offset: int64(m.off)})
		}
		if errors.Is(err, elf.ErrNotELF) {
			err = nil
		}
		return refs, err
	}
	return scanELF(f, data, matches, storeDir), nil
}

// elfString is a string of the dynamic-linking structures and where it is.
type elfString struct {
	kind  Kind
	value string
	off   int64 // -1 when not in the file
}

func scanELF(f *elf.File, data []byte, matches []match, storeDir string) []Ref {
	var refs []Ref
	type span struct{ lo, hi int64 }
	var claimed []span
	for _, s := range structuralStrings(f, data) {
		if s.off >= 0 {
			claimed = append(claimed, span{s.off, s.off + int64(len(s.value))})
		}
		entries := []string{s.value}
		if s.kind == Runpath || s.kind == Rpath {
			entries = strings.Split(s.value, ":")
		}
		pos := int64(0)
		for _, e := range entries {
			for _, m := range findAll([]byte(e), storeDir) {
				off := int64(-1)
				if s.off >= 0 {
					off = s.off + pos + int64(m.off)
				}
				refs = append(refs, Ref{Kind: s.kind, StorePath: m.path, Value: e, Offset: off})
			}
			pos += int64(len(e)) + 1
		}
	}
	for _, m := range matches {
		off := int64(m.off)
		inside := false
		for _, c := range claimed {
			if off >= c.lo && off < c.hi {
				inside = true
				break
			}
		}
		if !inside {
			refs = append(refs, Ref{Kind: Bytes, StorePath: m.path, Offset: off, Section: sectionAt(f, off)})
		}
	}
	return refs
}

// structuralStrings lists the strings the loader reads, with their file
// offsets.
func structuralStrings(f *elf.File, data []byte) []elfString {
	var out []elfString
	if f.HasInterpreter {
		off := int64(-1)
		for _, p := range f.Progs {
			if p.Type == stdelf.PT_INTERP {
				off = int64(p.Off)
				break
			}
		}
		out = append(out, elfString{Interpreter, f.Interpreter, off})
	}
	strOff := int64(-1)
	if addr, ok := f.DynValue(stdelf.DT_STRTAB); ok {
		strOff = fileOffset(f, addr)
	}
	kinds := []struct {
		tag  stdelf.DynTag
		kind Kind
	}{{stdelf.DT_NEEDED, Needed}, {stdelf.DT_SONAME, Soname}, {stdelf.DT_RUNPATH, Runpath}, {stdelf.DT_RPATH, Rpath}}
	for _, k := range kinds {
		for _, d := range f.Dynamic {
			if d.Tag != k.tag || strOff < 0 {
				continue
			}
			off := strOff + int64(d.Val)
			if d.Val > uint64(len(data)) || off < 0 || off >= int64(len(data)) {
				continue
			}
			s := data[off:]
			if i := bytes.IndexByte(s, 0); i >= 0 {
				s = s[:i]
			}
			out = append(out, elfString{k.kind, string(s), off})
		}
	}
	return out
}

// fileOffset maps a virtual address to its file offset through PT_LOAD,
// -1 when no segment holds it in the file.
func fileOffset(f *elf.File, addr uint64) int64 {
	for _, p := range f.Progs {
		if p.Type == stdelf.PT_LOAD && addr >= p.Vaddr && addr-p.Vaddr < p.Filesz {
			return int64(p.Off + (addr - p.Vaddr))
		}
	}
	return -1
}

// sectionAt names the section whose file bytes hold off.
func sectionAt(f *elf.File, off int64) string {
	if s := sectionFor(f, off); s != nil {
		return s.Name
	}
	return ""
}

func sectionFor(f *elf.File, off int64) *elf.Section {
	for i := range f.Sections {
		s := &f.Sections[i]
		if s.Type == stdelf.SHT_NOBITS || s.Type == stdelf.SHT_NULL {
			continue
		}
		if uint64(off) >= s.Offset && uint64(off)-s.Offset < s.FileSize {
			return s
		}
	}
	return nil
}

// inLoad reports whether file offset off is mapped by a PT_LOAD segment.
func inLoad(f *elf.File, off int64) bool {
	for _, p := range f.Progs {
		if p.Type == stdelf.PT_LOAD && uint64(off) >= p.Off && uint64(off)-p.Off < p.Filesz {
			return true
		}
	}
	return false
}
