//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

// clone is Linux's FICLONE; elsewhere ReplaceCopy always copies.
func clone(dst, src *os.File) error { return errors.ErrUnsupported }
