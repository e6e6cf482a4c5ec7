// Package relink is the decision made for each ELF file that is re-linked,
// shared by package hook (trees on disk) and package wheel (members of a
// zip): the skip rules, the resolver request, and the [elf.Edit] built from
// the resolver's answer. What each caller does around it — walking,
// reporting, writing — stays its own; what is decided about a file is the
// same in both, so they cannot drift apart.
//
// The texts are auto-patchelf's: a skipped file's reason ("its architecture
// (x64) differs from target (AArch64)") and the names of architectures and
// OS ABIs as pyelftools prints them ([ArchName], [OSABIName]).
//
// It also decides the target of a run ([NewTarget]): the interpreter
// executables get, the libc directory left to the dynamic loader and the
// platform files are for, from the command line, then $NIX_BINTOOLS,
// then the machine itself — the same for auto, check and wheel.
//
// The package does no logging. Its only I/O is reading what decides the
// target: the interpreter's ELF header ([PlatformOfFile]), the
// nix-support files $NIX_BINTOOLS names and the system directories
// searched for libc.so.6 ([SystemLibcDir]).
package relink
