package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// clone makes dst share src's extents (FICLONE). It fails with EOPNOTSUPP,
// EXDEV, EINVAL or ENOTTY where the file system cannot, and then dst is
// unchanged.
func clone(dst, src *os.File) error {
	if err := unix.IoctlFileClone(int(dst.Fd()), int(src.Fd())); err != nil {
		return &os.SyscallError{Syscall: "ioctl FICLONE", Err: err}
	}
	return nil
}
