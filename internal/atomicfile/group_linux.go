package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// flushOnce: Linux flushes a whole file system with syncfs(2), which
// reports writeback errors since Linux 5.8.
const flushOnce = true

// fileSystemOf identifies the file system f lies on.
func fileSystemOf(f *os.File) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, err
	}
	return uint64(st.Dev), nil
}

func syncfs(f *os.File) error { return unix.Syncfs(int(f.Fd())) }
