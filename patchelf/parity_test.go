package patchelf

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

// warnings returns the warning messages a run logged.
func warnings(h *test.Hook) []string {
	var out []string
	for _, e := range h.AllEntries() {
		out = append(out, e.Level.String()+": "+e.Message)
	}
	return out
}

// TestDebugOnlyFile: on a separate debug file (objcopy --only-keep-debug,
// .dynamic without bytes) --print-rpath prints nothing and a run-path edit
// does nothing, as in patchelf (its no-dynamic-section test).
func TestDebugOnlyFile(t *testing.T) {
	objcopy := elftest.LookPath(t, "objcopy")
	dir := t.TempDir()
	lib := copyFixture(t, "x86_64/runpath/libfoo.so", dir)
	dbg := filepath.Join(dir, "libfoo.debug")
	out, err := exec.Command(objcopy, "--only-keep-debug", lib, dbg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	before, err := os.ReadFile(dbg)
	require.NoError(t, err)

	var got [][]Printed
	err = Run(context.Background(), Options{Files: []string{dbg}, PrintRpath: true, SetRpath: true, Rpath: "/x"},
		func(p []Printed) { got = append(got, p) })
	require.NoError(t, err)
	assert.Equal(t, [][]Printed{nil}, got)
	after, err := os.ReadFile(dbg)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// The library itself still prints its run path.
	got = nil
	require.NoError(t, Run(context.Background(), Options{Files: []string{lib}, PrintRpath: true}, func(p []Printed) { got = append(got, p) }))
	assert.Equal(t, [][]Printed{{{PrintRpath, elftest.DummyPath}}}, got)
}

// TestResolutionCacheAlreadyPresent: a note that would stay in the file is
// only accepted when it holds what would be written; a stale, malformed
// or foreign .note.nixos.ldcache, or one on a file with nothing to resolve
// any more, is patchelf 0.19's "already present" error, and the file is
// left untouched. An edit that changes the run path replaces the note.
func TestResolutionCacheAlreadyPresent(t *testing.T) {
	objcopy := elftest.LookPath(t, "objcopy")
	all := elftest.Fixtures(t)
	dir := t.TempDir()
	libA := filepath.Join(dir, "libsA")
	require.NoError(t, os.Mkdir(libA, 0o755))
	var prog elftest.Fixture
	for _, fx := range all {
		if fx.ID() == "x86_64/pie/prog" {
			prog = fx
		}
	}
	prog.CopyDeps(t, all, libA)
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	run := func(path string, o Options) error {
		o.Files = []string{path}
		log, _ := test.NewNullLogger()
		o.Log = log
		return Run(context.Background(), o, nil)
	}
	cached := func(name string) string {
		path := copyFixture(t, "x86_64/pie/prog", filepath.Join(dir, name))
		require.NoError(t, run(path, Options{SetRpath: true, Rpath: libA, BuildResolutionCache: true}))
		return path
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "up-to-date"), 0o755))
	for _, d := range []string{"norunpath", "unresolved", "malformed", "replaced"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}

	path := cached("up-to-date")
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, run(path, Options{BuildResolutionCache: true}), "an identical note is a harmless re-run")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// A stale note: the file's run path no longer resolves anything, but
	// the note (added behind gopatchelf's back) stays.
	tiny := filepath.Join(dir, "tiny")
	require.NoError(t, os.WriteFile(tiny, []byte("x"), 0o644))
	addSection := func(path string) {
		out, err := exec.Command(objcopy, "--add-section", elf.ResolutionCacheSection+"="+tiny, path).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	for _, c := range []struct {
		name  string
		setup Options
	}{
		{"norunpath", Options{RemoveRpath: true}},
		{"unresolved", Options{SetRpath: true, Rpath: empty}},
		{"malformed", Options{SetRpath: true, Rpath: libA + ":" + empty}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := copyFixture(t, "x86_64/pie/prog", filepath.Join(dir, c.name))
			require.NoError(t, run(path, c.setup))
			addSection(path)
			before, err := os.ReadFile(path)
			require.NoError(t, err)
			err = run(path, Options{BuildResolutionCache: true})
			assert.EqualError(t, err, path+": --build-resolution-cache: a resolution cache note is already present; rebuild from an unpatched binary")
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the file is left untouched")
		})
	}

	path = cached("replaced")
	libB := filepath.Join(dir, "libsB")
	require.NoError(t, os.Mkdir(libB, 0o755))
	prog.CopyDeps(t, all, libB)
	require.NoError(t, run(path, Options{SetRpath: true, Rpath: libB, BuildResolutionCache: true}))
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, "libfoo.so\x00="+libB+"/libfoo.so\x00\x00", string(f.ResolutionCache))
}

// TestResolutionCacheKeepsRpath: as patchelf 0.19, a DT_RPATH file gets a
// note and keeps DT_RPATH.
func TestResolutionCacheKeepsRpath(t *testing.T) {
	dir := t.TempDir()
	path := copyFixture(t, "x86_64/pie/prog", dir)
	libA := filepath.Join(dir, "libsA")
	require.NoError(t, os.Mkdir(libA, 0o755))
	copyFixture(t, "x86_64/pie/libfoo.so", libA)
	require.NoError(t, Run(context.Background(), Options{Files: []string{path}, SetRpath: true, Rpath: libA, ForceRpath: true}, nil))
	require.NoError(t, Run(context.Background(), Options{Files: []string{path}, BuildResolutionCache: true}, nil))
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, libA, f.Rpath)
	assert.False(t, f.HasRunpath)
	assert.Equal(t, "libfoo.so\x00="+libA+"/libfoo.so\x00\x00", string(f.ResolutionCache))
}

// TestOutputToDevice: --output /dev/null writes into the device, as
// patchelf does, instead of renaming a file over it.
func TestOutputToDevice(t *testing.T) {
	st, err := os.Stat(os.DevNull)
	require.NoError(t, err)
	require.False(t, st.Mode().IsRegular())
	dir := t.TempDir()
	lib := copyFixture(t, "x86_64/pie/libfoo.so", dir)
	require.NoError(t, Run(context.Background(), Options{Files: []string{lib}, Output: os.DevNull, SetRpath: true, Rpath: "/x"}, nil))
	st2, err := os.Stat(os.DevNull)
	require.NoError(t, err)
	assert.Equal(t, st.Mode(), st2.Mode(), "still the device")
	assert.True(t, os.SameFile(st, st2))
	assert.Equal(t, "", facts(t, lib).RunPath, "the input is untouched")
}

// TestPatchelfMessages: malformed files give patchelf's texts.
func TestPatchelfMessages(t *testing.T) {
	dir := t.TempDir()
	t.Run("no DT_NULL", func(t *testing.T) {
		data := elftest.FixtureBytes(t, "x86_64/pie/libfoo.so")
		f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		var dyn stdelf.ProgHeader
		for _, p := range f.Progs {
			if p.Type == stdelf.PT_DYNAMIC {
				dyn = p
			}
		}
		// The DT_NULL slots become DT_SYMENT entries: no terminator.
		for off := dyn.Off + uint64(len(f.Dynamic))*16; off+16 <= dyn.Off+dyn.Filesz; off += 16 {
			f.ByteOrder.PutUint64(data[off:], uint64(stdelf.DT_SYMENT))
			f.ByteOrder.PutUint64(data[off+8:], 24)
		}
		path := filepath.Join(dir, "noterm.so")
		require.NoError(t, os.WriteFile(path, data, 0o755))
		err = Run(context.Background(), Options{Files: []string{path}, AddDebugTag: true}, nil)
		assert.EqualError(t, err, path+": setSubstr: write extends past end of section (the dynamic table has no DT_NULL terminator)")
	})
	t.Run("unnamed section", func(t *testing.T) {
		data := elftest.FixtureBytes(t, "x86_64/pie/prog")
		f, err := elf.NewFile(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		text := -1
		for _, s := range f.Sections {
			if s.Name == ".text" {
				text = s.Index
			}
		}
		require.Greater(t, text, 0)
		clear(data[f.ShOff+uint64(text*f.ShEntSize):][:4])
		path := filepath.Join(dir, "unnamed")
		require.NoError(t, os.WriteFile(path, data, 0o755))
		log, hook := test.NewNullLogger()
		require.NoError(t, Run(context.Background(), Options{Files: []string{path}, SetRpath: true, Rpath: "/x", Log: log}, nil))
		assert.Contains(t, warnings(hook), fmt.Sprintf("warning: symbol table entry refers to an unnamed section (index %d)", text))
		assert.Equal(t, "/x", facts(t, path).RunPath)
	})
}
