package libindex

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// RealpathFS is a file system on disk: its names are paths of the machine
// (a [Root.Path] is then an OS path too), and it can resolve them. The
// index records a library's directory as the loader will see it, which
// only the machine's file system can tell (see [Root.Read]).
type RealpathFS interface {
	fs.FS
	// Realpath returns the absolute path of name with every symlink
	// resolved.
	Realpath(name string) (string, error)
}

// DirFS is os.DirFS(dir) as a [RealpathFS]: libraries on disk, named
// relative to dir. DirFS("/") reads any absolute path p under the name
// p[1:].
func DirFS(dir string) fs.FS { return dirFS{FS: os.DirFS(dir), dir: dir} }

type dirFS struct {
	fs.FS
	dir string
}

func (d dirFS) Realpath(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "realpath", Path: name, Err: fs.ErrInvalid}
	}
	abs, err := filepath.Abs(filepath.Join(d.dir, filepath.FromSlash(name)))
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func (d dirFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(d.FS, name) }

// File is an ELF file parsed by [Open], open until Close.
type File struct {
	*elf.File
	// Src is the file's bytes as parsed: an edit planned from File is
	// applied against them.
	Src   io.ReaderAt
	close func()
}

// Close closes the file. Src may not be read afterwards.
func (f *File) Close() { f.close() }

// sizer is a file that knows its size without a whole fs.FileInfo (the
// hook's raw file descriptors).
type sizer interface{ Size() (int64, error) }

// IsELF tells whether name in fsys is an ELF file from its first four
// bytes: nil when they are the ELF magic, [elf.ErrNotELF] when they are
// not (or the file is shorter), and the error that kept them from being
// read otherwise. It costs one open, one read and one close.
func IsELF(fsys fs.FS, name string) error {
	fd, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer fd.Close()
	var magic [4]byte
	var n int
	if ra, ok := fd.(io.ReaderAt); ok {
		n, err = ra.ReadAt(magic[:], 0)
	} else {
		n, err = io.ReadFull(fd, magic[:])
	}
	switch {
	case n == len(magic) && string(magic[:]) == "\x7fELF":
		return nil
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		return err
	}
	return elf.ErrNotELF
}

// Open opens name in fsys and parses it. A file that is not ELF costs one
// open, one read and one close, and gives [elf.ErrNotELF]. A file that is
// an io.ReaderAt (os.File, the hook's files, fstest.MapFS's) is read at
// offsets, its first 4 KiB at once; another (a compressed zip member) is
// read whole. Parse errors are prefixed with name; open errors name it
// already.
func Open(fsys fs.FS, name string) (*File, error) {
	fd, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	ra, ok := fd.(io.ReaderAt)
	if !ok {
		return openStream(fd, name)
	}
	// The first block is read before the size is asked for: a file that
	// is not ELF costs that one read.
	br := newBlockReader(ra, 1<<62)
	release := func() {
		fd.Close()
		br.release()
	}
	var magic [4]byte
	if n, err := br.ReadAt(magic[:], 0); n < 4 || string(magic[:]) != "\x7fELF" {
		release()
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, err
		}
		return nil, elf.ErrNotELF
	}
	size, err := fileSize(fd)
	if err != nil {
		release()
		return nil, err
	}
	br.size = size
	if len(br.blocks) > 0 && int64(len(br.blocks[0].data)) > size {
		br.blocks[0].data = br.blocks[0].data[:size]
	}
	src := br
	f, err := elf.NewFile(src, size)
	if err != nil {
		release()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &File{File: f, Src: src, close: release}, nil
}

func fileSize(fd fs.File) (int64, error) {
	if s, ok := fd.(sizer); ok {
		return s.Size()
	}
	fi, err := fd.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// maxStream bounds what is read of a file that cannot be read at offsets.
const maxStream = 1 << 34

// openStream reads a file without io.ReaderAt: its magic first, then,
// when it is ELF, all of it.
func openStream(fd fs.File, name string) (*File, error) {
	defer fd.Close()
	var magic [4]byte
	if _, err := io.ReadFull(fd, magic[:]); err == io.EOF || err == io.ErrUnexpectedEOF || err == nil && string(magic[:]) != "\x7fELF" {
		return nil, elf.ErrNotELF
	} else if err != nil {
		return nil, err
	}
	size, err := fileSize(fd)
	if err != nil {
		return nil, err
	}
	if size > maxStream {
		return nil, fmt.Errorf("%s: too large (%d bytes)", name, size)
	}
	// The size is the archive's word for it: preallocate no more than a
	// plausible amount, and let the buffer grow with what is really read.
	buf := bytes.NewBuffer(make([]byte, 0, min(max(4, size), 1<<24)))
	buf.Write(magic[:])
	if _, err := io.Copy(buf, io.LimitReader(fd, maxStream)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	f, err := elf.NewFile(readerAt(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &File{File: f, Src: readerAt(data), close: func() {}}, nil
}

type readerAt []byte

func (b readerAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Lib is what the index takes from one library candidate.
type Lib struct {
	// Facts are the file's, nil when it is not ELF or could not be read
	// or parsed (Err says why; elf.ErrNotELF for a file that is not ELF).
	Facts *relink.Facts
	Err   error
	// Library is the index entry, with an empty Name when the file is not
	// indexed: a separate debug object, or one whose directory could not
	// be resolved (Err).
	Library resolver.Library
	// Runpath are the directories its RUNPATH (else RPATH) names, less
	// the $ORIGIN-relative ones: the index follows them.
	Runpath []string
}

// Read reads the library candidate n of the root (a node of r.Walk):
// its facts, and the index entry it makes under its own name — a symlink
// counts under its name, not its target's.
func (r Root) Read(n Node) Lib {
	f, err := Open(r.FS, n.Name)
	if err != nil {
		return Lib{Err: err}
	}
	defer f.Close()
	lib := Lib{Facts: relink.FactsOf(f.File)}
	if lib.Facts.Debug {
		return lib
	}
	dir, err := r.libDir(n)
	if err != nil {
		lib.Err = err
		return lib
	}
	lib.Library = resolver.Library{Name: n.Base(), Dir: dir, Platform: lib.Facts.Platform}
	lib.Runpath = RunpathDirs(lib.Facts.SearchPath)
	return lib
}

// RunpathDirs are the entries of a DT_RUNPATH or DT_RPATH value that the
// index follows: every non-empty one that is not relative to $ORIGIN (in
// either spelling). Relative entries stay relative, to the working
// directory, as upstream reads them.
func RunpathDirs(searchPath string) []string {
	var dirs []string
	for _, e := range strings.Split(searchPath, ":") {
		if e != "" && !strings.Contains(e, "$ORIGIN") && !strings.Contains(e, "${ORIGIN}") {
			dirs = append(dirs, e)
		}
	}
	return dirs
}

// libDir is the directory RUNPATH points to for the library n: the real
// directory of its target when that has the same name (a regular file, or
// a symlink to a same-named file elsewhere), else the symlink's own
// directory, so that "libfoo.so.1 -> libfoo.so.1.2.3" is found under the
// name the loader asks for (nixpkgs #210908). Upstream leaves the latter
// relative when given a relative path; on disk we make it absolute, since a
// relative RUNPATH entry would be resolved against the working directory
// of whoever runs the program.
//
// In a file system that is not on disk (a zip, fstest.MapFS), directories
// are the root's Path joined with the names in it, and symlinks are
// followed inside it (fs.ReadLinkFS).
func (r Root) libDir(n Node) (string, error) {
	if rfs, ok := r.FS.(RealpathFS); ok {
		if n.Type&fs.ModeSymlink == 0 {
			// A regular file lies in its directory: the hook's
			// Realpath resolves that once per directory.
			return rfs.Realpath(dirName(n.Name))
		}
		real, err := rfs.Realpath(n.Name)
		if err != nil {
			return "", err
		}
		if filepath.Base(real) == n.Base() {
			return filepath.Dir(real), nil
		}
		return filepath.Abs(filepath.Dir(n.Path))
	}
	if n.Type&fs.ModeSymlink == 0 || r.Name != "." {
		return path.Dir(n.Path), nil
	}
	real, err := resolveLink(r.FS, n.Name)
	if err != nil {
		return "", err
	}
	if base(real) == n.Base() {
		return path.Dir(Join(r.Path, real)), nil
	}
	return path.Dir(n.Path), nil
}

// dirName is the directory of a name as the walk joined it.
func dirName(name string) string {
	i := strings.LastIndexByte(name, '/')
	switch {
	case i < 0:
		return "."
	case i == 0:
		return "/"
	}
	return name[:i]
}

// resolveLink follows the symlink name inside fsys to the name of what it
// finally points to.
func resolveLink(fsys fs.FS, name string) (string, error) {
	for range 40 { // the loader's limit, MAXSYMLINKS
		fi, err := fs.Lstat(fsys, name)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return name, nil
		}
		target, err := fs.ReadLink(fsys, name)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			return "", &fs.PathError{Op: "readlink", Path: name, Err: fmt.Errorf("absolute target %s is outside the file system", target)}
		}
		name = path.Join(path.Dir(name), target)
		if !fs.ValidPath(name) {
			return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
		}
	}
	return "", &fs.PathError{Op: "readlink", Path: name, Err: fmt.Errorf("too many levels of symbolic links")}
}

// IsCandidate is the index's rule for which nodes are read: auto-patchelf's
// fnmatch "*.so*" on the name (any name containing ".so"), and a regular
// file or a symlink to one (pathlib's is_file()). Dangling links, and
// directories named like libraries, are not candidates.
func IsCandidate(fsys fs.FS, n Node) bool {
	if n.Err != nil || !strings.Contains(n.Base(), ".so") {
		return false
	}
	switch {
	case n.Type.IsRegular():
		return true
	case n.Type&fs.ModeSymlink != 0:
		fi, err := fs.Stat(fsys, n.Name)
		return err == nil && fi.Mode().IsRegular()
	}
	return false
}
