//go:build !linux

package atomicfile

import "errors"

// exchange is Linux's RENAME_EXCHANGE; elsewhere Commit renames.
func exchange(a, b string) error { return errors.ErrUnsupported }
