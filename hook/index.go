package hook

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/libindex"
)

// buildIndex fills r.ix the way upstream's populate_cache does, through
// package libindex: the trees being patched (recursively unless
// NoRecurse, and skipped with IgnoreExisting), then each --libs entry
// (non-recursively), each followed by the RUNPATH closure of what it
// found. Directories met twice are read once; the first provider of a
// name wins at lookup time.
//
// The trees' libraries parsed here are remembered (as relink.Facts), so
// that the patch phase parses again only those it edits.
//
// This is the trees' only walk. It also makes the patch list (r.list):
// every file of the trees is opened once here, its first bytes tell
// whether it is ELF, and only the ELF files (and what could not be read)
// are met again by the patch phase; the others are counted. The trees are
// walked even with IgnoreExisting, for that list and to clear leftovers:
// leftover temporary files are removed by this walk, which ends before
// anything is written.
func (r *runner) buildIndex(ctx context.Context) error {
	b := libindex.Builder{Index: &r.ix}
	if r.cfg.IgnoreExisting {
		walkOnly := libindex.Builder{Index: &r.ix}
		if err := r.indexPhase(ctx, &walkOnly, r.paths, !r.cfg.NoRecurse, true, false); err != nil {
			return err
		}
	} else if err := r.indexPhase(ctx, &b, r.paths, !r.cfg.NoRecurse, true, true); err != nil {
		return err
	}
	return r.indexPhase(ctx, &b, r.libs, false, false, true)
}

// root is a --paths or --libs entry, or a RUNPATH directory, as a root of
// the hook's file system.
func (r *runner) root(path string, recursive bool) libindex.Root {
	return libindex.Root{FS: libFS{r}, Name: path, Path: path, Recursive: recursive}
}

// indexPhase indexes the libraries of initial (unless index is false) and
// of their RUNPATH closure. trees says initial are the trees being
// patched: their leftover temporary files are removed, their libraries'
// facts kept for the patch phase, and their ELF files listed for it.
func (r *runner) indexPhase(ctx context.Context, b *libindex.Builder, initial []string, recursive, trees, index bool) error {
	roots := make([]libindex.Root, 0, len(initial))
	for _, d := range initial {
		roots = append(roots, r.root(d, recursive))
	}
	isTree := func(root libindex.Root) bool { return trees && !root.Followed }
	once := r.onceOverTrees()
	return b.Add(ctx, roots, libindex.Options{
		Workers: r.workers,
		Select: func(root libindex.Root, n libindex.Node) libindex.Action {
			switch {
			case n.Err != nil:
				// A library dir we cannot list provides nothing;
				// upstream ignores it too. Trees being patched report
				// it in the patch phase, in its place in the walk.
				if isTree(root) {
					return libindex.Pass
				}
				r.log.WithError(n.Err).Debug("cannot read library directory")
				return libindex.Skip
			case isTemp(n, root.Name):
				// The trees' leftovers are removed (in Found), before
				// anything is written.
				if isTree(root) {
					return libindex.Pass
				}
				return libindex.Skip
			}
			if index && libindex.IsCandidate(root.FS, n) {
				return libindex.Read
			}
			if isTree(root) && n.Type.IsRegular() {
				// Not read as a library: only whether it is ELF, for
				// the patch list.
				return libindex.Probe
			}
			return libindex.Skip
		},
		Found: func(root libindex.Root, n libindex.Node, act libindex.Action, lib libindex.Lib) {
			switch {
			case n.Err != nil: // only the trees' errors get here
				r.list = append(r.list, node{path: n.Path, err: n.Err})
				return
			case act == libindex.Pass:
				r.removeLeftover(n.Path)
				return
			case isTree(root) && n.Type.IsRegular() && errors.Is(lib.Err, fs.ErrNotExist):
				// Removed since its directory was listed: no longer a
				// file of the trees.
				r.log.WithField("file", n.Path).Debug("gone before it was read")
				return
			case isTree(root) && n.Type.IsRegular() && once(n.Path):
				// The patch phase meets the ELF files and those that
				// could not be read; the others are only counted.
				if errors.Is(lib.Err, elf.ErrNotELF) {
					r.report.NotELF++
				} else {
					r.list = append(r.list, node{path: n.Path, facts: lib.Facts})
					r.elfTotal++
				}
			}
			if act == libindex.Probe {
				return
			}
			// Files that are not ELF, or that cannot be read or parsed,
			// are left out of the index, as upstream does; when they lie
			// in a tree being patched, the patch phase reports them.
			if lib.Facts == nil {
				if !errors.Is(lib.Err, elf.ErrNotELF) {
					r.log.WithField("file", n.Path).WithError(lib.Err).Debug("not indexed")
				}
				return
			}
			if lib.Facts.Debug {
				r.debugSeen[n.Path] = true
				r.emit(SkipFile{File: n.Path, Reason: "it looks like a separate debug object"})
				return
			}
			if lib.Err != nil { // its directory could not be resolved
				r.log.WithField("file", n.Path).WithError(lib.Err).Debug("not indexed")
			}
		},
		Follow: func(dir string) (libindex.Root, bool) {
			return r.root(DisplayPath(dir), false), true
		},
	})
}

// isTemp reports whether n, met in a walk of root, is a temporary file of
// ours (atomicfile.IsTemp): one an interrupted run left, or, in the patch
// phase, one being written. A root given by name is never one.
func isTemp(n libindex.Node, root string) bool {
	return n.Err == nil && n.Type.IsRegular() && n.Name != root && atomicfile.IsTemp(n.Base())
}

var _ fs.ReadDirFS = libFS{}

// onceOverTrees returns a function that reports whether a file of the
// trees is met for the first time, as the patch phase meets each file
// once. Only where the roots overlap does it remember the files met.
func (r *runner) onceOverTrees() func(path string) bool {
	if !overlapping(r.paths) {
		return func(string) bool { return true }
	}
	met := map[string]bool{}
	return func(path string) bool {
		key := path
		if abs, err := filepath.Abs(path); err == nil {
			key = abs
		}
		if met[key] {
			return false
		}
		met[key] = true
		return true
	}
}
