package elf_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// fuzzEdits are the edits FuzzApply tries; the fuzzer picks one by index.
var fuzzEdits = []elf.Edit{
	{SetRunpath: true, Runpath: "/nix/store/00000000000000000000000000000000-fuzz/lib"},
	{SetRunpath: true, Runpath: ""},
	{SetRunpath: true, Runpath: strings.Repeat("/long", 200), ForceRpath: true},
	{RemoveRunpath: true},
	{Interpreter: "/nix/store/00000000000000000000000000000000-glibc/lib/ld-linux.so.2"},
	{Interpreter: "/l"},
	{AddNeeded: []string{"libextra.so.1"}, RemoveNeeded: []string{"libc.so.6"}},
	{ReplaceNeeded: []elf.Replacement{{Old: "libfoo.so", New: "libfoo-renamed.so"}}},
	{Soname: "libfuzz.so.9"},
	{SetOSABI: true, OSABI: 3, NoDefaultLib: true, ClearExecstack: true},
}

// FuzzApply reads, edits and re-reads: no input may panic, and every edit
// that succeeds must produce a file that parses and says what was asked.
func FuzzApply(f *testing.F) {
	for _, fx := range elftest.Fixtures(f) {
		data := fx.Bytes(f)
		if len(data) > 24<<10 {
			continue
		}
		f.Add(data, uint8(0))
		f.Add(data, uint8(4))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		e := fuzzEdits[int(which)%len(fuzzEdits)]
		file, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		p, err := file.Plan(e)
		if err != nil || p.IsEmpty() {
			return
		}
		out := p.Bytes(data)
		g, err := elf.NewFile(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("edited file does not parse: %v", err)
		}
		if e.SetRunpath {
			if e.ForceRpath && g.Rpath != e.Runpath || !e.ForceRpath && g.Runpath != e.Runpath {
				t.Fatalf("search path not set: runpath %q rpath %q", g.Runpath, g.Rpath)
			}
		}
		if e.Interpreter != "" && g.Interpreter != e.Interpreter {
			t.Fatalf("interpreter %q, want %q", g.Interpreter, e.Interpreter)
		}
		if e.Soname != "" && g.Soname != e.Soname {
			t.Fatalf("soname %q, want %q", g.Soname, e.Soname)
		}
		// The same edit again changes nothing.
		p2, err := g.Plan(e)
		if err != nil {
			t.Fatalf("second plan: %v", err)
		}
		if !p2.IsEmpty() {
			t.Fatalf("second application of %+v changes the file again", e)
		}
	})
}
