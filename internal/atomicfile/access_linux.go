package atomicfile

import "golang.org/x/sys/unix"

// accessWrite asks the kernel whether the effective user may write path
// (faccessat with AT_EACCESS): root may, except on a read-only file system.
func accessWrite(path string) error {
	for {
		err := unix.Faccessat(unix.AT_FDCWD, path, unix.W_OK, unix.AT_EACCESS)
		if err != unix.EINTR {
			return err
		}
	}
}
