// Package ldcache builds and reads the descriptor of the NixOS
// resolution-cache note: for each DT_NEEDED library, where the loader will
// find it, computed once at build time so that nixpkgs' patched glibc loader
// can skip the run-path search at every start-up (patchelf 0.19.0's
// --build-resolution-cache writes the same bytes).
//
// The descriptor is a sequence of NUL-terminated (needed, path-list) pairs
// sorted by name and ended by an extra NUL. A path-list joins with ':' one
// entry per run-path directory that can serve the name, in run-path order:
// "=<dir>/<name>" when the file is there now, "?<dir>" when only the loader
// can decide at run time — an empty or relative directory, one with a
// dynamic-string token such as $ORIGIN, or one holding glibc-hwcaps/
// variants. Names containing '/' are opened directly by the loader and are
// left out.
//
// The package does no I/O of its own: callers pass what the file system
// says, so a build can be computed for a tree that is not in place yet.
// Package elf places the bytes (elf.Edit.ResolutionCache).
package ldcache

import (
	"bytes"
	"errors"
	"slices"
	"strings"
)

// FS answers the two questions the cache is built from.
type FS struct {
	// Readable reports whether the file at path exists and can be read.
	Readable func(path string) bool
	// Exists reports whether anything exists at path (for glibc-hwcaps).
	Exists func(path string) bool
}

// Entry is one needed library and where the loader will look for it.
type Entry struct {
	Needed string
	Paths  []Path
}

// Path is one element of an entry's path list.
type Path struct {
	// Exact is true for "=<path>": the library itself. Otherwise Value is
	// a directory the loader still searches ("?<dir>").
	Exact bool
	Value string
}

func (p Path) String() string {
	if p.Exact {
		return "=" + p.Value
	}
	return "?" + p.Value
}

// Why Build wrote nothing; patchelf warns with the same reasons.
var (
	ErrNothingToResolve = errors.New("no DT_NEEDED entries or run path to resolve")
	ErrNoneResolved     = errors.New("no libraries resolved against the run path")
)

// Build computes the descriptor for a file with these DT_NEEDED entries
// (in order, duplicates kept as the loader sees them) and this run path
// (DT_RUNPATH, else DT_RPATH, as stored). It returns ErrNothingToResolve or
// ErrNoneResolved when there is no cache to write.
func Build(needed []string, runpath string, fs FS) ([]byte, error) {
	if len(needed) == 0 || runpath == "" {
		return nil, ErrNothingToResolve
	}
	searched := slices.DeleteFunc(slices.Clone(needed), func(n string) bool { return strings.Contains(n, "/") })
	paths := map[string][]Path{}
	for _, dir := range strings.Split(runpath, ":") {
		runtimeOnly := dir == "" || dir[0] != '/'
		token := !runtimeOnly && strings.Contains(dir, "$")
		hwcaps := !runtimeOnly && !token && fs.Exists != nil && fs.Exists(dir+"/glibc-hwcaps")
		for _, lib := range searched {
			switch {
			case runtimeOnly || token || hwcaps:
				paths[lib] = append(paths[lib], Path{Value: dir})
			case fs.Readable != nil && fs.Readable(dir+"/"+lib):
				paths[lib] = append(paths[lib], Path{Exact: true, Value: dir + "/" + lib})
			}
		}
	}
	if len(paths) == 0 {
		return nil, ErrNoneResolved
	}
	entries := make([]Entry, 0, len(paths))
	for name, ps := range paths {
		entries = append(entries, Entry{Needed: name, Paths: ps})
	}
	return Encode(entries), nil
}

// Encode lays out entries as a descriptor, sorted by name byte-wise.
func Encode(entries []Entry) []byte {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Needed, b.Needed) })
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(e.Needed)
		b.WriteByte(0)
		for i, p := range e.Paths {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(p.String())
		}
		b.WriteByte(0)
	}
	b.WriteByte(0)
	return b.Bytes()
}

// ErrMalformed reports a descriptor that does not follow the format.
var ErrMalformed = errors.New("malformed resolution cache")

// Parse decodes a descriptor.
func Parse(desc []byte) ([]Entry, error) {
	if len(desc) == 0 || desc[len(desc)-1] != 0 {
		return nil, ErrMalformed
	}
	fields := strings.Split(string(desc[:len(desc)-1]), "\x00")
	// The descriptor ends "…path\0" + "\0": the split leaves one empty
	// field after the last pair.
	if len(fields) < 1 || fields[len(fields)-1] != "" || len(fields)%2 != 1 {
		return nil, ErrMalformed
	}
	fields = fields[:len(fields)-1]
	var out []Entry
	for i := 0; i+1 < len(fields); i += 2 {
		e := Entry{Needed: fields[i]}
		if e.Needed == "" {
			return nil, ErrMalformed
		}
		for _, p := range strings.Split(fields[i+1], ":") {
			if p == "" || (p[0] != '=' && p[0] != '?') {
				return nil, ErrMalformed
			}
			e.Paths = append(e.Paths, Path{Exact: p[0] == '=', Value: p[1:]})
		}
		out = append(out, e)
	}
	return out, nil
}
