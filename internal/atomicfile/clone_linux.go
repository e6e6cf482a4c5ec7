package atomicfile

import (
	"os"
	"syscall"
)

// ficlone is FICLONE from linux/fs.h: _IOW(0x94, 9, int).
const ficlone = 0x40049409

// clone makes dst share src's extents. It fails with EOPNOTSUPP, EXDEV,
// EINVAL or ENOTTY where the file system cannot, and then dst is unchanged.
func clone(dst, src *os.File) error {
	dc, err := dst.SyscallConn()
	if err != nil {
		return err
	}
	sc, err := src.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	ctlErr := dc.Control(func(d uintptr) {
		srcErr := sc.Control(func(s uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, d, ficlone, s)
		})
		if srcErr != nil {
			errno = syscall.EBADF
		}
	})
	if ctlErr != nil {
		return ctlErr
	}
	if errno != 0 {
		return &os.SyscallError{Syscall: "ioctl FICLONE", Err: errno}
	}
	return nil
}
