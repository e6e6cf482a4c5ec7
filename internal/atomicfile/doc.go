// Package atomicfile replaces a file's contents so that, whatever happens,
// readers see either the old file or the complete new one.
//
// It follows the renameio pattern: the new contents are written to a
// temporary file in the same directory (so the final rename stays on one
// file system), synced to disk, closed, given the permission bits of the
// file it replaces, and renamed over it. [Pending.Cleanup] removes the
// temporary file when anything fails; deferring it is always safe.
//
// Temporary files are named ".<name>.gopatchelf-<random>" so that a run
// killed between create and rename leaves names a later run recognises
// ([IsTemp]) and can remove.
//
// [Options.NoSync] drops the fsync. Inside a Nix build that costs nothing in
// safety: Nix registers an output only after the whole build succeeded and
// throws away whatever a crashed build left, and it does not sync store
// paths itself unless told to (the fsync-store-paths setting). What the
// rename still guarantees there is that a killed or failing run leaves
// every file whole.
//
// A run that replaces many files can leave them pending in a [Group]
// ([Options.Group]): each temporary file is written whole, then
// [Group.Commit] flushes the file system once (syncfs) and renames them
// all, instead of one fsync, a journal commit, per file.
//
// # Writing in place
//
// [Options.InPlace] ([ParseWrite]'s choice for --write in-place, and for
// --write auto inside a Nix build) skips the temporary file: the caller's
// callback gets the original file itself, opened for writing without
// truncation, and writes only the bytes that change (pwrite), extending or
// cutting the file as planned. No copy is made, whatever the file's size,
// and the inode stays the same: other hard links see the change, and the
// owner, group, mode and extended attributes stay as they were — what
// patchelf itself does. Callers check the planned result before the first
// byte is written, so a refused edit leaves the file untouched in either
// mode.
//
// What in place gives up is atomicity. A process killed (or a machine that
// loses power) between the first and the last write leaves a torn file:
// some of the new bytes, not all; so does a write error after the first
// overwrite. A file that cannot be extended (a full disk) is cut back to
// its old size; written as elf.Patch.ApplyTo writes (past the old end
// first), it is then the original. A program that has the file mapped or is
// running it sees the bytes change under it (and a running executable
// cannot be opened for writing at all: ETXTBSY). That is only acceptable
// where the output is thrown away when the writer fails, as Nix throws away
// the outputs of a build that did not finish; outside such a build, Atomic
// is the default.
//
// # Permissions
//
// As with patchelf, a file the caller may not write (no write permission
// and not root, or a read-only file system) is refused before anything is
// made, with patchelf's message after the file's name
// ("lib/libfoo.so: open: Permission denied", a [*NotWritableError]), in
// both modes: that the directory would take a temporary file does not make
// a read-only file writable. A writable file in a directory the caller may
// not write is written in place even in Atomic mode, since no temporary
// file can be made next to it; that one file then has in place's caveats.
//
// # Caveats
//
// In Atomic mode, rename(2) replaces the name, not the inode. The new file has a new inode:
// other hard links keep the old bytes, a symlink at the path would become a
// regular file (callers pass regular files only), and the owner, group and
// extended attributes are those of the process, not of the old file. Only
// the permission bits (including setuid, setgid and sticky) are kept. The
// rename is not atomic on some network file systems (NFS), and the
// directory itself is not synced: after a power loss the rename may be
// lost, but the file is never left empty or half written.
package atomicfile
