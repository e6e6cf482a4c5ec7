// Command gopatchelf patches ELF files so that they find their libraries:
// a native replacement for nixpkgs' autoPatchelfHook and for patchelf.
//
// Usage:
//
//	gopatchelf <command> [arguments]
//	gopatchelf help [<command>]     (help CMD is CMD --help)
//	gopatchelf --version            (also: gopatchelf version)
//
// --version prints the module version ("(devel)" for a build from a
// checkout) and the VCS revision the binary was built from.
//
// # One command line
//
// check, refs, scrub and wheel share one grammar (internal/cli): GNU-style long
// options, "--opt value" or "--opt=value"; a list option takes the
// arguments up to the next option and may be repeated ("--libs A B" is
// "--libs A --libs B"); "--" ends the options; operands may come before,
// between or after options; numbers are decimal or 0x/0o/0b-prefixed,
// the same everywhere; -h/--help prints a short help on stdout and
// -v/--verbose adds debug messages. An unknown option, a missing value or
// a missing operand is one line on stderr,
//
//	gopatchelf refs: unknown option --frob (see gopatchelf refs --help)
//
// and exit status 2. auto keeps auto-patchelf's command line and patchelf
// keeps patchelf's (below).
//
// # Messages
//
// Machine output (JSON, --print-*, reports, auto's status lines) goes to
// stdout, plainly. Diagnostics go through one logger to stderr:
// "gopatchelf: error: …", "gopatchelf: warning: …", "gopatchelf: hint: …",
// and with -v "gopatchelf: debug: …". Every line is written whole, stdout
// lines before any stderr line that follows them, so with both on one
// file the log is the same from run to run and whatever
// $NIX_BUILD_CORES is. On a terminal, auto's runs that last over a second
// show a progress line on stderr, erased before any other line is written.
//
// # Exit status
//
// Every command: 0 success; 1 the work failed (see each command); 2 a bad
// command line, or bad input named on it: a PATH, --paths or --libs entry
// that does not exist (a missing --libs entry is accepted inside a Nix
// build, as auto-patchelf accepts it), a --libc-dir that is not a
// directory, an --interpreter that is not a file, a wheel that is a
// directory or not a zip; nothing is read or written then; 130
// interrupted (SIGINT or SIGTERM).
//
// # gopatchelf auto
//
//	gopatchelf auto [--ignore-missing [PATTERN ...]] [--no-recurse]
//	                --paths [PATH ...] [--libs [DIR ...]]
//	                [--runtime-dependencies [DIR ...]] [--append-rpaths [DIR ...]]
//	                [--keep-libc] [--preserve-origin] [--relative-rpaths]
//	                [--ignore-existing] [--structured-logs]
//	                [--interpreter PATH] [--libc-dir DIR]
//	                [--runtime-dependencies-for-libs] [--explain]
//	                [--resolution-cache] [--fsync {auto,always,never}]
//	                [--write {auto,in-place,atomic}] [--dry-run] [-v]
//	                [--extra-args PATCHELF-FLAG ...]
//
// auto takes the command line of nixpkgs' auto-patchelf script, parsed the
// way its argparse parser does (a multi-value option takes values until the
// next option; "--opt=value" gives one value; unique prefixes of option
// names work; --extra-args takes everything after it), and prints the same
// lines on stdout: "setting interpreter of F", "searching for dependencies
// of F", "    NAME -> found: DIR", "setting RPATH to: R", the summary and
// its warn:/error: lines, or with --structured-logs the same JSON events.
// One line is its own: "keeping the N bytes appended to F at the end of the
// file", when a file that carries data after its ELF contents (a
// self-extracting archive's payload) grows; the data stays its last bytes
// (not a JSON event: upstream has none).
// The interpreter and the libc directory come from
// $NIX_BINTOOLS/nix-support/{dynamic-linker,orig-libc} as in a Nix build,
// and there nothing else changes. Outside Nix, --interpreter gives the
// interpreter (without it, interpreters are left alone and the target is
// the machine gopatchelf runs on) and --libc-dir the libc directory;
// without --libc-dir, the directory holding libc.so.6 is the
// interpreter's (through symlinks), else the first of /lib/<multiarch>,
// /usr/lib/<multiarch>, /lib64, /usr/lib64, /lib, /usr/lib holding
// libc.so.6. Such a directory (Debian's /lib/x86_64-linux-gnu, Fedora's
// /lib64) holds every library of the system, so outside Nix only glibc's
// own libraries there (resolver.IsGlibc: libc.so.6, libm.so.6, the
// loader, libpthread, libdl, librt, libresolv, libutil, libanl, libmvec,
// libnss_*, libthread_db, …) are left to the dynamic linker; every other
// dependency must be found in the trees or --libs. The hint after a
// missing dependency says "add it to buildInputs" in a Nix build and
// "add its lib directory to --libs" elsewhere. -v/--verbose prints
// debug messages (the libc directory, the index, files not indexed).
// Unlike argparse, a list option given twice adds up ("--libs A --libs
// B"); the setup hook gives each once.
//
// The options after --structured-logs are ours: --explain prints the
// candidates considered for each dependency, --runtime-dependencies-for-libs
// gives --runtime-dependencies to libraries too (nixpkgs #282749),
// --resolution-cache also writes the NixOS resolution-cache note that
// patchelf 0.19's --build-resolution-cache writes (same bytes) for the
// RUNPATH written, in the same write (not with --force-rpath), --dry-run
// writes nothing. Of the patchelf flags in --extra-args, --force-rpath,
// --page-size N and --no-default-lib are honoured, --debug, --no-sort and
// --no-clobber-old-sections are meaningless here and accepted silently,
// and any other is ignored with a warning.
//
// Beyond upstream, a missing dependency's error is followed on stderr by
// the Nix package that usually provides it, a warning is printed when lxml
// and xmlsec modules resolve libxml2 to different files, and on a terminal
// runs that take over a second show a progress line on stderr
// ("gopatchelf: 120/2331 ELF files": the ELF files done, of all those the
// run meets, counted before patching starts by reading the first bytes of
// each file, which only a terminal's run pays for). Files that
// cannot be read, parsed or safely rewritten are reported one per line on
// stderr ("gopatchelf: error: FILE: reason") and left untouched.
//
// $NIX_BUILD_CORES, when set and positive, bounds the files processed at
// once and, for every command, the threads running Go code (never more
// than the CPUs the process may use): a build's share of the machine is
// kept. The output does not depend on it.
//
// Each edit is planned and its result verified before the first byte is
// written. --write says how it is then written: "atomic" writes a
// temporary file beside the original (a reflink clone of it where the file
// system can share extents, else a kernel-side copy), edits it and renames
// it over the original, so a killed run leaves every file whole;
// "in-place" writes only the changed bytes into the file itself (no copy,
// the same inode: other hard links share the change, as with patchelf), so
// a run killed mid-write leaves that file torn; "auto" (the default) is in
// place inside a Nix build ($NIX_BUILD_TOP set), whose output Nix discards
// unless the build completes, and atomic elsewhere. --fsync decides
// whether each file is synced to disk (before the rename, or after the
// writes in place): "always", "never", or "auto" (the default): not
// inside a Nix build, always elsewhere. Atomic files are synced together:
// all are written, one syncfs flushes them, then all are renamed. In either mode a file the caller
// may not write is refused with patchelf's "FILE: open: Permission denied"
// and left as it is, and a writable file in a directory that takes no
// temporary file is written in place.
//
// # Exit status
//
//	0    success: every file handled, every dependency satisfied or ignored
//	1    missing dependencies, files that could not be read, parsed or
//	     rewritten, no --paths given ("No paths to patch, stopping."), or an
//	     interpreter or $NIX_BINTOOLS that cannot be read or parsed
//	2    usage error (the usage text and the reason on stderr), or a
//	     --paths entry, --libs entry (outside a Nix build), --libc-dir or
//	     --interpreter that does not exist or is of the wrong kind: one
//	     line naming it, before any file is read
//	130  interrupted (SIGINT or SIGTERM); files already written are
//	     complete, the others untouched
//
// # gopatchelf patchelf
//
// NixOS patchelf 0.19's command line, also when the binary is run as
// "patchelf": the same --print-* output, error texts ("patchelf: FILE:
// reason", patchelf's own words for malformed files) and exit status 1 on
// any error, stopping at the first file that fails. All changes to one file
// are one edit, written atomically (synced first, except inside a Nix
// build, as auto's --fsync auto) and only when a byte changes, applied in
// this order: DT_NEEDED removals, replacements, additions; DT_SONAME; the
// search path (the first of --shrink-rpath, --remove-rpath, --set-rpath,
// --add-rpath); the interpreter; OS ABI, DF_1_NODEFLIB and PT_GNU_STACK;
// --add-debug-tag; --clear-symbol-version; --rename-dynamic-symbols (both
// hash tables rebuilt); then, with --build-resolution-cache, the
// resolution-cache note for the run path the call leaves.
//
// # gopatchelf check
//
// Resolves every ELF file's libraries and symbol versions the way glibc's
// loader would at run time and reports what would fail; it writes nothing.
// The default directories are those of each file's own interpreter, so a
// Nix output needs no --libs after the hook; --libs is searched as
// LD_LIBRARY_PATH is, and --interpreter (default $NIX_BINTOOLS's
// dynamic-linker, else this machine's loader) sets the target
// architecture and the loader of libraries no program loads; --host
// PROGRAM judges modules in their host's process. Exit status 0 clean, 1
// problems found, 2 usage or a PATH, --libs, --host or --interpreter entry
// that does not exist. See 'gopatchelf check -h'
// and package linkcheck for the output formats.
//
// # gopatchelf refs, gopatchelf scrub
//
// refs lists every Nix store path files refer to and what holds it (a
// RUNPATH or RPATH entry, the interpreter, DT_NEEDED, or bytes at an
// offset); exit status 0, or 1 when a file could not be read. scrub removes
// store references the ELF-aware way for a fixed-output derivation and
// lists what is left; exit status 0 when nothing is left (or
// --allow-remaining), 1 when references remain or a file could not be
// scrubbed (it is left untouched, and its references count as remaining).
// scrub writes as auto does (--write, in place inside a Nix build). Both:
// 2 on a bad command line or a PATH that does not exist (nothing is read
// or written then).
//
// # gopatchelf wheel
//
// Re-links the ELF members of Python wheels inside the zip, updating
// RECORD, and writes the new archive through a temporary file renamed
// into place (always atomic: a zip cannot be patched in place); exit
// status 0 done, 1 missing dependencies or a wheel that could not be
// patched, 2 a bad command line or bad input: a wheel that does not exist,
// is a directory or does not start as a zip archive does, a --libs entry
// that does not exist (outside a Nix build), a --libc-dir that is not a
// directory. -o DIR is also --output DIR.
package main
