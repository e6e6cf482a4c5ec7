package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// scenario is one edit tried on every dynamically linked program fixture:
// the program and its libraries are patched, written to a temp dir, and RUN
// (natively or under qemu-user) with no LD_LIBRARY_PATH, so the loader finds
// libfoo only through what we wrote.
type scenario struct {
	name string
	// edit returns the edits for the program and for its libraries, given
	// the dir holding the libraries and a copy of the loader at a longer path.
	edit func(libdir, loader string) (prog, lib elf.Edit)
	// renameFoo stores libfoo.so as libfoo-renamed.so in libdir.
	renameFoo bool
	// inPlace expects the program not to grow.
	inPlace bool
	// only restricts the scenario to fixtures it applies to.
	only func(elftest.Fixture) bool
}

func runpath(dir string) elf.Edit { return elf.Edit{SetRunpath: true, Runpath: dir} }

var scenarios = []scenario{
	{
		name: "runpath and longer interpreter",
		edit: func(libdir, loader string) (elf.Edit, elf.Edit) {
			e := runpath(libdir)
			e.Interpreter = loader
			return e, runpath(libdir)
		},
	},
	{
		name: "forced rpath",
		edit: func(libdir, _ string) (elf.Edit, elf.Edit) {
			e := runpath(libdir)
			e.ForceRpath = true
			return e, e
		},
	},
	{
		name: "4 KiB runpath",
		edit: func(libdir, _ string) (elf.Edit, elf.Edit) {
			long := strings.Repeat("/nonexistent-dir", 256)[:4096-len(libdir)-1] + ":" + libdir
			return runpath(long), runpath(long)
		},
	},
	{
		name:      "replace needed",
		renameFoo: true,
		edit: func(libdir, _ string) (elf.Edit, elf.Edit) {
			e := runpath(libdir)
			e.ReplaceNeeded = []elf.Replacement{{Old: "libfoo.so", New: "libfoo-renamed.so"}}
			return e, runpath(libdir)
		},
	},
	{
		name: "remove and add needed",
		edit: func(libdir, _ string) (elf.Edit, elf.Edit) {
			e := runpath(libdir)
			e.RemoveNeeded = []string{"libfoo.so"}
			e.AddNeeded = []string{"libfoo.so"}
			return e, runpath(libdir)
		},
	},
	{
		// A short path fits where "/nonexistent/fixture-lib" was.
		name:    "shrink in place",
		inPlace: true,
		only: func(f elftest.Fixture) bool {
			return (f.RunPath != "" || f.RPath != "") && f.Arch.Name != "none"
		},
		edit: func(libdir, _ string) (elf.Edit, elf.Edit) {
			return runpath(libdir), runpath(libdir)
		},
	},
}

// shortDir makes a directory whose path is shorter than the fixtures'
// dummy search path, for edits that must fit in place.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "l")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestPatchAndRun(t *testing.T) {
	all := elftest.Fixtures(t)
	progs := elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && len(f.Deps) > 0 && f.Payload == 0
	})
	require.NotEmpty(t, progs)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, fx := range progs {
				if sc.only != nil && !sc.only(fx) {
					continue
				}
				t.Run(fx.ID(), func(t *testing.T) {
					runScenario(t, all, fx, sc)
				})
			}
		})
	}
}

func runScenario(t *testing.T, all []elftest.Fixture, fx elftest.Fixture, sc scenario) {
	runner := elftest.NewRunner(t, fx.Arch)
	dir := t.TempDir()
	libdir := filepath.Join(dir, "only-here", "lib")
	if sc.inPlace {
		libdir = shortDir(t)
		require.Less(t, len(libdir), len(fx.RunPath+fx.RPath))
	}
	require.NoError(t, os.MkdirAll(libdir, 0o755))
	loader := elftest.CopyLoader(t, fx.Arch, len(fx.Interp)+40)
	progEdit, libEdit := sc.edit(libdir, loader)

	for _, name := range fx.Deps {
		lib := fx.Sibling(t, all, name)
		out := applyChecked(t, lib.Bytes(t), libEdit, filepath.Join(dir, "in-"+name))
		target := name
		if sc.renameFoo && name == "libfoo.so" {
			target = "libfoo-renamed.so"
		}
		require.NoError(t, os.WriteFile(filepath.Join(libdir, target), out, 0o755))
	}
	orig := fx.Bytes(t)
	out := applyChecked(t, orig, progEdit, filepath.Join(dir, "in-prog"))
	if sc.inPlace {
		assert.Equal(t, len(orig), len(out), "edit should fit in place")
	}
	assertLayoutKept(t, orig, out, 0)
	prog := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(prog, out, 0o755))

	got := parse(t, out)
	if progEdit.Interpreter != "" {
		assert.Equal(t, progEdit.Interpreter, got.Interpreter)
	}
	if progEdit.ForceRpath {
		assert.Equal(t, progEdit.Runpath, got.Rpath)
		assert.False(t, got.HasRunpath)
	} else {
		assert.Equal(t, progEdit.Runpath, got.Runpath)
		assert.False(t, got.HasRpath)
	}
	if fx.SectionHeaders { // patchelf refuses files without them
		if rp, err := elftest.PatchelfPrint(t, prog, "--print-rpath"); assert.NoError(t, err) {
			assert.Equal(t, progEdit.Runpath, rp)
		}
	}

	res := runner.Run(t, nil, prog)
	assert.Equal(t, 0, res.ExitCode, "%s", res)
	assert.Equal(t, fx.Output, res.Stdout)
}

// applyChecked applies e, checks the result with the structural validator,
// readelf and eu-elflint (no complaint the input did not have), and checks
// that the same edit again changes nothing.
func applyChecked(t *testing.T, data []byte, e elf.Edit, scratch string) []byte {
	t.Helper()
	out, changed, err := elf.Apply(data, e)
	require.NoError(t, err)
	require.True(t, changed)
	elftest.AssertValid(t, out)
	same, _, err := elf.Apply(data, e)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(out, same), "the same edit gave different bytes")

	require.NoError(t, os.WriteFile(scratch, data, 0o644))
	require.NoError(t, os.WriteFile(scratch+".out", out, 0o644))
	assert.Empty(t, knownComplaints(elftest.NewComplaints(elftest.Complaints(t, scratch), elftest.Complaints(t, scratch+".out"))))

	again, changed, err := elf.Apply(out, e)
	require.NoError(t, err)
	assert.False(t, changed, "second application changed the file")
	assert.True(t, bytes.Equal(out, again))
	return out
}

// TestNoChange checks that edits that ask for what is already there leave
// every byte alone, on every fixture.
func TestNoChange(t *testing.T) {
	for _, fx := range elftest.Fixtures(t) {
		data := fx.Bytes(t)
		f := parse(t, data)
		edits := []elf.Edit{{}}
		if f.HasInterpreter {
			edits = append(edits, elf.Edit{Interpreter: f.Interpreter})
		}
		if f.HasRunpath {
			edits = append(edits, runpath(f.Runpath))
		}
		if f.HasRpath && !f.HasRunpath {
			edits = append(edits, elf.Edit{SetRunpath: true, Runpath: f.Rpath, ForceRpath: true})
		}
		if f.HasSoname {
			edits = append(edits, elf.Edit{Soname: f.Soname})
		}
		if len(f.Needed) > 0 {
			edits = append(edits, elf.Edit{AddNeeded: f.Needed[:1]})
		}
		for _, e := range edits {
			p, err := f.Plan(e)
			require.NoError(t, err, "%s %+v", fx.ID(), e)
			assert.True(t, p.IsEmpty(), "%s %+v", fx.ID(), e)
		}
	}
}

// TestRefusals: what cannot be rewritten safely is refused with ErrUnsafe.
func TestRefusals(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, fx := range all {
		data := fx.Bytes(t)
		var e elf.Edit
		switch {
		case fx.Kind == elftest.StaticProgram:
			e = elf.Edit{Interpreter: "/lib/ld-linux.so.2"}
		case fx.Kind == elftest.Library:
			e = elf.Edit{Interpreter: "/lib/ld-linux.so.2"}
		default:
			continue
		}
		t.Run(fx.ID(), func(t *testing.T) {
			_, _, err := elf.Apply(data, e)
			assert.ErrorIs(t, err, elf.ErrUnsafe)
		})
	}
	t.Run("object file", func(t *testing.T) {
		fx := elftest.Select(all, func(f elftest.Fixture) bool { return f.Kind == elftest.Object })
		require.NotEmpty(t, fx)
		_, _, err := elf.Apply(fx[0].Bytes(t), runpath("/x"))
		assert.ErrorIs(t, err, elf.ErrUnsafe)
	})
}

// TestSonameAndOSABI covers the header and soname edits on libraries.
func TestSonameAndOSABI(t *testing.T) {
	for _, fx := range elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
		return f.Kind == elftest.Library && f.Name == "libfoo.so" && f.Payload == 0
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			data := fx.Bytes(t)
			e := elf.Edit{Soname: "libfoo-with-a-much-longer-soname.so.42", SetOSABI: true, OSABI: stdelf.ELFOSABI_LINUX, NoDefaultLib: true}
			out := applyChecked(t, data, e, filepath.Join(t.TempDir(), "lib"))
			got := parse(t, out)
			assert.Equal(t, e.Soname, got.Soname)
			assert.Equal(t, stdelf.ELFOSABI_LINUX, got.OSABI)
			v, ok := got.DynValue(stdelf.DT_FLAGS_1)
			assert.True(t, ok)
			assert.NotZero(t, v&uint64(stdelf.DF_1_NODEFLIB))
			orig := parse(t, data)
			assert.Equal(t, orig.Needed, got.Needed)
			assert.Equal(t, orig.Runpath, got.Runpath)
			assert.Equal(t, orig.Rpath, got.Rpath)
		})
	}
}

// knownComplaints drops what eu-elflint says of every file with a NixOS
// resolution-cache note (it knows no note type of that owner), and the exit
// status when nothing else is left.
func knownComplaints(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, "with owner name 'NixOS'") {
			out = append(out, l)
		}
	}
	if len(out) == 1 && strings.HasPrefix(out[0], "eu-elflint: exit status") && len(lines) > 1 {
		return nil
	}
	return out
}

// TestRepeatedEditsReuseSegment: a second edit that needs room grows the
// segment the first one appended instead of adding another.
func TestRepeatedEditsReuseSegment(t *testing.T) {
	loads := func(f *elf.File) int {
		n := 0
		for _, p := range f.Progs {
			if p.Type == stdelf.PT_LOAD {
				n++
			}
		}
		return n
	}
	for _, fx := range elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && f.Variant == "pie"
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			data := fx.Bytes(t)
			orig := parse(t, data)
			dir := t.TempDir()
			once := applyChecked(t, data, runpath(strings.Repeat("/a", 50)), filepath.Join(dir, "1"))
			twice := applyChecked(t, once, runpath(strings.Repeat("/b", 300)), filepath.Join(dir, "2"))
			got := parse(t, twice)
			assert.Equal(t, loads(orig)+1, loads(parse(t, once)))
			assert.Equal(t, loads(orig)+1, loads(got))
			assert.Equal(t, strings.Repeat("/b", 300), got.Runpath)
		})
	}
}

// TestExecstackWithoutGnuStack: a file without PT_GNU_STACK gets one
// (patchelf's behaviour), which needs a bigger program header table.
func TestExecstackWithoutGnuStack(t *testing.T) {
	all := elftest.Fixtures(t)
	var tried int
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && len(f.Deps) > 0 && f.Payload == 0 && f.Variant == "pie"
	}) {
		data := fx.Bytes(t)
		orig := parse(t, data)
		if slices.ContainsFunc(orig.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_GNU_STACK }) {
			continue
		}
		tried++
		t.Run(fx.ID(), func(t *testing.T) {
			for _, e := range []elf.Edit{{SetExecstack: true}, {ClearExecstack: true}} {
				dir := t.TempDir()
				out := applyChecked(t, data, e, filepath.Join(dir, "in"))
				got := parse(t, out)
				i := slices.IndexFunc(got.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_GNU_STACK })
				require.GreaterOrEqual(t, i, 0)
				assert.Equal(t, e.SetExecstack, got.Progs[i].Flags&stdelf.PF_X != 0)
				libdir := filepath.Join(dir, "lib")
				require.NoError(t, os.Mkdir(libdir, 0o755))
				fx.CopyDeps(t, all, libdir)
				out, _, err := elf.Apply(out, runpath(libdir))
				require.NoError(t, err)
				prog := filepath.Join(dir, "prog")
				require.NoError(t, os.WriteFile(prog, out, 0o755))
				assert.Equal(t, fx.Output, elftest.NewRunner(t, fx.Arch).RunOK(t, nil, prog))
			}
		})
	}
	require.NotZero(t, tried, "no fixture lacks PT_GNU_STACK any more; keep one that does")
}

// TestZeroPaddingIsNotAPayload: auditwheel-repaired libraries end with a
// stray NUL; that is padding, and the library is patched.
func TestZeroPaddingIsNotAPayload(t *testing.T) {
	fx := elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
		return f.Arch.Name == "x86_64" && f.Variant == "pie" && f.Name == "libfoo.so"
	})
	require.Len(t, fx, 1)
	long := runpath(strings.Repeat("/long", 40))
	padded := append(fx[0].Bytes(t), 0)
	out := applyChecked(t, padded, long, filepath.Join(t.TempDir(), "lib"))
	assert.Equal(t, long.Runpath, parse(t, out).Runpath)

	f := parse(t, padded)
	p, err := f.Plan(long)
	require.NoError(t, err)
	assert.Zero(t, p.TrailingData, "zero padding is not reported as a payload")

	payload := append(fx[0].Bytes(t), 0, 'x')
	p, err = parse(t, payload).Plan(long)
	require.NoError(t, err)
	assert.Equal(t, int64(2), p.TrailingData)
	out = p.Bytes(payload)
	assert.Equal(t, []byte{0, 'x'}, out[len(out)-2:])
}

// TestStaticPIERefusesRunpath: glibc's static-pie start-up asserts there is
// no run path; writing one would crash the program.
func TestStaticPIERefusesRunpath(t *testing.T) {
	for _, fx := range elftest.Select(elftest.Fixtures(t), func(f elftest.Fixture) bool {
		return f.Kind == elftest.StaticProgram && f.PIE
	}) {
		for _, e := range []elf.Edit{runpath(""), runpath("/x/y"), {AddNeeded: []string{"libz.so.1"}}} {
			_, _, err := elf.Apply(fx.Bytes(t), e)
			assert.ErrorIs(t, err, elf.ErrUnsafe, "%s %+v", fx.ID(), e)
		}
	}
}

// TestRepeatedTagReadsAsTheLoaderDoes: with two DT_RUNPATH entries glibc
// uses the last; so does the reader.
func TestRepeatedTagReadsAsTheLoaderDoes(t *testing.T) {
	data := elftest.FixtureBytes(t, "x86_64/runpath/prog")
	f := parse(t, data)
	var debugAt, neededVal = -1, uint64(0)
	for i, d := range f.Dynamic {
		if d.Tag == stdelf.DT_DEBUG {
			debugAt = i
		}
		if d.Tag == stdelf.DT_NEEDED && neededVal == 0 {
			neededVal = d.Val
		}
	}
	require.GreaterOrEqual(t, debugAt, 0)
	dyn := f.Progs[slices.IndexFunc(f.Progs, func(p stdelf.ProgHeader) bool { return p.Type == stdelf.PT_DYNAMIC })]
	off := dyn.Off + uint64(debugAt)*16
	bo := f.ByteOrder
	bo.PutUint64(data[off:], uint64(stdelf.DT_RUNPATH))
	bo.PutUint64(data[off+8:], neededVal)
	g := parse(t, data)
	assert.Equal(t, g.Needed[0], g.Runpath)
}

// TestRemoveRunpath drops DT_RUNPATH and DT_RPATH in place; the program
// then finds libfoo only through LD_LIBRARY_PATH.
func TestRemoveRunpath(t *testing.T) {
	all := elftest.Fixtures(t)
	for _, fx := range elftest.Select(all, func(f elftest.Fixture) bool {
		return f.Kind == elftest.Program && (f.RunPath != "" || f.RPath != "") && f.Payload == 0
	}) {
		t.Run(fx.ID(), func(t *testing.T) {
			dir := t.TempDir()
			data := fx.Bytes(t)
			out := applyChecked(t, data, elf.Edit{RemoveRunpath: true}, filepath.Join(dir, "in"))
			assert.Equal(t, len(data), len(out), "removal happens in place")
			got := parse(t, out)
			assert.False(t, got.HasRunpath)
			assert.False(t, got.HasRpath)
			assert.NotContains(t, string(out), "/nonexistent/fixture-lib", "the freed string is overwritten")
			prog := filepath.Join(dir, "prog")
			require.NoError(t, os.WriteFile(prog, out, 0o755))
			libdir := filepath.Join(dir, "lib")
			require.NoError(t, os.Mkdir(libdir, 0o755))
			fx.CopyDeps(t, all, libdir)
			runner := elftest.NewRunner(t, fx.Arch)
			assert.NotEqual(t, 0, runner.Run(t, nil, prog).ExitCode)
			assert.Equal(t, fx.Output, runner.RunOK(t, []string{"LD_LIBRARY_PATH=" + libdir}, prog))
		})
	}
}
