// Package reliability holds the fault tests of issue 8: gopatchelf and its
// elf package run over thousands of deterministically mutated ELF files, a
// killed `gopatchelf auto` must leave every file either original or fully
// patched, file-system edge cases (read-only files, hard links, symlinks out
// of the tree, vanishing directories, FIFOs, a full disk) end in a clear
// error with the original intact, and runs are deterministic and
// idempotent.
//
// The package has no API: everything is in its tests. README.md says what
// each test proves and how to run the long versions.
package reliability
