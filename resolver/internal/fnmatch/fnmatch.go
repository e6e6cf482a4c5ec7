// Package fnmatch matches file names against shell patterns exactly as
// Python's fnmatch.fnmatch does on POSIX, which is what auto-patchelf uses for
// --ignore-missing.
//
// It differs from path.Match and filepath.Match on purpose:
//   - '*' and '?' also match '/';
//   - "[!...]" negates a set; "[^...]" does not (it is a set holding '^');
//   - there are no backslash escapes: '\' is an ordinary character;
//   - ']' right after "[" or "[!" is a member of the set, not its end;
//   - a '[' with no closing ']' matches a literal '[';
//   - a reversed range such as "[z-a]" matches nothing, and "[!z-a]" any
//     one character, as Python's translation makes them.
//
// Matching is case-sensitive (os.path.normcase is the identity on POSIX)
// and works on characters: '?' matches one Unicode code point. A byte that
// is not valid UTF-8 counts as one character of its own, as it does for
// Python, which decodes file names with surrogateescape.
package fnmatch

// Match reports whether name matches pattern.
func Match(pattern, name string) bool {
	panic("TODO")
}
