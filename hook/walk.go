package hook

import (
	"iter"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gopatchelf/gopatchelf/relink"
)

// node is one item of the patch list: a regular file, or a path that
// could not be read (the root itself, or a directory below it).
type node struct {
	path string // display path: the root joined with the names below it
	err  error  // the root does not exist, or a directory could not be listed

	// facts are the file's, when the index parsed it (a library of the
	// trees): the patch phase then opens it only to edit it.
	facts *relink.Facts

	// When files are written in place, a file with other hard links met
	// later in the walk closes done when it is finished, and one met after
	// another name of its inode waits for after: see patchList.
	after <-chan struct{}
	done  chan struct{}
}

// patchList is the patch phase's list: the ELF files of every --paths
// entry (and the paths that could not be read), in the order of the
// index's walk, each regular file once (see buildIndex). Symlinks are
// never patched: renaming over one would replace the link, not its target
// (patchelf #108). Errors are yielded too, to be reported in walk order.
// The list is released as it is yielded: it is walked once.
func (r *runner) patchList() iter.Seq[node] {
	return func(yield func(node) bool) {
		var links linkChains
		if w, ok := r.fs.(interface{ WritesInPlace() bool }); ok && w.WritesInPlace() && !r.cfg.DryRun {
			links = linkChains{}
		}
		for i, n := range r.list {
			r.list[i] = node{} // what the patch phase is done with is released
			if links != nil && n.err == nil {
				links.chain(r.fs, &n)
			}
			if !yield(n) {
				return
			}
		}
		r.list = nil
	}
}

// fileID identifies an inode.
type fileID struct{ dev, ino uint64 }

// linkChains orders the names of one inode when files are written in
// place: each name's work waits until the name before it in the walk is
// done, so no name is read while another is being written, and the names
// are patched one after the other in walk order — as patchelf run over the
// names in turn would, and the same way on every run. Only files with more
// than one link cost a map entry; finding them costs one lstat per ELF file,
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
