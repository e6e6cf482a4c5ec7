package linkcheck

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A copy is one module's provider of a library.
type copyOf struct {
	l   *load
	obj *object
}

// conflicts finds libraries that modules of one host kind, importable
// into one process (see processGroup), load from two
// places: the same soname from two files (glibc hands the second module
// the copy already loaded), or, for lxml and xmlsec, libxml2, libxslt or
// libexslt in two copies (xmlsec refuses a libxml2 other than lxml's).
// What is loaded is compared: the bytes, the version in the real file
// name (libxslt.so.1.1.35), or the version definitions. Copies of one
// version are a warning; copies that differ, an error on the second
// module, naming the library.
func (c *checker) conflicts(loads []*load) []Finding {
	type key struct{ kind, root, lib string }
	first := map[key]copyOf{}
	reported := map[key]bool{}
	pairs := map[string]bool{}
	var out []Finding
	for _, l := range loads {
		if l.kind == "" {
			continue
		}
		pkg := xmlPackage(l.file)
		for _, n := range l.nodes[1:] {
			if n.virtual {
				continue
			}
			var keys []string
			if fam := libxmlFamily(path.Base(n.obj.real)); fam != "" && pkg != "" {
				keys = append(keys, "xml:"+fam)
			}
			if n.obj.f.HasSoname {
				keys = append(keys, "soname:"+n.obj.f.Soname)
			}
			for _, k := range keys {
				kk := key{l.kind, processGroup(l.file, l.root), k}
				f, ok := first[kk]
				if !ok {
					first[kk] = copyOf{l, n.obj}
					continue
				}
				if f.obj.real == n.obj.real || reported[kk] {
					continue
				}
				if strings.HasPrefix(k, "xml:") && (xmlPackage(f.l.file) == "" || xmlPackage(f.l.file) == pkg) {
					continue
				}
				reported[kk] = true
				pair := l.file + "\x00" + f.obj.real + "\x00" + n.obj.real
				if pairs[pair] {
					continue
				}
				pairs[pair] = true
				out = append(out, conflictFinding(f, copyOf{l, n.obj}, strings.HasPrefix(k, "xml:")))
			}
		}
	}
	return out
}

func conflictFinding(a, b copyOf, xml bool) Finding {
	lib := path.Base(b.obj.path)
	if b.obj.f.HasSoname {
		lib = b.obj.f.Soname
	}
	va, vb, same, known := compareCopies(a.obj, b.obj)
	f := Finding{Severity: Error, Kind: DuplicateLibrary, File: b.l.file, Dist: b.l.dist, Object: b.obj.path,
		Chain: []string{b.l.file, b.obj.path}, Soname: lib, Provider: a.obj.path}
	where := fmt.Sprintf("%s loads %s from %s, %s from %s", a.l.file, lib, a.obj.path, b.l.file, b.obj.path)
	switch {
	case same && va == "":
		f.Severity = Warning
		f.Detail = where + ": two identical copies"
	case same:
		f.Severity = Warning
		f.Detail = where + ": the same version (" + va + ") in two copies"
	case !known:
		f.Severity = Warning
		f.Detail = where + ": two different copies whose versions cannot be told apart"
	case xml:
		f.Detail = where + ": versions " + va + " and " + vb + " differ; xmlsec fails at import with \"lxml & xmlsec libxml2 library version mismatch\""
	default:
		f.Detail = where + ": versions " + va + " and " + vb + " differ; in one process the second module gets the first's copy"
	}
	return f
}

// compareCopies tells whether two files of one library are one version:
// identical bytes are; else the versions in their real file names
// (libxslt.so.1.1.35) decide, else their version definitions.
func compareCopies(a, b *object) (va, vb string, same, known bool) {
	if sameBytes(a.disk, b.disk) {
		v := fileVersion(a)
		return v, v, true, true
	}
	if x, y := fileVersion(a), fileVersion(b); x != "" && y != "" {
		return x, y, x == y, true
	}
	if a.vers != nil && b.vers != nil && a.vers.HasDefs && b.vers.HasDefs {
		x, y := strings.Join(a.vers.Defs, ","), strings.Join(b.vers.Defs, ",")
		na, nb := Newest(a.vers.Defs), Newest(b.vers.Defs)
		if x == y {
			return na, nb, true, true
		}
		if na == nb {
			na, nb = fmt.Sprintf("%s (%d versions)", na, len(a.vers.Defs)), fmt.Sprintf("%s (%d versions)", nb, len(b.vers.Defs))
		}
		return na, nb, false, true
	}
	return "", "", false, false
}

// fileVersion is the version in a library's real file name, past its
// soname's: "1.1.35" for libxslt.so.1.1.35 (auditwheel's libxslt-
// 1a2b3c4d.so.1.1.35 too); "" when the name says no more than the
// soname.
func fileVersion(o *object) string {
	b := path.Base(o.real)
	i := strings.Index(b, ".so.")
	if i < 0 {
		return ""
	}
	v := b[i+4:]
	if o.f != nil && o.f.HasSoname {
		if j := strings.Index(o.f.Soname, ".so."); j >= 0 && o.f.Soname[j+4:] == v {
			return ""
		}
	}
	if !strings.Contains(v, ".") {
		return ""
	}
	return v
}

func sameBytes(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil || fa.Size() != fb.Size() {
		return false
	}
	return bytes.Equal(digest(a), digest(b))
}

func digest(p string) []byte {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil
	}
	return h.Sum(nil)
}

// insertConflicts puts each conflict after the findings of its file, so
// findings stay in walk order of "file".
func insertConflicts(findings, conflicts []Finding) []Finding {
	if len(conflicts) == 0 {
		return findings
	}
	last := map[string]int{}
	for i, f := range findings {
		last[f.File] = i
	}
	type at struct {
		pos int
		f   Finding
	}
	var ins []at
	for _, c := range conflicts {
		pos, ok := last[c.File]
		if !ok {
			pos = len(findings) - 1
		}
		ins = append(ins, at{pos, c})
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].pos < ins[j].pos })
	var out []Finding
	k := 0
	for i := -1; i < len(findings); i++ {
		if i >= 0 {
			out = append(out, findings[i])
		}
		for ; k < len(ins) && ins[k].pos == i; k++ {
			out = append(out, ins[k].f)
		}
	}
	return out
}

// libxmlFamily returns "libxml2", "libxslt" or "libexslt" when name is
// such a library of any version, auditwheel's hashed copies included
// (libxml2-5a2b9c1d.so.2.10.3); "" otherwise.
func libxmlFamily(name string) string {
	stem, _, ok := strings.Cut(name, ".so")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(stem, '-'); i > 0 && len(stem)-i > 8 {
		stem = stem[:i]
	}
	switch stem {
	case "libxml2", "libxslt", "libexslt":
		return stem
	}
	return ""
}

// xmlPackage says whether a module belongs to lxml or xmlsec, by the
// nearest path component that names one of them; "" for neither.
func xmlPackage(file string) string {
	parts := strings.Split(file, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		for _, pkg := range []string{"lxml", "xmlsec"} {
			if p == pkg || strings.HasPrefix(p, pkg+".") {
				return pkg
			}
		}
	}
	return ""
}

// processGroup is where modules that one process can import together
// live: the nearest site-packages, dist-packages or node_modules
// directory above the file, else the Config.Paths entry it was found
// under.
func processGroup(file, root string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return root
	}
	for dir := filepath.Dir(abs); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		switch filepath.Base(dir) {
		case "site-packages", "dist-packages", "node_modules":
			return dir
		}
	}
	return root
}
