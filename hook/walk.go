package hook

import (
	"io/fs"
	"iter"
	"path/filepath"
	"strings"
	"syscall"
)

// node is one item of the patch phase's walk: a file, or a path that could
// not be read (the root itself, or a directory below it).
type node struct {
	path string      // display path: the root joined with the names below it
	typ  fs.FileMode // type bits as lstat(2) reports them
	err  error       // the root does not exist, or a directory could not be listed

	// When files are written in place, a file with other hard links met
	// later in the walk closes done when it is finished, and one met after
	// another name of its inode waits for after: see patchList.
	after <-chan struct{}
	done  chan struct{}
}

// patchList is the patch phase's walk: every --paths entry in order, each
// regular file once. Symlinks are never patched: renaming over one would
// replace the link, not its target (patchelf #108). Errors are yielded too,
// to be reported in walk order. Temporary files are not: the index's walk
// removed the leftovers, and any met now are this run's own.
//
// A file is met twice only when one root lies inside another (or repeats
// it); only then are the files met remembered, so that in the usual case
// the walk holds nothing.
func (r *runner) patchList() iter.Seq[node] {
	var seen map[string]bool
	if overlapping(r.paths) {
		seen = map[string]bool{}
	}
	return func(yield func(node) bool) {
		var links linkChains
		if w, ok := r.fs.(interface{ WritesInPlace() bool }); ok && w.WritesInPlace() && !r.cfg.DryRun {
			links = linkChains{}
		}
		for _, root := range r.paths {
			for ln := range r.root(root, !r.cfg.NoRecurse).Walk() {
				if ln.Err == nil && (isTemp(ln, root) || !ln.Type.IsRegular()) {
					continue
				}
				n := node{path: ln.Path, typ: ln.Type, err: ln.Err}
				if seen != nil && n.err == nil {
					key := n.path
					if abs, err := filepath.Abs(n.path); err == nil {
						key = abs
					}
					if seen[key] {
						continue
					}
					seen[key] = true
				}
				if links != nil && n.err == nil {
					links.chain(r.fs, &n)
				}
				if !yield(n) {
					return
				}
			}
		}
	}
}

// fileID identifies an inode.
type fileID struct{ dev, ino uint64 }

// linkChains orders the names of one inode when files are written in
// place: each name's work waits until the name before it in the walk is
// done, so no name is read while another is being written, and the names
// are patched one after the other in walk order — as patchelf run over the
// names in turn would, and the same way on every run. Only files with more
// than one link cost a map entry; finding them costs one lstat per file,
// paid only in place.
type linkChains map[fileID]chan struct{}

func (lc linkChains) chain(fsys FS, n *node) {
	fi, err := fsys.Lstat(n.path)
	if err != nil {
		return // the work meets the error itself
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return
	}
	id := fileID{uint64(st.Dev), st.Ino}
	n.after = lc[id]
	n.done = make(chan struct{})
	lc[id] = n.done
}

// overlapping reports whether two of roots are the same path or one lies
// below the other, so that a walk of both can meet a file twice.
func overlapping(roots []string) bool {
	abs := make([]string, len(roots))
	for i, p := range roots {
		a, err := filepath.Abs(p)
		if err != nil {
			return true
		}
		abs[i] = a
	}
	below := func(a, b string) bool { // a is b or lies below it
		return a == b || strings.HasPrefix(a, strings.TrimSuffix(b, "/")+"/")
	}
	for i := range abs {
		for j := range i {
			if below(abs[i], abs[j]) || below(abs[j], abs[i]) {
				return true
			}
		}
	}
	return false
}
