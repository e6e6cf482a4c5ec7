package hook

import (
	"io"
	"io/fs"
	"time"
)

// libFS is the hook's file system seen as a libindex.RealpathFS, so that
// the index and the patch phase's walk go through package libindex like
// every other reader of libraries. Its names are the display paths the
// hook walks ("out", "../store/x/lib", "/nix/store/…"), used as given:
// libindex joins them and never cleans them. Files are the FS's own
// (raw descriptors on the real file system), read at offsets.
type libFS struct{ r *runner }

func (l libFS) Open(name string) (fs.File, error) {
	f, err := l.r.fs.Open(name)
	if err != nil {
		return nil, err
	}
	return &libFile{File: f, name: name}, nil
}

func (l libFS) ReadDir(name string) ([]fs.DirEntry, error) { return l.r.fs.ReadDir(name) }
func (l libFS) Stat(name string) (fs.FileInfo, error)      { return l.r.fs.Stat(name) }
func (l libFS) Lstat(name string) (fs.FileInfo, error)     { return l.r.fs.Lstat(name) }

// Realpath resolves through the runner's cache: libindex asks once per
// directory of regular files, and once per symlinked library.
func (l libFS) Realpath(name string) (string, error) { return l.r.realDir(name) }

// libFile is a File as an fs.File. libindex reads it at offsets and asks
// its Size; Read and Stat are there for fs.File's sake.
type libFile struct {
	File
	name string
	off  int64
}

func (f *libFile) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *libFile) Stat() (fs.FileInfo, error) {
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	return sizeInfo{name: baseName(f.name), size: size}, nil
}

// sizeInfo is what a File can tell about itself: a regular file's size.
type sizeInfo struct {
	name string
	size int64
}

func (s sizeInfo) Name() string       { return s.name }
func (s sizeInfo) Size() int64        { return s.size }
func (s sizeInfo) Mode() fs.FileMode  { return 0 }
func (s sizeInfo) ModTime() time.Time { return time.Time{} }
func (s sizeInfo) IsDir() bool        { return false }
func (s sizeInfo) Sys() any           { return nil }
