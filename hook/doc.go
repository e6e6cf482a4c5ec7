// Package hook is the run of `gopatchelf auto`: it does what nixpkgs'
// auto-patchelf script does to the outputs of a build (contract §2), with
// the same decisions and messages, but parses each file in Go, in
// parallel, and writes each file at most once.
//
// # A run
//
// [Run] takes a [Config] (the script's command line, field for field) and:
//
//  1. builds the library index breadth-first with package libindex (as
//     package wheel does): the trees being patched (unless
//     IgnoreExisting), then each --libs entry, each followed by the
//     closure of its libraries' non-$ORIGIN RUNPATH entries. A file counts
//     under its own name (the contract's symlink rules); non-ELF files,
//     dangling links and separate debug objects are not indexed. That walk
//     of the trees (directories recursively unless NoRecurse, never into
//     symlinked subdirectories, entries sorted by name) is their only one:
//     every regular file is opened once, and the ELF files, never symlinks,
//     each once, make the patch list, with what the patch phase needs from
//     the libraries already parsed, so they are not parsed twice;
//  2. takes the patch list in walk order;
//  3. for each file, in parallel: applies the skip rules (statically
//     linked, no segment, other architecture, incompatible OS ABI, debug
//     object), resolves its dependencies with package resolver, and
//     applies the interpreter and the RUNPATH in ONE [elf.Edit]. The
//     result is parsed and checked before its first byte is written. How
//     it is written is [OSFS.InPlace] (internal/atomicfile): atomically, into
//     a temporary file in the same directory (a reflink clone of the
//     original where the file system allows) that is renamed over the file;
//     or in place, only the changed bytes written into the file itself. A
//     file whose bytes would not change is not written at all, so a second
//     run changes nothing;
//  4. reports every missing dependency at the end, ignored ones included.
//
// The walks keep no listing of directories: they are read as they are
// reached, and files flow through a bounded window of workers. The patch
// list holds the ELF files only, and is released as the patch phase goes;
// so memory grows with the number of ELF files and libraries, not with
// the number of files. A file that is not ELF costs an open, one read and
// a close, once.
//
// Events ([Event]) reach Config.Events in the sorted walk order, from one
// goroutine, whatever the number of workers: two runs over the same trees
// print the same lines. Each event renders itself as auto-patchelf prints
// it: its String is the human-readable line, [EventJSON] the
// --structured-logs line, whose schema it documents; [WriteEvent] prints
// one or the other. The interpreter, the libc dir and the target
// platform come from the caller (relink.NewTarget decides them from the
// command line and $NIX_BINTOOLS).
//
// # Errors
//
// A file that cannot be read, parsed or safely rewritten is an error that
// names it; it is left byte-for-byte as it was (in place, unless the write
// itself fails after its first overwrite: see Caveats), and the other
// files are still done. Unlike upstream, which skips malformed ELF files silently and
// crashes on the first patchelf failure, every such file is reported and
// the run fails. A missing --paths entry is an error too; missing --libs
// entries are not (the setup hook adds PKG/lib for every dependency).
//
// # Differences from upstream, on purpose
//
//   - Directory order is sorted, so the provider of a library never depends
//     on readdir order (nixpkgs #221373).
//   - Library directories are absolute, even for relative --libs entries.
//   - A static-pie executable is skipped as statically linked.
//   - A separate debug object in the trees is skipped instead of patched.
//   - Architectures are compared with class and byte order too, so a
//     ppc64le interpreter does not claim a big-endian ppc64 file.
//   - Temporary files left by an interrupted run are removed from the trees.
//   - A separate debug object met while indexing is a SkipFile event, so
//     with --structured-logs it is a JSON line, not upstream's plain text.
//
// # Caveats
//
// Replacing a file by rename (atomic mode) gives it a new inode: hard
// links to the old file keep the old bytes, and owner and extended
// attributes are not carried over (permission bits are). In place, the
// inode stays (hard links share the change, as with patchelf), but a run
// killed while writing a file leaves that file torn: in place is for Nix
// builds, whose outputs are thrown away when the build fails (cmd's
// --write auto). In either mode a file the caller may not write is an
// error and stays as it was, and a writable file in a directory that takes
// no temporary file is written in place. The trees must not change during
// the run.
package hook
