package resolver

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	stdelf "debug/elf"

	"github.com/gopatchelf/gopatchelf/resolver/internal/fnmatch"
)

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
	// LibcNames, when set, narrows LibcDir to the names it accepts (see
	// [IsGlibc]): outside Nix, the directory holding libc.so.6 holds the
	// whole system's libraries, and only glibc's are libc. nil accepts
	// every name, as inside a Nix build, where orig-libc/lib holds only
	// what the libc package installs.
	LibcNames func(name string) bool
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
	// PreserveOrigin (--preserve-origin): when one of the file's existing
	// RUNPATH entries using $ORIGIN or ${ORIGIN} names the directory a
	// dependency was found in (after substituting Request.Dir and
	// cleaning, compared as strings), that entry is written instead of
	// the directory; the first such entry wins. $ORIGIN entries that
	// serve no dependency are dropped, as upstream's test expects (the
	// point is fewer self-references, not keeping every entry).
	PreserveOrigin bool
	// RelativeRpaths (--relative-rpaths) writes a found directory that
	// lies, with Request.Dir, under one of Trees as "$ORIGIN" or
	// "$ORIGIN/<relative path>" (e.g. $ORIGIN/../foo.libs). Other
	// directories, runtime dependencies and AppendRpaths stay as they
	// are. PreserveOrigin's choice, when it has one, comes first.
	RelativeRpaths bool
	// Trees are the roots being patched (--paths), absolute and clean in
	// the same form as Library.Dir; read only with RelativeRpaths.
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

func (v Via) String() string {
	switch v {
	case NotFound:
		return "not found"
	case Absolute:
		return "absolute path"
	case Libc:
		return "libc dir"
	case Indexed:
		return "index"
	}
	return "Via(" + strconv.Itoa(int(v)) + ")"
}

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

func (v Verdict) String() string {
	switch v {
	case Chosen:
		return "chosen"
	case Shadowed:
		return "shadowed by an earlier entry"
	case WrongArch:
		return "other architecture"
	case IncompatibleOSABI:
		return "incompatible OS ABI"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

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
	return displayName(d.Candidates)
}

func displayName(cands []string) string {
	if len(cands) == 1 {
		return cands[0]
	}
	return "any(" + strings.Join(cands, ", ") + ")"
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
	return fmt.Sprintf("%s: could not satisfy dependency %s", e.File, e.Name)
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
	var errs []error
	for _, m := range r.Missing {
		if !m.Ignored() {
			errs = append(errs, m)
		}
	}
	return errors.Join(errs...)
}

// Resolve resolves one file's dependencies against ix and computes its new
// RUNPATH, following auto-patchelf (contract §2, steps 5 to 8). It does no
// I/O besides calling opts.IsFile. A nil ix is an empty index.
func Resolve(ix *Index, req Request, opts Options) Result {
	r := fileResolver{ix: ix, req: &req, opts: &opts, isFile: opts.IsFile}
	// Upstream: on these platforms nixpkgs ships ld.so apart from libc, so
	// the libc dir must stay in RUNPATH.
	r.keepLibc = opts.KeepLibc || req.OSABI == stdelf.ELFOSABI_FREEBSD || req.OSABI == stdelf.ELFOSABI_OPENBSD
	if r.isFile == nil {
		r.isFile = func(string) bool { return false }
	}
	if opts.PreserveOrigin {
		r.origins = originDirs(req)
	}

	var runpath []string
	if req.Executable || opts.RuntimeDependenciesForLibs {
		runpath = append(runpath, opts.RuntimeDependencies...)
	}

	deps := make([][]string, 0, len(req.Needed)+len(req.Dlopen))
	for _, n := range req.Needed {
		deps = append(deps, []string{n})
	}
	deps = append(deps, req.Dlopen...)

	res := Result{File: req.Path, Deps: make([]Dependency, 0, len(deps))}
	for i, raw := range deps {
		d := Dependency{Dlopen: i >= len(req.Needed), Candidates: make([]string, len(raw))}
		for j, c := range raw {
			d.Candidates[j] = PyPath(c)
		}
		for _, cand := range d.Candidates {
			if r.try(cand, &d) {
				break
			}
		}
		switch d.Via {
		case Indexed:
			runpath = append(runpath, d.Entry)
		case NotFound:
			d.Name = d.DisplayName()
			res.Missing = append(res.Missing, &MissingError{
				File:       req.Path,
				Name:       d.Name,
				Candidates: d.Candidates,
				Pattern:    ignoredBy(opts.IgnoreMissing, d),
			})
		}
		res.Deps = append(res.Deps, d)
	}

	runpath = append(runpath, opts.AppendRpaths...)
	res.RunPath = dedup(runpath)
	return res
}

// fileResolver holds what Resolve works with for one file.
type fileResolver struct {
	ix       *Index
	req      *Request
	opts     *Options
	keepLibc bool
	isFile   func(string) bool
	origins  []originDir
}

// try tries one candidate soname of d, in upstream's order, and records
// how it was satisfied. It reports whether it was.
func (r *fileResolver) try(cand string, d *Dependency) bool {
	if strings.HasPrefix(cand, "/") && r.isFile(cand) {
		d.Via, d.Name = Absolute, cand
		return true
	}
	// pathlib joins an absolute name to nothing but itself, so for an
	// absolute name upstream's libc test asks about that path again.
	isLibc := r.opts.LibcDir != "" && (r.opts.LibcNames == nil || r.opts.LibcNames(cand)) &&
		r.isFile(pyJoin(r.opts.LibcDir, cand))
	if isLibc && !r.keepLibc {
		d.Via, d.Name = Libc, cand
		return true
	}
	won := false
	var libs []Library
	if r.ix != nil {
		libs = r.ix.byName[pyName(cand)] // read only: no need for Candidates' copy
	}
	for _, lib := range libs {
		c := Considered{Name: cand, Library: lib}
		switch {
		case !r.req.SameArch(lib.Platform):
			c.Verdict = WrongArch
		case !OSABICompatible(r.req.OSABI, lib.OSABI):
			c.Verdict = IncompatibleOSABI
		case won:
			c.Verdict = Shadowed
		default:
			c.Verdict = Chosen
			won = true
			d.Via, d.Name, d.Library = Indexed, cand, lib
			d.Entry = r.entryFor(lib.Dir)
		}
		d.Considered = append(d.Considered, c)
	}
	if won {
		return true
	}
	if isLibc {
		// Only reached with keepLibc: libc names the index lacks are
		// still found, by the loader.
		d.Via, d.Name = Libc, cand
		return true
	}
	return false
}

// originDir is one existing $ORIGIN entry and the directory it names.
type originDir struct {
	entry, dir string
}

func originDirs(req Request) []originDir {
	if !path.IsAbs(req.Dir) {
		return nil
	}
	var out []originDir
	for _, e := range req.RunPath {
		if dir, ok := expandOrigin(e, req.Dir); ok {
			out = append(out, originDir{entry: e, dir: dir})
		}
	}
	return out
}

// entryFor is the RUNPATH entry for a provider in dir: an existing $ORIGIN
// entry naming dir (PreserveOrigin), else a computed $ORIGIN path when the
// file and dir lie in the same tree (RelativeRpaths), else dir itself.
func (r *fileResolver) entryFor(dir string) string {
	clean := path.Clean(dir)
	for _, o := range r.origins {
		if o.dir == clean {
			return PyPath(o.entry)
		}
	}
	if r.opts.RelativeRpaths && path.IsAbs(clean) && path.IsAbs(r.req.Dir) {
		from := path.Clean(r.req.Dir)
		for _, t := range r.opts.Trees {
			t = path.Clean(t)
			if within(t, from) && within(t, clean) {
				return originEntry(from, clean)
			}
		}
	}
	return PyPath(dir)
}

// ignoredBy returns the first pattern that matches the missing d, or "".
// Upstream matches the base name of the dependency. For a .note.dlopen
// entry with several candidates upstream crashes (it takes .name of a str);
// we match the display name "any(a, b)" and each candidate's base name.
func ignoredBy(patterns []string, d Dependency) string {
	for _, p := range patterns {
		if len(d.Candidates) == 1 {
			if fnmatch.Match(p, pyName(d.Candidates[0])) {
				return p
			}
			continue
		}
		if fnmatch.Match(p, d.DisplayName()) {
			return p
		}
		for _, c := range d.Candidates {
			if fnmatch.Match(p, pyName(c)) {
				return p
			}
		}
	}
	return ""
}

// dedup normalises the entries as pathlib prints them and drops repeats,
// keeping the first, as upstream's dict.fromkeys does.
func dedup(entries []string) []string {
	if len(entries) == 0 {
		return nil
	}
	seen := make(map[string]struct{}, len(entries))
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		e = PyPath(e)
		if _, dup := seen[e]; dup {
			continue
		}
		seen[e] = struct{}{}
		out = append(out, e)
	}
	return out
}
