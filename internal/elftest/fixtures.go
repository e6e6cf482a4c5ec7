package elftest

import (
	"bytes"
	"compress/gzip"
	stdelf "debug/elf"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Kind says what a fixture file is.
type Kind int

const (
	// Library is a shared object (libfoo.so, libbar.so).
	Library Kind = iota
	// Program is a dynamically linked executable, PIE or not.
	Program
	// StaticProgram is an executable without PT_INTERP: static or static-pie.
	StaticProgram
	// Object is a relocatable object (.o).
	Object
)

func (k Kind) String() string {
	switch k {
	case Library:
		return "library"
	case Program:
		return "program"
	case StaticProgram:
		return "static program"
	case Object:
		return "object"
	}
	return "Kind(?)"
}

// Fixture is one committed test file and what is known about it. The facts
// come from how fixtures/build.sh made it, not from reading the file, so
// tests can compare a reader's answers with them.
type Fixture struct {
	Arch    Arch
	Variant string // directory under fixtures/testdata/<arch>/, see [Variants]
	Name    string // file name: "libfoo.so", "libbar.so", "prog", "foo.o"
	// Path is the committed file, which ends in ".gz" when it is stored
	// gzipped; use [Fixture.Bytes] or [Fixture.CopyTo] to read it.
	Path string

	Kind  Kind
	Type  stdelf.Type
	Flags uint32 // e_flags
	// PIE is true for position-independent executables (DT_FLAGS_1 has
	// DF_1_PIE), static-pie included.
	PIE     bool
	Interp  string   // PT_INTERP, "" when there is none
	Needed  []string // DT_NEEDED, in order
	Soname  string   // DT_SONAME
	RPath   string   // DT_RPATH
	RunPath string   // DT_RUNPATH
	// GNUHash and SysVHash say whether DT_GNU_HASH and DT_HASH exist.
	GNUHash, SysVHash bool
	SectionHeaders    bool   // has a section header table
	Symtab            bool   // has .symtab (not stripped)
	PageSize          uint64 // p_align of the PT_LOAD segments; 0 for objects
	// Payload is the number of bytes appended after everything the ELF
	// headers describe (a self-extracting archive's data).
	Payload int

	// Deps are the files of the same variant the program or library needs
	// at run time, found nowhere else: put them in one directory and point
	// RUNPATH (or LD_LIBRARY_PATH) at it.
	Deps []string
	// Output is what a program prints on stdout, exiting with 0, when its
	// Deps are found; "" for libraries and objects.
	Output string
}

// ID names the fixture in test names and messages: "aarch64/nopie/prog".
func (f Fixture) ID() string { return f.Arch.Name + "/" + f.Variant + "/" + f.Name }

// Runnable reports whether the fixture is a program that prints Output.
func (f Fixture) Runnable() bool { return f.Kind == Program || f.Kind == StaticProgram }

// Bytes returns the fixture's contents, unpacked if it is stored gzipped.
func (f Fixture) Bytes(tb testing.TB) []byte {
	tb.Helper()
	data, err := readFixture(f.Path)
	if err != nil {
		tb.Fatalf("fixture %s: %v", f.ID(), err)
	}
	return data
}

// CopyTo writes the fixture's contents to dir/Name, executable unless it is
// an object file, and returns that path.
func (f Fixture) CopyTo(tb testing.TB, dir string) string {
	tb.Helper()
	mode := os.FileMode(0o755)
	if f.Kind == Object {
		mode = 0o644
	}
	path := filepath.Join(dir, f.Name)
	if err := os.WriteFile(path, f.Bytes(tb), mode); err != nil {
		tb.Fatalf("fixture %s: %v", f.ID(), err)
	}
	return path
}

// CopyDeps writes the fixture's Deps into dir (which must exist) and returns
// dir, ready to be named in RUNPATH or LD_LIBRARY_PATH.
func (f Fixture) CopyDeps(tb testing.TB, all []Fixture, dir string) string {
	tb.Helper()
	for _, name := range f.Deps {
		f.Sibling(tb, all, name).CopyTo(tb, dir)
	}
	return dir
}

// Sibling returns the fixture called name in the same arch and variant.
func (f Fixture) Sibling(tb testing.TB, all []Fixture, name string) Fixture {
	tb.Helper()
	for _, g := range all {
		if g.Arch.Name == f.Arch.Name && g.Variant == f.Variant && g.Name == name {
			return g
		}
	}
	tb.Fatalf("fixture %s: no sibling %q", f.ID(), name)
	return Fixture{}
}

func readFixture(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(path, ".gz") {
		return data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Variant is one way of building libfoo.so and prog, the same on every arch.
type Variant struct {
	Name string
	How  string // what build.sh does differently, for README and messages
}

// DummyPath is the RPATH/RUNPATH of the "rpath" and "runpath" variants: a
// directory that exists nowhere, so only a patched file finds libfoo.so.
const DummyPath = "/nonexistent/fixture-lib"

var variants = []Variant{
	{"pie", "the toolchain's defaults, spelled out: -fPIE -pie (prog), -fPIC -shared (libfoo)"},
	{"nopie", "prog with -fno-PIE -no-pie (ET_EXEC at a fixed address)"},
	{"nopie-noseparate-code", "-no-pie and -z noseparate-code: headers, text and rodata in one R+X segment"},
	{"separate-code", "-z separate-code (code in its own page-aligned PT_LOAD; the x86 default)"},
	{"noseparate-code", "-z noseparate-code"},
	{"norelro", "-z norelro (no PT_GNU_RELRO)"},
	{"rpath", "--disable-new-dtags -rpath " + DummyPath + " (DT_RPATH)"},
	{"runpath", "--enable-new-dtags -rpath " + DummyPath + " (DT_RUNPATH)"},
	{"hash-gnu", "--hash-style=gnu (DT_GNU_HASH only; the Debian default)"},
	{"hash-sysv", "--hash-style=sysv (DT_HASH only)"},
	{"hash-both", "--hash-style=both (DT_HASH and DT_GNU_HASH)"},
	{"maxpage64k", "-z max-page-size=65536"},
	{"bigdynstr", "2000 exported constants with 56-byte names in each of libfoo and prog (-Wl,--export-dynamic): .dynstr about 110 KiB"},
	{"stripped", "the pie files after strip -s"},
	{"noshdrs", "the stripped files with e_shoff, e_shnum, e_shstrndx zeroed and the file cut after the last segment (as sstrip does)"},
	{"transitive", "libfoo.so needs libbar.so; prog needs libfoo.so"},
	{"payload", "prog reads 38 bytes appended to its own file (like a self-extracting archive)"},
	{"bigbss", "prog from bigbss.c: 32 MiB of .bss behind a small file"},
	{"static", "prog and foo.c linked -static, then strip -s (x86_64 and aarch64 only)"},
	{"static-pie", "prog and foo.c linked -static-pie, then strip -s (x86_64 and aarch64 only)"},
	{"object", "foo.o, compiled -fPIC -c"},
}

// Variants returns the fixture table's second dimension.
func Variants() []Variant { return append([]Variant(nil), variants...) }

const (
	progOutput       = "prog: hello from prog\nfoo: hello from libfoo\n"
	transitiveOutput = progOutput + "bar: hello from libbar\n"
	payloadOutput    = "prog: hello from prog\nprog: payload says: hello from the payload\nfoo: hello from libfoo\n"
	payloadSize      = len("hello from the payload") + len("PAYLOAD:00000022")
)

// Table returns every fixture with its expected facts, without Path.
// Use [Fixtures] in tests.
func Table() []Fixture {
	var all []Fixture
	for _, a := range arches {
		for _, v := range variants {
			all = append(all, variantFiles(a, v.Name)...)
		}
	}
	return all
}

// variantFiles lists the files build.sh makes for one arch and variant.
func variantFiles(a Arch, v string) []Fixture {
	lib := Fixture{
		Arch: a, Variant: v, Name: "libfoo.so", Kind: Library, Type: stdelf.ET_DYN, Flags: a.Flags,
		Needed: []string{"libc.so.6"}, Soname: "libfoo.so", GNUHash: true,
		SectionHeaders: true, Symtab: true, PageSize: a.PageSize,
	}
	prog := Fixture{
		Arch: a, Variant: v, Name: "prog", Kind: Program, Type: stdelf.ET_DYN, Flags: a.Flags, PIE: true,
		Interp: a.Interp, Needed: []string{"libfoo.so", "libc.so.6"}, GNUHash: true,
		SectionHeaders: true, Symtab: true, PageSize: a.PageSize,
		Deps: []string{"libfoo.so"}, Output: progOutput,
	}
	both := func() []Fixture { return []Fixture{lib, prog} }

	switch v {
	case "pie", "separate-code", "noseparate-code", "norelro", "hash-gnu", "bigdynstr", "bigbss":
		return both()
	case "nopie", "nopie-noseparate-code":
		prog.Type, prog.PIE = stdelf.ET_EXEC, false
		return both()
	case "rpath":
		lib.RPath, prog.RPath = DummyPath, DummyPath
		return both()
	case "runpath":
		lib.RunPath, prog.RunPath = DummyPath, DummyPath
		return both()
	case "hash-sysv":
		lib.GNUHash, prog.GNUHash = false, false
		lib.SysVHash, prog.SysVHash = true, true
		return both()
	case "hash-both":
		lib.SysVHash, prog.SysVHash = true, true
		return both()
	case "maxpage64k":
		lib.PageSize, prog.PageSize = 0x10000, 0x10000
		return both()
	case "stripped":
		lib.Symtab, prog.Symtab = false, false
		return both()
	case "noshdrs":
		lib.Symtab, prog.Symtab = false, false
		lib.SectionHeaders, prog.SectionHeaders = false, false
		return both()
	case "transitive":
		bar := lib
		bar.Name, bar.Soname = "libbar.so", "libbar.so"
		lib.Needed = []string{"libbar.so", "libc.so.6"}
		lib.Deps = []string{"libbar.so"}
		prog.Deps = []string{"libfoo.so", "libbar.so"}
		prog.Output = transitiveOutput
		return []Fixture{bar, lib, prog}
	case "payload":
		prog.Payload, prog.Output = payloadSize, payloadOutput
		return both()
	case "static", "static-pie":
		if v == "static" && !a.Static || v == "static-pie" && !a.StaticPIE {
			return nil
		}
		prog.Kind, prog.Interp, prog.Needed, prog.Deps, prog.Symtab = StaticProgram, "", nil, nil, false
		if v == "static" {
			prog.Type, prog.PIE, prog.GNUHash = stdelf.ET_EXEC, false, false
		}
		return []Fixture{prog}
	case "object":
		flags := a.Flags
		switch a.Machine {
		case stdelf.EM_ARM:
			flags = 0x05000000 // EABI5; the float ABI flag is set by the linker
		case stdelf.EM_PPC64:
			flags = 0 // the ELFv1 ABI version is set by the linker
		}
		return []Fixture{{
			Arch: a, Variant: v, Name: "foo.o", Kind: Object, Type: stdelf.ET_REL, Flags: flags,
			SectionHeaders: true, Symtab: true,
		}}
	}
	return nil // an unknown variant; TestTableCoversVariants fails
}

// Fixtures returns every committed fixture with its Path set, in the order
// of [Arches] and [Variants]. It fails the test when a file is missing:
// run fixtures/build.sh.
func Fixtures(tb testing.TB) []Fixture {
	tb.Helper()
	dir := FixtureDir(tb)
	all := Table()
	for i := range all {
		f := &all[i]
		p := filepath.Join(dir, f.Arch.Name, f.Variant, f.Name)
		for _, cand := range []string{p, p + ".gz"} {
			if _, err := os.Stat(cand); err == nil {
				f.Path = cand
				break
			}
		}
		if f.Path == "" {
			tb.Fatalf("fixture %s missing in %s: run fixtures/build.sh", f.ID(), dir)
		}
	}
	return all
}

// Select returns the fixtures for which keep returns true.
func Select(all []Fixture, keep func(Fixture) bool) []Fixture {
	return slices.DeleteFunc(slices.Clone(all), func(f Fixture) bool { return !keep(f) })
}

// FixtureDirEnv names an environment variable that, when set, replaces
// fixtures/testdata: test.sh points it at a fresh build.sh output to prove
// the script still makes what the table describes.
const FixtureDirEnv = "GOPATCHELF_FIXTURES"

// FixtureDir returns fixtures/testdata of the module the test runs in,
// found by walking up from the working directory (go test runs each
// package's tests in its own directory), or $GOPATCHELF_FIXTURES.
func FixtureDir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv(FixtureDirEnv); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "fixtures", "testdata")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
			tb.Fatalf("no fixtures/testdata beside %s: run fixtures/build.sh", filepath.Join(dir, "go.mod"))
		} else if !errors.Is(err, os.ErrNotExist) {
			tb.Fatal(err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// FixtureBytes returns the committed file fixtures/testdata/<id>, id like
// "x86_64/pie/prog", unpacked when it is stored as <id>.gz.
func FixtureBytes(tb testing.TB, id string) []byte {
	tb.Helper()
	p := filepath.Join(FixtureDir(tb), filepath.FromSlash(id))
	if _, err := os.Stat(p); err != nil {
		p += ".gz"
	}
	data, err := readFixture(p)
	if err != nil {
		tb.Fatalf("fixture %s: %v", id, err)
	}
	return data
}
