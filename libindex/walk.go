package libindex

import (
	"io/fs"
	"iter"
	"strings"
)

// Node is one item of a walk: a directory entry, the root itself when it
// is not a directory, or a path that could not be read (the root, or a
// directory below it).
type Node struct {
	Name string      // its name in the root's FS
	Path string      // the root's Path joined with the names below it
	Type fs.FileMode // type bits, as lstat(2) reports them
	Err  error       // the root does not exist, or a directory could not be listed
}

// Base is the last component of the node's name.
func (n Node) Base() string { return base(n.Name) }

// Walk lists the root the way auto-patchelf's glob helper does: a
// directory (the root's own symlink followed) yields every entry below it
// (recursively if the root says so, never descending into a symlinked
// directory), in sorted depth-first order; anything else yields the root
// itself. Upstream's order is readdir order (nixpkgs #221373); ours
// depends on names only. Nothing is kept: each directory is listed when
// the walk reaches it, so memory does not grow with the size of the tree.
func (r Root) Walk() iter.Seq[Node] {
	return func(yield func(Node) bool) {
		if fi, err := fs.Stat(r.FS, r.Name); err == nil && fi.IsDir() {
			walkDir(r.FS, r.Name, r.Path, r.Recursive, yield)
			return
		}
		fi, err := lstat(r.FS, r.Name)
		if err != nil {
			yield(Node{Name: r.Name, Path: r.Path, Err: err})
			return
		}
		yield(Node{Name: r.Name, Path: r.Path, Type: fi.Mode().Type()})
	}
}

func walkDir(fsys fs.FS, name, path string, recursive bool, yield func(Node) bool) bool {
	entries, err := fs.ReadDir(fsys, name)
	if err != nil {
		return yield(Node{Name: name, Path: path, Err: err})
	}
	same := name == path // a RealpathFS named by its paths: join once
	for _, e := range entries {
		n := Node{Path: Join(path, e.Name()), Type: e.Type()}
		n.Name = n.Path
		if !same {
			n.Name = Join(name, e.Name())
		}
		if !yield(n) {
			return false
		}
		if recursive && e.IsDir() && !walkDir(fsys, n.Name, n.Path, recursive, yield) {
			return false
		}
	}
	return true
}

// Join is pathlib's dir / name for a dir as auto-patchelf prints it (see
// resolver.PyPath) and a plain name: "." / "x" is "x", "/" / "x" is "/x".
// It never cleans: a path given as "//lib" stays so, as upstream prints it.
func Join(dir, name string) string {
	switch {
	case dir == ".":
		return name
	case strings.HasSuffix(dir, "/"): // "/" or "//"
		return dir + name
	default:
		return dir + "/" + name
	}
}

func base(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// lstat is lstat(2) when fsys can tell (os.DirFS, fstest.MapFS, the
// hook's file system), else fs.Stat: a zip has no symlinks to follow.
func lstat(fsys fs.FS, name string) (fs.FileInfo, error) {
	if l, ok := fsys.(interface {
		Lstat(string) (fs.FileInfo, error)
	}); ok {
		return l.Lstat(name)
	}
	return fs.Stat(fsys, name)
}
