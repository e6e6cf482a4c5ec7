// Package patchelf is NixOS patchelf's behaviour over package elf: the
// operations of patchelf 0.19's command line, applied to files as patchelf
// applies them, with patchelf's checks and error texts (malformed files are
// refused with patchelf's wording; see package elf). patchelf's command
// line is a contract too, and this package's: [ParseArgs] reads it into
// [Args] (the [Options] and --debug), [WriteHelp] and [Version] are its
// --help and --version; cmd/gopatchelf only prints.
//
// [Run] handles files one after the other and stops at the first that
// fails, as patchelf does. For each file it computes the --print-* values
// (returned as [Printed] values, all showing the file as it was), builds
// one [elf.Edit] from every change asked for, has [elf.File.Plan] lay it
// out and check the result, and writes it once, through
// internal/atomicfile, only when a byte changes.
//
// Differences from patchelf, on purpose:
//
//   - A file is written only when a byte changes; patchelf writes it even
//     when nothing changed. [Options.InPlace] says how: atomically (temporary
//     file, fsync unless [Options.NoSync], rename: a hard link is broken,
//     the other names keep the old bytes) or in place, as patchelf writes
//     (only the changed bytes, not the whole file with O_TRUNC; the same
//     inode, so hard links share the change; a run killed mid-write leaves
//     the file torn). A symlink is followed and its target written. A file
//     the caller may not write is refused as by patchelf ("FILE: open:
//     Permission denied"); a writable file in a read-only directory is
//     written in place.
//   - Errors name the file, with patchelf's own text where patchelf has one
//     for the case.
//   - Files without section headers are handled (patchelf refuses them).
//   - Data appended after the ELF contents (a payload) is kept at the end
//     of the grown file, with an info line to [Options.Log]; patchelf
//     leaves it in the middle. Refusals of the writer (a layout that cannot
//     grow safely) fail the file.
//
// What patchelf 0.19 does and this package does alike: a separate debug
// file (.dynamic without bytes) prints no run path and gets no run-path
// edit; --build-resolution-cache refuses ("already present") when a
// .note.nixos.ldcache section that the edit would not remove holds
// anything but the note it would write, and writes a note for a file that
// keeps DT_RPATH; symbols in sections without a name are warned about.
//
// The edit's parts are applied by [elf.File.Plan] in one fixed order:
// remove, replace, then add DT_NEEDED; DT_SONAME; the search path (shrink,
// remove, set or add, the first of these given); the interpreter; then the
// OS ABI, DF_1_NODEFLIB and PT_GNU_STACK; DT_DEBUG (--add-debug-tag);
// cleared symbol versions, then renamed dynamic symbols with their hash
// tables rebuilt. Each part touches different
// entries, so the order only matters for the DT_NEEDED lists, and there it
// is patchelf's.
//
// The package prints nothing: --debug lines go to [Options.Log] at debug
// level, the --build-resolution-cache warning at warning level.
package patchelf
