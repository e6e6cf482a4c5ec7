package hook

import "strings"

// DisplayPath returns p the way auto-patchelf prints a path it was given:
// Python's str(pathlib.PurePosixPath(p)). Repeated slashes and "."
// components go, ".." stays, a trailing slash goes, exactly two leading
// slashes stay two, and "" becomes ".". The hook prints and walks every
// --paths and --libs entry in this form, so "./out/" reads "out".
func DisplayPath(p string) string {
	root := ""
	if strings.HasPrefix(p, "/") {
		rest := strings.TrimLeft(p, "/")
		if len(p)-len(rest) == 2 {
			root = "//"
		} else {
			root = "/"
		}
		p = rest
	}
	var b strings.Builder
	b.WriteString(root)
	n := 0
	for part := range strings.SplitSeq(p, "/") {
		if part == "" || part == "." {
			continue
		}
		if n > 0 {
			b.WriteByte('/')
		}
		b.WriteString(part)
		n++
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// child is pathlib's dir / name for a DisplayPath dir and a plain name.
func child(dir, name string) string {
	switch {
	case dir == ".":
		return name
	case strings.HasSuffix(dir, "/"): // "/" or "//"
		return dir + name
	default:
		return dir + "/" + name
	}
}

// baseName is the last component of a DisplayPath.
func baseName(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// splitRunpath splits a DT_RUNPATH/DT_RPATH value into its entries, as
// upstream's str.split(":") does (empty entries kept).
func splitRunpath(s string) []string {
	return strings.Split(s, ":")
}
