package resolver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLibxmlMismatches(t *testing.T) {
	const site = "/out/lib/python3.14/site-packages"
	const libc = "/glibc/lib"
	indexed := func(name, dir string) Dependency {
		return Dependency{Candidates: []string{name}, Name: name, Via: Indexed, Library: lib(name, dir), Entry: dir}
	}
	res := func(file string, ds ...Dependency) Result { return Result{File: file, Deps: ds} }
	lxml := site + "/lxml/etree.cpython-314-x86_64-linux-gnu.so"
	objectify := site + "/lxml/objectify.cpython-314-x86_64-linux-gnu.so"
	xmlsec := site + "/xmlsec.cpython-314-x86_64-linux-gnu.so"

	tests := []struct {
		name    string
		results []Result
		want    []Mismatch
	}{
		{
			name: "same libxml2: fine",
			results: []Result{
				res(lxml, indexed("libxml2.so.2", "/libxml2/lib"), indexed("libxslt.so.1", "/libxslt/lib")),
				res(xmlsec, indexed("libxml2.so.2", "/libxml2/lib/"), indexed("libxmlsec1.so.1", "/xmlsec/lib")),
			},
		},
		{
			name: "different libxml2 and libxslt",
			results: []Result{
				res(lxml, indexed("libxml2.so.2", "/libxml2-a/lib"), indexed("libxslt.so.1", "/libxslt-a/lib")),
				res(objectify, indexed("libxml2.so.2", "/libxml2-a/lib")),
				res(xmlsec, indexed("libxml2.so.2", "/libxml2-b/lib"), indexed("libxslt.so.1", "/libxslt-b/lib")),
			},
			want: []Mismatch{
				{Soname: "libxml2.so.2", LXML: Provider{lxml, "/libxml2-a/lib", "libxml2.so.2"}, XMLSec: Provider{xmlsec, "/libxml2-b/lib", "libxml2.so.2"}},
				{Soname: "libxslt.so.1", LXML: Provider{lxml, "/libxslt-a/lib", "libxslt.so.1"}, XMLSec: Provider{xmlsec, "/libxslt-b/lib", "libxslt.so.1"}},
			},
		},
		{
			name: "auditwheel libs dirs count, libc and absolute deps have dirs",
			results: []Result{
				res(site+"/lxml.libs/libexslt-1a2b.so", Dependency{Candidates: []string{"libexslt.so.0"}, Name: "libexslt.so.0", Via: Libc}),
				res(site+"/xmlsec/_xmlsec.so", Dependency{Candidates: []string{"/usr/lib/libexslt.so.0"}, Name: "/usr/lib/libexslt.so.0", Via: Absolute}),
			},
			want: []Mismatch{
				{Soname: "libexslt.so.0", LXML: Provider{site + "/lxml.libs/libexslt-1a2b.so", libc, "libexslt.so.0"}, XMLSec: Provider{site + "/xmlsec/_xmlsec.so", "/usr/lib", "libexslt.so.0"}},
			},
		},
		{
			name: "auditwheel's hashed copy against the shared library",
			results: []Result{
				res(lxml, indexed("libxml2.so.2", "/libxml2/lib")),
				res(xmlsec, indexed("libxml2-5a2b9c1d.so.2.10.3", site+"/xmlsec.libs")),
			},
			want: []Mismatch{
				{Soname: "libxml2.so.2", LXML: Provider{lxml, "/libxml2/lib", "libxml2.so.2"}, XMLSec: Provider{xmlsec, site + "/xmlsec.libs", "libxml2-5a2b9c1d.so.2.10.3"}},
			},
		},
		{
			name: "only one side: nothing to compare",
			results: []Result{
				res(lxml, indexed("libxml2.so.2", "/libxml2-a/lib")),
				res(site+"/other/_x.so", indexed("libxml2.so.2", "/libxml2-b/lib")),
			},
		},
		{
			name: "not found and other libraries are ignored",
			results: []Result{
				res(lxml, Dependency{Candidates: []string{"libxml2.so.2"}, Name: "libxml2.so.2"}, indexed("libz.so.1", "/zlib-a/lib")),
				res(xmlsec, indexed("libxml2.so.2", "/libxml2-b/lib"), indexed("libz.so.1", "/zlib-b/lib")),
			},
		},
		{
			name: "store paths that merely mention lxml do not count",
			results: []Result{
				res("/nix/store/abc-python3.14-lxml-6.0/lib/_x.so", indexed("libxml2.so.2", "/libxml2-a/lib")),
				res(xmlsec, indexed("libxml2.so.2", "/libxml2-b/lib")),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, LibxmlMismatches(tt.results, libc))
			var kept []Result
			for _, r := range tt.results {
				if MayMismatch(r) {
					kept = append(kept, r)
				}
			}
			assert.Equal(t, tt.want, LibxmlMismatches(kept, libc), "only the results MayMismatch keeps")
		})
	}
}

func TestMismatchString(t *testing.T) {
	m := Mismatch{Soname: "libxml2.so.2", LXML: Provider{"lxml/etree.so", "/a/lib", "libxml2.so.2"}, XMLSec: Provider{"xmlsec.so", "/b/lib", "libxml2-5a2b9c1d.so.2"}}
	assert.Equal(t, "lxml and xmlsec load libxml2.so.2 from different places (/a/lib/libxml2.so.2 for lxml/etree.so, /b/lib/libxml2-5a2b9c1d.so.2 for xmlsec.so); xmlsec will fail at import with a libxml2 version mismatch", m.String())
}

func TestMayMismatch(t *testing.T) {
	found := Dependency{Name: "libxml2.so.2", Via: Indexed, Library: lib("libxml2.so.2", "/libxml2/lib")}
	missing := Dependency{Name: "libxml2.so.2"}
	zlib := Dependency{Name: "libz.so.1", Via: Indexed, Library: lib("libz.so.1", "/zlib/lib")}
	for _, tc := range []struct {
		r    Result
		want bool
	}{
		{Result{File: "site/lxml/etree.so", Deps: []Dependency{zlib, found}}, true},
		{Result{File: "site/xmlsec.cpython-314-x86_64-linux-gnu.so", Deps: []Dependency{found}}, true},
		{Result{File: "site/lxml/etree.so", Deps: []Dependency{zlib, missing}}, false},
		{Result{File: "site/other/_x.so", Deps: []Dependency{found}}, false},
		{Result{File: "site/lxml/etree.so"}, false},
	} {
		assert.Equal(t, tc.want, MayMismatch(tc.r), "%s %v", tc.r.File, tc.r.Deps)
	}
}
