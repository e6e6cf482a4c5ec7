package relink

// The target of a run: which interpreter executables get, which libc
// directory is left to the dynamic loader, which platform the files are
// for. auto, check and wheel decide it the same way, from the command line
// first, then from the environment of a Nix build, then from the machine
// itself. This is the one file of the package that reads files: the
// interpreter's header, $NIX_BINTOOLS's nix-support files, and the system
// directories searched for libc.so.6.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/arch"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// TargetSpec says where the target of a run comes from, and what to
// decide beyond the interpreter. Its zero value asks for nothing: no
// interpreter, this machine's platform.
type TargetSpec struct {
	// Interpreter and LibcDir are the values given on the command line
	// (--interpreter, --libc-dir); "" means not given. They win over the
	// environment.
	Interpreter, LibcDir string
	// Getenv reads the environment (os.Getenv). $NIX_BINTOOLS, which the
	// bintools wrapper sets in a Nix build, gives what the command line
	// does not: the interpreter in nix-support/dynamic-linker and the libc
	// directory in nix-support/orig-libc (plus "/lib"), as auto-patchelf
	// reads them (contract §1). nil reads no environment.
	Getenv func(key string) string
	// ReadPlatform reads the interpreter's platform into Target.Platform; the
	// interpreter must then be an ELF file (else an *InterpreterError).
	// Without it, Target.Platform is zero when there is an interpreter:
	// the caller needs none, or reads it itself.
	ReadPlatform bool
	// Libc decides the libc directory: LibcDir, else $NIX_BINTOOLS's.
	// Without it, Target.LibcDir is "" and Target.LibcNames nil: check
	// leaves libc to the loader's own search and needs neither.
	Libc bool
	// SystemLibc, when neither LibcDir nor $NIX_BINTOOLS gives a libc
	// directory, looks for this machine's (see [SystemLibcDir]); it needs
	// the platform, so it implies Libc and ReadPlatform.
	SystemLibc bool
	// Root is the directory the system directories are looked up under
	// with SystemLibc: "" is "/". Tests lay out a Debian or Fedora system
	// under a directory.
	Root string
}

// Target is what a run patches or checks files for.
type Target struct {
	// Interpreter is the dynamic linker given to dynamic executables; ""
	// leaves them alone.
	Interpreter string
	// LibcDir is the directory whose libraries are left to the dynamic
	// loader; "" means none.
	LibcDir string
	// LibcNames narrows LibcDir to the names it accepts: resolver.IsGlibc
	// for a libc directory that does not come from $NIX_BINTOOLS (outside
	// Nix it is a system directory that holds every library, of which
	// only glibc's own are the loader's business); nil accepts every name
	// (Nix's orig-libc/lib holds glibc alone).
	LibcNames func(name string) bool
	// Platform is the interpreter's platform (with TargetSpec.ReadPlatform),
	// this machine's without an interpreter, else zero.
	Platform resolver.Platform
}

// InterpreterError is an interpreter whose platform could not be read:
// it is not an ELF file, or cannot be read. Its text is the reason, which
// names the file.
type InterpreterError struct {
	Path string
	Err  error
}

func (e *InterpreterError) Error() string { return e.Err.Error() }
func (e *InterpreterError) Unwrap() error { return e.Err }

// NewTarget decides a run's target from spec. Errors are a nix-support
// file $NIX_BINTOOLS names that cannot be read, and an *InterpreterError.
func NewTarget(spec TargetSpec) (Target, error) {
	interp, libc := spec.Interpreter, spec.LibcDir
	libcFromNix := false
	if bintools := getenv(spec, "NIX_BINTOOLS"); bintools != "" {
		support := filepath.Join(bintools, "nix-support")
		if interp == "" {
			b, err := os.ReadFile(filepath.Join(support, "dynamic-linker"))
			if err != nil {
				return Target{}, fmt.Errorf("reading the dynamic linker from $NIX_BINTOOLS: %w", err)
			}
			interp = strings.TrimSpace(string(b))
		}
		if libc == "" && (spec.Libc || spec.SystemLibc) {
			b, err := os.ReadFile(filepath.Join(support, "orig-libc"))
			if err != nil {
				return Target{}, fmt.Errorf("reading the libc path from $NIX_BINTOOLS: %w", err)
			}
			libc, libcFromNix = strings.TrimSpace(string(b))+"/lib", true
		}
	}
	t := Target{Interpreter: interp}
	if interp == "" {
		t.Platform = HostPlatform()
	} else if spec.ReadPlatform || spec.SystemLibc {
		p, err := PlatformOfFile(interp)
		if err != nil {
			return Target{}, &InterpreterError{Path: interp, Err: err}
		}
		t.Platform = p
	}
	if libc == "" && spec.SystemLibc {
		root := spec.Root
		if root == "" {
			root = "/"
		}
		libc, _ = SystemLibcDir(root, interp, t.Platform == HostPlatform())
	}
	if spec.Libc || spec.SystemLibc {
		t.LibcDir = libc
		if !libcFromNix {
			t.LibcNames = resolver.IsGlibc
		}
	}
	return t, nil
}

func getenv(spec TargetSpec, key string) string {
	if spec.Getenv == nil {
		return ""
	}
	return spec.Getenv(key)
}

// SystemDirs are the directories under root where this machine's
// libraries usually are, in the order the usual distributions' loaders
// search them: Debian's and Ubuntu's multiarch ones (internal/arch's
// triplet of the host), then Fedora's /lib64 and /usr/lib64, then /lib and
// /usr/lib.
func SystemDirs(root string) []string {
	var sys []string
	if a, ok := arch.Host(); ok && a.Multiarch != "" {
		sys = append(sys, "/lib/"+a.Multiarch, "/usr/lib/"+a.Multiarch)
	}
	var dirs []string
	for _, d := range append(sys, "/lib64", "/usr/lib64", "/lib", "/usr/lib") {
		dirs = append(dirs, filepath.Join(root, d))
	}
	return dirs
}

// SystemLibcDir finds this machine's libc directory outside Nix, so that
// glibc's own libraries are left to the dynamic linker as they are left to
// Nix's: the directory of the interpreter given (resolved through
// symlinks) when it holds libc.so.6, which covers a cross sysroot such as
// /usr/aarch64-linux-gnu/lib; else, for the machine's own platform (host),
// the first of [SystemDirs] under root that holds libc.so.6. On NixOS
// there is none: the caller passes --libc-dir.
//
// root is "/" but for tests, which lay out a Debian or Fedora system
// under a directory; interp is then under root too.
func SystemLibcDir(root, interp string, host bool) (string, bool) {
	var dirs []string
	if interp != "" {
		if real, err := filepath.EvalSymlinks(interp); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(interp))
	}
	if host {
		dirs = append(dirs, SystemDirs(root)...)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "libc.so.6")); err == nil && fi.Mode().IsRegular() {
			return d, true
		}
	}
	return "", false
}
