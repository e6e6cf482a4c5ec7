// Package arch is the one table of what gopatchelf knows about each
// architecture: per variant (machine, class, byte order and, where they
// tell variants apart, e_flags), Go's GOARCH, the largest page size Linux
// uses, Debian's multiarch triplet, the glibc and musl loaders' paths, the
// Python wheel platform tags, pyelftools' machine name and the size of a
// DT_HASH word.
//
// Why one table: these facts used to live in separate switches and maps in
// elf, linkcheck, storeref, wheel, relink and cmd, and they drifted (the
// LoongArch loader was /lib64 in one and /lib in another; one list of
// multiarch directories knew MIPS, another did not). A fact added here
// reaches every user at once, and the package's test checks the rows
// against each other.
//
// What it does not do: it parses no ELF file and reads no file. Callers
// look rows up by the fields of a header they have parsed ([ByHeader]), by
// GOARCH ([ByGOARCH], [Host]), by name ([ByName]) or by a wheel platform
// tag ([ByWheelTag]). Machines that only need a name in messages (AMD GPU,
// CUDA, …) are in a second small map here, read through [MachineName] and
// [PageSize], which also cover the rows.
//
// Caveats: variants are told apart only where some user needs it (ARM's
// hard-float flag, RISC-V's soft-float lp64 loader); PowerPC's ELFv1 and
// ELFv2 are not (big-endian means ELFv1's glibc loader, ld64.so.1), nor
// MIPS n32 (found as 32-bit MIPS). A fact left empty is not known to
// gopatchelf, not absent from the world.
package arch
