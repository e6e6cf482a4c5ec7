package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// tempMarker is what every temporary file name contains after the target's
// name; IsTemp looks for it.
const tempMarker = ".gopatchelf-"

// IsTemp reports whether name (a base name) is one of our temporary files.
func IsTemp(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(name, tempMarker)
	return i > 1 && i+len(tempMarker) < len(name)
}

// Options say how a replacement is made. The zero value is the safe one.
type Options struct {
	// NoSync skips the fsync before the rename. The replacement is still
	// atomic for every reader and against a killed process, but a power
	// loss may leave the new name pointing at an empty file. Only for
	// callers whose output is thrown away after a crash anyway, such as a
	// Nix build (see the package documentation).
	//
	// The new file is then swapped with the old one (renameat2
	// RENAME_EXCHANGE, where supported) and the old one removed, rather
	// than renamed over it: ext4 writes back a file renamed over another
	// at once (auto_da_alloc), a safety net for writers that do not sync,
	// which costs about a third of a rewrite here and buys nothing when
	// the caller has opted out of durability.
	NoSync bool

	// InPlace writes into the file itself. In place, Replace and
	// ReplaceCopy hand their callback the original file itself, opened for
	// writing, instead of a temporary file: see the package documentation.
	// Atomically, a file the caller may write in a directory it may not
	// (no temporary file can be made there) is written in place too.
	InPlace bool

	// Group, when set and NoSync is not, leaves each atomic replacement
	// pending in it: the temporary file is complete, but it is synced and
	// renamed over the original only by [Group.Commit], with the others
	// (one flush of the file system for all of them). Writes in place are
	// not grouped.
	Group *Group
}

// Pending is a temporary file that will replace path on Commit.
type Pending struct {
	*os.File
	path   string
	perm   fs.FileMode
	noSync bool
	done   bool
}

// permBits are the mode bits chmod(2) sets and that we carry over.
const permBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Create starts replacing path, which must be an existing regular file
// (a symlink is refused: renaming over it would replace the link, not its
// target). The temporary file is created empty in path's directory.
func Create(path string) (*Pending, error) { return Options{}.Create(path) }

// Create is [Create] with o's options.
func (o Options) Create(path string) (*Pending, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, "."+base+tempMarker)
	if err != nil {
		return nil, err
	}
	return &Pending{File: f, path: path, perm: fi.Mode() & permBits, noSync: o.NoSync}, nil
}

// Commit syncs the temporary file (unless [Options.NoSync]), gives it the permission bits of the
// original and renames it over the original. After Commit, Cleanup does
// nothing.
func (p *Pending) Commit() error {
	if p.done {
		return errors.New("atomicfile: Commit after Commit or Cleanup")
	}
	// fsync before rename: without it, a crash can leave the new name
	// pointing at an empty file on file systems that delay allocation
	// (the ext4 zero-length-file problem, discussed by Theodore Ts'o).
	if !p.noSync {
		if err := p.File.Sync(); err != nil {
			return err
		}
	}
	// Chmod through the descriptor: the temporary name cannot be swapped
	// under us, and read-only originals (0444) still get written first.
	if err := p.File.Chmod(p.perm); err != nil {
		return err
	}
	if err := p.File.Close(); err != nil {
		return err
	}
	tmp := p.File.Name()
	if p.noSync {
		switch err := exchange(tmp, p.path); {
		case err == nil:
			p.done = true
			if err := os.Remove(tmp); err != nil {
				return fmt.Errorf("%s replaced, but its old contents remain in %s: %w", p.path, tmp, err)
			}
			return nil
		case !errors.Is(err, errors.ErrUnsupported):
			return &os.LinkError{Op: "renameat2 RENAME_EXCHANGE", Old: tmp, New: p.path, Err: err}
		}
	}
	// rename(2) itself: os.Rename first lstats the target to refuse a
	// directory, which the kernel refuses anyway (EISDIR).
	if err := syscall.Rename(tmp, p.path); err != nil {
		return &os.LinkError{Op: "rename", Old: tmp, New: p.path, Err: err}
	}
	p.done = true
	return nil
}

// Cleanup closes and removes the temporary file unless Commit succeeded.
// It is safe to call more than once and meant to be deferred.
func (p *Pending) Cleanup() error {
	if p.done {
		return nil
	}
	p.done = true
	closeErr := p.File.Close()
	if err := os.Remove(p.File.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if closeErr != nil && !errors.Is(closeErr, os.ErrClosed) {
		return closeErr
	}
	return nil
}

// Replace replaces path with what fill writes into the temporary file, or
// leaves path untouched when fill or any later step fails.
func Replace(path string, fill func(tmp *os.File) error) error {
	return Options{}.Replace(path, fill)
}

// Replace is [Replace] with o's options.
func (o Options) Replace(path string, fill func(tmp *os.File) error) error {
	return o.replace(path, fill, o.fillInPlace)
}

// replace writes through a temporary file, or through inPlace when o asks
// for it or when the directory takes no temporary file but the file may be
// written.
func (o Options) replace(path string, fill func(*os.File) error, inPlace func(path string, fill func(*os.File) error) error) error {
	if o.InPlace {
		return inPlace(path, fill)
	}
	if err := CheckWritable(path); err != nil {
		return err
	}
	p, err := o.Create(path)
	if dirNotWritable(err) {
		return inPlace(path, fill)
	}
	if err != nil {
		return err
	}
	defer p.Cleanup()
	if err := fill(p.File); err != nil {
		return err
	}
	if o.Group != nil && !o.NoSync {
		return o.Group.add(p)
	}
	return p.Commit()
}

// ReplaceCopy starts the temporary file as a copy of path and lets edit
// change it before the replacement.
//
// The copy is first tried as a clone (FICLONE, a reflink): on file systems
// that share extents (Btrfs, XFS, bcachefs) the temporary file then costs
// no data copy, and edit's writes only unshare the blocks they touch.
// Elsewhere it falls back to io.Copy between two *os.File values, which
// Linux serves with copy_file_range(2): no bytes pass through user space.
func ReplaceCopy(path string, edit func(tmp *os.File) error) error {
	return Options{}.ReplaceCopy(path, edit)
}

// ReplaceCopy is [ReplaceCopy] with o's options.
func (o Options) ReplaceCopy(path string, edit func(tmp *os.File) error) error {
	return o.replace(path, func(tmp *os.File) error {
		src, err := openFile(path, os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		defer src.Close()
		if err := clone(tmp, src); err != nil {
			if _, err := io.Copy(tmp, src); err != nil {
				return fmt.Errorf("%s: copying to %s: %w", path, tmp.Name(), err)
			}
		}
		return edit(tmp)
	}, func(path string, _ func(*os.File) error) error { return o.editInPlace(path, edit) })
}
