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
// # Caveats
//
// rename(2) replaces the name, not the inode. The new file has a new inode:
// other hard links keep the old bytes, a symlink at the path would become a
// regular file (callers pass regular files only), and the owner, group and
// extended attributes are those of the process, not of the old file. Only
// the permission bits (including setuid, setgid and sticky) are kept. The
// rename is not atomic on some network file systems (NFS), and the
// directory itself is not synced: after a power loss the rename may be
// lost, but the file is never left empty or half written.
package atomicfile
