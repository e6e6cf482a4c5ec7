package linkcheck

import (
	"errors"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Config is one run of [Check]: `gopatchelf check`'s command line. The
// zero value of each field is that flag's default.
type Config struct {
	// Paths are the files and directories to check. Directories are walked
	// recursively in sorted order, not into symlinked subdirectories; only
	// regular files are checked (a symlink given as a path is followed).
	// Files that are not ELF are skipped silently. At least one is needed.
	Paths []string
	// Libs (--libs) are searched as LD_LIBRARY_PATH would be: after the
	// RPATHs and before the RUNPATH of the object that needs a library.
	// Directories (not recursively), or library files, which then satisfy
	// exactly their own base name. A library found only through them is a
	// warning: the file loads only with LD_LIBRARY_PATH set.
	Libs []string
	// IgnoreMissing (--ignore-missing) are Python fnmatch patterns matched
	// against the base name of a missing library, as in `gopatchelf
	// auto`; a match turns the error into a warning.
	IgnoreMissing []string
	// NoDefaultDirs (--no-default-dirs) leaves out the loader's default
	// directories and its ld.so.cache.
	NoDefaultDirs bool
	// DefaultDirs, when set, replaces the default directories read from
	// each file's loader (and its ld.so.cache) for a file's header.
	// Ignored with NoDefaultDirs.
	DefaultDirs func(elf.FileHeader) []string
	// UndefinedSymbols (--undefined-symbols) also checks that every
	// undefined, non-weak dynamic symbol of every loaded object is defined
	// by some object in the same process.
	UndefinedSymbols bool
	// Interpreter is the dynamic loader that loads the libraries and
	// modules no executable of the checked trees loads: in a Nix build
	// the dynamic-linker of $NIX_BINTOOLS. Empty: the machine's loader at
	// its standard path for the file's architecture.
	Interpreter string
	// Target is the platform the trees are for; files of another
	// architecture or OS ABI are listed with an info finding and not
	// checked, as `gopatchelf auto` skips them. Zero: Interpreter's
	// platform, or, without one, no file is left out.
	Target resolver.Platform
	// Hosts (--host) are programs that load modules: python3, node, perl,
	// ruby, lua, R. A module of a host's kind (see the package
	// documentation) is judged in that host's process: what the host and
	// the libraries it loads define and provide comes first.
	Hosts []string
	// Sysroot, when set, is where absolute paths are looked up first, as
	// qemu-user's -L does: the interpreter, the loader's directories,
	// RUNPATH entries. For checking foreign-architecture trees against a
	// cross sysroot.
	Sysroot string
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
