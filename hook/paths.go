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

// baseName is the last component of a DisplayPath.
func baseName(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}
