package resolver

// Provider is where one file's dependency was satisfied.
type Provider struct {
	// File is the file that wants the library (Result.File).
	File string
	// Dir is the directory the library was found in: the index entry's
	// Dir, the libc dir, or the directory of an absolute dependency.
	Dir string
}

// Mismatch is a library that lxml and xmlsec extension modules resolve to
// different directories. xmlsec refuses to load then, at run time, with
// "xmlsec.Error: (100, 'lxml & xmlsec libxml2 library version mismatch')".
type Mismatch struct {
	// Soname is the library, e.g. libxml2.so.2.
	Soname string
	// LXML and XMLSec are the first file of each package that resolved
	// Soname, each to a different directory.
	LXML, XMLSec Provider
}

// LibxmlMismatches checks the results of one run for lxml and xmlsec
// extension modules that resolve libxml2.so.2, libxslt.so.1 or
// libexslt.so.0 to different directories (contract §3). A file belongs to
// lxml or xmlsec when a path component is "lxml" or "xmlsec", or starts
// with "lxml." or "xmlsec." (xmlsec.cpython-314-x86_64-linux-gnu.so,
// lxml.libs). It reports at most one Mismatch per soname, in soname order.
// libc is passed so that a dependency satisfied by the libc dir has a
// directory; it is Options.LibcDir.
func LibxmlMismatches(results []Result, libcDir string) []Mismatch {
	panic("TODO")
}
