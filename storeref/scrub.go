package storeref

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// Options control [Scrub]. The zero value scrubs /nix/store references
// with the default placeholder interpreter.
type Options struct {
	// StoreDir is the store directory without a trailing slash; "" means
	// DefaultStoreDir.
	StoreDir string
	// Interpreter replaces an interpreter in the store; "" means
	// [PlaceholderInterpreter] of the file.
	Interpreter string
	// KeepUnloaded leaves store paths in sections the loader never maps
	// (debug information, .comment) as they are; by default their hash is
	// overwritten with 'e's.
	KeepUnloaded bool
}

// Change is one thing Scrub changed.
type Change struct {
	Kind Kind `json:"kind"` // Runpath, Rpath, Interpreter or Bytes
	// Old and New are the whole RUNPATH/RPATH or interpreter before and
	// after ("" New: removed); for Bytes, the store path and its blanked
	// form.
	Old     string `json:"old"`
	New     string `json:"new"`
	Offset  int64  `json:"offset,omitempty"`  // Bytes only
	Section string `json:"section,omitempty"` // Bytes only
}

// Result is the outcome of [Scrub] on one file.
type Result struct {
	// Data is the new contents; it is the input slice itself when nothing
	// changed.
	Data    []byte
	Changed bool
	Changes []Change
	// Remaining are the references left in Data, as [Scan] reports them.
	Remaining []Ref
}

// ErrVerify is returned when the rewritten file does not read back with
// the changes asked for; the input is then to be left alone.
// It is elf.ErrVerify: [elf.File.Plan] checks every result it plans.
var ErrVerify = elf.ErrVerify

// Scrub removes the store references an ELF file holds in its RUNPATH,
// RPATH and interpreter, and blanks those in unloaded sections (see the
// package documentation). Data that is not ELF is returned unchanged with
// its references in Remaining. An ELF file that does not parse, or that
// package elf refuses to rewrite, is an error, and the caller must keep
// the original.
func Scrub(data []byte, opts Options) (Result, error) {
	storeDir := opts.StoreDir
	if storeDir == "" {
		storeDir = DefaultStoreDir
	}
	f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, elf.ErrNotELF) {
		refs, _ := Scan(data, storeDir)
		return Result{Data: data, Remaining: refs}, nil
	}
	if err != nil {
		return Result{}, err
	}

	res := Result{Data: data}
	edit := planEdit(f, storeDir, opts, &res.Changes)
	if !edit.IsZero() {
		p, err := f.Plan(edit)
		if err != nil {
			return Result{}, err
		}
		if !p.IsEmpty() {
			res.Data = p.Bytes(data)
		}
	}
	// f.Plan has checked the result (elf/verify.go); it is parsed again
	// here to find the sections to blank.
	nf, err := elf.NewFile(bytes.NewReader(res.Data), int64(len(res.Data)))
	if err != nil {
		return Result{}, fmt.Errorf("%w: result does not parse: %w", ErrVerify, err)
	}
	if !opts.KeepUnloaded {
		res.Data = blankUnloaded(nf, res.Data, data, storeDir, &res.Changes)
	}
	res.Changed = !bytes.Equal(res.Data, data)
	if !res.Changed {
		res.Data, res.Changes = data, nil
	}
	res.Remaining, err = Scan(res.Data, storeDir)
	if err != nil {
		return Result{}, fmt.Errorf("%w: result does not parse: %w", ErrVerify, err)
	}
	return res, nil
}

// planEdit builds the edit that drops store entries from the search path
// and replaces an interpreter in the store.
func planEdit(f *elf.File, storeDir string, opts Options, changes *[]Change) elf.Edit {
	var edit elf.Edit
	inStore := func(s string) bool { return len(findAll([]byte(s), storeDir)) > 0 }
	keep := func(list string) (string, bool) {
		var kept []string
		dropped := false
		for _, e := range strings.Split(list, ":") {
			if inStore(e) {
				dropped = true
				continue
			}
			kept = append(kept, e)
		}
		return strings.Join(kept, ":"), dropped
	}

	// The loader reads DT_RUNPATH when there is one and then ignores
	// DT_RPATH, so with both the result is the filtered DT_RUNPATH alone.
	kind, list := Runpath, f.Runpath
	switch {
	case f.HasRunpath:
	case f.HasRpath:
		kind, list = Rpath, f.Rpath
	}
	if f.HasRunpath || f.HasRpath {
		kept, dropped := keep(list)
		both := f.HasRunpath && f.HasRpath
		if dropped || (both && inStore(f.Rpath)) {
			if kept == "" {
				edit.RemoveRunpath = true
			} else {
				edit.SetRunpath, edit.Runpath, edit.ForceRpath = true, kept, kind == Rpath
			}
			if dropped {
				*changes = append(*changes, Change{Kind: kind, Old: list, New: kept})
			}
			if both { // package elf keeps one search path: DT_RPATH goes
				*changes = append(*changes, Change{Kind: Rpath, Old: f.Rpath})
			}
		}
	}

	if f.HasInterpreter && inStore(f.Interpreter) {
		interp := opts.Interpreter
		if interp == "" {
			interp = PlaceholderInterpreter(f)
		}
		edit.Interpreter = interp
		*changes = append(*changes, Change{Kind: Interpreter, Old: f.Interpreter, New: interp})
	}
	return edit
}

// blankUnloaded overwrites with 'e's the hash of every store path in a
// section without SHF_ALLOC that no PT_LOAD maps: bytes nothing reads at
// run time. It copies data before the first write unless data is already a
// copy (not orig).
func blankUnloaded(f *elf.File, data, orig []byte, storeDir string, changes *[]Change) []byte {
	for _, m := range findAll(data, storeDir) {
		off := int64(m.off)
		s := sectionFor(f, off)
		if s == nil || s.Flags&stdelf.SHF_ALLOC != 0 || inLoad(f, off) {
			continue
		}
		h := m.off + len(storeDir) + 1
		if uint64(h+hashLen) > s.Offset+s.FileSize {
			continue // the path runs past the section's end
		}
		if &data[0] == &orig[0] {
			data = bytes.Clone(data)
		}
		copy(data[h:h+hashLen], blankHash)
		*changes = append(*changes, Change{Kind: Bytes, Old: m.path, New: string(data[m.off : m.off+len(m.path)]),
			Offset: off, Section: s.Name})
	}
	return data
}

// PlaceholderInterpreter is the interpreter [Scrub] gives an executable
// whose interpreter is in the store: the path the architecture's psABI
// (and every FHS distribution) gives the same loader, found from its file
// name in internal/arch's table — /lib64/ld-linux-x86-64.so.2,
// /lib/ld-linux-aarch64.so.1, /lib/ld-musl-x86_64.so.1, …; /lib for a
// loader the table does not know. It depends on nothing but the file, so
// a fixed-output derivation's hash stays the same when the store path of
// glibc changes, and it names no store path.
func PlaceholderInterpreter(f *elf.File) string {
	base := path.Base(f.Interpreter)
	if base == "" || base == "/" || base == "." {
		base = "ld.so"
	}
	if p, ok := arch.LoaderPath(base, f.Machine, f.Class); ok {
		return p
	}
	return "/lib/" + base
}
