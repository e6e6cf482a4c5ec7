package hook

import (
	"io/fs"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

// node is one directory entry met by a walk.
type node struct {
	path string      // display path: the root joined with the names below it
	typ  fs.FileMode // type bits as lstat(2) reports them
}

// hasSO is the library index's filter: fnmatch "*.so*" on the name.
func hasSO(name string) bool { return strings.Contains(name, ".so") }

func matchAll(string) bool { return true }

// listDir returns the entries of dir, sorted by name, without our temporary
// files. Listings are cached: the trees are listed once for the patch list
// and reused by the index.
func (r *runner) listDir(dir string) ([]fs.DirEntry, error) {
	if l, ok := r.dirs[dir]; ok {
		return l.entries, l.err
	}
	entries, err := r.fs.ReadDir(dir)
	kept := entries[:0]
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) && e.Type().IsRegular() {
			r.temps[child(dir, e.Name())] = struct{}{}
			continue
		}
		kept = append(kept, e)
	}
	r.dirs[dir] = dirListing{kept, err}
	return kept, err
}

type dirListing struct {
	entries []fs.DirEntry
	err     error
}

// glob lists root the way upstream's glob helper does: a directory (the
// root's own symlink followed) yields the entries below it whose name
// matches (recursively unless told otherwise, never descending into a
// symlinked directory), in sorted depth-first order; anything else yields
// root itself when its name matches. Upstream's order is readdir order
// (nixpkgs #221373); ours depends on names only.
//
// rootErr is the error of lstat(root) when root does not exist; errs are
// directories below root that could not be listed.
func (r *runner) glob(root string, recursive bool, match func(string) bool) (nodes []node, rootErr error, errs []error) {
	if fi, err := r.fs.Stat(root); err == nil && fi.IsDir() {
		r.walkDir(root, recursive, match, &nodes, &errs)
		return nodes, nil, errs
	}
	fi, err := r.fs.Lstat(root)
	if err != nil {
		return nil, err, nil
	}
	if match(baseName(root)) {
		nodes = append(nodes, node{root, fi.Mode().Type()})
	}
	return nodes, nil, nil
}

func (r *runner) walkDir(dir string, recursive bool, match func(string) bool, out *[]node, errs *[]error) {
	entries, err := r.listDir(dir)
	if err != nil {
		*errs = append(*errs, err)
		return
	}
	for _, e := range entries {
		p := child(dir, e.Name())
		if match(e.Name()) {
			*out = append(*out, node{p, e.Type()})
		}
		if recursive && e.IsDir() {
			r.walkDir(p, recursive, match, out, errs)
		}
	}
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
