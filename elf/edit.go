package elf

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Edit describes every change wanted in one file. The zero value changes
// nothing: a zero field means "leave alone", and removals are explicit.
//
// Changes are applied in this order, whatever order a command line gave
// them in: RemoveNeeded, ReplaceNeeded, AddNeeded, Soname, RemoveRunpath,
// SetRunpath, Interpreter, then the flag edits, AddDebugTag,
// ClearSymbolVersion and RenameSymbols.
type Edit struct {
	// Interpreter, when non-empty, becomes the PT_INTERP path. Files without
	// PT_INTERP (static executables, static-pie, shared libraries) are refused
	// with ErrUnsafe: giving them one changes how they start.
	Interpreter string

	// Soname, when non-empty, becomes DT_SONAME (added when absent).
	Soname string

	// RemoveRunpath drops every DT_RUNPATH and DT_RPATH entry.
	RemoveRunpath bool

	// SetRunpath makes Runpath (possibly empty) the file's search path. It is
	// written as DT_RUNPATH, converting an existing DT_RPATH, unless
	// ForceRpath asks for DT_RPATH (converting an existing DT_RUNPATH) —
	// patchelf's --set-rpath and --force-rpath.
	SetRunpath bool
	Runpath    string
	ForceRpath bool

	// RemoveNeeded drops the DT_NEEDED entries with these names.
	RemoveNeeded []string
	// ReplaceNeeded renames DT_NEEDED entries (and the matching
	// .gnu.version_r file names, so symbol versions still bind).
	ReplaceNeeded []Replacement
	// AddNeeded adds DT_NEEDED entries, before the existing ones as patchelf
	// does; names already needed are not added twice.
	AddNeeded []string

	// SetOSABI, when true, writes OSABI into e_ident.
	SetOSABI bool
	OSABI    stdelf.OSABI
	// NoDefaultLib sets DF_1_NODEFLIB: the loader then skips its default
	// directories for this file's dependencies.
	NoDefaultLib bool
	// ClearExecstack and SetExecstack change PF_X of PT_GNU_STACK.
	ClearExecstack bool
	SetExecstack   bool

	// AddDebugTag adds a DT_DEBUG entry (value 0) in front of the dynamic
	// table when it has none, as patchelf's --add-debug-tag: debuggers find
	// the loader's r_debug through it, and glibc fills it in for programs.
	AddDebugTag bool

	// ClearSymbolVersion makes the dynamic symbols with these names
	// unversioned (VER_NDX_GLOBAL in .gnu.version), as patchelf's
	// --clear-symbol-version. Names are matched before RenameSymbols.
	ClearSymbolVersion []string

	// RenameSymbols renames dynamic symbols, old name to new name, as
	// patchelf's --rename-dynamic-symbols: both definitions and references.
	// The SysV and GNU hash tables are rebuilt; see symbols.go.
	RenameSymbols map[string]string

	// ResolutionCache, when non-nil, is the descriptor of the NixOS
	// resolution-cache note (see package ldcache) to write: added in the new
	// segment with its PT_NOTE and section header, or replacing the old note.
	// Without it, an edit that changes DT_NEEDED, DT_RUNPATH or DT_RPATH
	// removes an existing note, which would otherwise be stale. A file that
	// keeps DT_RPATH gets a note too, as with patchelf 0.19.
	ResolutionCache []byte

	// PageSize overrides the alignment of an appended segment. Zero means the
	// largest of the file's PT_LOAD alignments and the architecture's
	// largest page size (see DefaultPageSize).
	PageSize uint64
}

// Replacement renames one DT_NEEDED entry.
type Replacement struct {
	Old, New string
}

// IsZero reports whether e asks for no change at all.
func (e *Edit) IsZero() bool {
	return e.Interpreter == "" && e.Soname == "" && !e.RemoveRunpath && !e.SetRunpath &&
		len(e.RemoveNeeded) == 0 && len(e.ReplaceNeeded) == 0 && len(e.AddNeeded) == 0 &&
		!e.SetOSABI && !e.NoDefaultLib && !e.ClearExecstack && !e.SetExecstack && e.ResolutionCache == nil &&
		!e.AddDebugTag && len(e.ClearSymbolVersion) == 0 && len(e.RenameSymbols) == 0
}

// Write is one overwrite of a patch: Data goes at offset Off of the result.
type Write struct {
	Off  int64
	Data []byte
}

// Patch is the difference between a file and its edited version. Existing
// bytes never move, so the result is the original, truncated or extended to
// Size, with Writes applied.
type Patch struct {
	OrigSize int64
	Size     int64
	Writes   []Write // sorted by offset, not overlapping

	// TrailingData is the size of the bytes the file had after its last
	// segment and section (an appended payload, which a program may find by
	// its offset from the end of its file) when the edit grew the file: they
	// moved, byte for byte, to stay the last bytes of the file. Zero when
	// there were none, or only zero padding.
	TrailingData int64
}

// IsEmpty reports whether the patch leaves the file as it is.
func (p *Patch) IsEmpty() bool {
	return p == nil || (len(p.Writes) == 0 && p.Size == p.OrigSize)
}

// Target is what a patch is applied to: a copy of the original file.
type Target interface {
	io.WriterAt
	Truncate(size int64) error
}

// ApplyTo makes dst, a copy of the original file (or the file itself,
// written in place), into the edited file. The writes past the original's
// end go first: written in place, a file that cannot be extended (a full
// disk) fails before any of its bytes was overwritten, and cutting it back
// to OrigSize restores it.
func (p *Patch) ApplyTo(dst Target) error {
	if p.IsEmpty() {
		return nil
	}
	// Growing, the last write usually ends at Size and extends the file
	// itself; otherwise (or shrinking) the size is set first.
	end := p.OrigSize
	if n := len(p.Writes); n > 0 {
		end = max(end, p.Writes[n-1].Off+int64(len(p.Writes[n-1].Data)))
	}
	if end != p.Size {
		if err := dst.Truncate(p.Size); err != nil {
			return err
		}
	}
	first := sort.Search(len(p.Writes), func(i int) bool { return p.Writes[i].Off >= p.OrigSize })
	for _, ws := range [][]Write{p.Writes[first:], p.Writes[:first]} {
		for _, w := range ws {
			if _, err := dst.WriteAt(w.Data, w.Off); err != nil {
				return err
			}
		}
	}
	return nil
}

// Reader returns the edited file as a reader over the original's bytes
// (orig) and the patch's writes, without making it: so an edit can be
// checked by parsing its result before anything is written.
func (p *Patch) Reader(orig io.ReaderAt) io.ReaderAt { return &patchReader{p: p, orig: orig} }

type patchReader struct {
	p    *Patch
	orig io.ReaderAt
}

func (r *patchReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("elf: negative offset")
	}
	if off >= r.p.Size {
		return 0, io.EOF
	}
	want := len(b)
	n := int(min(int64(want), r.p.Size-off))
	b = b[:n]
	if off < r.p.OrigSize {
		m := int(min(int64(n), r.p.OrigSize-off))
		if k, err := r.orig.ReadAt(b[:m], off); k < m {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		clear(b[m:]) // the extension of a grown file reads as zeros
	} else {
		clear(b)
	}
	end := off + int64(n)
	for _, w := range r.p.Writes {
		wend := w.Off + int64(len(w.Data))
		if wend <= off || w.Off >= end {
			continue
		}
		lo, hi := max(w.Off, off), min(wend, end)
		copy(b[lo-off:hi-off], w.Data[lo-w.Off:hi-w.Off])
	}
	if n < want {
		return n, io.EOF
	}
	return n, nil
}

// Aligned returns p with its writes widened to whole blocks of size align
// (a power of two) and merged where they meet, the bytes added taken from
// orig. Applied to a copy that shares its blocks with the original (a
// reflink clone), a whole-block write replaces the block instead of first
// reading it back from disk; merged writes also take fewer system calls.
func (p *Patch) Aligned(orig io.ReaderAt, align int64) (*Patch, error) {
	if align <= 0 || align&(align-1) != 0 {
		return nil, fmt.Errorf("elf: alignment %d is not a power of two", align)
	}
	if p.IsEmpty() || len(p.Writes) == 0 {
		return p, nil
	}
	type span struct{ lo, hi int64 }
	var spans []span
	for _, w := range p.Writes {
		lo := w.Off &^ (align - 1)
		hi := min((w.Off+int64(len(w.Data))+align-1)&^(align-1), p.Size)
		if n := len(spans); n > 0 && lo <= spans[n-1].hi {
			spans[n-1].hi = max(spans[n-1].hi, hi)
			continue
		}
		spans = append(spans, span{lo, hi})
	}
	r := p.Reader(orig)
	out := &Patch{OrigSize: p.OrigSize, Size: p.Size, Writes: make([]Write, len(spans))}
	for i, s := range spans {
		data := make([]byte, s.hi-s.lo)
		if _, err := r.ReadAt(data, s.lo); err != nil {
			return nil, err
		}
		out.Writes[i] = Write{Off: s.lo, Data: data}
	}
	return out, nil
}

// Bytes returns the edited file, given the original's bytes.
func (p *Patch) Bytes(orig []byte) []byte {
	out := make([]byte, p.Size)
	copy(out, orig)
	for _, w := range p.Writes {
		copy(out[w.Off:], w.Data)
	}
	return out
}

// Apply parses data, plans e and returns the edited bytes. changed is false,
// and out is data itself, when the edit leaves every byte as it is.
func Apply(data []byte, e Edit) (out []byte, changed bool, err error) {
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, false, err
	}
	p, err := f.Plan(e)
	if err != nil {
		return nil, false, err
	}
	if p.IsEmpty() {
		return data, false, nil
	}
	return p.Bytes(data), true, nil
}

// patchBuilder collects writes against the original file and drops the ones
// that would not change a byte.
type patchBuilder struct {
	f      *File
	writes []Write
}

func (b *patchBuilder) put(off int64, data []byte) {
	b.writes = append(b.writes, Write{Off: off, Data: data})
}

// finish orders the writes and removes those equal to the bytes already in
// the file. Overlapping writes mean the planner went wrong; they are refused
// rather than resolved by guessing.
func (b *patchBuilder) finish(newSize int64) (*Patch, error) {
	p := &Patch{OrigSize: b.f.size, Size: newSize}
	sort.SliceStable(b.writes, func(i, j int) bool { return b.writes[i].Off < b.writes[j].Off })
	end := int64(0)
	for _, w := range b.writes {
		if len(w.Data) == 0 {
			continue
		}
		if w.Off < end {
			return nil, fmt.Errorf("%w: structures overlap at byte %#x", ErrUnsafe, w.Off)
		}
		end = w.Off + int64(len(w.Data))
		if end > newSize {
			return nil, fmt.Errorf("%w: write past the end of the result at byte %#x", ErrUnsafe, w.Off)
		}
		if end <= b.f.size {
			orig := make([]byte, len(w.Data))
			if _, err := b.f.r.ReadAt(orig, w.Off); err != nil {
				return nil, err
			}
			if bytes.Equal(orig, w.Data) {
				continue
			}
		}
		p.Writes = append(p.Writes, w)
	}
	return p, b.merge(p)
}

// mergeGap: writes this close are merged into one, with the bytes between
// them as the result has them (the file's own, or zeros past its end).
// Written in place, the header fields, the moved tables and the strings
// an edit changes are then a few system calls rather than one each.
const mergeGap = 64

// merge merges p's close writes. A write that overwrites the file is never
// merged with one past its end: ApplyTo extends the file before it
// overwrites anything.
func (b *patchBuilder) merge(p *Patch) error {
	ws := p.Writes
	if len(ws) < 2 {
		return nil
	}
	out := make([]Write, 0, len(ws))
	for _, w := range ws {
		n := len(out)
		if n == 0 {
			out = append(out, w)
			continue
		}
		prev := out[n-1]
		end := prev.Off + int64(len(prev.Data))
		inside := end <= p.OrigSize && w.Off+int64(len(w.Data)) <= p.OrigSize
		past := prev.Off >= p.OrigSize
		if w.Off-end > mergeGap || !inside && !past {
			out = append(out, w)
			continue
		}
		data := make([]byte, int(w.Off-prev.Off)+len(w.Data))
		copy(data, prev.Data)
		if inside {
			if _, err := b.f.r.ReadAt(data[len(prev.Data):w.Off-prev.Off], end); err != nil {
				return err
			}
		}
		copy(data[w.Off-prev.Off:], w.Data)
		out[n-1] = Write{Off: prev.Off, Data: data}
	}
	p.Writes = out
	return nil
}
