package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// CreateNew starts making a new file at path with permission bits perm:
// the temporary file is created empty in path's directory, and Commit
// syncs it and renames it into place, so a failure leaves nothing at path.
// It always syncs, whatever the options: there is no old file whose
// rename-over an exchange could spare.
func CreateNew(path string, perm fs.FileMode) (*Pending, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, "."+base+tempMarker)
	if err != nil {
		return nil, err
	}
	return &Pending{File: f, path: path, perm: perm & permBits}, nil
}

// WriteNew makes a new file at path, with permission bits perm, from what
// fill writes into the temporary file (see [CreateNew]).
func WriteNew(path string, perm fs.FileMode, fill func(tmp *os.File) error) error {
	p, err := CreateNew(path, perm)
	if err != nil {
		return err
	}
	defer p.Cleanup()
	if err := fill(p.File); err != nil {
		return err
	}
	return p.Commit()
}
