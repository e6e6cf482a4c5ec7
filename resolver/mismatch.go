package resolver

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

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
	// LXML and XMLSec are the first pair, in result order, that resolve
	// Soname to different directories.
	LXML, XMLSec Provider
}

func (m Mismatch) String() string {
	return fmt.Sprintf("lxml and xmlsec load %s from different directories (%s for %s, %s for %s); xmlsec will fail at import with a libxml2 version mismatch",
		m.Soname, m.LXML.Dir, m.LXML.File, m.XMLSec.Dir, m.XMLSec.File)
}

// LibxmlMismatches checks the results of one run for lxml and xmlsec
// extension modules that resolve libxml2.so.2, libxslt.so.1 or
// libexslt.so.0 to different directories (contract §3). A file belongs to
// lxml or xmlsec when a path component is "lxml" or "xmlsec", or starts
// with "lxml." or "xmlsec." (xmlsec.cpython-314-x86_64-linux-gnu.so,
// lxml.libs). It reports at most one Mismatch per soname, in soname order.
// libcDir is Options.LibcDir, the directory of dependencies the libc dir
// satisfied.
func LibxmlMismatches(results []Result, libcDir string) []Mismatch {
	type uses struct{ lxml, xmlsec []Provider }
	bySoname := make(map[string]*uses)
	for _, r := range results {
		pkg := pythonPackage(r.File)
		if pkg == "" {
			continue
		}
		for _, d := range r.Deps {
			name := pyName(d.Name)
			if !d.Found() || !libxmlFamily(name) {
				continue
			}
			var dir string
			switch d.Via {
			case Indexed:
				dir = path.Clean(d.Library.Dir)
			case Libc:
				dir = path.Clean(libcDir)
			case Absolute:
				dir = path.Dir(d.Name)
			}
			u := bySoname[name]
			if u == nil {
				u = &uses{}
				bySoname[name] = u
			}
			p := Provider{File: r.File, Dir: dir}
			if pkg == "lxml" {
				u.lxml = append(u.lxml, p)
			} else {
				u.xmlsec = append(u.xmlsec, p)
			}
		}
	}
	names := make([]string, 0, len(bySoname))
	for n := range bySoname {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Mismatch
	for _, n := range names {
		u := bySoname[n]
	pairs:
		for _, l := range u.lxml {
			for _, x := range u.xmlsec {
				if l.Dir != x.Dir {
					out = append(out, Mismatch{Soname: n, LXML: l, XMLSec: x})
					break pairs
				}
			}
		}
	}
	return out
}

// libxmlFamily reports whether name is a libxml2, libxslt or libexslt
// soname, of any version.
func libxmlFamily(name string) bool {
	stem := name
	if i := strings.Index(name, ".so."); i >= 0 {
		stem = name[:i+len(".so")]
	}
	switch stem {
	case "libxml2.so", "libxslt.so", "libexslt.so":
		return true
	}
	return false
}

// pythonPackage says whether file belongs to lxml or xmlsec, by the
// nearest path component that names one of them; "" for neither.
func pythonPackage(file string) string {
	parts := strings.Split(file, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		for _, pkg := range [...]string{"lxml", "xmlsec"} {
			if parts[i] == pkg || strings.HasPrefix(parts[i], pkg+".") {
				return pkg
			}
		}
	}
	return ""
}
