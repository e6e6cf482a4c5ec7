package hook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/ldcache"
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

// patchFile runs upstream's auto_patchelf_file on one regular file: the
// skip rules, the interpreter, the dependencies, the RUNPATH, and then,
// unlike upstream, one edit written atomically after it has been verified.
func (r *runner) patchFile(ctx context.Context, path string) (fr fileResult) {
	if err := ctx.Err(); err != nil {
		return fr.fail(err)
	}
	fd, err := r.fs.Open(path)
	if err != nil {
		return fr.fail(nameErr(path, err))
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return fr.fail(nameErr(path, err))
	}
	f, err := elf.NewFile(fd, st.Size())
	if errors.Is(err, elf.ErrNotELF) {
		fr.outcome = NotELF
		return fr
	}
	if err != nil {
		return fr.fail(fmt.Errorf("%s: %w", path, err))
	}

	plat := platformOf(f)
	target := r.cfg.Target
	switch {
	case f.IsStatic() || f.IsStaticPIE():
		// A static-pie has no interpreter and no dependencies; upstream
		// would still give it --append-rpaths, which it never reads.
		return fr.skip(path, "it is statically linked")
	case !f.HasSegments():
		return fr.skip(path, "it contains no segment")
	case !target.SameArch(plat):
		a, b := archNames2(plat, target)
		return fr.skip(path, fmt.Sprintf("its architecture (%s) differs from target (%s)", a, b))
	case !resolver.OSABICompatible(target.OSABI, plat.OSABI):
		return fr.skip(path, fmt.Sprintf("its OS ABI (%s) is not compatible with target (%s)",
			OSABIName(plat.OSABI), OSABIName(target.OSABI)))
	case f.IsDebugObject():
		if r.debugSeen[path] { // already reported while indexing
			fr.outcome = Skipped
			return fr
		}
		return fr.skip(path, "it looks like a separate debug object")
	}

	var edit elf.Edit
	executable := f.HasInterpreter
	if executable && r.cfg.Interpreter != "" {
		fr.add(SetInterpreter{File: path, Interpreter: r.cfg.Interpreter})
		edit.Interpreter = r.cfg.Interpreter
	}
	fr.add(Searching{File: path})

	req := resolver.Request{
		Path:       path,
		Platform:   plat,
		Executable: executable,
		Needed:     f.Needed,
	}
	for _, d := range f.Dlopen {
		req.Dlopen = append(req.Dlopen, d.Sonames)
	}
	if r.cfg.PreserveOrigin || r.cfg.RelativeRpaths {
		if req.Dir, err = r.realDir(filepath.Dir(path)); err != nil {
			return fr.fail(err)
		}
	}
	if r.cfg.PreserveOrigin && (f.HasRunpath || f.HasRpath) {
		req.RunPath = splitRunpath(f.SearchPath())
	}
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
	if len(res.RunPath) > 0 {
		rp := strings.Join(res.RunPath, ":")
		fr.add(SetRpath{File: path, Rpath: rp})
		edit.SetRunpath, edit.Runpath, edit.ForceRpath = true, rp, r.cfg.ForceRpath
	}
	if r.cfg.ResolutionCache {
		edit.ResolutionCache = r.resolutionCache(f, edit)
	}
	if edit.IsZero() {
		fr.outcome = Unchanged
		return fr
	}
	edit.PageSize = r.cfg.PageSize
	edit.NoDefaultLib = r.cfg.NoDefaultLib

	patch, err := f.Plan(edit)
	if err != nil {
		return fr.fail(fmt.Errorf("%s: %w", path, err))
	}
	if patch.IsEmpty() {
		fr.outcome = Unchanged
		return fr
	}
	fr.outcome = Patched
	if r.cfg.DryRun {
		return fr
	}
	err = r.fs.Replace(path, func(tmp *os.File) error {
		if err := patch.ApplyTo(tmp); err != nil {
			return err
		}
		return verify(f, tmp, patch.Size, edit)
	})
	if err != nil {
		return fr.fail(nameErr(path, err))
	}
	return fr
}

// resolutionCache computes the resolution-cache descriptor for the run
// path f will have after edit, or nil when there is none to write: no
// DT_RUNPATH (the loader's cache is only for DT_RUNPATH files), nothing
// needed, or nothing found.
func (r *runner) resolutionCache(f *elf.File, edit elf.Edit) []byte {
	runpath, ok := f.Runpath, f.HasRunpath
	if edit.SetRunpath {
		runpath, ok = edit.Runpath, !edit.ForceRpath
	}
	if !ok {
		return nil
	}
	desc, err := ldcache.Build(f.Needed, runpath, ldcache.FS{
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

// verify re-parses the written copy before it replaces the original: the
// edit must be there and nothing the loader relies on may have changed.
// This is the guard against the corruption two patchelf runs could cause
// (patchelf #524, nixpkgs #226339).
func verify(orig *elf.File, tmp *os.File, size int64, e elf.Edit) error {
	got, err := elf.NewFile(tmp, size)
	if err != nil {
		return fmt.Errorf("result does not parse: %w", err)
	}
	bad := func(what string, want, have any) error {
		return fmt.Errorf("%w: result has %s %q, want %q", errVerify, what, have, want)
	}
	switch {
	case got.Machine != orig.Machine || got.Class != orig.Class || got.Data != orig.Data || got.Type != orig.Type:
		return fmt.Errorf("%w: header changed", errVerify)
	case !slices.Equal(got.Needed, orig.Needed):
		return bad("DT_NEEDED", strings.Join(orig.Needed, " "), strings.Join(got.Needed, " "))
	case e.Interpreter != "" && got.Interpreter != e.Interpreter:
		return bad("interpreter", e.Interpreter, got.Interpreter)
	case e.Interpreter == "" && got.Interpreter != orig.Interpreter:
		return bad("interpreter", orig.Interpreter, got.Interpreter)
	}
	if e.SetRunpath {
		has, val, other := got.HasRunpath, got.Runpath, got.HasRpath
		what := "DT_RUNPATH"
		if e.ForceRpath {
			has, val, other, what = got.HasRpath, got.Rpath, got.HasRunpath, "DT_RPATH"
		}
		if !has || val != e.Runpath || other {
			return bad(what, e.Runpath, val)
		}
	}
	return nil
}

var errVerify = errors.New("verification of the rewritten file failed")

// nameErr prefixes err with path unless it is an os error about path
// itself, which already names it.
func nameErr(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Path == path || strings.HasPrefix(err.Error(), path+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
