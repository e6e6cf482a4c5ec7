// Package resolver decides, for one ELF file, which directory satisfies
// each of its dependencies and what its new RUNPATH is, following nixpkgs'
// auto-patchelf (see the contract, §2). It is the pure core of
// `gopatchelf auto`: package libindex walks the trees, parses the files and
// builds the [Index] (for the hook and for wheels); this package only
// computes.
//
// # The index and its precedence
//
// An [Index] maps a library's file name (not its DT_SONAME) to the
// libraries of that name in the order they were added with [Index.Add].
// [Index.Lookup] returns the first one that is compatible with the file
// ([Platform.Compatible]: same machine, and where known same class and byte
// order, and [OSABICompatible] OS ABIs). First added wins, always: the
// precedence is the order of Add calls. As upstream, the hook adds the
// trees being patched (walked in sorted order; skipped with
// --ignore-existing) and, breadth-first, the directories named by their
// libraries' RUNPATHs; then each --libs entry in order and, breadth-first,
// their RUNPATH closure. Upstream walks directories in readdir order and
// so may pick a different provider from one machine to the next (nixpkgs
// #221373); with a sorted walk the choice depends only on names. Adding
// the same library twice changes nothing. A nil *Index reads as empty.
//
// # Resolving a file
//
// [Resolve] takes the file's DT_NEEDED entries, then its .note.dlopen
// entries (each an any-of list). For each candidate name, in order:
//
//  1. an absolute path that is a file satisfies it, silently;
//  2. a name that is a file in the libc dir satisfies it, silently, unless
//     KeepLibc;
//  3. the first compatible index entry satisfies it and its directory goes
//     into RUNPATH;
//  4. with KeepLibc, a libc name the index lacks still counts as found.
//
// The first candidate that is satisfied wins. The new RUNPATH is the runtime
// dependencies (executables only, unless RuntimeDependenciesForLibs), then
// the found directories in dependency order, then AppendRpaths, with
// duplicates dropped keeping the first. Entries are normalised the way
// Python's pathlib prints them ("a//b/./c/" becomes "a/b/c"), because
// upstream passes every entry through pathlib.Path.
//
// With PreserveOrigin, an existing $ORIGIN entry of the file that names a
// found directory is written instead of that directory; with
// RelativeRpaths, a found directory in the same tree as the file is written
// as a path relative to $ORIGIN (see [Options]).
//
// Missing dependencies are matched against the --ignore-missing patterns
// with Python's fnmatch semantics (resolver/internal/fnmatch), which differ
// from path.Match: no backslash escapes, "[!x]" negation, '*' crosses '/'.
//
// # Where we differ from upstream on purpose
//
//   - Class and byte order are compared when known ([Platform.SameArch]);
//     upstream compares pyelftools' machine name only.
//   - A missing .note.dlopen entry with several candidates is ignored when
//     a pattern matches its display name "any(a, b)" or any candidate's
//     base name; upstream crashes there (it takes .name of a str).
//   - ${ORIGIN} is honoured like $ORIGIN by PreserveOrigin.
//
// # What it does not do
//
// It reads no files and logs nothing: whether a path is a file is asked
// through [Options.IsFile], and messages are the caller's job (the result
// carries everything a message needs, including the candidates considered,
// for --explain). It does not apply the skip rules (static, no segments,
// foreign arch), does not follow symlinks (the hook records each library
// under the name and directory the contract prescribes), and does not
// decide the interpreter. It does not check that a found library's own
// dependencies resolve: like upstream, it trusts the provider's RUNPATH.
//
// # Beyond upstream
//
// [Hint] names the Nix package that usually provides a missing soname, and
// [LibxmlMismatches] spots lxml and xmlsec linked against different
// libxml2 builds, which fails only at run time.
package resolver
