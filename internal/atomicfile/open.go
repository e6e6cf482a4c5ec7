package atomicfile

import (
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
)

// openFile is os.OpenFile for the regular files this package opens,
// without what os.OpenFile does for files that might be pollable: two
// fcntl calls to make the descriptor non-blocking, a registration with
// the poller that fails for a regular file, and two more fcntl calls to
// undo the first. A run that writes hundreds of files would pay those
// five system calls for each. os.NewFile asks one fcntl and registers
// nothing.
func openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}

// createTemp is os.CreateTemp(dir, prefix+"*") through openFile: a new
// file, mode 0600, named prefix followed by a random number.
func createTemp(dir, prefix string) (*os.File, error) {
	if dir != "" && !os.IsPathSeparator(dir[len(dir)-1]) {
		dir += string(os.PathSeparator) // joined as os.CreateTemp does: never cleaned
	}
	for range 10000 {
		name := dir + prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		f, err := openFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &os.PathError{Op: "createtemp", Path: dir + prefix + "*", Err: os.ErrExist}
}
