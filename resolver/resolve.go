package resolver

// Request is one ELF file to resolve, as the hook parsed it. It has already
// passed the skip rules (static, no segment, arch, OS ABI).
type Request struct {
	// Path names the file in results and errors, as given on the command
	// line (relative stays relative).
	Path string
	// Dir is the directory $ORIGIN stands for: the file's directory,
	// absolute and clean, in the same form as Library.Dir. Used only by
	// Options.PreserveOrigin and Options.RelativeRpaths.
	Dir string
	Platform
	// Executable is true for a dynamic executable: one with an
	// interpreter (.interp), PIE included. Only executables get
	// Options.RuntimeDependencies, unless RuntimeDependenciesForLibs.
	Executable bool
	// Needed is DT_NEEDED, in order.
	Needed []string
	// Dlopen is the .note.dlopen entries in order (FDO note type
	// 0x407c0c0a); each entry is an any-of list of sonames.
	Dlopen [][]string
	// RunPath is the existing DT_RUNPATH (else DT_RPATH) split on ':'.
	// Read only with Options.PreserveOrigin.
	RunPath []string
}

// Options are the run-wide settings of auto-patchelf that affect
// resolution. The zero value resolves against the index alone: no libc
// dir, nothing exists on disk, no extra RUNPATH entries, nothing ignored.
type Options struct {
	// LibcDir is the libc directory ($NIX_BINTOOLS/nix-support/orig-libc
	// + "/lib"); "" means none. A dependency whose name is a file there is
	// left to the dynamic loader.
	LibcDir string
	// KeepLibc (--keep-libc) looks libc names up in the index first, so
	// their directory is kept in RUNPATH; they still count as found when
	// the index has no match. Forced for FreeBSD and OpenBSD files, whose
	// ld.so and libc live in different packages (as upstream does).
	KeepLibc bool
	// IsFile reports whether path names an existing regular file
	// (following symlinks). Resolve calls it for absolute dependencies and
	// for LibcDir joined with a dependency name, and for nothing else. The
	// hook can answer the libc questions from one listing of LibcDir. nil
	// means no file exists.
	IsFile func(path string) bool
	// PreserveOrigin (--preserve-origin) keeps the file's existing
	// $ORIGIN RUNPATH entries and uses one in place of a found directory
	// it points at.
	PreserveOrigin bool
	// RelativeRpaths (--relative-rpaths) writes a found directory that
	// lies in the same tree as the file (one of Trees) as
	// $ORIGIN/<path relative to Request.Dir>.
	RelativeRpaths bool
	// Trees are the roots being patched (--paths), absolute and clean;
	// read only with RelativeRpaths.
	Trees []string
	// RuntimeDependencies (--runtime-dependencies, already with "/lib"
	// appended by the setup hook) start the RUNPATH of executables.
	RuntimeDependencies []string
	// RuntimeDependenciesForLibs also starts the RUNPATH of libraries with
	// RuntimeDependencies (opt-in, nixpkgs #282749).
	RuntimeDependenciesForLibs bool
	// AppendRpaths (--append-rpaths) end every RUNPATH that is written.
	AppendRpaths []string
	// IgnoreMissing (--ignore-missing) are Python fnmatch patterns matched
	// against the base name of a missing dependency; the first match wins.
	IgnoreMissing []string
}

// Via says how a dependency was satisfied.
type Via uint8

const (
	// NotFound: nothing satisfied the dependency.
	NotFound Via = iota
	// Absolute: the dependency is an absolute path to an existing file.
	Absolute
	// Libc: the name is a file in the libc dir; the loader finds it.
	Libc
	// Indexed: found in the index; its directory goes into RUNPATH.
	Indexed
)

// Verdict says why an index entry won or lost, for --explain.
type Verdict uint8

const (
	// Chosen: the first compatible entry; it satisfies the dependency.
	Chosen Verdict = iota + 1
	// Shadowed: compatible, but an earlier entry won.
	Shadowed
	// WrongArch: a different machine, class or byte order.
	WrongArch
	// IncompatibleOSABI: same arch, incompatible OS ABI.
	IncompatibleOSABI
)

// Considered is one index entry looked at for a dependency.
type Considered struct {
	// Name is the candidate soname that was looked up.
	Name    string
	Library Library
	Verdict Verdict
}

// Dependency is one DT_NEEDED entry or one .note.dlopen entry, resolved.
type Dependency struct {
	// Candidates are the sonames, in order: one for DT_NEEDED, one or
	// more for a .note.dlopen entry (any one satisfies it). Normalised
	// the way Python's pathlib prints them.
	Candidates []string
	// Dlopen is true for a .note.dlopen entry.
	Dlopen bool
	Via    Via
	// Name is the candidate that satisfied the dependency, or, when
	// NotFound, the display name (see DisplayName).
	Name string
	// Library is the provider when Via is Indexed.
	Library Library
	// Entry is the RUNPATH entry that serves the dependency when Via is
	// Indexed: Library.Dir, or a $ORIGIN form of it.
	Entry string
	// Considered lists the index entries looked at, per candidate tried,
	// in precedence order.
	Considered []Considered
}

// Found reports whether the dependency was satisfied.
func (d Dependency) Found() bool { return d.Via != NotFound }

// DisplayName is how auto-patchelf names the dependency in messages: the
// soname, or "any(a, b)" for a .note.dlopen entry with several candidates.
func (d Dependency) DisplayName() string {
	panic("TODO")
}

// MissingError is a dependency that nothing satisfied.
type MissingError struct {
	// File is Request.Path of the file that wants the dependency.
	File string
	// Name is the display name (Dependency.DisplayName).
	Name string
	// Candidates are the sonames tried.
	Candidates []string
	// Pattern is the first --ignore-missing pattern that matched, or ""
	// when the dependency is not ignored.
	Pattern string
}

// Ignored reports whether an --ignore-missing pattern matched.
func (e *MissingError) Ignored() bool { return e.Pattern != "" }

func (e *MissingError) Error() string {
	panic("TODO")
}

// Result is the resolution of one file.
type Result struct {
	// File is Request.Path.
	File string
	// Deps are DT_NEEDED then .note.dlopen entries, in order.
	Deps []Dependency
	// RunPath is the RUNPATH to write, de-duplicated keeping the first of
	// each entry. Empty means leave the file's RUNPATH as it is.
	RunPath []string
	// Missing are the unsatisfied dependencies in order, ignored ones
	// included (the summary counts them).
	Missing []*MissingError
}

// Err joins the missing dependencies that no pattern ignored, or returns
// nil when there are none. Each joined error is a *MissingError.
func (r Result) Err() error {
	panic("TODO")
}

// Resolve resolves one file's dependencies against ix and computes its new
// RUNPATH, following auto-patchelf (contract §2, steps 5 to 8). It does no
// I/O besides calling opts.IsFile. A nil ix is an empty index.
func Resolve(ix *Index, req Request, opts Options) Result {
	panic("TODO")
}
