package hook

import (
	"io/fs"
	"iter"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

// node is one item of a walk: a directory entry, or a path that could not
// be read (the root itself, or a directory below it), or one of our
// temporary files that an interrupted run left behind.
type node struct {
	path string      // display path: the root joined with the names below it
	typ  fs.FileMode // type bits as lstat(2) reports them
	err  error       // the root does not exist, or a directory could not be listed
	temp bool        // a leftover temporary file (atomicfile.IsTemp)

	// When files are written in place, a file with other hard links met
	// later in the walk closes done when it is finished, and one met after
	// another name of its inode waits for after: see patchList.
	after <-chan struct{}
	done  chan struct{}
}

// hasSO is the library index's filter: fnmatch "*.so*" on the name.
func hasSO(name string) bool { return strings.Contains(name, ".so") }

func matchAll(string) bool { return true }

// walk lists root the way upstream's glob helper does: a directory (the
// root's own symlink followed) yields the entries below it whose name
// matches (recursively unless told otherwise, never descending into a
// symlinked directory), in sorted depth-first order; anything else yields
// root itself when its name matches. Upstream's order is readdir order
// (nixpkgs #221373); ours depends on names only.
//
// Nothing is kept: each directory is listed when the walk reaches it, so
// memory does not grow with the size of the tree. Temporary files are
// yielded as such whatever match says.
func (r *runner) walk(root string, recursive bool, match func(string) bool) iter.Seq[node] {
	return func(yield func(node) bool) {
		if fi, err := r.fs.Stat(root); err == nil && fi.IsDir() {
			r.walkDir(root, recursive, match, yield)
			return
		}
		fi, err := r.fs.Lstat(root)
		if err != nil {
			yield(node{path: root, err: err})
			return
		}
		if match(baseName(root)) {
			yield(node{path: root, typ: fi.Mode().Type()})
		}
	}
}

func (r *runner) walkDir(dir string, recursive bool, match func(string) bool, yield func(node) bool) bool {
	entries, err := r.fs.ReadDir(dir)
	if err != nil {
		return yield(node{path: dir, err: err})
	}
	for _, e := range entries {
		name := e.Name()
		p := child(dir, name)
		if atomicfile.IsTemp(name) && e.Type().IsRegular() {
			if !yield(node{path: p, temp: true}) {
				return false
			}
			continue
		}
		if match(name) && !yield(node{path: p, typ: e.Type()}) {
			return false
		}
		if recursive && e.IsDir() && !r.walkDir(p, recursive, match, yield) {
			return false
		}
	}
	return true
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
			for n := range r.walk(root, !r.cfg.NoRecurse, matchAll) {
				if n.err == nil && (n.temp || !n.typ.IsRegular()) {
					continue
				}
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

// isFile is pathlib's Path.is_file(): a regular file, symlinks followed.
func (r *runner) isFile(n node) bool {
	switch {
	case n.typ.IsRegular():
		return true
	case n.typ&fs.ModeSymlink != 0:
		fi, err := r.fs.Stat(n.path)
		return err == nil && fi.Mode().IsRegular()
	}
	return false
}
