package linkcheck

import (
	"errors"

	"github.com/gopatchelf/gopatchelf/elf"
)

// Config is one run of [Check]: `gopatchelf check`'s command line. The
// zero value of each field is that flag's default.
type Config struct {
	// Paths are the files and directories to check. Directories are walked
	// recursively in sorted order, not into symlinked subdirectories; only
	// regular files are checked (a symlink given as a path is followed).
	// Files that are not ELF are skipped silently. At least one is needed.
	Paths []string
	// Libs (--libs) are searched after each object's own RPATH/RUNPATH
	// and before the default directories: directories (not recursively),
	// or library files, which then satisfy exactly their own base name.
	Libs []string
	// IgnoreMissing (--ignore-missing) are Python fnmatch patterns matched
	// against the base name of a missing library, as in `gopatchelf
	// auto`; a match turns the error into a warning.
	IgnoreMissing []string
	// NoDefaultDirs (--no-default-dirs) leaves out the loader's default
	// directories, as in a Nix build sandbox where only the store exists.
	NoDefaultDirs bool
	// DefaultDirs gives the default directories for a file's header; nil
	// means [DefaultDirs]. Ignored with NoDefaultDirs.
	DefaultDirs func(elf.FileHeader) []string
	// UndefinedSymbols (--undefined-symbols) also checks that every
	// undefined, non-weak dynamic symbol of every loaded object is defined
	// by some object in the same process.
	UndefinedSymbols bool
}

// ErrNoPaths is returned by [Check] when Config.Paths is empty.
var ErrNoPaths = errors.New("no paths to check")

// Validate reports the first problem that makes c unusable.
func (c *Config) Validate() error {
	if len(c.Paths) == 0 {
		return ErrNoPaths
	}
	return nil
}
