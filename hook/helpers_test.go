package hook

import (
	"context"
	stdelf "debug/elf"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// x64 is the target of most tests: what an x86-64 glibc interpreter says.
var x64 = resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}

// nixInterp is the interpreter the tests give executables. It need not
// exist: these tests read the results, the cmd tests run them.
const nixInterp = "/nix/store/00000000000000000000000000000000-glibc-2.40/lib/ld-linux-x86-64.so.2"

// fixture returns the bytes of fixtures/testdata/<id>, gunzipped when it
// is stored as <id>.gz.
func fixture(t testing.TB, id string) []byte {
	t.Helper()
	return elftest.FixtureBytes(t, id)
}

// file is one entry of a test tree: contents, a symlink target, or a dir.
type file struct {
	data    []byte
	link    string
	mode    fs.FileMode
	isDir   bool
	missing bool // listed only to be asserted absent
}

func bin(data []byte) file   { return file{data: data, mode: 0o755} }
func text(s string) file     { return file{data: []byte(s), mode: 0o644} }
func symlink(to string) file { return file{link: to} }

// makeTree creates files under root in the given order of names (so tests
// can create the same tree in different orders).
func makeTree(t testing.TB, root string, files map[string]file, order []string) {
	t.Helper()
	for _, name := range order {
		f := files[name]
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		switch {
		case f.isDir:
			require.NoError(t, os.MkdirAll(p, 0o755))
		case f.link != "":
			require.NoError(t, os.Symlink(f.link, p))
		default:
			require.NoError(t, os.WriteFile(p, f.data, f.mode))
		}
	}
}

func sortedNames(files map[string]file) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// inDir runs the hook with the working directory set to dir, so that
// relative --paths print as relative, the way the setup hook's do not but
// golden logs like.
func inDir(t *testing.T, dir string) {
	t.Helper()
	t.Chdir(dir)
}

// collect runs cfg and returns the events.
func collect(t *testing.T, cfg Config) ([]Event, Report, error) {
	t.Helper()
	var events []Event
	cfg.Events = func(e Event) { events = append(events, e) }
	rep, err := Run(context.Background(), cfg)
	return events, rep, err
}

// snapshot reads every regular file under root.
func snapshot(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	require.NoError(t, err)
	return out
}

// realTemp is t.TempDir with symlinks resolved, the form the index prints
// library directories in.
func realTemp(t testing.TB) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	return d
}

// replaceRoot rewrites root into "$ROOT" in every string field of events,
// so runs in different directories compare equal.
func replaceRoot(events []Event, root string) []Event {
	r := func(s string) string { return strings.ReplaceAll(s, root, "$ROOT") }
	out := make([]Event, len(events))
	for i, e := range events {
		switch e := e.(type) {
		case SkipFile:
			e.File = r(e.File)
			out[i] = e
		case SetInterpreter:
			e.File = r(e.File)
			out[i] = e
		case Searching:
			e.File = r(e.File)
			out[i] = e
		case Dependency:
			e.File, e.Location = r(e.File), r(e.Location)
			out[i] = e
		case SetRpath:
			e.File, e.Rpath = r(e.File), r(e.Rpath)
			out[i] = e
		case IgnoredDependency:
			e.File = r(e.File)
			out[i] = e
		case Unsatisfied:
			e.File = r(e.File)
			out[i] = e
		default:
			out[i] = e
		}
	}
	return out
}

// faultyFS fails Open for the named paths, as an unreadable file would
// (tests run as root, for whom permission bits do not deny reads).
type faultyFS struct {
	OSFS
	mu      sync.Mutex
	denied  map[string]bool
	opened  []string
	replace func(name string) error // called before a Replace, may fail it
}

func (f *faultyFS) Open(name string) (File, error) {
	f.mu.Lock()
	f.opened = append(f.opened, name)
	f.mu.Unlock()
	if f.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.OSFS.Open(name)
}

func (f *faultyFS) Replace(name string, edit func(*os.File) error) error {
	if f.replace != nil {
		if err := f.replace(name); err != nil {
			return err
		}
	}
	return f.OSFS.Replace(name, edit)
}

var errDiskFull = errors.New("no space left on device")
