package resolver

import (
	"path"
	"strings"
)

// PyPath returns s as Python's str(pathlib.PurePosixPath(s)) prints it.
// auto-patchelf wraps every RUNPATH entry and dependency name in a Path, so
// this is the form it prints and writes: repeated slashes and "."
// components go, ".." stays, a trailing slash goes, exactly two leading
// slashes stay two (POSIX leaves "//" implementation-defined), and "" is ".".
func PyPath(s string) string {
	root := ""
	if strings.HasPrefix(s, "/") {
		rest := strings.TrimLeft(s, "/")
		if len(s)-len(rest) == 2 {
			root = "//"
		} else {
			root = "/"
		}
		s = rest
	}
	var b strings.Builder
	b.Grow(len(root) + len(s))
	b.WriteString(root)
	first := true
	for part := range strings.SplitSeq(s, "/") {
		if part == "" || part == "." {
			continue
		}
		if !first {
			b.WriteByte('/')
		}
		b.WriteString(part)
		first = false
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// pyName is pathlib's PurePosixPath(s).name: the last component of the
// normalised path, "" for a bare root or ".".
func pyName(s string) string {
	p := PyPath(s)
	if p == "." || strings.Trim(p, "/") == "" {
		return ""
	}
	return p[strings.LastIndexByte(p, '/')+1:]
}

// pyJoin is pathlib's a / b: b replaces a when b is absolute.
func pyJoin(a, b string) string {
	if strings.HasPrefix(b, "/") {
		return PyPath(b)
	}
	return PyPath(a + "/" + b)
}

// expandOrigin replaces $ORIGIN and ${ORIGIN} in entry with dir and
// cleans the result; ok is false when entry uses neither.
func expandOrigin(entry, dir string) (string, bool) {
	if !strings.Contains(entry, "$ORIGIN") && !strings.Contains(entry, "${ORIGIN}") {
		return "", false
	}
	e := strings.ReplaceAll(entry, "${ORIGIN}", dir)
	e = strings.ReplaceAll(e, "$ORIGIN", dir)
	return path.Clean(e), true
}

// within reports whether p is root or lies under it; both are clean.
func within(root, p string) bool {
	if root == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == root || strings.HasPrefix(p, root+"/")
}

// originEntry writes the absolute directory target as seen from the
// absolute directory from: "$ORIGIN" or "$ORIGIN/<relative path>".
func originEntry(from, target string) string {
	f := splitClean(from)
	t := splitClean(target)
	common := 0
	for common < len(f) && common < len(t) && f[common] == t[common] {
		common++
	}
	var b strings.Builder
	b.WriteString("$ORIGIN")
	for range f[common:] {
		b.WriteString("/..")
	}
	for _, c := range t[common:] {
		b.WriteByte('/')
		b.WriteString(c)
	}
	return b.String()
}

func splitClean(p string) []string {
	p = strings.Trim(path.Clean(p), "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
