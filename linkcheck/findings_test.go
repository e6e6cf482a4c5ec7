package linkcheck

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// TestSymbolVersions builds libver.so.1 twice from version scripts (the
// second release adds VERS_2.0) and a program linked against
// the second: with the first in place the loader refuses the program,
// and Check says which version is missing and what the provider has.
func TestSymbolVersions(t *testing.T) {
	bin := compiled(t)
	tests := []struct {
		name      string
		lib       string
		undefined bool
		want      []string
		defined   []string
	}{
		{name: "provider too old", lib: "ver1/libver.so.1",
			want:    []string{"missing-version app/bin/vprog libver.so.1 VERS_2.0"},
			defined: []string{"VERS_1.0"}},
		{name: "provider too old, symbols too", lib: "ver1/libver.so.1", undefined: true,
			want: []string{"missing-version app/bin/vprog libver.so.1 VERS_2.0",
				"undefined-symbol app/bin/vprog libver.so.1 ver_new"},
			defined: []string{"VERS_1.0"}},
		{name: "provider new enough", lib: "ver2/libver.so.1", undefined: true, want: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRoot(t)
			put(t, filepath.Join(root, "app/bin/vprog"), paths(t, bin["vprog"], "$ORIGIN/../lib", false))
			put(t, filepath.Join(root, "app/lib/libver.so.1"), bin[tc.lib])
			t.Chdir(root)

			rep, err := Check(context.Background(), Config{Paths: []string{"app/bin/vprog"}, UndefinedSymbols: tc.undefined})
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, problems(rep, Error, root))
			for _, f := range rep.Findings {
				if f.Kind == MissingVersion {
					assert.Equal(t, tc.defined, f.Defined)
					assert.Equal(t, filepath.Join(root, "app/lib/libver.so.1"), f.Provider)
				}
			}
			ok, out := runs(t, filepath.Join(root, "app/bin/vprog"))
			assert.Equal(t, rep.OK(), ok, "check and the real loader disagree; the run:\n%s", out)
		})
	}
}

// TestGlibcVersions checks a program against the system's libc: what it
// needs is there, and a need renamed to a version no glibc has is not.
func TestGlibcVersions(t *testing.T) {
	bin := compiled(t)
	root := tempRoot(t)
	put(t, filepath.Join(root, "prog"), paths(t, bin["prog"], "$ORIGIN", true))
	for _, lib := range []string{"libfoo.so", "libbar.so", "libbaz.so"} {
		put(t, filepath.Join(root, lib), bin[lib])
	}
	rep, err := Check(context.Background(), Config{Paths: []string{filepath.Join(root, "prog")}})
	require.NoError(t, err)
	if !rep.OK() {
		elftest.Unavailable(t, "the system's libc is not where DefaultDirs looks: %v", problems(rep, Error, root))
	}

	// libbaz.so calls puts@GLIBC_2.2.5 (x86-64's oldest); make it need a
	// version from the future by overwriting the name in .dynstr (the hash in
	// .gnu.version_r stays: glibc matches versions by name and hash, and
	// either mismatch fails).
	data := bin["libbaz.so"]
	f, err := elf.NewFile(bytesReader(data), int64(len(data)))
	require.NoError(t, err)
	vers, err := ReadVersions(f, bytesReader(data))
	require.NoError(t, err)
	var old string
	for _, n := range vers.Needs {
		if n.File == "libc.so.6" && len(n.Versions) > 0 {
			old = n.Versions[0].Name
		}
	}
	require.NotEmpty(t, old, "libbaz.so needs no libc version")
	future := "GLIBC_9." + repeat("9", len(old)-len("GLIBC_9."))
	require.Len(t, future, len(old))
	put(t, filepath.Join(root, "libbaz.so"), replaceInDynstr(t, data, old+"\x00", future+"\x00"))

	rep, err = Check(context.Background(), Config{Paths: []string{filepath.Join(root, "prog")}})
	require.NoError(t, err)
	require.Equal(t, []string{"missing-version $ROOT/libbaz.so libc.so.6 " + future}, problems(rep, Error, root))
	f0 := rep.Findings[0]
	assert.Equal(t, []string{filepath.Join(root, "prog"), filepath.Join(root, "libfoo.so"), filepath.Join(root, "libbar.so"),
		filepath.Join(root, "libbaz.so")}, f0.Chain)
	assert.Contains(t, f0.Defined, old)
	assert.Contains(t, f0.Message(), "(newest: GLIBC_2.")
	ok, _ := runs(t, filepath.Join(root, "prog"))
	assert.False(t, ok, "the loader ran a program needing %s", future)
}

// TestDlopenNotes checks .note.dlopen entries: any one alternative
// satisfies an entry, a missing "suggested" one is a warning, and
// --ignore-missing matches an alternative's name.
func TestDlopenNotes(t *testing.T) {
	bin := compiled(t)
	tests := []struct {
		name         string
		baz          bool // libbaz.so, the second alternative, is present
		ignore       []string
		wantErrors   []string
		wantWarnings []string
		wantDeps     []Dep
	}{
		{name: "second alternative found", baz: true,
			wantErrors:   []string{},
			wantWarnings: []string{"missing-library libdl.so libextra.so.1"},
			wantDeps: []Dep{{Name: "libbaz.so", Dlopen: true, Path: "$ROOT/private/libbaz.so", Via: "runpath"},
				{Name: "libextra.so.1", Dlopen: true}}},
		{name: "no alternative found",
			wantErrors:   []string{"missing-library libdl.so any(libnone.so.9, libbaz.so)"},
			wantWarnings: []string{"missing-library libdl.so libextra.so.1"},
			wantDeps: []Dep{{Name: "any(libnone.so.9, libbaz.so)", Dlopen: true},
				{Name: "libextra.so.1", Dlopen: true}}},
		{name: "ignored by an alternative's name", ignore: []string{"libnone.so.*"},
			wantErrors: []string{},
			wantWarnings: []string{"missing-library libdl.so any(libnone.so.9, libbaz.so)",
				"missing-library libdl.so libextra.so.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRoot(t)
			put(t, filepath.Join(root, "libdl.so"), paths(t, bin["libdl.so"], "$ORIGIN/private", false))
			if tc.baz {
				put(t, filepath.Join(root, "private/libbaz.so"), bin["libbaz.so"])
			}
			t.Chdir(root)
			rep, err := Check(context.Background(), Config{Paths: []string{"libdl.so"}, IgnoreMissing: tc.ignore})
			require.NoError(t, err)
			assert.Equal(t, tc.wantErrors, problems(rep, Error, root))
			assert.Equal(t, tc.wantWarnings, problems(rep, Warning, root))
			require.Len(t, rep.Files, 1)
			if tc.wantDeps != nil {
				for i := range tc.wantDeps {
					tc.wantDeps[i].Path = replaceRoot(tc.wantDeps[i].Path, root)
				}
				assert.Equal(t, tc.wantDeps, rep.Files[0].Deps)
			}
			for _, f := range rep.Findings {
				if f.Soname == "any(libnone.so.9, libbaz.so)" {
					assert.Equal(t, []string{"libnone.so.9", "libbaz.so"}, f.Candidates)
					assert.True(t, f.Dlopen)
					assert.Equal(t, filepath.Join(root, "private"), f.Searched[0])
				}
			}
		})
	}
}

// TestIgnoreMissing: patterns use Python's fnmatch on the base name, as
// `gopatchelf auto` does, and turn errors into warnings.
func TestIgnoreMissing(t *testing.T) {
	tests := []struct {
		patterns    []string
		wantErrors  int
		wantIgnored string
	}{
		{patterns: nil, wantErrors: 1},
		{patterns: []string{"libx*"}, wantErrors: 1},
		{patterns: []string{"libx*", "libf?o.so"}, wantIgnored: "libf?o.so"},
		{patterns: []string{"[!a]*"}, wantIgnored: "[!a]*"},
		{patterns: []string{"*"}, wantIgnored: "*"},
	}
	root := tempRoot(t)
	fx := fixtureBytes(t, "x86_64/pie/prog")
	put(t, filepath.Join(root, "prog"), fx)
	for _, tc := range tests {
		rep, err := Check(context.Background(), Config{Paths: []string{root}, IgnoreMissing: tc.patterns})
		require.NoError(t, err)
		n, _ := rep.Count(Error)
		assert.Equal(t, tc.wantErrors, n, "%q", tc.patterns)
		w, ignored := rep.Count(Warning)
		if tc.wantIgnored == "" {
			assert.Zero(t, ignored, "%q", tc.patterns)
			continue
		}
		assert.Equal(t, 1, w)
		assert.Equal(t, 1, ignored)
		assert.Equal(t, tc.wantIgnored, rep.Findings[0].IgnoredBy)
		assert.True(t, rep.OK())
	}
}

// TestFilesThatAreNotChecked: non-ELF files are skipped silently, static
// programs and objects are listed as skipped, broken ELF files and missing
// paths are errors naming the file.
func TestFilesThatAreNotChecked(t *testing.T) {
	root := tempRoot(t)
	put(t, filepath.Join(root, "tree/notes.so"), []byte("not ELF\n"))
	put(t, filepath.Join(root, "tree/static"), fixtureBytes(t, "x86_64/static/prog"))
	put(t, filepath.Join(root, "tree/foo.o"), fixtureBytes(t, "x86_64/object/foo.o"))
	put(t, filepath.Join(root, "tree/broken.so"), fixtureBytes(t, "x86_64/pie/libfoo.so")[:300])
	require.NoError(t, os.Symlink("static", filepath.Join(root, "tree/link")))
	t.Chdir(root)

	rep, err := Check(context.Background(), Config{Paths: []string{"tree", "gone"}})
	require.NoError(t, err)
	assert.Equal(t, []File{
		{Path: "tree/foo.o", Skipped: "not an executable or shared object", Deps: []Dep{}},
		{Path: "tree/static", Skipped: "statically linked", Deps: []Dep{}},
	}, rep.Files)
	require.Len(t, rep.Findings, 2)
	assert.Equal(t, Finding{Severity: Error, Kind: Unreadable, File: "tree/broken.so",
		Detail: rep.Findings[0].Detail}, rep.Findings[0])
	assert.Contains(t, rep.Findings[0].Detail, "malformed ELF")
	assert.Equal(t, Unreadable, rep.Findings[1].Kind)
	assert.Equal(t, "gone", rep.Findings[1].File)
	assert.False(t, rep.OK())

	_, err = Check(context.Background(), Config{})
	assert.ErrorIs(t, err, ErrNoPaths)
}

// TestLibxmlMismatchAndDists: lxml and xmlsec loading libxml2.so.2 from
// two copies of different versions is an error naming the library, on
// the second module, under its distribution; two copies of one version
// are a warning; one copy is nothing.
func TestLibxmlMismatchAndDists(t *testing.T) {
	root := tempRoot(t)
	sp := filepath.Join(root, "lib/python3.14/site-packages")
	ext := func(runpath string) []byte {
		out, _, err := elf.Apply(fixtureBytes(t, "x86_64/transitive/libfoo.so"), elf.Edit{
			ReplaceNeeded: []elf.Replacement{{Old: "libbar.so", New: "libxslt.so.1"}},
			SetRunpath:    true, Runpath: runpath,
		})
		require.NoError(t, err)
		return out
	}
	libxslt := renamedTB(t, "x86_64/transitive/libbar.so", "libxslt.so.1")
	store := filepath.Join(root, "store/libxslt/lib")
	other := renamedTB(t, "x86_64/pie/libfoo.so", "libxslt.so.1") // other bytes
	lib := func(dir, version string, data []byte) {
		put(t, filepath.Join(dir, "libxslt.so.1."+version), data)
		_ = os.Remove(filepath.Join(dir, "libxslt.so.1"))
		require.NoError(t, os.Symlink("libxslt.so.1."+version, filepath.Join(dir, "libxslt.so.1")))
	}
	put(t, filepath.Join(sp, "lxml/etree.cpython-314-x86_64-linux-gnu.so"), ext("$ORIGIN/../lxml.libs"))
	lib(filepath.Join(sp, "lxml.libs"), "1.35", libxslt)
	put(t, filepath.Join(sp, "xmlsec.cpython-314-x86_64-linux-gnu.so"), ext(store))
	lib(store, "1.34", other)
	put(t, filepath.Join(sp, "lxml-6.0.0.dist-info/RECORD"), []byte(
		"lxml/etree.cpython-314-x86_64-linux-gnu.so,sha256=x,1\nlxml.libs/libxslt.so.1,,\n"))
	put(t, filepath.Join(sp, "xmlsec-1.3.16.dist-info/RECORD"), []byte(
		"\"xmlsec.cpython-314-x86_64-linux-gnu.so\",sha256=y,2\n../../../bin/xmlsec-tool,,\n"))
	dups := func(rep *Report) []Finding {
		var out []Finding
		for _, f := range rep.Findings {
			if f.Kind == DuplicateLibrary {
				out = append(out, f)
			}
		}
		return out
	}

	// Check site-packages/lxml only: the dist-info is found above it.
	rep, err := Check(context.Background(), Config{Paths: []string{filepath.Join(sp, "lxml"), filepath.Join(sp, "xmlsec.cpython-314-x86_64-linux-gnu.so")}})
	require.NoError(t, err)
	require.Len(t, rep.Files, 2)
	assert.Equal(t, "lxml 6.0.0", rep.Files[0].Dist)
	assert.Equal(t, "xmlsec 1.3.16", rep.Files[1].Dist)
	assert.Equal(t, "python", rep.Files[0].Host)
	d := dups(rep)
	require.Len(t, d, 1, "%+v", rep.Findings)
	assert.Equal(t, Error, d[0].Severity)
	assert.Equal(t, "libxslt.so.1", d[0].Soname)
	assert.Equal(t, "xmlsec 1.3.16", d[0].Dist)
	assert.Equal(t, filepath.Join(sp, "lxml")+"/etree.cpython-314-x86_64-linux-gnu.so loads libxslt.so.1 from "+
		filepath.Join(sp, "lxml.libs/libxslt.so.1")+", "+filepath.Join(sp, "xmlsec.cpython-314-x86_64-linux-gnu.so")+
		" from "+filepath.Join(store, "libxslt.so.1")+": versions 1.1.35 and 1.1.34 differ; xmlsec fails at import with "+
		"\"lxml & xmlsec libxml2 library version mismatch\"", d[0].Message())
	assert.False(t, rep.OK())

	// The same version in two copies: a warning.
	require.NoError(t, os.Remove(filepath.Join(store, "libxslt.so.1.1.34")))
	lib(store, "1.35", other)
	rep, err = Check(context.Background(), Config{Paths: []string{sp}})
	require.NoError(t, err)
	d = dups(rep)
	require.Len(t, d, 1, "%+v", rep.Findings)
	assert.Equal(t, Warning, d[0].Severity)
	assert.Contains(t, d[0].Message(), ": the same version (1.1.35) in two copies")
	assert.True(t, rep.OK())

	// One copy for both: nothing.
	require.NoError(t, os.RemoveAll(filepath.Join(sp, "lxml.libs")))
	require.NoError(t, os.Symlink(store, filepath.Join(sp, "lxml.libs")))
	rep, err = Check(context.Background(), Config{Paths: []string{sp}})
	require.NoError(t, err)
	assert.Empty(t, dups(rep))
}

// renamedTB is a fixture library with another DT_SONAME.
func renamedTB(t testing.TB, id, soname string) []byte {
	t.Helper()
	out, _, err := elf.Apply(fixtureBytesTB(t, id), elf.Edit{Soname: soname})
	require.NoError(t, err)
	return out
}

// TestUncheckableEntries: RUNPATH entries whose meaning depends on the
// CPU or the working directory are warnings, once per object, and the
// search goes on with the rest.
func TestUncheckableEntries(t *testing.T) {
	root := tempRoot(t)
	lib := paths(t, fixtureBytes(t, "x86_64/transitive/libfoo.so"), "/x/$PLATFORM:rel/dir::$ORIGIN/dep", false)
	put(t, filepath.Join(root, "a/libfoo.so"), lib)
	put(t, filepath.Join(root, "b/libfoo.so"), lib)
	put(t, filepath.Join(root, "a/dep/libbar.so"), fixtureBytes(t, "x86_64/transitive/libbar.so"))
	t.Chdir(root)
	rep, err := Check(context.Background(), Config{Paths: []string{"a", "b"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"missing-library b/libfoo.so libbar.so"}, problems(rep, Error, root))
	var details []string
	for _, f := range rep.Findings {
		if f.Kind == SearchPath {
			details = append(details, f.Object+": "+f.Detail)
		}
	}
	assert.Equal(t, []string{
		"a/libfoo.so: RUNPATH entry /x/$PLATFORM uses $PLATFORM, which depends on the CPU: not checked",
		"a/libfoo.so: RUNPATH entry rel/dir is relative to the working directory at run time: not checked",
		"a/libfoo.so: empty RUNPATH entry means the working directory at run time: not checked",
		"b/libfoo.so: RUNPATH entry /x/$PLATFORM uses $PLATFORM, which depends on the CPU: not checked",
		"b/libfoo.so: RUNPATH entry rel/dir is relative to the working directory at run time: not checked",
		"b/libfoo.so: empty RUNPATH entry means the working directory at run time: not checked",
	}, details)
	assert.Equal(t, filepath.Join(root, "b/dep"), rep.Findings[len(rep.Findings)-1].Searched[0])
}
