package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// ParseWrite parses a --write value, "atomic", "in-place", or "auto", and
// reports whether files are written in place ([Options.InPlace]). auto is
// in place inside a Nix build (inNixBuild, which the caller takes from
// $NIX_BUILD_TOP) and atomic elsewhere.
func ParseWrite(s string, inNixBuild bool) (inPlace bool, err error) {
	switch s {
	case "atomic":
		return false, nil
	case "in-place":
		return true, nil
	case "", "auto":
		return inNixBuild, nil
	}
	return false, fmt.Errorf("invalid choice: '%s' (choose from 'auto', 'in-place', 'atomic')", s)
}

// ParseSync parses a --fsync value and returns whether to skip the sync
// (Options.NoSync): "always", "never", or "auto", which skips it inside a
// Nix build (inNixBuild, from $NIX_BUILD_TOP): Nix discards an output
// whose build did not finish, so a power loss cannot leave a torn file
// behind in a store path.
func ParseSync(s string, inNixBuild bool) (noSync bool, err error) {
	switch s {
	case "", "auto":
		return inNixBuild, nil
	case "always":
		return false, nil
	case "never":
		return true, nil
	}
	return false, fmt.Errorf("invalid choice: '%s' (choose from 'auto', 'always', 'never')", s)
}

// NotWritableError is the refusal of a file the caller may not write: no
// write permission for a caller that is not root, or a read-only file
// system. Its message is patchelf's ("open: Permission denied") after the
// file's name; the file is left as it is.
type NotWritableError struct {
	Path string
	Err  syscall.Errno
}

func (e *NotWritableError) Error() string {
	return e.Path + ": open: " + strerror(e.Err)
}

func (e *NotWritableError) Unwrap() error { return e.Err }

// strerror is the C library's message for errno: Go's is the same text
// with its first letter lowered.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// CheckWritable returns a *NotWritableError when the caller may not open
// path for writing (judged with the effective user, so root passes unless
// the file system is read-only), and nil otherwise, including when the
// answer is unknown: the write itself then reports what goes wrong.
func CheckWritable(path string) error {
	switch err := accessWrite(path); {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EROFS):
		var errno syscall.Errno
		errors.As(err, &errno)
		return &NotWritableError{Path: path, Err: errno}
	}
	return nil
}

// openInPlace opens the regular file path for writing in place, without
// truncating it.
func openInPlace(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := openFile(path, os.O_WRONLY, 0)
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) && (errno == syscall.EACCES || errno == syscall.EPERM || errno == syscall.EROFS) {
			return nil, &NotWritableError{Path: path, Err: errno}
		}
		return nil, err
	}
	return f, nil
}

// editInPlace lets edit write into path itself, then syncs it unless
// NoSync. When edit fails with the file longer than it was, it is cut back
// to its old size: an edit that writes past the old end before it
// overwrites anything (as elf.Patch.ApplyTo does) then leaves a file that
// could not grow (a full disk) as it was.
func (o Options) editInPlace(path string, edit func(f *os.File) error) error {
	f, err := openInPlace(path)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if err := edit(f); err != nil {
		if now, serr := f.Stat(); serr == nil && now.Size() > st.Size() {
			if terr := f.Truncate(st.Size()); terr != nil {
				err = fmt.Errorf("%w (and cutting it back to %d bytes failed: %v)", err, st.Size(), terr)
			}
		}
		f.Close()
		return err
	}
	if !o.NoSync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// fillInPlace overwrites path from its start with what fill writes through
// the file's offset, then cuts it at the end of what was written.
func (o Options) fillInPlace(path string, fill func(f *os.File) error) error {
	return o.editInPlace(path, func(f *os.File) error {
		if err := fill(f); err != nil {
			return err
		}
		end, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		return f.Truncate(end)
	})
}

// dirNotWritable reports whether err is the failure to create a temporary
// file in a directory the caller may not write: the file itself may then
// still be written in place, as patchelf does.
func dirNotWritable(err error) bool {
	return errors.Is(err, fs.ErrPermission)
}

// WriteBytes makes path hold data, given old, its current contents. In
// place, only the byte ranges that differ are written and the file is
// extended or cut to len(data); atomically, data is written whole into the
// temporary file.
func (o Options) WriteBytes(path string, old, data []byte) error {
	if !o.InPlace {
		err := o.Replace(path, func(tmp *os.File) error {
			_, err := tmp.Write(data)
			return err
		})
		if err == nil || !dirNotWritable(err) {
			return err
		}
		if err := CheckWritable(path); err != nil {
			return err
		}
	}
	return o.editInPlace(path, func(f *os.File) error {
		for _, r := range diffRanges(old, data) {
			if _, err := f.WriteAt(data[r[0]:r[1]], int64(r[0])); err != nil {
				return err
			}
		}
		if len(data) != len(old) {
			return f.Truncate(int64(len(data)))
		}
		return nil
	})
}

// diffRanges returns the [start, end) ranges of data that differ from old
// (or lie past its end), runs closer than a page merged into one.
func diffRanges(old, data []byte) [][2]int {
	const gap = 4096
	var out [][2]int
	n := min(len(old), len(data))
	for i := 0; i < n; {
		if old[i] == data[i] {
			i++
			continue
		}
		j := i + 1
		for j < n && old[j] != data[j] {
			j++
		}
		if k := len(out); k > 0 && i-out[k-1][1] < gap {
			out[k-1][1] = j
		} else {
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	if len(data) > n {
		if k := len(out); k > 0 && n-out[k-1][1] < gap {
			out[k-1][1] = len(data)
		} else {
			out = append(out, [2]int{n, len(data)})
		}
	}
	return out
}
