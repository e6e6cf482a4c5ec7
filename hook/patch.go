package hook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/ldcache"
	"github.com/gopatchelf/gopatchelf/libindex"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// fileResult is what processing one file produced, held until it is its
// turn to be reported.
type fileResult struct {
	events  []Event
	outcome Outcome
	err     error
	res     *resolver.Result
}

func (fr *fileResult) add(e Event) { fr.events = append(fr.events, e) }

func (fr *fileResult) skip(path, reason string) fileResult {
	fr.add(SkipFile{File: path, Reason: reason})
	fr.outcome = Skipped
	return *fr
}

func (fr *fileResult) fail(err error) fileResult {
	fr.outcome, fr.err = Failed, err
	return *fr
}

// writeAlign is the block size patches are written in: the page size of
// most systems, and a multiple of every file system's block size.
const writeAlign = 4096

// openELF opens and parses path (see libindex.Open: a file that is not
// ELF costs one open, one read and one close, and gives elf.ErrNotELF).
func (r *runner) openELF(path string) (*libindex.File, error) {
	return libindex.Open(libFS{r}, path)
}

// patchFile runs upstream's auto_patchelf_file on one regular file: the
// skip rules, the interpreter, the dependencies, the RUNPATH, and then,
// unlike upstream, one edit written after it has been verified.
func (r *runner) patchFile(ctx context.Context, path string, s *relink.Facts) (fr fileResult) {
	if err := ctx.Err(); err != nil {
		return fr.fail(err)
	}
	var f *libindex.File
	if s == nil {
		var err error
		f, err = r.openELF(path)
		if errors.Is(err, elf.ErrNotELF) {
			fr.outcome = NotELF
			return fr
		}
		if err != nil {
			return fr.fail(nameErr(path, err))
		}
		defer f.Close()
		s = relink.FactsOf(f.File)
	}

	target := r.cfg.Target
	switch skip, why := relink.Decide(s, &target); skip {
	case relink.NoSkip:
	case relink.Debug:
		if r.debugSeen[path] { // already reported while indexing
			fr.outcome = Skipped
			return fr
		}
		return fr.skip(path, why)
	default:
		return fr.skip(path, why)
	}

	if s.Executable && r.cfg.Interpreter != "" {
		fr.add(SetInterpreter{File: path, Interpreter: r.cfg.Interpreter})
	}
	fr.add(Searching{File: path})

	dir := ""
	if r.cfg.PreserveOrigin || r.cfg.RelativeRpaths {
		var err error
		if dir, err = r.realDir(filepath.Dir(path)); err != nil {
			return fr.fail(err)
		}
	}
	req := relink.Request(path, dir, s, r.cfg.PreserveOrigin)
	res := resolver.Resolve(&r.ix, req, r.opts)
	fr.res = &res
	for _, d := range res.Deps {
		switch d.Via {
		case resolver.Indexed:
			fr.add(Dependency{File: path, Name: d.Name, Found: true, Location: d.Library.Dir})
		case resolver.NotFound:
			fr.add(Dependency{File: path, Name: d.Name})
		}
		if r.cfg.Explain {
			fr.add(Explain{File: path, Dep: d})
		}
	}
	edit := relink.Edit(s, r.cfg.Interpreter, res, r.cfg.ForceRpath)
	if edit.SetRunpath {
		fr.add(SetRpath{File: path, Rpath: edit.Runpath})
	}
	if r.cfg.ResolutionCache {
		edit.ResolutionCache = r.resolutionCache(s, edit)
	}
	if edit.IsZero() {
		fr.outcome = Unchanged
		return fr
	}
	edit.PageSize = r.cfg.PageSize
	edit.NoDefaultLib = r.cfg.NoDefaultLib

	if f == nil { // summarised while indexing: parse it for the edit
		var err error
		if f, err = r.openELF(path); err != nil {
			return fr.fail(nameErr(path, err))
		}
		defer f.Close()
	}
	patch, err := f.Plan(edit)
	if err != nil {
		return fr.fail(fmt.Errorf("%s: %w", path, err))
	}
	if patch.IsEmpty() {
		fr.outcome = Unchanged
		return fr
	}
	fr.outcome = Patched
	if patch.TrailingData > 0 {
		fr.add(KeptPayload{File: path, Bytes: patch.TrailingData})
	}
	if r.cfg.DryRun {
		return fr
	}
	// f.Plan has checked the result (elf/verify.go) from the bytes already
	// read and the patch's writes; the file written (temporary or, in
	// place, the file itself) must then have the result's size. Reading
	// the temporary file back instead would cost a cold read on file
	// systems that clone.
	//
	// Whole-page writes into a copy: a clone's shared pages are then
	// replaced rather than read back from disk and modified. In place, the
	// planned writes go as they are: the file's pages were just read.
	if w, ok := r.fs.(interface{ WritesInPlace() bool }); !ok || !w.WritesInPlace() {
		if patch, err = patch.Aligned(f.Src, writeAlign); err != nil {
			return fr.fail(nameErr(path, err))
		}
	}
	err = r.fs.Replace(path, func(tmp *os.File) error {
		if err := patch.ApplyTo(tmp); err != nil {
			return err
		}
		st, err := tmp.Stat()
		if err != nil {
			return err
		}
		if st.Size() != patch.Size {
			return fmt.Errorf("%w: %s has %d bytes, want %d", elf.ErrVerify, tmp.Name(), st.Size(), patch.Size)
		}
		return nil
	})
	if err != nil {
		return fr.fail(nameErr(path, err))
	}
	return fr
}

// resolutionCache computes the resolution-cache descriptor for the run
// path the file s summarises will have after edit, or nil when there is none to write: no
// DT_RUNPATH (the loader's cache is only for DT_RUNPATH files), nothing
// needed, or nothing found.
func (r *runner) resolutionCache(s *relink.Facts, edit elf.Edit) []byte {
	runpath, ok := s.Runpath, s.HasRunpath
	if edit.SetRunpath {
		runpath, ok = edit.Runpath, !edit.ForceRpath
	}
	if !ok {
		return nil
	}
	desc, err := ldcache.Build(s.Needed, runpath, ldcache.FS{
		Readable: func(p string) bool {
			st, err := r.fs.Stat(p)
			return err == nil && !st.IsDir()
		},
		Exists: func(p string) bool {
			_, err := r.fs.Stat(p)
			return err == nil
		},
	})
	if err != nil {
		return nil
	}
	return desc
}

// nameErr prefixes err with path unless it is an os error about path
// itself, which already names it.
func nameErr(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Path == path || strings.HasPrefix(err.Error(), path+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
