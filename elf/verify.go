package elf

import (
	"bytes"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ErrVerify is returned by [File.Plan] when the planned result, parsed
// again, does not say what the edit asked for, or changed something the
// loader reads that the edit did not ask to change. It means a bug in the
// writer, never bad input; the file must be left alone.
var ErrVerify = errors.New("verification of the rewritten file failed")

// NeededAfter returns the DT_NEEDED list e makes of needed: removals, then
// replacements in the order given, then the additions not yet needed, in
// front — the order [File.Plan] applies them in.
func (e *Edit) NeededAfter(needed []string) []string {
	var out []string
	for _, n := range needed {
		if slices.Contains(e.RemoveNeeded, n) {
			continue
		}
		for _, r := range e.ReplaceNeeded {
			if r.Old == n && r.New != "" {
				n = r.New
			}
		}
		out = append(out, n)
	}
	var add []string
	for _, n := range e.AddNeeded {
		if n != "" && !slices.Contains(out, n) && !slices.Contains(add, n) {
			add = append(add, n)
		}
	}
	return append(add, out...)
}

// verify parses the result of p and checks it against f and e: the edit
// must be there, and nothing else the loader relies on may have changed.
// Every writer gets this check through Plan; it is the guard against the
// corruption two patchelf runs could cause (patchelf #524, nixpkgs
// #226339). result is the edited file's bytes (p.Reader over f's).
func (f *File) verify(result io.ReaderAt, size int64, e Edit) error {
	got, err := NewFile(result, size)
	if err != nil {
		return fmt.Errorf("%w: result does not parse: %w", ErrVerify, err)
	}
	bad := func(what string, want, have any) error {
		return fmt.Errorf("%w: result has %s %q, want %q", ErrVerify, what, have, want)
	}
	wantABI := f.OSABI
	if e.SetOSABI {
		wantABI = e.OSABI
	}
	switch {
	case got.Machine != f.Machine || got.Class != f.Class || got.Data != f.Data || got.Type != f.Type:
		return fmt.Errorf("%w: header changed", ErrVerify)
	case got.OSABI != wantABI:
		return bad("OS ABI", wantABI.String(), got.OSABI.String())
	case got.IsDynamic() != f.IsDynamic():
		return fmt.Errorf("%w: dynamic section lost or gained", ErrVerify)
	}
	if want := e.NeededAfter(f.Needed); !slices.Equal(got.Needed, want) {
		return bad("DT_NEEDED", strings.Join(want, " "), strings.Join(got.Needed, " "))
	}
	wantInterp := f.Interpreter
	if e.Interpreter != "" {
		wantInterp = e.Interpreter
	}
	if got.Interpreter != wantInterp || got.HasInterpreter != f.HasInterpreter {
		return bad("interpreter", wantInterp, got.Interpreter)
	}
	if e.Soname != "" {
		if !got.HasSoname || got.Soname != e.Soname {
			return bad("DT_SONAME", e.Soname, got.Soname)
		}
	} else if got.HasSoname != f.HasSoname || got.Soname != f.Soname {
		return bad("DT_SONAME", f.Soname, got.Soname)
	}
	switch {
	case e.SetRunpath:
		has, val, other := got.HasRunpath, got.Runpath, got.HasRpath
		what := "DT_RUNPATH"
		if e.ForceRpath {
			has, val, other, what = got.HasRpath, got.Rpath, got.HasRunpath, "DT_RPATH"
		}
		if !has || val != e.Runpath || other {
			return bad(what, e.Runpath, val)
		}
	case e.RemoveRunpath:
		if got.HasRunpath || got.HasRpath {
			return bad("search path", "", got.SearchPath())
		}
	default:
		if got.HasRunpath != f.HasRunpath || got.Runpath != f.Runpath {
			return bad("DT_RUNPATH", f.Runpath, got.Runpath)
		}
		if got.HasRpath != f.HasRpath || got.Rpath != f.Rpath {
			return bad("DT_RPATH", f.Rpath, got.Rpath)
		}
	}
	if e.NoDefaultLib {
		if v, _ := got.DynValue(stdelf.DT_FLAGS_1); v&uint64(stdelf.DF_1_NODEFLIB) == 0 {
			return fmt.Errorf("%w: result lacks DF_1_NODEFLIB", ErrVerify)
		}
	}
	if e.AddDebugTag {
		if _, ok := got.DynValue(stdelf.DT_DEBUG); !ok {
			return fmt.Errorf("%w: result lacks DT_DEBUG", ErrVerify)
		}
	}
	if e.SetExecstack || e.ClearExecstack {
		i := slices.IndexFunc(got.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_GNU_STACK })
		if i < 0 || (got.Progs[i].Flags&stdelf.PF_X != 0) != e.SetExecstack {
			return fmt.Errorf("%w: result's PT_GNU_STACK is not what was asked for", ErrVerify)
		}
	}
	if e.ResolutionCache != nil && !bytes.Equal(got.ResolutionCache, e.ResolutionCache) {
		return fmt.Errorf("%w: result's resolution cache is not the one asked for", ErrVerify)
	}
	return nil
}
