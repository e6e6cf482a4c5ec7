package hook

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/ordered"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// libInfo is what the index needs from one library file.
type libInfo struct {
	lib     resolver.Library
	runpath []string      // non-$ORIGIN entries of DT_RUNPATH, else DT_RPATH
	sum     *relink.Facts // what the patch phase needs; nil unless parsed as ELF
}

// buildIndex fills r.ix the way upstream's populate_cache does, breadth
// first: the trees being patched (recursively unless NoRecurse, and
// skipped with IgnoreExisting), then each --libs entry (non-recursively),
// each followed by the RUNPATH closure of what it found. Directories met
// twice are read once; the first provider of a name wins at lookup time.
//
// The trees' libraries parsed here are remembered (as an elfSummary), so
// that the patch phase parses again only those it edits.
//
// The trees are walked here even with IgnoreExisting (then only to count
// their files and clear leftovers): leftover temporary files are removed
// by this walk, which ends before anything is written, so the patch phase
// never mistakes this run's own temporary files for leftovers.
func (r *runner) buildIndex(ctx context.Context) error {
	seen := map[string]bool{}
	if r.cfg.IgnoreExisting {
		if err := r.indexPhase(ctx, r.paths, !r.cfg.NoRecurse, true, false, map[string]bool{}); err != nil {
			return err
		}
	} else if err := r.indexPhase(ctx, r.paths, !r.cfg.NoRecurse, true, true, seen); err != nil {
		return err
	}
	if overlapping(r.paths) {
		r.total = 0 // counted twice where the roots overlap: unknown
	}
	return r.indexPhase(ctx, r.libs, false, false, true, seen)
}

// indexPhase indexes the libraries of initial (unless index is false) and
// of their RUNPATH closure. trees says initial are the trees being
// patched: their regular files are counted for the progress total, their
// leftover temporary files removed, and their libraries' summaries kept
// for the patch phase.
func (r *runner) indexPhase(ctx context.Context, initial []string, recursive, trees, index bool, seen map[string]bool) error {
	type dirItem struct {
		dir  string
		tree bool
	}
	queue := make([]dirItem, 0, len(initial))
	for _, d := range initial {
		queue = append(queue, dirItem{d, trees})
	}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		item := queue[0]
		queue = queue[1:]
		if seen[item.dir] {
			continue
		}
		seen[item.dir] = true
		candidates := func(yield func(node) bool) {
			for n := range r.walk(item.dir, recursive, matchAll) {
				switch {
				case n.err != nil:
					// A library dir we cannot list provides nothing;
					// upstream ignores it too. Trees being patched report
					// it in the patch phase.
					r.log.WithError(n.err).Debug("cannot read library directory")
					continue
				case n.temp:
					// The trees' leftovers are removed (by the emitter),
					// before anything is written.
					if item.tree && !yield(n) {
						return
					}
					continue
				}
				if item.tree && n.typ.IsRegular() {
					r.total++
				}
				if index && hasSO(baseName(n.path)) && r.isFile(n) && !yield(n) {
					return
				}
			}
		}
		err := ordered.Map(ctx, candidates, r.workers, func(n node) libInfo {
			if n.temp {
				return libInfo{}
			}
			return r.readLib(n, item.tree)
		}, func(n node, li libInfo) {
			if n.temp {
				r.removeLeftover(n.path)
				return
			}
			if li.sum == nil {
				return
			}
			if item.tree && n.typ.IsRegular() {
				r.parsed[n.path] = li.sum
			}
			if li.sum.Debug {
				r.debugSeen[n.path] = true
				r.emit(SkipFile{File: n.path, Reason: "it looks like a separate debug object"})
				return
			}
			if li.lib.Name == "" { // its directory could not be resolved
				return
			}
			r.ix.Add(li.lib)
			for _, d := range li.runpath {
				queue = append(queue, dirItem{d, false})
			}
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
func (r *runner) readLib(n node, tree bool) libInfo {
	f, err := r.openELF(n.path)
	if err != nil {
		if !errors.Is(err, elf.ErrNotELF) {
			r.log.WithField("file", n.path).WithError(err).Debug("not indexed")
		}
		return libInfo{}
	}
	defer f.close()
	li := libInfo{sum: relink.FactsOf(f.File)}
	if li.sum.Debug {
		return li
	}
	name := baseName(n.path)
	dir, err := r.libDir(n, name)
	if err != nil {
		r.log.WithField("file", n.path).WithError(err).Debug("not indexed")
		if !tree {
			return libInfo{}
		}
		return li // not indexed, but the patch phase can use the summary
	}
	li.lib = resolver.Library{Name: name, Dir: dir, Platform: li.sum.Platform}
	for _, e := range splitRunpath(li.sum.SearchPath) {
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
func (r *runner) libDir(n node, name string) (string, error) {
	// A regular file lies in its directory: resolve that once per
	// directory instead of every component of every library's path (most
	// of a run's stat calls, bench/corpus/RESULTS.md).
	path := n.path
	if n.typ&fs.ModeSymlink == 0 {
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
