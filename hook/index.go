package hook

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// libInfo is what the index needs from one library file.
type libInfo struct {
	lib     resolver.Library
	runpath []string // non-$ORIGIN entries of DT_RUNPATH, else DT_RPATH
	debug   bool     // a separate debug object: not indexed
	ok      bool     // parsed as ELF
}

// buildIndex fills r.ix the way upstream's populate_cache does, breadth
// first: the trees being patched (recursively unless NoRecurse, and
// skipped with IgnoreExisting), then each --libs entry (non-recursively),
// each followed by the RUNPATH closure of what it found. Directories met
// twice are read once; the first provider of a name wins at lookup time.
func (r *runner) buildIndex(ctx context.Context) error {
	seen := map[string]bool{}
	if !r.cfg.IgnoreExisting {
		if err := r.indexPhase(ctx, r.paths, !r.cfg.NoRecurse, seen); err != nil {
			return err
		}
	}
	return r.indexPhase(ctx, r.libs, false, seen)
}

func (r *runner) indexPhase(ctx context.Context, initial []string, recursive bool, seen map[string]bool) error {
	queue := append([]string(nil), initial...)
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := queue[0]
		queue = queue[1:]
		if seen[dir] {
			continue
		}
		seen[dir] = true
		nodes, _, errs := r.glob(dir, recursive, hasSO)
		for _, err := range errs {
			// A library dir we cannot list provides nothing; upstream
			// ignores it too. Trees being patched report it in the patch
			// phase.
			r.log.WithError(err).Debug("cannot list library directory")
		}
		var files []node
		for _, n := range nodes {
			if r.isFile(n) {
				files = append(files, n)
			}
		}
		err := ordered(ctx, len(files), r.workers, func(i int) libInfo {
			return r.readLib(files[i].path)
		}, func(i int, li libInfo) {
			if !li.ok {
				return
			}
			if li.debug {
				r.debugSeen[files[i].path] = true
				r.emit(SkipFile{File: files[i].path, Reason: "it looks like a separate debug object"})
				return
			}
			r.ix.Add(li.lib)
			queue = append(queue, li.runpath...)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readLib parses one library candidate. Files that are not ELF, or that
// cannot be read or parsed, are left out of the index, as upstream does;
// when they lie in a tree being patched, the patch phase reports them.
func (r *runner) readLib(path string) libInfo {
	f, err := r.fs.Open(path)
	if err != nil {
		r.log.WithError(err).Debug("cannot read library")
		return libInfo{}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return libInfo{}
	}
	ef, err := elf.NewFile(f, st.Size())
	if err != nil {
		if !errors.Is(err, elf.ErrNotELF) {
			r.log.WithField("file", path).WithError(err).Debug("not indexed")
		}
		return libInfo{}
	}
	li := libInfo{ok: true, debug: ef.IsDebugObject()}
	if li.debug {
		return li
	}
	name := baseName(path)
	dir, err := r.libDir(path, name)
	if err != nil {
		r.log.WithField("file", path).WithError(err).Debug("not indexed")
		return libInfo{}
	}
	li.lib = resolver.Library{Name: name, Dir: dir, Platform: platformOf(ef)}
	for _, e := range splitRunpath(ef.SearchPath()) {
		if e != "" && !strings.Contains(e, "$ORIGIN") {
			li.runpath = append(li.runpath, DisplayPath(e))
		}
	}
	return li
}

// libDir is the directory a library found at path makes RUNPATH point to:
// the real directory of its target when that has the same name (a regular
// file, or a symlink to a same-named file elsewhere), else the symlink's
// own directory, so that "libfoo.so.1 -> libfoo.so.1.2.3" is found under
// the name the loader asks for (nixpkgs #210908). Upstream leaves the
// latter relative when given a relative path; we make it absolute, since a
// relative RUNPATH entry would be resolved against the working directory of
// whoever runs the program.
func (r *runner) libDir(path, name string) (string, error) {
	// A regular file lies in its directory: resolve that once per
	// directory instead of every component of every library's path (most
	// of a run's stat calls, bench/corpus/RESULTS.md).
	fi, err := r.fs.Lstat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return r.realDir(filepath.Dir(path))
	}
	real, err := r.fs.Realpath(path)
	if err != nil {
		return "", err
	}
	if filepath.Base(real) == name {
		return filepath.Dir(real), nil
	}
	return filepath.Abs(filepath.Dir(path))
}

func platformOf(f *elf.File) resolver.Platform {
	return resolver.Platform{Machine: f.Machine, Class: f.Class, Data: f.Data, OSABI: f.OSABI}
}
