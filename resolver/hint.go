package resolver

// Hint names the Nix package (attribute path) that usually provides soname,
// for the missing-dependency message: "add buildInputs = [ <pkg> ]". The
// table is small and hand-written; ok is false for names it does not know.
// A versioned name falls back to its unversioned stem (libfoo.so.7 is looked
// up as libfoo.so when libfoo.so.7 itself is not listed).
func Hint(soname string) (pkg string, ok bool) {
	panic("TODO")
}
