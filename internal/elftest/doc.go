// Package elftest is what tests of elf/, hook/ and cmd/ share to prove that
// a rewritten ELF file still works: the fixture table, a runner that
// executes programs of seven architectures, an invariant checker and
// wrappers around the reference tools.
//
//   - [Fixtures] lists the files fixtures/build.sh commits under
//     fixtures/testdata/<arch>/<variant>/, each with the facts known from how
//     it was built (type, interpreter, DT_NEEDED, RUNPATH, page size, …) and
//     what the program prints once its libraries are found ([Fixture.Deps],
//     [Fixture.Output]). Arches × variants make the table tests loop over.
//   - [Runner] runs a program natively or under qemu-user with the arch's
//     Debian sysroot, in an environment without LD_LIBRARY_PATH, so the
//     loader finds libraries only where the file says. [CopyLoader] puts the
//     arch's loader at a longer path, for interpreter tests.
//   - [Validate] re-parses a file with debug/elf and checks what loaders rely
//     on (segment order and alignment, header table and interpreter mapped,
//     dynamic table and strings reachable); [Inspect] reads back the values
//     a write should have set, through PT_DYNAMIC, so files without section
//     headers work.
//   - [Complaints] and [NewComplaints] compare readelf and eu-elflint
//     findings before and after a write; [PatchelfPrint] asks Debian's
//     patchelf, for differential tests.
//
// # Missing tools
//
// Everything external (qemu-user, cross sysroots, readelf, eu-elflint,
// patchelf) is looked up when a test needs it. If it is missing the test is
// skipped, unless the environment variable CI is non-empty: .ci/run installs
// all of them, so there a missing tool fails the test instead of silently
// testing less. See [Unavailable].
//
// This package is for tests only: it takes a testing.TB and fails or skips
// through it. It reads independently of gopatchelf's elf package on
// purpose, so that a bug there is not mirrored here.
package elftest
