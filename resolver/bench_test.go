package resolver

import (
	"fmt"
	"testing"
)

// benchIndex is shaped like the authentik run: a few hundred extension
// modules in the tree, then a few dozen store lib dirs with a handful of
// libraries each, some names provided twice.
func benchIndex() *Index {
	var ix Index
	for i := range 400 {
		ix.Add(lib(fmt.Sprintf("_mod%d.cpython-314-x86_64-linux-gnu.so", i), fmt.Sprintf("/out/site-packages/pkg%d", i%60)))
	}
	for d := range 40 {
		for l := range 8 {
			ix.Add(lib(fmt.Sprintf("lib%d_%d.so.1", d, l), fmt.Sprintf("/nix/store/%032d-dep%d/lib", d, d)))
		}
		ix.Add(Library{Name: "libz.so.1", Dir: fmt.Sprintf("/nix/store/%032d-cross/lib", d), Platform: arm64})
	}
	ix.Add(lib("libz.so.1", "/nix/store/zlib/lib"))
	ix.Add(lib("libz.so.1", "/nix/store/zlib2/lib"))
	return &ix
}

func BenchmarkIndexLookup(b *testing.B) {
	ix := benchIndex()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ix.Lookup("libz.so.1", amd64); !ok {
			b.Fatal("libz.so.1 not found")
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	ix := benchIndex()
	req := Request{
		Path: "site-packages/lxml/etree.so", Dir: "/out/site-packages/lxml", Platform: amd64,
		Needed: []string{"libz.so.1", "lib3_1.so.1", "lib17_5.so.1", "libm.so.6", "libc.so.6", "libmissing.so.2"},
		Dlopen: [][]string{{"libnone.so", "lib39_7.so.1"}},
	}
	opts := Options{
		LibcDir:       "/nix/store/glibc/lib",
		IsFile:        files("/nix/store/glibc/lib/libc.so.6", "/nix/store/glibc/lib/libm.so.6"),
		AppendRpaths:  []string{"/run/opengl-driver/lib"},
		IgnoreMissing: []string{"libcuda*", "libmissing.so.*"},
	}
	b.ReportAllocs()
	for b.Loop() {
		r := Resolve(ix, req, opts)
		if len(r.RunPath) != 5 {
			b.Fatalf("RunPath %q", r.RunPath)
		}
	}
}
