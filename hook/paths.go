package hook

import (
	"strings"

	"github.com/gopatchelf/gopatchelf/resolver"
)

// DisplayPath returns p the way auto-patchelf prints a path it was given:
// Python's str(pathlib.PurePosixPath(p)), see [resolver.PyPath]. The hook
// prints and walks every --paths and --libs entry in this form, so "./out/"
// reads "out".
func DisplayPath(p string) string { return resolver.PyPath(p) }

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
