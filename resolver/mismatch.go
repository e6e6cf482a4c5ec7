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
	// Lib is the library's file name there: the soname, or an auditwheel
	// copy such as libxml2-5a2b9c1d.so.2.10.3.
	Lib string
}

// Mismatch is a library that lxml and xmlsec extension modules resolve to
// different files. xmlsec refuses to load then, at run time, with
// "xmlsec.Error: (100, 'lxml & xmlsec libxml2 library version mismatch')".
type Mismatch struct {
	// Soname is the library, e.g. libxml2.so.2.
	Soname string
	// LXML and XMLSec are the first pair, in result order, that resolve
	// the library to different files.
	LXML, XMLSec Provider
}

func (m Mismatch) String() string {
	return fmt.Sprintf("lxml and xmlsec load %s from different places (%s for %s, %s for %s); xmlsec will fail at import with a libxml2 version mismatch",
		m.Soname, path.Join(m.LXML.Dir, m.LXML.Lib), m.LXML.File, path.Join(m.XMLSec.Dir, m.XMLSec.Lib), m.XMLSec.File)
}

// LibxmlMismatches checks the results of one run for lxml and xmlsec
// extension modules that resolve libxml2.so.2, libxslt.so.1 or
// libexslt.so.0 (or auditwheel copies of them) to different files (contract §3). A file belongs to
// lxml or xmlsec when a path component is "lxml" or "xmlsec", or starts
// with "lxml." or "xmlsec." (xmlsec.cpython-314-x86_64-linux-gnu.so,
// lxml.libs). It reports at most one Mismatch per soname, in soname order.
// libcDir is Options.LibcDir, the directory of dependencies the libc dir
// satisfied.
//
// Only results [MayMismatch] accepts matter: a run may keep those alone.
func LibxmlMismatches(results []Result, libcDir string) []Mismatch {
	type uses struct {
		soname       string
		lxml, xmlsec []Provider
	}
	byFamily := make(map[string]*uses)
	for _, r := range results {
		pkg := pythonPackage(r.File)
		if pkg == "" {
			continue
		}
		for _, d := range r.Deps {
			name := pyName(d.Name)
			family := libxmlFamily(name)
			if !d.Found() || family == "" {
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
			u := byFamily[family]
			if u == nil {
				u = &uses{soname: name}
				byFamily[family] = u
			}
			p := Provider{File: r.File, Dir: dir, Lib: path.Base(name)}
			if pkg == "lxml" {
				u.lxml = append(u.lxml, p)
			} else {
				u.xmlsec = append(u.xmlsec, p)
			}
		}
	}
	names := make([]string, 0, len(byFamily))
	for n := range byFamily {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Mismatch
	for _, n := range names {
		u := byFamily[n]
	pairs:
		for _, l := range u.lxml {
			for _, x := range u.xmlsec {
				if l.Dir != x.Dir || l.Lib != x.Lib {
					out = append(out, Mismatch{Soname: l.Lib, LXML: l, XMLSec: x})
					break pairs
				}
			}
		}
	}
	return out
}

// MayMismatch reports whether r can take part in a [LibxmlMismatches]
// finding: a file of lxml or xmlsec with a libxml2, libxslt or libexslt
// dependency that was found.
func MayMismatch(r Result) bool {
	if pythonPackage(r.File) == "" {
		return false
	}
	for _, d := range r.Deps {
		if d.Found() && libxmlFamily(pyName(d.Name)) != "" {
			return true
		}
	}
	return false
}

// libxmlFamily returns "libxml2", "libxslt" or "libexslt" when name is
// such a library of any version, auditwheel's hashed copies included
// (libxml2-5a2b9c1d.so.2.10.3); "" otherwise.
func libxmlFamily(name string) string {
	stem, _, ok := strings.Cut(path.Base(name), ".so")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(stem, '-'); i > 0 && isHex(stem[i+1:]) {
		stem = stem[:i]
	}
	switch stem {
	case "libxml2", "libxslt", "libexslt":
		return stem
	}
	return ""
}

func isHex(s string) bool {
	if len(s) < 8 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
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
