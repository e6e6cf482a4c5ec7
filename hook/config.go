package hook

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Config is one run of the hook: the auto-patchelf command line, field for
// field, plus what that script reads from its environment. The zero value
// of each field is the script's default.
type Config struct {
	// Paths are the files and directories to patch (--paths), in order.
	// Directories are walked recursively unless NoRecurse. At least one is
	// required. Each must exist: unlike upstream, a missing one is an error.
	Paths []string
	// Libs are the files and directories searched for libraries (--libs),
	// in order, after the trees being patched. Directories are not walked
	// recursively; missing ones are ignored (the setup hook adds PKG/lib
	// for every dependency, existing or not).
	Libs []string
	// NoRecurse (--no-recurse) patches only the direct children of
	// directories in Paths, and indexes only those.
	NoRecurse bool
	// IgnoreExisting (--ignore-existing) leaves the libraries in Paths out
	// of the index.
	IgnoreExisting bool
	// RuntimeDependencies (--runtime-dependencies) start the RUNPATH of
	// every dynamic executable.
	RuntimeDependencies []string
	// RuntimeDependenciesForLibs gives RuntimeDependencies to shared
	// libraries too (nixpkgs #282749). Off by default, as upstream.
	RuntimeDependenciesForLibs bool
	// AppendRpaths (--append-rpaths) end every RUNPATH written.
	AppendRpaths []string
	// IgnoreMissing (--ignore-missing) are fnmatch patterns; a missing
	// dependency whose name matches one does not fail the run.
	IgnoreMissing []string
	// KeepLibc (--keep-libc) keeps the libc dir in RUNPATH when the index
	// provides libc's libraries.
	KeepLibc bool
	// PreserveOrigin (--preserve-origin) keeps existing $ORIGIN entries.
	PreserveOrigin bool
	// RelativeRpaths (--relative-rpaths) writes providers inside the trees
	// being patched as $ORIGIN-relative entries.
	RelativeRpaths bool
	// ForceRpath (patchelf's --force-rpath in --extra-args) writes DT_RPATH
	// instead of DT_RUNPATH.
	ForceRpath bool
	// PageSize (patchelf's --page-size in --extra-args) aligns a segment
	// the writer must append; 0 means the architecture's largest page.
	PageSize uint64
	// NoDefaultLib (patchelf's --no-default-lib in --extra-args) sets
	// DF_1_NODEFLIB in every file written.
	NoDefaultLib bool
	// ResolutionCache (--resolution-cache) writes, in the same edit as the
	// RUNPATH, the NixOS resolution-cache note computed for it (package
	// ldcache). Files whose search path stays DT_RPATH get none.
	ResolutionCache bool

	// Interpreter is the dynamic linker given to every dynamic executable
	// ($NIX_BINTOOLS/nix-support/dynamic-linker). "" leaves interpreters
	// alone: the standalone mode outside Nix.
	Interpreter string
	// Target is the platform being patched for: the interpreter's, or the
	// machine's own in standalone mode. Files of another architecture or an
	// incompatible OS ABI are skipped. Required (Machine must be set).
	Target resolver.Platform
	// LibcDir is the libc directory ($NIX_BINTOOLS/nix-support/orig-libc
	// + "/lib"); its libraries are left to the dynamic loader. "" means
	// none.
	LibcDir string
	// LibcNames, when set, narrows LibcDir to the names it accepts
	// (resolver.IsGlibc outside Nix, where the libc directory holds every
	// library of the system); nil accepts every name.
	LibcNames func(name string) bool

	// Explain adds an Explain event after each dependency, listing the
	// candidates considered and why one won.
	Explain bool
	// DryRun computes and reports everything but writes nothing.
	DryRun bool
	// Workers bounds the files parsed and written at once; 0 means
	// GOMAXPROCS. The output does not depend on it.
	Workers int

	// Events receives the run's events in order, from one goroutine at a
	// time; nil drops them. The order is the sorted walk order whatever
	// Workers is.
	Events func(Event)
	// Progress, when set, is called after each ELF file of the patch
	// phase (patched, skipped or failed; files that are not ELF do not
	// count) with the number of ELF files done and how many the patch
	// phase meets in all. The total is counted while indexing, before the
	// patch phase starts: the files of the trees the index does not parse
	// are opened for their first four bytes, a cost paid only when
	// Progress is set. It is exact unless the trees change during the run
	// (then total is never below done).
	Progress func(done, total int)
	// Log receives warnings (lxml/xmlsec mismatches, removed leftovers),
	// per-file errors as they are reached in walk order, and debug detail.
	// nil discards.
	Log logrus.FieldLogger
	// FS is how files are read and replaced; nil is the real file system.
	FS FS
}

// WorkersFor is Config.Workers in a Nix build: the value of
// $NIX_BUILD_CORES when it is a positive number, else 0 (GOMAXPROCS; to
// Nix, 0 cores means all of them).
func WorkersFor(nixBuildCores string) int {
	if n, err := strconv.Atoi(nixBuildCores); err == nil && n > 0 {
		return n
	}
	return 0
}

// ErrNoPaths is returned by [Run] when Config.Paths is empty. Its text is
// the message upstream exits with.
var ErrNoPaths = errors.New("No paths to patch, stopping.") //nolint:staticcheck // upstream's exact text

// Validate reports the first problem that makes c unusable.
func (c *Config) Validate() error {
	if len(c.Paths) == 0 {
		return ErrNoPaths
	}
	if c.Target.Machine == 0 {
		return errors.New("no target platform: set Config.Target")
	}
	if c.Workers < 0 {
		return fmt.Errorf("workers must not be negative, got %d", c.Workers)
	}
	if c.ResolutionCache && c.ForceRpath {
		return errors.New("--resolution-cache cannot be combined with --force-rpath")
	}
	if c.PageSize != 0 && c.PageSize&(c.PageSize-1) != 0 {
		return fmt.Errorf("page size %d is not a power of two", c.PageSize)
	}
	return nil
}

// FS is the narrow view of the file system the hook needs. Paths are used
// as given (relative ones relative to the working directory).
type FS interface {
	Lstat(name string) (fs.FileInfo, error)
	Stat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory, sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	// Realpath returns the absolute path with every symlink resolved.
	Realpath(name string) (string, error)
	Open(name string) (File, error)
	// Replace replaces the regular file name with a copy of itself that
	// edit has changed (atomically: on any error name is left untouched),
	// or lets edit change it in place (see [OSFS.InPlace]).
	Replace(name string, edit func(tmp *os.File) error) error
	// Remove removes a file: the hook removes only the temporary files an
	// interrupted run left in the trees being patched.
	Remove(name string) error
}

// File is an open file the hook reads at offsets, then closes.
type File interface {
	io.ReaderAt
	io.Closer
	// Size is the file's size in bytes.
	Size() (int64, error)
}

// OSFS is the real file system.
type OSFS struct {
	// NoSync replaces files without syncing them first: still atomic for
	// readers and against a killed run, not against a power loss. Meant
	// for Nix builds, whose outputs are discarded when the build does not
	// finish (see internal/atomicfile).
	NoSync bool
	// InPlace writes edits into the files themselves instead of into a
	// copy renamed over the original: same inode, no copy, but a run
	// killed mid-write leaves a file torn (see internal/atomicfile). For
	// Nix builds only.
	InPlace bool

	// group, set by Run when files are synced and replaced atomically,
	// holds the replacements until the end of the patch phase, which
	// flushes them to disk at once (see atomicfile.Group).
	group *atomicfile.Group
}

func (OSFS) Lstat(name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func (OSFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (OSFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// Open opens name for reading. The file is not an *os.File: os.Open and
// os.NewFile cost system calls (poller registration, fcntl) that a run
// opening every file of a tree would pay thousands of times for nothing.
// Access times are left alone where the caller owns the file (O_NOATIME).
func (OSFS) Open(name string) (File, error) {
	flags := syscall.O_RDONLY | syscall.O_CLOEXEC | noatime
	for {
		fd, err := syscall.Open(name, flags, 0)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EPERM && flags&noatime != 0:
			flags &^= noatime // not the file's owner
			continue
		case err != nil:
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return &rawFile{fd: fd, name: name}, nil
	}
}

// rawFile is a read-only file descriptor.
type rawFile struct {
	fd   int
	name string
}

func (f *rawFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &os.PathError{Op: "read", Path: f.name, Err: syscall.EINVAL}
	}
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(f.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "read", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (f *rawFile) Size() (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd, &st); err != nil {
		return 0, &os.PathError{Op: "stat", Path: f.name, Err: err}
	}
	return st.Size, nil
}

func (f *rawFile) Close() error {
	if f.fd < 0 {
		return os.ErrClosed
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &os.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

func (OSFS) Realpath(name string) (string, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func (o OSFS) Replace(name string, edit func(tmp *os.File) error) error {
	return atomicfile.Options{NoSync: o.NoSync, InPlace: o.InPlace, Group: o.group}.ReplaceCopy(name, edit)
}

func (OSFS) Remove(name string) error { return os.Remove(name) }

// WritesInPlace reports whether Replace writes into the file itself: the
// hook then never works on two names of one inode at once.
func (o OSFS) WritesInPlace() bool { return o.InPlace }
