package resolver

import (
	stdelf "debug/elf"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dep is the part of a Dependency most cases check.
type dep struct {
	Name  string
	Via   Via
	Entry string
}

func deps(r Result) []dep {
	out := make([]dep, 0, len(r.Deps))
	for _, d := range r.Deps {
		out = append(out, dep{Name: d.Name, Via: d.Via, Entry: d.Entry})
	}
	return out
}

// missing is "name|pattern" per missing dependency.
func missing(r Result) []string {
	var out []string
	for _, m := range r.Missing {
		out = append(out, m.Name+"|"+m.Pattern)
	}
	return out
}

func files(paths ...string) func(string) bool {
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		set[p] = true
	}
	return func(p string) bool { return set[p] }
}

func lib(name, dir string) Library {
	return Library{Name: name, Dir: dir, Platform: amd64}
}

func TestResolve(t *testing.T) {
	const libc = "/glibc/lib"
	libcFiles := files(libc+"/libc.so.6", libc+"/libm.so.6", "/opt/lib/libabs.so")
	tests := []struct {
		name        string
		libs        []Library
		req         Request
		opts        Options
		wantDeps    []dep
		wantRunPath []string
		wantMissing []string
	}{
		{
			name: "found in index, in dependency order",
			libs: []Library{lib("libxml2.so.2", "/libxml2/lib"), lib("libz.so.1", "/zlib/lib")},
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"libz.so.1", "libxml2.so.2"}},
			wantDeps: []dep{
				{"libz.so.1", Indexed, "/zlib/lib"},
				{"libxml2.so.2", Indexed, "/libxml2/lib"},
			},
			wantRunPath: []string{"/zlib/lib", "/libxml2/lib"},
		},
		{
			name:        "first added wins",
			libs:        []Library{lib("libz.so.1", "/out/lib"), lib("libz.so.1", "/zlib/lib")},
			req:         Request{Path: "a.so", Platform: amd64, Needed: []string{"libz.so.1"}},
			wantDeps:    []dep{{"libz.so.1", Indexed, "/out/lib"}},
			wantRunPath: []string{"/out/lib"},
		},
		{
			name: "other arch skipped",
			libs: []Library{
				{Name: "libz.so.1", Dir: "/cross/lib", Platform: arm64},
				lib("libz.so.1", "/zlib/lib"),
			},
			req:         Request{Path: "a.so", Platform: amd64, Needed: []string{"libz.so.1"}},
			wantDeps:    []dep{{"libz.so.1", Indexed, "/zlib/lib"}},
			wantRunPath: []string{"/zlib/lib"},
		},
		{
			name:        "only another arch: missing",
			libs:        []Library{{Name: "libz.so.1", Dir: "/cross/lib", Platform: arm64}},
			req:         Request{Path: "a.so", Platform: amd64, Needed: []string{"libz.so.1"}},
			wantDeps:    []dep{{"libz.so.1", NotFound, ""}},
			wantMissing: []string{"libz.so.1|"},
		},
		{
			name: "libc dir satisfies silently, even when indexed",
			libs: []Library{lib("libc.so.6", "/other-glibc/lib")},
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"libc.so.6", "libm.so.6"}},
			opts: Options{LibcDir: libc, IsFile: libcFiles},
			wantDeps: []dep{
				{"libc.so.6", Libc, ""},
				{"libm.so.6", Libc, ""},
			},
		},
		{
			name: "keep-libc: index first, then libc dir",
			libs: []Library{lib("libc.so.6", "/other-glibc/lib")},
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"libc.so.6", "libm.so.6"}},
			opts: Options{LibcDir: libc, IsFile: libcFiles, KeepLibc: true},
			wantDeps: []dep{
				{"libc.so.6", Indexed, "/other-glibc/lib"},
				{"libm.so.6", Libc, ""},
			},
			wantRunPath: []string{"/other-glibc/lib"},
		},
		{
			name:        "FreeBSD files always keep libc",
			libs:        []Library{{Name: "libc.so.7", Dir: "/fbsd/lib", Platform: withOSABI(amd64, stdelf.ELFOSABI_FREEBSD)}},
			req:         Request{Path: "a.so", Platform: withOSABI(amd64, stdelf.ELFOSABI_FREEBSD), Needed: []string{"libc.so.7"}},
			opts:        Options{LibcDir: libc, IsFile: files(libc + "/libc.so.7")},
			wantDeps:    []dep{{"libc.so.7", Indexed, "/fbsd/lib"}},
			wantRunPath: []string{"/fbsd/lib"},
		},
		{
			name:     "no libc dir: libc names go to the index",
			libs:     []Library{lib("libc.so.6", "/glibc2/lib")},
			req:      Request{Path: "a.so", Platform: amd64, Needed: []string{"libc.so.6"}},
			opts:     Options{IsFile: libcFiles},
			wantDeps: []dep{{"libc.so.6", Indexed, "/glibc2/lib"}}, wantRunPath: []string{"/glibc2/lib"},
		},
		{
			name: "absolute dependencies",
			libs: []Library{lib("libgone.so", "/idx/lib")},
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"/opt/lib/libabs.so", "/opt/lib/libgone.so"}},
			opts: Options{IsFile: libcFiles},
			wantDeps: []dep{
				{"/opt/lib/libabs.so", Absolute, ""},
				// Not on disk: looked up by base name, as upstream does.
				{"/opt/lib/libgone.so", Indexed, "/idx/lib"},
			},
			wantRunPath: []string{"/idx/lib"},
		},
		{
			name:        "absolute dependency missing, ignored by base name",
			req:         Request{Path: "a.so", Platform: amd64, Needed: []string{"/opt/lib/libgone.so"}},
			opts:        Options{IgnoreMissing: []string{"libgone.so"}},
			wantDeps:    []dep{{"/opt/lib/libgone.so", NotFound, ""}},
			wantMissing: []string{"/opt/lib/libgone.so|libgone.so"},
		},
		{
			name: "names are normalised like pathlib",
			libs: []Library{lib("libz.so.1", "/zlib//lib/")},
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"./libz.so.1"}},
			wantDeps: []dep{
				{"libz.so.1", Indexed, "/zlib/lib"},
			},
			wantRunPath: []string{"/zlib/lib"},
		},
		{
			name: "dlopen: first candidate found wins",
			libs: []Library{lib("libzstd.so.1", "/zstd/lib"), lib("liblzma.so.5", "/xz/lib")},
			req: Request{Path: "a.so", Platform: amd64, Dlopen: [][]string{
				{"liblz4.so.1", "liblzma.so.5", "libzstd.so.1"},
			}},
			wantDeps:    []dep{{"liblzma.so.5", Indexed, "/xz/lib"}},
			wantRunPath: []string{"/xz/lib"},
		},
		{
			name: "dlopen: a libc candidate satisfies before the index",
			libs: []Library{lib("libfoo.so.1", "/foo/lib")},
			req: Request{Path: "a.so", Platform: amd64, Dlopen: [][]string{
				{"libm.so.6", "libfoo.so.1"},
			}},
			opts:     Options{LibcDir: libc, IsFile: libcFiles},
			wantDeps: []dep{{"libm.so.6", Libc, ""}},
		},
		{
			name: "dlopen: none found, named any(...)",
			req: Request{Path: "a.so", Platform: amd64, Needed: []string{"libc.so.6"}, Dlopen: [][]string{
				{"libfoo.so.1", "libbar.so.2"},
				{"libsolo.so.3"},
			}},
			opts: Options{LibcDir: libc, IsFile: libcFiles},
			wantDeps: []dep{
				{"libc.so.6", Libc, ""},
				{"any(libfoo.so.1, libbar.so.2)", NotFound, ""},
				{"libsolo.so.3", NotFound, ""},
			},
			wantMissing: []string{"any(libfoo.so.1, libbar.so.2)|", "libsolo.so.3|"},
		},
		{
			name: "dlopen: ignored by a candidate's name or the display name",
			req: Request{Path: "a.so", Platform: amd64, Dlopen: [][]string{
				{"libfoo.so.1", "libbar.so.2"},
				{"libqux.so.1", "libquux.so.1"},
			}},
			opts: Options{IgnoreMissing: []string{"libbar.*", "any(libqux*"}},
			wantDeps: []dep{
				{"any(libfoo.so.1, libbar.so.2)", NotFound, ""},
				{"any(libqux.so.1, libquux.so.1)", NotFound, ""},
			},
			wantMissing: []string{"any(libfoo.so.1, libbar.so.2)|libbar.*", "any(libqux.so.1, libquux.so.1)|any(libqux*"},
		},
		{
			name: "ignore patterns: the first match is reported",
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"libzstd.so.1", "libfoo.so", "libcuda.so.1"}},
			opts: Options{IgnoreMissing: []string{"libcuda.so.1", "libz*", "*"}},
			wantDeps: []dep{
				{"libzstd.so.1", NotFound, ""},
				{"libfoo.so", NotFound, ""},
				{"libcuda.so.1", NotFound, ""},
			},
			wantMissing: []string{"libzstd.so.1|libz*", "libfoo.so|*", "libcuda.so.1|libcuda.so.1"},
		},
		{
			name: "ignore patterns: no escapes, negation",
			req:  Request{Path: "a.so", Platform: amd64, Needed: []string{"libfoo.so", "libcrypto.so.3", "libssl.so.3"}},
			opts: Options{IgnoreMissing: []string{`libfoo\.so`, "lib[!c]*.so.3"}},
			wantDeps: []dep{
				{"libfoo.so", NotFound, ""},
				{"libcrypto.so.3", NotFound, ""},
				{"libssl.so.3", NotFound, ""},
			},
			wantMissing: []string{"libfoo.so|", "libcrypto.so.3|", "libssl.so.3|lib[!c]*.so.3"},
		},
		{
			name: "runtime dependencies start an executable's RUNPATH",
			libs: []Library{lib("libz.so.1", "/zlib/lib")},
			req:  Request{Path: "bin/a", Platform: amd64, Executable: true, Needed: []string{"libz.so.1"}},
			opts: Options{RuntimeDependencies: []string{"/libGL/lib", "/vulkan/lib"}, AppendRpaths: []string{"/run/opengl-driver/lib"}},
			wantDeps: []dep{
				{"libz.so.1", Indexed, "/zlib/lib"},
			},
			wantRunPath: []string{"/libGL/lib", "/vulkan/lib", "/zlib/lib", "/run/opengl-driver/lib"},
		},
		{
			name:        "runtime dependencies skip libraries",
			libs:        []Library{lib("libz.so.1", "/zlib/lib")},
			req:         Request{Path: "a.so", Platform: amd64, Needed: []string{"libz.so.1"}},
			opts:        Options{RuntimeDependencies: []string{"/libGL/lib"}},
			wantDeps:    []dep{{"libz.so.1", Indexed, "/zlib/lib"}},
			wantRunPath: []string{"/zlib/lib"},
		},
		{
			name:        "runtime dependencies for libraries when asked (nixpkgs #282749)",
			libs:        []Library{lib("libz.so.1", "/zlib/lib")},
			req:         Request{Path: "a.so", Platform: amd64, Needed: []string{"libz.so.1"}},
			opts:        Options{RuntimeDependencies: []string{"/libGL/lib"}, RuntimeDependenciesForLibs: true},
			wantDeps:    []dep{{"libz.so.1", Indexed, "/zlib/lib"}},
			wantRunPath: []string{"/libGL/lib", "/zlib/lib"},
		},
		{
			name: "executable with no found deps gets runtime deps only",
			req:  Request{Path: "bin/a", Platform: amd64, Executable: true, Needed: []string{"libc.so.6"}},
			opts: Options{LibcDir: libc, IsFile: libcFiles, RuntimeDependencies: []string{"/libGL/lib"}},
			wantDeps: []dep{
				{"libc.so.6", Libc, ""},
			},
			wantRunPath: []string{"/libGL/lib"},
		},
		{
			name: "append-rpaths last, duplicates dropped keeping the first",
			libs: []Library{lib("liba.so", "/a/lib"), lib("libb.so", "/b/lib"), lib("libc2.so", "/a//lib/")},
			req:  Request{Path: "bin/a", Platform: amd64, Executable: true, Needed: []string{"liba.so", "libb.so", "libc2.so"}},
			opts: Options{
				RuntimeDependencies: []string{"/rt/lib", "/a/lib"},
				AppendRpaths:        []string{"/b/lib", "/x/lib", "$ORIGIN/../lib", "/x/lib/"},
			},
			wantDeps: []dep{
				{"liba.so", Indexed, "/a/lib"},
				{"libb.so", Indexed, "/b/lib"},
				{"libc2.so", Indexed, "/a/lib"},
			},
			wantRunPath: []string{"/rt/lib", "/a/lib", "/b/lib", "/x/lib", "$ORIGIN/../lib"},
		},
		{
			name:        "append-rpaths alone are written",
			req:         Request{Path: "a.so", Platform: amd64},
			opts:        Options{AppendRpaths: []string{"/extra/lib"}},
			wantDeps:    []dep{},
			wantRunPath: []string{"/extra/lib"},
		},
		{
			name:     "nothing to add: RUNPATH left alone",
			req:      Request{Path: "a.so", Platform: amd64, Needed: []string{"libc.so.6"}, RunPath: []string{"/old/lib"}},
			opts:     Options{LibcDir: libc, IsFile: libcFiles},
			wantDeps: []dep{{"libc.so.6", Libc, ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ix Index
			for _, l := range tt.libs {
				require.True(t, ix.Add(l))
			}
			got := Resolve(&ix, tt.req, tt.opts)
			if tt.wantDeps == nil {
				tt.wantDeps = []dep{}
			}
			assert.Equal(t, tt.wantDeps, deps(got))
			assert.Equal(t, tt.wantRunPath, got.RunPath)
			assert.Equal(t, tt.wantMissing, missing(got))
			assert.Equal(t, tt.req.Path, got.File)
		})
	}
}

func TestResolveOrigin(t *testing.T) {
	const site = "/out/lib/python3.14/site-packages"
	libs := []Library{
		lib("libfoo-1a2b3c.so.1", site+"/foo.libs"),
		lib("libsib.so", site+"/foo"),
		lib("libsub.so", site+"/foo/_vendor"),
		lib("libdeep.so", "/out/share/x/y"),
		lib("libz.so.1", "/zlib/lib"),
		lib("libtrap.so", "/out2/lib"),
	}
	needed := []string{"libfoo-1a2b3c.so.1", "libsib.so", "libsub.so", "libdeep.so", "libz.so.1", "libtrap.so"}
	tests := []struct {
		name        string
		req         Request
		opts        Options
		wantRunPath []string
	}{
		{
			name: "absolute by default",
			req:  Request{Path: "foo/_ext.so", Dir: site + "/foo", Platform: amd64, Needed: needed, RunPath: []string{"$ORIGIN/../foo.libs"}},
			wantRunPath: []string{
				site + "/foo.libs", site + "/foo", site + "/foo/_vendor", "/out/share/x/y", "/zlib/lib", "/out2/lib",
			},
		},
		{
			name: "preserve-origin: existing entries that name a found dir replace it",
			req: Request{Path: "foo/_ext.so", Dir: site + "/foo", Platform: amd64, Needed: needed, RunPath: []string{
				"$ORIGIN/../foo.libs", "${ORIGIN}", "$ORIGIN/../unused", "/nix/store/eeee-old/lib", "$ORIGIN/./_vendor/",
			}},
			opts: Options{PreserveOrigin: true},
			wantRunPath: []string{
				"$ORIGIN/../foo.libs", "${ORIGIN}", "$ORIGIN/_vendor", "/out/share/x/y", "/zlib/lib", "/out2/lib",
			},
		},
		{
			name: "relative-rpaths: in-tree providers as $ORIGIN paths",
			req:  Request{Path: "foo/_ext.so", Dir: site + "/foo", Platform: amd64, Needed: needed},
			opts: Options{RelativeRpaths: true, Trees: []string{"/out"}},
			wantRunPath: []string{
				"$ORIGIN/../foo.libs", "$ORIGIN", "$ORIGIN/_vendor", "$ORIGIN/../../../../share/x/y", "/zlib/lib", "/out2/lib",
			},
		},
		{
			name: "relative-rpaths: from a nested dir",
			req:  Request{Path: "foo/a/b/_ext.so", Dir: site + "/foo/a/b", Platform: amd64, Needed: needed[:3]},
			opts: Options{RelativeRpaths: true, Trees: []string{"/other", "/out/"}},
			wantRunPath: []string{
				"$ORIGIN/../../../foo.libs", "$ORIGIN/../..", "$ORIGIN/../../_vendor",
			},
		},
		{
			name: "relative-rpaths: file and provider must share a tree",
			req:  Request{Path: "foo/_ext.so", Dir: site + "/foo", Platform: amd64, Needed: needed[:2]},
			opts: Options{RelativeRpaths: true, Trees: []string{site + "/foo"}},
			wantRunPath: []string{
				site + "/foo.libs", "$ORIGIN",
			},
		},
		{
			name: "preserve-origin wins over relative-rpaths",
			req:  Request{Path: "foo/_ext.so", Dir: site + "/foo", Platform: amd64, Needed: needed[:1], RunPath: []string{"$ORIGIN/../bar/../foo.libs"}},
			opts: Options{PreserveOrigin: true, RelativeRpaths: true, Trees: []string{"/out"}},
			wantRunPath: []string{
				"$ORIGIN/../bar/../foo.libs",
			},
		},
		{
			name:        "preserve-origin needs an absolute Dir",
			req:         Request{Path: "foo/_ext.so", Dir: "foo", Platform: amd64, Needed: needed[:1], RunPath: []string{"$ORIGIN/../foo.libs"}},
			opts:        Options{PreserveOrigin: true},
			wantRunPath: []string{site + "/foo.libs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ix Index
			for _, l := range libs {
				require.True(t, ix.Add(l))
			}
			got := Resolve(&ix, tt.req, tt.opts)
			require.Empty(t, got.Missing)
			assert.Equal(t, tt.wantRunPath, got.RunPath)
		})
	}
}

func TestResolveExplain(t *testing.T) {
	var ix Index
	bsd := withOSABI(amd64, stdelf.ELFOSABI_FREEBSD)
	for _, l := range []Library{
		{Name: "libz.so.1", Dir: "/cross/lib", Platform: arm64},
		{Name: "libz.so.1", Dir: "/bsd/lib", Platform: bsd},
		{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64},
		{Name: "libz.so.1", Dir: "/zlib/lib", Platform: amd64},
		{Name: "libzstd.so.1", Dir: "/cross/lib", Platform: arm64},
	} {
		require.True(t, ix.Add(l))
	}
	req := Request{
		Path: "a.so", Platform: withOSABI(amd64, stdelf.ELFOSABI_LINUX),
		Needed: []string{"libz.so.1"},
		Dlopen: [][]string{{"libzstd.so.1", "libnone.so"}},
	}
	got := Resolve(&ix, req, Options{})
	require.Len(t, got.Deps, 2)

	z := got.Deps[0]
	assert.Equal(t, Dependency{
		Candidates: []string{"libz.so.1"},
		Via:        Indexed,
		Name:       "libz.so.1",
		Library:    Library{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64},
		Entry:      "/out/lib",
		Considered: []Considered{
			{Name: "libz.so.1", Library: Library{Name: "libz.so.1", Dir: "/cross/lib", Platform: arm64}, Verdict: WrongArch},
			{Name: "libz.so.1", Library: Library{Name: "libz.so.1", Dir: "/bsd/lib", Platform: bsd}, Verdict: IncompatibleOSABI},
			{Name: "libz.so.1", Library: Library{Name: "libz.so.1", Dir: "/out/lib", Platform: amd64}, Verdict: Chosen},
			{Name: "libz.so.1", Library: Library{Name: "libz.so.1", Dir: "/zlib/lib", Platform: amd64}, Verdict: Shadowed},
		},
	}, z)
	assert.True(t, z.Found())

	d := got.Deps[1]
	assert.Equal(t, Dependency{
		Candidates: []string{"libzstd.so.1", "libnone.so"},
		Dlopen:     true,
		Via:        NotFound,
		Name:       "any(libzstd.so.1, libnone.so)",
		Considered: []Considered{
			{Name: "libzstd.so.1", Library: Library{Name: "libzstd.so.1", Dir: "/cross/lib", Platform: arm64}, Verdict: WrongArch},
		},
	}, d)
	assert.False(t, d.Found())
}

func TestResolveIsFileCalls(t *testing.T) {
	var asked []string
	opts := Options{LibcDir: "/glibc/lib/", IsFile: func(p string) bool {
		asked = append(asked, p)
		return p == "/opt/libabs.so"
	}}
	req := Request{Path: "a.so", Platform: amd64, Needed: []string{"libc.so.6", "/opt/libabs.so", "sub/libx.so"}}
	got := Resolve(nil, req, opts)
	assert.Equal(t, []string{"/glibc/lib/libc.so.6", "/opt/libabs.so", "/glibc/lib/sub/libx.so"}, asked)
	assert.Equal(t, []string{"libc.so.6|", "sub/libx.so|"}, missing(got))
}

func TestResultErr(t *testing.T) {
	req := Request{Path: "site/a.so", Platform: amd64, Needed: []string{"libpq.so.5", "libcuda.so.1"}}
	got := Resolve(nil, req, Options{IgnoreMissing: []string{"libcuda*"}})
	err := got.Err()
	require.Error(t, err)
	var me *MissingError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, &MissingError{File: "site/a.so", Name: "libpq.so.5", Candidates: []string{"libpq.so.5"}}, me)
	assert.Equal(t, "site/a.so: could not satisfy dependency libpq.so.5", err.Error())
	require.Len(t, got.Missing, 2)
	assert.True(t, got.Missing[1].Ignored())

	all := Resolve(nil, req, Options{IgnoreMissing: []string{"*"}})
	assert.NoError(t, all.Err())
	assert.Len(t, all.Missing, 2, "ignored ones still count")
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(got.Err(), &joined))
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, []string{"not found", "absolute path", "libc dir", "index", "Via(9)"},
		[]string{NotFound.String(), Absolute.String(), Libc.String(), Indexed.String(), Via(9).String()})
	assert.Equal(t, []string{"Verdict(0)", "chosen", "shadowed by an earlier entry", "other architecture", "incompatible OS ABI"},
		[]string{Verdict(0).String(), Chosen.String(), Shadowed.String(), WrongArch.String(), IncompatibleOSABI.String()})
}
