// Package elf reads the parts of an ELF file that dynamic linking depends on
// and rewrites them without breaking the file.
//
// Reading builds on the standard library's debug/elf (imported as stdelf),
// which supplies the named constants, the raw on-disk structures and the
// section and program header tables. On top of it [NewFile] decodes what
// debug/elf does not: e_flags, the interpreter, and the dynamic section read
// through PT_DYNAMIC and DT_STRTAB, so files whose section headers were
// stripped are handled too, plus the FDO `.note.dlopen` dependencies.
//
// Writing is planned, not performed: an [Edit] lists every change wanted in
// one file, [File.Plan] lays the result out once and returns a [Patch] — the
// writes to make and the new size — or an empty patch when nothing would
// change. The package never touches the file system; callers apply a patch
// to a copy and rename it into place, or write it in place. How the new
// layout is chosen is explained in layout.go: the file's contents never
// move, so a patch is a few overwrites plus, at most, one new segment behind
// the contents, followed by what ended the file before (the section header
// table, an appended payload), moved to stay at the end.
//
// # Hostile input
//
// Unlike debug/elf, this package is meant to be safe on hostile files: every
// offset and size is checked against the file size with overflow-safe
// arithmetic before anything is read or allocated, malformed input yields a
// [*FormatError], and a panic in a dependency is turned into an error rather
// than crashing the caller. A file that cannot be rewritten safely (segments
// that overlap, leave the file, or would leave the address space) is refused
// with [ErrUnsafe] and left alone.
//
// The package does no logging and no I/O besides reading through the
// io.ReaderAt it was given.
package elf
