// Package wheel re-links the ELF members of a Python wheel (a zip file)
// without unpacking it: each extension module and bundled library gets a
// RUNPATH naming where its DT_NEEDED libraries are, the way `gopatchelf
// auto` does for an unpacked tree.
//
// # Resolution
//
// Libraries are looked up first among the wheel's own ELF members whose
// name contains ".so" (auditwheel's `<dist>.libs/`, or a library next to
// the extension), written into RUNPATH as `$ORIGIN`-relative entries so the
// wheel stays relocatable, then in the libraries given by [Config.Libs]
// (see [ScanLibs]), written as absolute directories. First found wins, as
// in package resolver. Both are indexed by package libindex with the rules
// `gopatchelf auto` applies to a tree: the wheel is read as a file system
// (*zip.Reader), its members in the sorted order of their names; their
// RUNPATHs are not followed, as they name the machine the wheel was built
// on. A dependency that is a file in Config.LibcDir is
// left to the dynamic loader. A member whose dependencies are all found
// in the libc dir keeps its RUNPATH.
//
// # What stays the same
//
// The new wheel has the same members in the same order. Members that do not
// change are copied with their compressed bytes and headers as they are
// (zip.Writer.Copy). A changed member is compressed again with the same
// method, keeps its name, time stamp, external attributes (file mode) and
// extra fields, and its line in `*.dist-info/RECORD` gets the new sha256
// (urlsafe base64 without padding) and size; every other RECORD line is
// kept byte for byte. When nothing changes, the input bytes are the output.
//
// # Files and their text
//
// [PatchFile] and [CheckFile] work on wheel files; [CheckZip] screens a
// file given as a wheel before anything is read. A [FileResult] renders
// itself as `gopatchelf wheel` prints it: [FileResult.WriteMembers] (a
// line per member skipped, changed or missing a dependency) and
// [FileResult.Summary].
//
// # Caveats
//
// Signatures of RECORD (RECORD.jws, RECORD.p7s) no longer match a changed
// RECORD; pip does not check them. Wheels larger than memory allow are not
// supported: each ELF member is read whole. The wheel's own libraries are
// found by file name, as the loader finds them, not by DT_SONAME.
package wheel
