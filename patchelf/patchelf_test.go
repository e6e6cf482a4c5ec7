package patchelf

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

func copyFixture(t *testing.T, id, dir string) string {
	t.Helper()
	path := filepath.Join(dir, filepath.Base(id))
	require.NoError(t, os.WriteFile(path, elftest.FixtureBytes(t, id), 0o755))
	return path
}

func facts(t *testing.T, path string) elftest.Facts {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	elftest.AssertValid(t, data)
	f, err := elftest.Inspect(data)
	require.NoError(t, err)
	return f
}

// TestRunPrintsAndEdits: the print operations return the file's values as
// it was, in patchelf's order, and the edit is written once.
func TestRunPrintsAndEdits(t *testing.T) {
	dir := t.TempDir()
	prog := copyFixture(t, "x86_64/pie/prog", dir)
	before := facts(t, prog)
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)

	var got [][]Printed
	err := Run(context.Background(), Options{
		Files: []string{prog}, Log: log,
		PrintNeeded: true, PrintRpath: true, PrintExecstack: true, PrintOSABI: true,
		SetRpath: true, Rpath: "/nix/store/x-foo/lib", AddNeeded: []string{"libm.so.6"},
	}, func(p []Printed) { got = append(got, p) })
	require.NoError(t, err)

	want := []Printed{{PrintOSABI, "System V"}, {PrintRpath, before.RunPath}, {PrintExecstack, "-"}}
	for _, n := range before.Needed {
		want = append(want, Printed{PrintNeeded, n})
	}
	assert.Equal(t, [][]Printed{want}, got)
	after := facts(t, prog)
	assert.Equal(t, "/nix/store/x-foo/lib", after.RunPath)
	assert.Equal(t, append([]string{"libm.so.6"}, before.Needed...), after.Needed)
	var msgs []string
	for _, e := range hook.AllEntries() {
		msgs = append(msgs, e.Message)
	}
	assert.Contains(t, msgs, "new rpath is '/nix/store/x-foo/lib'")
}

// TestRunStopsAtFirstFailure: as patchelf, the files after a failing one
// are left untouched, and the error names the file in patchelf's words.
func TestRunStopsAtFirstFailure(t *testing.T) {
	dir := t.TempDir()
	first := copyFixture(t, "x86_64/pie/libfoo.so", dir)
	static := filepath.Join(dir, "static")
	require.NoError(t, os.WriteFile(static, elftest.FixtureBytes(t, "x86_64/static/prog"), 0o755))
	last := filepath.Join(dir, "last")
	require.NoError(t, os.WriteFile(last, elftest.FixtureBytes(t, "x86_64/pie/prog"), 0o755))

	err := Run(context.Background(), Options{Files: []string{first, static, last}, SetRpath: true, Rpath: "/x"}, nil)
	assert.EqualError(t, err, static+": cannot find section '.dynamic'. The input file is most likely statically linked")
	assert.Equal(t, "/x", facts(t, first).RunPath)
	data, rerr := os.ReadFile(last)
	require.NoError(t, rerr)
	assert.Equal(t, elftest.FixtureBytes(t, "x86_64/pie/prog"), data)
}

// TestRunOutput: --output makes a new file with the input's mode, even when
// nothing changed, and leaves the input alone.
func TestRunOutput(t *testing.T) {
	dir := t.TempDir()
	lib := copyFixture(t, "x86_64/pie/libfoo.so", dir)
	require.NoError(t, os.Chmod(lib, 0o640))
	out := filepath.Join(dir, "out.so")
	require.NoError(t, Run(context.Background(), Options{Files: []string{lib}, Output: out}, nil))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, elftest.FixtureBytes(t, "x86_64/pie/libfoo.so"), got)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file left")
}

func TestRunMissingFile(t *testing.T) {
	err := Run(context.Background(), Options{Files: []string{"/nonexistent/x"}, PrintNeeded: true}, nil)
	assert.EqualError(t, err, "getting info about '/nonexistent/x': No such file or directory")
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, Run(ctx, Options{Files: []string{"/nonexistent/x"}}, nil), context.Canceled)
}
