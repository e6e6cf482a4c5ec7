package wheel

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/libindex"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// ScanLibs lists the shared libraries for [Config.Libs] the way `gopatchelf
// auto` indexes --libs (package libindex): each entry in order — a
// directory (its files whose name contains ".so", by name, not
// recursively) or a single library file — and then, breadth-first, the
// directories named by the non-$ORIGIN RUNPATH (else RPATH) entries of the
// libraries found. A symlink counts under its own name, in the directory
// of its target when the target has the same name, else in its own.
// Missing entries and files that are not ELF are skipped; a directory that
// exists but cannot be listed is an error.
func ScanLibs(entries []string) ([]resolver.Library, error) {
	var ix resolver.Index
	var libs []resolver.Library
	var scanErr error
	seen := map[resolver.Library]bool{}
	root := func(p string) (libindex.Root, error) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return libindex.Root{}, err
		}
		// One file system for every entry: the machine's, named by
		// absolute paths less their leading "/".
		name := strings.TrimPrefix(abs, "/")
		if name == "" {
			name = "."
		}
		return libindex.Root{FS: rootFS, Name: name, Path: abs}, nil
	}
	roots := make([]libindex.Root, 0, len(entries))
	for _, e := range entries {
		r, err := root(e)
		if err != nil {
			return nil, err
		}
		roots = append(roots, r)
	}
	b := libindex.Builder{Index: &ix}
	err := b.Add(context.Background(), roots, libindex.Options{
		Select: func(r libindex.Root, n libindex.Node) libindex.Action {
			if n.Err != nil {
				if errors.Is(n.Err, fs.ErrNotExist) {
					return libindex.Skip
				}
				return libindex.Pass
			}
			if libindex.IsCandidate(r.FS, n) {
				return libindex.Read
			}
			return libindex.Skip
		},
		Found: func(_ libindex.Root, n libindex.Node, _ libindex.Action, lib libindex.Lib) {
			if n.Err != nil && scanErr == nil {
				scanErr = n.Err
				// os.DirFS names the path inside it: name the real one.
				var pe *fs.PathError
				if errors.As(n.Err, &pe) {
					scanErr = &fs.PathError{Op: pe.Op, Path: n.Path, Err: pe.Err}
				}
			}
			if l := lib.Library; l.Name != "" && !seen[l] {
				seen[l] = true
				libs = append(libs, l)
			}
		},
		Follow: func(dir string) (libindex.Root, bool) {
			r, err := root(dir)
			return r, err == nil
		},
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, err
	}
	return libs, nil
}

var rootFS = libindex.DirFS("/")
