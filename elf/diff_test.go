package elf_test

// Differential tests against Debian's patchelf (0.14.x), the tool gopatchelf
// replaces: what we read must be what it prints, and a file we rewrite must
// print and run like the file it rewrites.
//
// What patchelf 0.14.3 prints (src/patchelf.cc, NixOS/patchelf):
//
//   - It refuses every operation on a file that is not ET_EXEC or ET_DYN
//     ("wrong ELF type") or has no section headers.
//   - --print-interpreter prints the .interp section up to its first NUL and
//     fails without one.
//   - --print-rpath prints DT_RUNPATH if the file has one, else DT_RPATH,
//     else an empty line; it fails without a .dynamic section.
//   - --print-needed prints each DT_NEEDED on its own line (nothing at all
//     when there is none); it fails without .dynamic.
//   - --print-soname prints nothing for files that are not ET_DYN, and for
//     ET_DYN prints DT_SONAME, or nothing when it is absent or empty; it
//     fails for an ET_DYN file without .dynamic.
//
// patchelf finds .dynamic and .dynstr through the section headers, we find
// them through PT_DYNAMIC and DT_STRTAB, so agreeing here also shows that
// the two views of a file agree — before and after a rewrite.

import (
	stdelf "debug/elf"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

var printOps = []string{"--print-interpreter", "--print-rpath", "--print-needed", "--print-soname"}

// printed is patchelf's answer to one print operation: its output, or
// Refused when it exited non-zero.
type printed struct {
	Out     string
	Refused bool
}

// patchelfRefuses says why patchelf 0.14.3 rejects f as a whole, or "".
func patchelfRefuses(f *elf.File) string {
	switch {
	case f.Type != stdelf.ET_EXEC && f.Type != stdelf.ET_DYN:
		return "wrong ELF type " + f.Type.String()
	case f.ShNum == 0:
		return "no section headers"
	}
	return ""
}

// isNobits reports whether f's section called name holds no bytes, as in
// separate debug files (objcopy --only-keep-debug).
func isNobits(f *elf.File, name string) bool {
	for _, s := range f.Sections {
		if s.Name == name {
			return s.Type == stdelf.SHT_NOBITS
		}
	}
	return false
}

// expectPrint is what patchelf should print for op, derived from our reading
// of the file and patchelf's semantics described at the top of this file.
// ok is false when patchelf's answer means nothing: of the sections it
// reads, only .dynamic's type is checked, and only by --print-rpath (which
// then prints nothing); on an SHT_NOBITS .interp or .dynamic the other
// operations read whatever lies at its sh_offset and print garbage or crash.
func expectPrint(f *elf.File, op string) (want printed, ok bool) {
	if patchelfRefuses(f) != "" {
		return printed{Refused: true}, true
	}
	switch {
	case op == "--print-interpreter" && isNobits(f, ".interp"):
		return printed{}, false
	case op != "--print-interpreter" && isNobits(f, ".dynamic"):
		return printed{}, op == "--print-rpath"
	}
	switch op {
	case "--print-interpreter":
		return printed{Out: f.Interpreter, Refused: !f.HasInterpreter}, true
	case "--print-rpath":
		return printed{Out: f.SearchPath(), Refused: !f.IsDynamic()}, true
	case "--print-needed":
		return printed{Out: strings.Join(f.Needed, "\n"), Refused: !f.IsDynamic()}, true
	case "--print-soname":
		if f.Type != stdelf.ET_DYN {
			return printed{}, true
		}
		return printed{Out: f.Soname, Refused: !f.IsDynamic()}, true
	}
	panic("unknown print operation " + op)
}

// patchelfPrints runs every print operation of patchelf on path.
func patchelfPrints(t *testing.T, path string) map[string]printed {
	t.Helper()
	got := map[string]printed{}
	for _, op := range printOps {
		out, err := elftest.PatchelfPrint(t, path, op)
		got[op] = printed{Out: out}
		if err != nil {
			got[op] = printed{Refused: true}
			t.Logf("%v", err) // the reason, for a failure message
		}
	}
	return got
}

// assertSamePrints compares patchelf's answers on path with what our
// reading of the same file predicts, refusals included.
func assertSamePrints(t *testing.T, path string, f *elf.File) {
	t.Helper()
	got := patchelfPrints(t, path)
	for _, op := range printOps {
		if want, ok := expectPrint(f, op); ok {
			assert.Equal(t, want, got[op], "%s %s", op, path)
		}
	}
}

func TestDiffReadFixtures(t *testing.T) {
	elftest.LookPath(t, "patchelf")
	for _, fx := range elftest.Fixtures(t) {
		if !fx.SectionHeaders {
			continue // patchelf refuses them; TestReadFixtures covers them
		}
		t.Run(fx.ID(), func(t *testing.T) {
			t.Parallel()
			path := fx.CopyTo(t, t.TempDir())
			assertSamePrints(t, path, parse(t, fx.Bytes(t)))
		})
	}
}

// systemDiffLimitEnv names an environment variable bounding how many ELF
// files of the test machine TestDiffReadSystem compares: a number, or "all".
const systemDiffLimitEnv = "GOPATCHELF_DIFF_LIMIT"

// systemDiffLimit keeps the test well under a minute on a two-core machine.
const systemDiffLimit = 400

// systemELFFiles lists the regular files under roots that start with the
// ELF magic, in sorted order, then keeps limit of them spread evenly over
// the list, so that every part of the tree (/usr/bin, /usr/lib/x86_64-…,
// /usr/lib/python3, …) is sampled the same way on every run.
func systemELFFiles(t *testing.T, limit int, roots ...string) []string {
	t.Helper()
	var all []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrPermission) {
					return nil
				}
				return err
			}
			if d.Type().IsRegular() && hasELFMagic(path) {
				all = append(all, path)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
	}
	if limit <= 0 || len(all) <= limit {
		return all
	}
	picked := make([]string, limit)
	for i := range picked {
		picked[i] = all[i*len(all)/limit]
	}
	return picked
}

func hasELFMagic(path string) bool {
	fd, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fd.Close()
	var magic [4]byte
	_, err = io.ReadFull(fd, magic[:])
	return err == nil && string(magic[:]) == stdelf.ELFMAG
}

// systemSample returns the ELF files under /usr/bin and /usr/lib that a
// system test compares: def of them, or what GOPATCHELF_DIFF_LIMIT says
// (a number for TestDiffReadSystem, a quarter of it for the write test;
// "all" for every file).
func systemSample(t *testing.T, def, divisor int) []string {
	t.Helper()
	elftest.LookPath(t, "patchelf")
	limit := def
	if v := os.Getenv(systemDiffLimitEnv); v == "all" {
		limit = 0
	} else if v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "%s=%q", systemDiffLimitEnv, v)
		limit = max(n/divisor, 1)
	}
	files := systemELFFiles(t, limit, "/usr/bin", "/usr/lib")
	if len(files) == 0 {
		elftest.Unavailable(t, "no ELF files under /usr/bin and /usr/lib")
	}
	return files
}

// TestDiffReadSystem compares our reading of the test machine's own ELF
// files with patchelf's. Set GOPATCHELF_DIFF_LIMIT=all to compare all of
// them instead of an even sample.
func TestDiffReadSystem(t *testing.T) {
	files := systemSample(t, systemDiffLimit, 1)
	t.Logf("comparing %d ELF files", len(files))
	for _, path := range files {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			t.Parallel()
			f, err := elf.Open(path)
			if errors.Is(err, fs.ErrPermission) {
				t.Skip(err)
			}
			if err != nil {
				// We refuse the file: patchelf must not make sense of it either.
				got := patchelfPrints(t, path)
				for _, op := range printOps {
					assert.True(t, got[op].Refused, "we refuse %s (%v) but patchelf %s prints %q", path, err, op, got[op].Out)
				}
				return
			}
			defer f.Close()
			if why := patchelfRefuses(f); why != "" {
				// Only check that patchelf does refuse, as predicted.
				got, err := elftest.PatchelfPrint(t, path, "--print-needed")
				assert.Error(t, err, "patchelf should refuse %s (%s) but prints %q", path, why, got)
				return
			}
			assertSamePrints(t, path, f)
		})
	}
}

// TestDiffSetRpathSystem sets a RUNPATH on a sample of the machine's own
// ELF files (a quarter as many as TestDiffReadSystem reads) in memory: the
// result must pass the structural checks the input passes, and print
// through patchelf the new search path and otherwise what the input
// printed. Files we refuse (ErrUnsafe) are skipped with the reason.
func TestDiffSetRpathSystem(t *testing.T) {
	files := systemSample(t, systemDiffLimit/4, 4)
	x := "/nix/store/0c6f5cl6xbbc9s5rp1a1w3jl5vb8m4f9-openssl-3.3.2/lib"
	for _, path := range files {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			t.Parallel()
			f, err := elf.Open(path)
			if err != nil {
				t.Skip(err) // TestDiffReadSystem compares these
			}
			ok := patchelfRefuses(f) == "" && f.IsDynamic() && !f.IsDebugObject()
			f.Close()
			if !ok {
				t.Skip("not a dynamically linked executable or library patchelf accepts")
			}
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			out, changed, err := elf.Apply(data, elf.Edit{SetRunpath: true, Runpath: x})
			if errors.Is(err, elf.ErrUnsafe) {
				t.Skipf("refused: %v", err)
			}
			require.NoError(t, err)
			require.True(t, changed)
			// Compared as NewComplaints does, numbers masked: an input whose
			// PT_INTERP follows a PT_LOAD (an old patchelf did that) keeps
			// the complaint with a different phdr index.
			assert.Empty(t, elftest.NewComplaints(errorStrings(elftest.Validate(data)), errorStrings(elftest.Validate(out))))

			dst := filepath.Join(t.TempDir(), filepath.Base(path))
			require.NoError(t, os.WriteFile(dst, out, 0o755))
			want := patchelfPrints(t, path)
			want["--print-rpath"] = printed{Out: x}
			assert.Equal(t, want, patchelfPrints(t, dst))
			assertSamePrints(t, dst, parse(t, out))
		})
	}
}

func errorStrings(errs []error) []string {
	out := make([]string, len(errs))
	for i, err := range errs {
		out[i] = err.Error()
	}
	return out
}

// setRpathModes are patchelf's two ways of setting the search path, with
// the Edit that means the same.
var setRpathModes = []struct {
	name  string
	args  []string // patchelf's options besides --set-rpath X
	force bool     // Edit.ForceRpath
}{
	{"set-rpath", nil, false},                        // DT_RUNPATH, converting DT_RPATH
	{"force-rpath", []string{"--force-rpath"}, true}, // DT_RPATH, converting DT_RUNPATH
}

// TestDiffSetRpath is the differential write check: patchelf --set-rpath X
// and our Edit{SetRunpath: true, Runpath: X} (and both with force-rpath)
// are applied to the same fixture files (a program and the libraries it
// needs); both outputs must print the same through patchelf, hold the same
// tag, and both programs must run, finding their libraries only through X.
func TestDiffSetRpath(t *testing.T) {
	patchelf := elftest.LookPath(t, "patchelf")
	all := elftest.Fixtures(t)
	progs := elftest.Select(all, func(f elftest.Fixture) bool {
		// Payload programs are left out: they read their own tail, which
		// neither writer keeps at the end of the file (we refuse them).
		// So is static-pie: glibc's self-relocation asserts that it has
		// neither DT_RUNPATH nor DT_RPATH (elf/get-dynamic-info.h), so
		// both writers' outputs crash; it should be refused instead.
		return f.Runnable() && f.SectionHeaders && f.Payload == 0 && f.Variant != "static-pie"
	})
	require.NotEmpty(t, progs)
	for _, mode := range setRpathModes {
		t.Run(mode.name, func(t *testing.T) {
			for _, fx := range progs {
				t.Run(fx.Arch.Name+"/"+fx.Variant, func(t *testing.T) {
					t.Parallel()
					diffSetRpath(t, patchelf, mode.args, mode.force, all, fx)
				})
			}
		})
	}
}

func diffSetRpath(t *testing.T, patchelf string, args []string, force bool, all []elftest.Fixture, prog elftest.Fixture) {
	runner := elftest.NewRunner(t, prog.Arch)
	dir := t.TempDir()
	// X is where the libraries are, and the only place they are; each
	// writer's libraries are put there in turn before its program runs.
	x := filepath.Join(dir, "only-here", "lib")
	require.NoError(t, os.MkdirAll(x, 0o755))
	files := append([]elftest.Fixture{prog}, depsOf(t, all, prog)...)

	outputs := map[string]map[string]string{} // writer → file name → path of its output
	for _, w := range []string{"patchelf", "gopatchelf"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, w), 0o755))
		outputs[w] = map[string]string{}
	}
	in := filepath.Join(dir, "in")
	require.NoError(t, os.MkdirAll(in, 0o755))
	for _, fx := range files {
		src := fx.CopyTo(t, in)
		pOut := filepath.Join(dir, "patchelf", fx.Name)
		cmd := exec.Command(patchelf, slices.Concat(args, []string{"--set-rpath", x, "--output", pOut, src})...)
		peOut, peErr := cmd.CombinedOutput()

		gOut := filepath.Join(dir, "gopatchelf", fx.Name)
		data, _, goErr := elf.Apply(fx.Bytes(t), elf.Edit{SetRunpath: true, Runpath: x, ForceRpath: force})
		if goErr == nil {
			require.NoError(t, os.WriteFile(gOut, data, 0o755))
		}

		// Refusals must agree (a static program has no .dynamic to edit).
		require.Equal(t, peErr != nil, goErr != nil, "%s: patchelf: %v %s; gopatchelf: %v", fx.ID(), peErr, peOut, goErr)
		if goErr != nil {
			assert.ErrorIs(t, goErr, elf.ErrUnsafe)
			continue
		}
		outputs["patchelf"][fx.Name], outputs["gopatchelf"][fx.Name] = pOut, gOut

		want := patchelfPrints(t, pOut)
		got := patchelfPrints(t, gOut)
		assert.Equal(t, want, got, "%s: patchelf's and our output print differently", fx.ID())
		assert.Equal(t, printed{Out: x}, got["--print-rpath"], fx.ID())
		// Both wrote the same tag: DT_RPATH when forced, else DT_RUNPATH.
		ours, theirs := parse(t, data), openELF(t, pOut)
		assert.Equal(t, []bool{!force, force}, []bool{theirs.HasRunpath, theirs.HasRpath}, "%s: patchelf's tags", fx.ID())
		assert.Equal(t, []bool{!force, force}, []bool{ours.HasRunpath, ours.HasRpath}, "%s: our tags", fx.ID())
		// And our reader agrees with patchelf about our own output.
		assertSamePrints(t, gOut, ours)
	}
	if len(outputs["gopatchelf"]) == 0 {
		return // both refused the program
	}
	for _, w := range []string{"patchelf", "gopatchelf"} {
		for _, fx := range files[1:] {
			b, err := os.ReadFile(outputs[w][fx.Name])
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(x, fx.Name), b, 0o755))
		}
		res := runner.Run(t, nil, outputs[w][prog.Name])
		assert.Equal(t, 0, res.ExitCode, "%s written by %s: %s", prog.ID(), w, res)
		assert.Equal(t, prog.Output, res.Stdout, "%s written by %s", prog.ID(), w)
	}
}

func openELF(t *testing.T, path string) *elf.File {
	t.Helper()
	f, err := elf.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// depsOf returns the library fixtures prog needs at run time.
func depsOf(t *testing.T, all []elftest.Fixture, prog elftest.Fixture) []elftest.Fixture {
	var deps []elftest.Fixture
	for _, name := range prog.Deps {
		deps = append(deps, prog.Sibling(t, all, name))
	}
	return deps
}
