package hook

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/ldcache"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// siteTree is a small output of a build: a program, a library needing a
// library from a "store" dir, and everything the skip rules are about.
func siteTree(t testing.TB) map[string]file {
	return map[string]file{
		"out/bin/prog":               bin(fixture(t, "x86_64/pie/prog")),        // needs libfoo.so, libc.so.6
		"out/bin/static":             bin(fixture(t, "x86_64/static/prog")),     // ET_EXEC, no interpreter
		"out/bin/spie":               bin(fixture(t, "x86_64/static-pie/prog")), // ET_DYN, no interpreter
		"out/lib/libfoo.so":          bin(fixture(t, "x86_64/transitive/libfoo.so")),
		"out/lib/link.so":            symlink("libfoo.so"),
		"out/lib/foo.o":              file{data: fixture(t, "x86_64/object/foo.o"), mode: 0o644},
		"out/lib/arm/libfoo.so":      bin(fixture(t, "aarch64/pie/libfoo.so")),
		"out/share/readme.so":        text("not a library\n"),
		"out/share/empty":            text(""),
		"store/bar/lib/libbar.so":    bin(fixture(t, "x86_64/transitive/libbar.so")),
		"store/bar/lib/README":       text("hi"),
		"libc/lib/libc.so.6":         text(""), // only its name matters
		"store/unused/lib/libfoo.so": bin(fixture(t, "x86_64/pie/libfoo.so")),
	}
}

func siteConfig() Config {
	return Config{
		Paths:       []string{"out"},
		Libs:        []string{"store/bar/lib", "store/unused/lib", "store/missing/lib"},
		Interpreter: nixInterp,
		Target:      x64,
		LibcDir:     "libc/lib",
	}
}

func TestRunPatchesTree(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, root)

	events, rep, err := collect(t, siteConfig())
	require.NoError(t, err)

	want := []Event{
		SetInterpreter{File: "out/bin/prog", Interpreter: nixInterp},
		Searching{File: "out/bin/prog"},
		Dependency{File: "out/bin/prog", Name: "libfoo.so", Found: true, Location: root + "/out/lib"},
		SetRpath{File: "out/bin/prog", Rpath: root + "/out/lib"},
		SkipFile{File: "out/bin/spie", Reason: "it is statically linked"},
		SkipFile{File: "out/bin/static", Reason: "it is statically linked"},
		SkipFile{File: "out/lib/arm/libfoo.so", Reason: "its architecture (AArch64) differs from target (x64)"},
		SkipFile{File: "out/lib/foo.o", Reason: "it contains no segment"},
		Searching{File: "out/lib/libfoo.so"},
		Dependency{File: "out/lib/libfoo.so", Name: "libbar.so", Found: true, Location: root + "/store/bar/lib"},
		SetRpath{File: "out/lib/libfoo.so", Rpath: root + "/store/bar/lib"},
		Summary{Missing: 0},
	}
	assert.Equal(t, want, events)

	assert.Equal(t, []FileResult{
		{Path: "out/bin/prog", Outcome: Patched},
		{Path: "out/bin/spie", Outcome: Skipped},
		{Path: "out/bin/static", Outcome: Skipped},
		{Path: "out/lib/arm/libfoo.so", Outcome: Skipped},
		{Path: "out/lib/foo.o", Outcome: Skipped},
		{Path: "out/lib/libfoo.so", Outcome: Patched},
	}, rep.Files, "not-ELF files are counted, not listed")
	assert.Equal(t, 2, rep.NotELF, "out/share/empty, out/share/readme.so")
	assert.Equal(t, 2, rep.Count(NotELF))
	assert.Empty(t, rep.Missing)
	assert.Empty(t, rep.Errors)

	after := snapshot(t, root)
	for name, data := range before {
		if name == "out/bin/prog" || name == "out/lib/libfoo.so" {
			assert.NotEqual(t, data, after[name], name)
			continue
		}
		assert.Equal(t, data, after[name], "%s must be untouched", name)
	}
	prog, err := elftest.Inspect(after["out/bin/prog"])
	require.NoError(t, err)
	assert.Equal(t, nixInterp, prog.Interp)
	assert.Equal(t, root+"/out/lib", prog.RunPath)
	assert.Equal(t, []string{"libfoo.so", "libc.so.6"}, prog.Needed)
	lib, err := elftest.Inspect(after["out/lib/libfoo.so"])
	require.NoError(t, err)
	assert.Equal(t, "", lib.Interp)
	assert.Equal(t, root+"/store/bar/lib", lib.RunPath)

	fi, err := os.Lstat("out/lib/link.so")
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode().Type(), "a symlink is never replaced by a file")
	st, err := os.Stat("out/bin/prog")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm())
}

// Two copies of a tree created in opposite orders and patched with one and
// with many workers give the same events and the same bytes.
func TestRunIsDeterministic(t *testing.T) {
	files := siteTree(t)
	// More files than workers, so that the order of completion varies.
	for i := range 24 {
		files[filepath.ToSlash(filepath.Join("out/lib/python3.14/site-packages", string(rune('a'+i))+".cpython-314-x86_64-linux-gnu.so"))] =
			bin(fixture(t, "x86_64/transitive/libfoo.so"))
	}
	order := sortedNames(files)
	reversed := make([]string, len(order))
	for i, n := range order {
		reversed[len(order)-1-i] = n
	}

	type outcome struct {
		events []Event
		bytes  map[string][]byte
	}
	runIn := func(order []string, workers int) outcome {
		root := realTemp(t)
		makeTree(t, root, files, order)
		inDir(t, root)
		cfg := siteConfig()
		cfg.Workers = workers
		events, _, err := collect(t, cfg)
		require.NoError(t, err)
		out := outcome{events: replaceRoot(events, root), bytes: snapshot(t, root)}
		// RUNPATHs hold the root; make the bytes comparable by patching a
		// same-length placeholder over it.
		for name, data := range out.bytes {
			out.bytes[name] = []byte(replaceBytes(string(data), root))
		}
		return out
	}
	a := runIn(order, 1)
	b := runIn(reversed, 16)
	c := runIn(order, 3)
	assert.Equal(t, a.events, b.events)
	assert.Equal(t, a.events, c.events)
	assert.Equal(t, a.bytes, b.bytes)
	assert.Equal(t, a.bytes, c.bytes)
}

// replaceBytes turns root into a same-length run of 'X', so files written
// in different temporary directories compare equal.
func replaceBytes(s, root string) string {
	x := make([]byte, len(root))
	for i := range x {
		x[i] = 'X'
	}
	out := []byte(s)
	for i := 0; i+len(root) <= len(out); i++ {
		if string(out[i:i+len(root)]) == root {
			copy(out[i:], x)
		}
	}
	return string(out)
}

func TestSecondRunWritesNothing(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	_, rep, err := collect(t, siteConfig())
	require.NoError(t, err)
	require.Equal(t, 2, rep.Count(Patched))

	type stamp struct {
		ino   uint64
		mtime time.Time
	}
	stamps := func() map[string]stamp {
		m := map[string]stamp{}
		for name := range snapshot(t, root) {
			fi, err := os.Stat(filepath.Join(root, name))
			require.NoError(t, err)
			m[name] = stamp{fi.Sys().(*syscall.Stat_t).Ino, fi.ModTime()}
		}
		return m
	}
	first := stamps()
	events1, _, _ := collect(t, siteConfig())
	events2, rep2, err := collect(t, siteConfig())
	require.NoError(t, err)
	assert.Equal(t, 0, rep2.Count(Patched))
	assert.Equal(t, 2, rep2.Count(Unchanged))
	assert.Equal(t, first, stamps(), "no file was replaced or touched")
	assert.Equal(t, events1, events2, "a run over patched files reports the same")
}

func TestBadInputIsReportedAndLeftAlone(t *testing.T) {
	root := realTemp(t)
	good := fixture(t, "x86_64/transitive/libfoo.so")
	files := map[string]file{
		"out/lib/a-truncated.so":  bin(good[:300]), // program headers cut off
		"out/lib/b-header.so":     bin(good[:40]),  // inside the ELF header
		"out/lib/c-good.so":       bin(good),       // still patched
		"out/lib/d-unreadable.so": bin(good),
		"store/lib/libbar.so":     bin(fixture(t, "x86_64/transitive/libbar.so")),
		"libc/lib/libc.so.6":      text(""),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, root)
	ffs := &faultyFS{denied: map[string]bool{"out/lib/d-unreadable.so": true}}

	cfg := Config{Paths: []string{"out", "gone"}, Libs: []string{"store/lib"}, Target: x64, LibcDir: "libc/lib", FS: ffs}
	_, rep, err := collect(t, cfg)
	require.Error(t, err)

	require.Len(t, rep.Errors, 4)
	msgs := make([]string, len(rep.Errors))
	for i, e := range rep.Errors {
		msgs[i] = e.Error()
	}
	// In walk order: the --paths entries in the order given.
	assert.Regexp(t, `^out/lib/a-truncated\.so: malformed ELF: `, msgs[0])
	assert.Equal(t, "out/lib/b-header.so: malformed ELF: file truncated inside the ELF header at byte 0x28", msgs[1])
	assert.Equal(t, "open out/lib/d-unreadable.so: permission denied", msgs[2])
	assert.Equal(t, "lstat gone: no such file or directory", msgs[3], "a missing --paths entry")
	var fe *elf.FormatError
	assert.ErrorAs(t, rep.Errors[0], &fe)
	assert.ErrorIs(t, rep.Errors[2], os.ErrPermission)
	assert.ErrorIs(t, err, os.ErrPermission, "Run's error joins the file errors")

	after := snapshot(t, root)
	for name, data := range before {
		if name == "out/lib/c-good.so" {
			assert.NotEqual(t, data, after[name], "the good file is still patched")
			continue
		}
		assert.Equal(t, data, after[name], "%s is byte-for-byte untouched", name)
	}
	assert.Equal(t, Failed, rep.Files[0].Outcome)
	assert.Equal(t, Patched, rep.Files[2].Outcome)
}

func TestFailedWriteLeavesFileAndNoTemp(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, root)
	ffs := &faultyFS{replace: func(name string) error {
		if name == "out/bin/prog" {
			return &os.PathError{Op: "write", Path: name, Err: errDiskFull}
		}
		return nil
	}}
	cfg := siteConfig()
	cfg.FS = ffs
	_, rep, err := collect(t, cfg)
	require.ErrorIs(t, err, errDiskFull)
	require.Len(t, rep.Errors, 1)
	assert.Equal(t, "write out/bin/prog: no space left on device", rep.Errors[0].Error())
	after := snapshot(t, root)
	assert.Equal(t, before["out/bin/prog"], after["out/bin/prog"])
	assert.NotEqual(t, before["out/lib/libfoo.so"], after["out/lib/libfoo.so"])
	assert.Len(t, after, len(before), "no temporary file left behind")
}

// withOverlappingLoads returns the program with its second PT_LOAD moved onto the
// first in memory: a layout the writer cannot extend safely.
func withOverlappingLoads(t *testing.T, data []byte) []byte {
	t.Helper()
	f, err := stdelf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	var loads []int
	for i, p := range f.Progs {
		if p.Type == stdelf.PT_LOAD {
			loads = append(loads, i)
		}
	}
	require.GreaterOrEqual(t, len(loads), 2)
	require.Equal(t, stdelf.ELFCLASS64, f.Class)
	out := bytes.Clone(data)
	phoff := binary.LittleEndian.Uint64(out[32:])
	at := phoff + uint64(loads[1])*56
	first := f.Progs[loads[0]]
	v := first.Vaddr + f.Progs[loads[1]].Off%f.Progs[loads[1]].Align
	binary.LittleEndian.PutUint64(out[at+16:], v)
	binary.LittleEndian.PutUint64(out[at+24:], v)
	return out
}

// A file that the writer cannot grow safely (segments overlapping in
// memory) is refused with a clear error and left untouched.
func TestUnsafeFileIsRefused(t *testing.T) {
	root := realTemp(t)
	files := map[string]file{
		"out/bin/prog":      bin(withOverlappingLoads(t, fixture(t, "x86_64/pie/prog"))),
		"out/lib/libfoo.so": bin(fixture(t, "x86_64/pie/libfoo.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, root)
	long := "/nix/store/0123456789abcdefghijklmnopqrstuv-a-glibc-with-a-much-longer-name/lib/ld-linux-x86-64.so.2"
	_, rep, err := collect(t, Config{Paths: []string{"out"}, Interpreter: long, Target: x64, IgnoreMissing: []string{"*"}})
	require.Error(t, err)
	require.Len(t, rep.Errors, 1)
	assert.ErrorIs(t, rep.Errors[0], elf.ErrUnsafe)
	assert.Regexp(t, `^out/bin/prog: refusing to rewrite: segments \d+ and \d+ overlap in memory`, rep.Errors[0].Error())
	assert.Equal(t, before["out/bin/prog"], snapshot(t, root)["out/bin/prog"])
}

// A program carrying data past its ELF contents (a self-extracting
// archive's payload) is patched; the payload stays the last bytes of the
// file, and a KeptPayload event says so.
func TestPayloadIsKept(t *testing.T) {
	root := realTemp(t)
	orig := fixture(t, "x86_64/payload/prog")
	files := map[string]file{
		"out/bin/selfx":     bin(orig),
		"out/lib/libfoo.so": bin(fixture(t, "x86_64/pie/libfoo.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	long := "/nix/store/0123456789abcdefghijklmnopqrstuv-a-glibc-with-a-much-longer-name/lib/ld-linux-x86-64.so.2"
	events, _, err := collect(t, Config{Paths: []string{"out"}, Interpreter: long, Target: x64, IgnoreMissing: []string{"*"}})
	require.NoError(t, err)
	assert.Contains(t, events, Event(KeptPayload{File: "out/bin/selfx", Bytes: 38}))
	after := snapshot(t, root)["out/bin/selfx"]
	assert.Greater(t, len(after), len(orig))
	assert.Equal(t, orig[len(orig)-38:], after[len(after)-38:])
}

func TestMissingDependenciesAreAllReported(t *testing.T) {
	root := realTemp(t)
	files := map[string]file{
		"out/bin/prog":      bin(fixture(t, "x86_64/pie/prog")),             // libfoo.so, libc.so.6
		"out/lib/libfoo.so": bin(fixture(t, "x86_64/transitive/libfoo.so")), // libbar.so, libc.so.6
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)

	cfg := Config{Paths: []string{"out"}, Target: x64, IgnoreExisting: true, IgnoreMissing: []string{"libc.so*", "nothing"}}
	events, rep, err := collect(t, cfg)
	require.Error(t, err)

	tail := events[len(events)-5:]
	assert.Equal(t, []Event{
		Summary{Missing: 4},
		Unsatisfied{File: "out/bin/prog", Name: "libfoo.so"},
		IgnoredDependency{File: "out/bin/prog", Name: "libc.so.6", Pattern: "libc.so*"},
		Unsatisfied{File: "out/lib/libfoo.so", Name: "libbar.so"},
		IgnoredDependency{File: "out/lib/libfoo.so", Name: "libc.so.6", Pattern: "libc.so*"},
	}, tail)
	assert.Contains(t, events, Dependency{File: "out/bin/prog", Name: "libfoo.so"})
	require.Len(t, rep.Missing, 4)
	require.Len(t, rep.Unsatisfied(), 2)
	var me *resolver.MissingError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "out/bin/prog", me.File)
	assert.Equal(t, "libfoo.so", me.Name)
	// Nothing was found, so no RUNPATH; the interpreter is unknown
	// (standalone mode): nothing to write.
	assert.Equal(t, 0, rep.Count(Patched))
}

func TestHintNamesPackage(t *testing.T) {
	pkg, ok := resolver.Hint("libpq.so.5")
	if !ok {
		t.Skip("resolver.Hint has no entry for libpq.so.5 yet")
	}
	assert.Equal(t, pkg, hintFor(&resolver.MissingError{Candidates: []string{"libpq.so.5"}}))
	assert.Equal(t, "", hintFor(&resolver.MissingError{Candidates: []string{"libnothing-known.so.9"}}))
}

func TestNoRecurseAndIgnoreExisting(t *testing.T) {
	root := realTemp(t)
	files := map[string]file{
		"out/prog":          bin(fixture(t, "x86_64/pie/prog")),
		"out/lib/libfoo.so": bin(fixture(t, "x86_64/pie/libfoo.so")),
		"store/libfoo.so":   bin(fixture(t, "x86_64/pie/libfoo.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)

	// --no-recurse: out/lib is neither patched nor searched.
	events, rep, err := collect(t, Config{Paths: []string{"out"}, Target: x64, NoRecurse: true, DryRun: true, IgnoreMissing: []string{"libc*"}})
	require.Error(t, err)
	assert.Equal(t, []FileResult{{Path: "out/prog", Outcome: Unchanged}}, rep.Files)
	assert.Contains(t, events, Dependency{File: "out/prog", Name: "libfoo.so"})

	// Recursive: the tree's own libfoo.so wins over --libs.
	events, _, err = collect(t, Config{Paths: []string{"out"}, Libs: []string{"store"}, Target: x64, DryRun: true, IgnoreMissing: []string{"libc*"}})
	require.NoError(t, err)
	assert.Contains(t, events, Dependency{File: "out/prog", Name: "libfoo.so", Found: true, Location: root + "/out/lib"})

	// --ignore-existing: only --libs count.
	events, _, err = collect(t, Config{Paths: []string{"out"}, Libs: []string{"store"}, Target: x64, DryRun: true, IgnoreExisting: true, IgnoreMissing: []string{"libc*"}})
	require.NoError(t, err)
	assert.Contains(t, events, Dependency{File: "out/prog", Name: "libfoo.so", Found: true, Location: root + "/store"})
}

func TestDryRunWritesNothing(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, root)
	cfg := siteConfig()
	cfg.DryRun = true
	_, rep, err := collect(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Count(Patched))
	assert.Equal(t, before, snapshot(t, root))
}

func TestRuntimeDependencies(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	for _, forLibs := range []bool{false, true} {
		cfg := siteConfig()
		cfg.DryRun = true
		cfg.RuntimeDependencies = []string{"/run/opengl-driver/lib"}
		cfg.RuntimeDependenciesForLibs = forLibs
		cfg.AppendRpaths = []string{"/extra"}
		events, _, err := collect(t, cfg)
		require.NoError(t, err)
		assert.Contains(t, events, SetRpath{File: "out/bin/prog", Rpath: "/run/opengl-driver/lib:" + root + "/out/lib:/extra"})
		libRpath := root + "/store/bar/lib:/extra"
		if forLibs {
			libRpath = "/run/opengl-driver/lib:" + libRpath
		}
		assert.Contains(t, events, SetRpath{File: "out/lib/libfoo.so", Rpath: libRpath}, "forLibs=%v", forLibs)
	}
}

func TestForceRpathWritesDTRpath(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	cfg := siteConfig()
	cfg.ForceRpath = true
	_, _, err := collect(t, cfg)
	require.NoError(t, err)
	data, err := os.ReadFile("out/lib/libfoo.so")
	require.NoError(t, err)
	f, err := elftest.Inspect(data)
	require.NoError(t, err)
	assert.Equal(t, root+"/store/bar/lib", f.RPath)
	assert.False(t, f.Has(stdelf.DT_RUNPATH))
}

func TestLeftoversAreRemoved(t *testing.T) {
	for _, ignoreExisting := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignore-existing=%v", ignoreExisting), func(t *testing.T) {
			root := realTemp(t)
			files := siteTree(t)
			files["out/lib/.libfoo.so.gopatchelf-123456"] = bin([]byte("half written"))
			files["store/bar/lib/.libbar.so.gopatchelf-1"] = bin([]byte("not ours to clean"))
			makeTree(t, root, files, sortedNames(files))
			inDir(t, root)
			cfg := siteConfig()
			cfg.IgnoreExisting = ignoreExisting
			var total int
			cfg.Progress = func(_, t int) { total = t }
			events, rep, err := collect(t, cfg)
			require.NoError(t, err)
			assert.Equal(t, []string{"out/lib/.libfoo.so.gopatchelf-123456"}, rep.Leftovers)
			assert.NoFileExists(t, "out/lib/.libfoo.so.gopatchelf-123456")
			assert.FileExists(t, "store/bar/lib/.libbar.so.gopatchelf-1", "only the trees being patched are cleaned")
			for _, e := range events {
				if s, ok := e.(Searching); ok {
					assert.False(t, atomicfile.IsTemp(filepath.Base(s.File)))
				}
			}
			assert.Equal(t, len(rep.Files), total, "the progress total of ELF files is known before the patch phase")
		})
	}
}

func TestDebugObjectsAreSkipped(t *testing.T) {
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("objcopy missing")
		}
		t.Skip("objcopy missing")
	}
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	// What separateDebugInfo makes: DWARF kept, code sections NOBITS. The
	// fixtures carry no DWARF, so give the copy a .debug_info first.
	require.NoError(t, os.WriteFile("dwarf.bin", []byte("not really DWARF"), 0o644))
	for _, args := range [][]string{
		{"--add-section", ".debug_info=dwarf.bin", "out/lib/libfoo.so", "with-dwarf.so"},
		{"--only-keep-debug", "with-dwarf.so", "out/lib/libfoo.so.debug"},
	} {
		out, err := exec.Command(objcopy, args...).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	data, err := os.ReadFile("out/lib/libfoo.so.debug")
	require.NoError(t, err)
	ef, err := elf.NewFile(bytesReader(data), int64(len(data)))
	require.NoError(t, err)
	require.True(t, ef.IsDebugObject())
	before := snapshot(t, root)

	events, rep, err := collect(t, siteConfig())
	require.NoError(t, err)
	want := SkipFile{File: "out/lib/libfoo.so.debug", Reason: "it looks like a separate debug object"}
	n := 0
	for _, e := range events {
		if e == Event(want) {
			n++
		}
	}
	assert.Equal(t, 1, n, "reported once, while indexing")
	assert.Equal(t, want, events[0])
	assert.Equal(t, before["out/lib/libfoo.so.debug"], snapshot(t, root)["out/lib/libfoo.so.debug"])
	for _, f := range rep.Files {
		if f.Path == "out/lib/libfoo.so.debug" {
			assert.Equal(t, Skipped, f.Outcome)
		}
	}
}

func TestCancelledRunStopsBeforeWriting(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	before := snapshot(t, root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := siteConfig()
	_, err := Run(ctx, cfg)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, snapshot(t, root))
}

func TestConfigValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"no paths":  {Config{Target: x64}, "No paths to patch, stopping."},
		"no target": {Config{Paths: []string{"."}}, "no target platform: set Config.Target"},
		"workers":   {Config{Paths: []string{"."}, Target: x64, Workers: -1}, "workers must not be negative, got -1"},
		"page size": {Config{Paths: []string{"."}, Target: x64, PageSize: 3000}, "page size 3000 is not a power of two"},
		"good":      {Config{Paths: []string{"."}, Target: x64, PageSize: 65536}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tc.want)
		})
	}
	_, err := Run(context.Background(), Config{Target: x64})
	assert.True(t, errors.Is(err, ErrNoPaths))
}

// The index follows the contract's rules: a symlink counts under its own
// name, in its own directory unless its target has the same name; the
// RUNPATH of an indexed library brings its directories in; a --libs entry
// may be a file.
func TestIndexRules(t *testing.T) {
	root := realTemp(t)
	withRunpath, changed, err := elf.Apply(fixture(t, "x86_64/transitive/libfoo.so"),
		elf.Edit{SetRunpath: true, Runpath: "$ORIGIN/nowhere:" + root + "/store/e/lib"})
	require.NoError(t, err)
	require.True(t, changed)
	files := map[string]file{
		"out/prog":                 bin(fixture(t, "x86_64/pie/prog")),             // libfoo.so
		"out/uses-bar.so":          bin(fixture(t, "x86_64/transitive/libfoo.so")), // libbar.so
		"real/libfoo.so.1.2":       bin(fixture(t, "x86_64/pie/libfoo.so")),
		"store/a/lib/libfoo.so":    symlink("../../../real/libfoo.so.1.2"),
		"store/c/lib/libbar.so":    bin(fixture(t, "x86_64/transitive/libbar.so")),
		"store/b/lib/libbar.so":    symlink("../../c/lib/libbar.so"),
		"store/d/lib/libdep.so":    bin(withRunpath),
		"store/e/lib/libbar.so":    bin(fixture(t, "x86_64/transitive/libbar.so")),
		"store/dangling/libfoo.so": symlink("nowhere.so"),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)

	run := func(libs ...string) []Event {
		events, _, err := collect(t, Config{Paths: []string{"out"}, Libs: libs, Target: x64, DryRun: true,
			IgnoreExisting: true, IgnoreMissing: []string{"libc.so.6"}})
		require.NoError(t, err)
		return events
	}
	events := run("store/dangling", "store/a/lib", "store/b/lib")
	assert.Contains(t, events, Dependency{File: "out/prog", Name: "libfoo.so", Found: true, Location: root + "/store/a/lib"},
		"a symlink to a differently named file counts in the symlink's directory")
	assert.Contains(t, events, Dependency{File: "out/uses-bar.so", Name: "libbar.so", Found: true, Location: root + "/store/c/lib"},
		"a symlink to a same-named file counts in the target's directory")

	events = run("store/d/lib/libdep.so", "store/a/lib")
	assert.Contains(t, events, Dependency{File: "out/uses-bar.so", Name: "libbar.so", Found: true, Location: root + "/store/e/lib"},
		"the RUNPATH of an indexed library is indexed too, $ORIGIN entries left out")
}

// lxml and xmlsec resolving libxml2 to different files is warned about:
// xmlsec would fail at import time.
func TestLibxmlMismatchIsWarned(t *testing.T) {
	root := realTemp(t)
	module := func(needed string) file {
		data, _, err := elf.Apply(fixture(t, "x86_64/transitive/libfoo.so"),
			elf.Edit{ReplaceNeeded: []elf.Replacement{{Old: "libbar.so", New: needed}}})
		require.NoError(t, err)
		return bin(data)
	}
	site := "out/lib/python3.14/site-packages/"
	files := map[string]file{
		site + "lxml/etree.cpython-314-x86_64-linux-gnu.so": module("libxml2.so.2"),
		site + "xmlsec.cpython-314-x86_64-linux-gnu.so":     module(root + "/store/xml-b/lib/libxml2.so.2"),
		"store/xml-a/lib/libxml2.so.2":                      bin(fixture(t, "x86_64/transitive/libbar.so")),
		"store/xml-b/lib/libxml2.so.2":                      bin(fixture(t, "x86_64/transitive/libbar.so")),
	}
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	logger, hook := logtest.NewNullLogger()
	_, rep, err := collect(t, Config{Paths: []string{"out"}, Libs: []string{"store/xml-a/lib"}, Target: x64,
		DryRun: true, IgnoreMissing: []string{"libc.so.6"}, Log: logger})
	require.NoError(t, err)
	require.Len(t, rep.Mismatches, 1)
	assert.Equal(t, "libxml2.so.2", rep.Mismatches[0].Soname)
	assert.Equal(t, root+"/store/xml-a/lib", rep.Mismatches[0].LXML.Dir)
	assert.Equal(t, root+"/store/xml-b/lib", rep.Mismatches[0].XMLSec.Dir)
	var warnings []string
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel {
			warnings = append(warnings, e.Message)
		}
	}
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "lxml and xmlsec load libxml2.so.2 from different places")
	assert.Contains(t, warnings[0], "link both against the same libxml2.so.2")
}

// TestResolutionCache: --resolution-cache writes the note for the RUNPATH
// written, in the same single write, and a second run leaves it alone.
func TestResolutionCache(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	cfg := siteConfig()
	cfg.ResolutionCache = true
	_, rep, err := collect(t, cfg)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Count(Patched))

	f, err := elf.Open("out/lib/libfoo.so")
	require.NoError(t, err)
	defer f.Close()
	entries, err := ldcache.Parse(f.ResolutionCache)
	require.NoError(t, err)
	assert.Equal(t, []ldcache.Entry{{Needed: "libbar.so", Paths: []ldcache.Path{{Exact: true, Value: root + "/store/bar/lib/libbar.so"}}}}, entries)

	_, rep2, err := collect(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, 0, rep2.Count(Patched), "the note is up to date")

	cfg.ForceRpath = true
	assert.Error(t, cfg.Validate())
}
