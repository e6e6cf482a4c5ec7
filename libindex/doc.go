// Package libindex builds the library index ([resolver.Index]) from files,
// the one way for every caller: the trees `gopatchelf auto` patches and
// its --libs (package hook), a wheel's own members and its --libs (package
// wheel). It reads through io/fs, so a directory on disk ([DirFS], or the
// hook's own file system), the members of a zip (*zip.Reader) and an
// fstest.MapFS give the same index for the same libraries.
//
// The rules are auto-patchelf's (shared/spec/autopatchelf-contract.md §2):
// any name containing ".so" that is a regular file or a symlink to one is
// a candidate; files that are not ELF and separate debug objects are left
// out; a library is indexed under its file name, not DT_SONAME; a symlink
// counts under its own name, in its target's directory when the target
// has the same name (nixpkgs #210908); the non-$ORIGIN entries of each
// library's RUNPATH (else RPATH) are indexed too, breadth first. Unlike
// upstream, every walk is sorted by name (nixpkgs #221373), so the order
// of the index — the precedence — does not depend on the file system.
//
// Files are read in parallel and handed back in walk order: the index and
// everything reported about it are the same whatever the number of
// workers. Each file is opened and parsed once; a file that is not ELF
// costs one read of its first bytes.
//
// The package does not log and writes nothing; what a caller does with
// the files it meets (count them, report debug objects, remove leftovers)
// goes through [Options].
package libindex
