package atomicfile

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps the files at a and b atomically. It fails with
// errors.ErrUnsupported where the kernel or file system cannot.
func exchange(a, b string) error {
	for {
		err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EINVAL || err == unix.ENOSYS || err == unix.EOPNOTSUPP:
			return errors.ErrUnsupported
		}
		return err
	}
}
