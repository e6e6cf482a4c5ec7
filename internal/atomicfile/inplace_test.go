package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Sys().(*syscall.Stat_t).Ino
}

func TestParseSync(t *testing.T) {
	for _, tc := range []struct {
		in    string
		nix   bool
		want  bool
		error string
	}{
		{"", false, false, ""},
		{"", true, true, ""},
		{"auto", false, false, ""},
		{"auto", true, true, ""},
		{"always", true, false, ""},
		{"always", false, false, ""},
		{"never", false, true, ""},
		{"never", true, true, ""},
		{"yes", false, false, "invalid choice: 'yes' (choose from 'auto', 'always', 'never')"},
	} {
		t.Run(fmt.Sprintf("%s/nix=%v", tc.in, tc.nix), func(t *testing.T) {
			got, err := ParseSync(tc.in, tc.nix)
			if tc.error != "" {
				assert.EqualError(t, err, tc.error)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// modes are the --write values that name a mode, in the order the tests
// run them.
var modes = []string{"atomic", "in-place"}

func inPlace(mode string) bool { return mode == "in-place" }

func TestParseWrite(t *testing.T) {
	for _, tc := range []struct {
		in    string
		nix   bool
		want  bool
		error string
	}{
		{"atomic", true, false, ""},
		{"atomic", false, false, ""},
		{"in-place", false, true, ""},
		{"in-place", true, true, ""},
		{"auto", true, true, ""},
		{"auto", false, false, ""},
		{"", true, true, ""},
		{"", false, false, ""},
		{"inplace", false, false, "invalid choice: 'inplace' (choose from 'auto', 'in-place', 'atomic')"},
	} {
		t.Run(fmt.Sprintf("%s/nix=%v", tc.in, tc.nix), func(t *testing.T) {
			got, err := ParseWrite(tc.in, tc.nix)
			if tc.error != "" {
				assert.EqualError(t, err, tc.error)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, mode := range modes { // the names the other tests run under
		got, err := ParseWrite(mode, false)
		require.NoError(t, err)
		assert.Equal(t, inPlace(mode), got, mode)
	}
}

// Every way of writing gives the same bytes in both modes; in place keeps
// the inode (other hard links see the change) and makes no other file.
func TestModesGiveTheSameBytes(t *testing.T) {
	const orig = "0123456789abcdef"
	for _, tc := range []struct {
		name  string
		write func(o Options, path string) error
		want  string
	}{
		{"ReplaceCopy overwrite", func(o Options, path string) error {
			return o.ReplaceCopy(path, func(f *os.File) error {
				_, err := f.WriteAt([]byte("XY"), 3)
				return err
			})
		}, "012XY56789abcdef"},
		{"ReplaceCopy extend", func(o Options, path string) error {
			return o.ReplaceCopy(path, func(f *os.File) error {
				_, err := f.WriteAt([]byte("tail"), 20)
				return err
			})
		}, orig + "\x00\x00\x00\x00tail"},
		{"ReplaceCopy truncate", func(o Options, path string) error {
			return o.ReplaceCopy(path, func(f *os.File) error { return f.Truncate(5) })
		}, "01234"},
		{"Replace shorter", func(o Options, path string) error {
			return o.Replace(path, func(f *os.File) error {
				_, err := f.WriteString("new")
				return err
			})
		}, "new"},
		{"Replace longer", func(o Options, path string) error {
			return o.Replace(path, func(f *os.File) error {
				_, err := f.WriteString(orig + orig)
				return err
			})
		}, orig + orig},
		{"WriteBytes same size", func(o Options, path string) error {
			return o.WriteBytes(path, []byte(orig), []byte("0123eeee89abcdeE"))
		}, "0123eeee89abcdeE"},
		{"WriteBytes shorter", func(o Options, path string) error {
			return o.WriteBytes(path, []byte(orig), []byte("01x3"))
		}, "01x3"},
		{"WriteBytes longer", func(o Options, path string) error {
			return o.WriteBytes(path, []byte(orig), []byte(orig+"more"))
		}, orig + "more"},
	} {
		for _, mode := range modes {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "lib.so")
				require.NoError(t, os.WriteFile(path, []byte(orig), 0o640))
				link := filepath.Join(dir, "hard-link")
				require.NoError(t, os.Link(path, link))
				ino := inode(t, path)

				require.NoError(t, tc.write(Options{InPlace: inPlace(mode), NoSync: true}, path))

				got, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(got))
				st, err := os.Stat(path)
				require.NoError(t, err)
				assert.Equal(t, fs.FileMode(0o640), st.Mode().Perm())
				other, err := os.ReadFile(link)
				require.NoError(t, err)
				if inPlace(mode) {
					assert.Equal(t, ino, inode(t, path), "in place keeps the inode")
					assert.Equal(t, tc.want, string(other), "the other hard link shares the change")
				} else {
					assert.NotEqual(t, ino, inode(t, path), "atomic makes a new inode")
					assert.Equal(t, orig, string(other), "the other hard link keeps the old bytes")
				}
				assert.ElementsMatch(t, []string{"lib.so", "hard-link"}, dirNames(t, dir))
			})
		}
	}
}

// In place, a callback that fails after writing leaves what it wrote: the
// torn file the package documentation warns of. Atomically it leaves the
// original.
func TestFailureMidWrite(t *testing.T) {
	boom := errors.New("killed")
	for _, tc := range []struct {
		mode string
		want string
	}{
		{"atomic", "0123456789"},
		{"in-place", "AB23456789"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "lib.so")
			require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))
			err := Options{InPlace: inPlace(tc.mode)}.ReplaceCopy(path, func(f *os.File) error {
				if _, err := f.WriteAt([]byte("AB"), 0); err != nil {
					return err
				}
				return boom // the second write never happens
			})
			require.ErrorIs(t, err, boom)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			assert.Equal(t, []string{"lib.so"}, dirNames(t, dir))
		})
	}
}

// In place, an edit that fails while the file is longer than it was (a
// full disk while extending it) leaves the file cut back to its old size:
// with the extension written first, that is the original.
func TestInPlaceFailedExtensionIsCutBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lib.so")
	require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))
	ino := inode(t, path)
	enospc := &fs.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
	err := Options{InPlace: true}.ReplaceCopy(path, func(f *os.File) error {
		if _, err := f.WriteAt([]byte("new segment"), 10); err != nil {
			return err
		}
		return enospc // the next write past the end did not fit
	})
	require.ErrorIs(t, err, syscall.ENOSPC)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(got))
	assert.Equal(t, ino, inode(t, path))
}

func TestInPlaceRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "real.so"), []byte("x"), 0o644))
	require.NoError(t, os.Symlink("real.so", filepath.Join(dir, "link.so")))
	o := Options{InPlace: true}
	err := o.ReplaceCopy(filepath.Join(dir, "link.so"), func(*os.File) error { return nil })
	assert.ErrorContains(t, err, "link.so: not a regular file")
	err = o.ReplaceCopy(filepath.Join(dir, "missing"), func(*os.File) error { return nil })
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestDiffRanges(t *testing.T) {
	page := strings.Repeat("a", 5000)
	for _, tc := range []struct {
		name      string
		old, data string
		want      [][2]int
	}{
		{"equal", "abc", "abc", nil},
		{"one byte", "abc", "aXc", [][2]int{{1, 2}}},
		{"near runs merge", "abcdef", "XbcdeY", [][2]int{{0, 6}}},
		{"far runs stay apart", "X" + page + "Y", "x" + page + "y", [][2]int{{0, 1}, {5001, 5002}}},
		{"longer", "abc", "abcdef", [][2]int{{3, 6}}},
		{"longer with a change", "abc", "aXcdef", [][2]int{{1, 6}}},
		{"shorter", "abcdef", "abc", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, diffRanges([]byte(tc.old), []byte(tc.data)))
		})
	}
}

// The permission cases need a caller that is not root: as root the test
// runs itself again as nobody (helperEnv names the case), elsewhere it
// runs them directly.
const helperEnv = "ATOMICFILE_TEST_AS_USER"

func TestMain(m *testing.M) {
	if c := os.Getenv(helperEnv); c != "" {
		os.Exit(permissionHelper(c))
	}
	os.Exit(m.Run())
}

// permissionHelper runs one write as the unprivileged caller and prints
// its error (or "ok") on stdout.
func permissionHelper(c string) int {
	op, path, _ := strings.Cut(c, ":")
	op, modeName, _ := strings.Cut(op, "/")
	inPlace, err := ParseWrite(modeName, false)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	o := Options{InPlace: inPlace, NoSync: true}
	switch op {
	case "ReplaceCopy":
		err = o.ReplaceCopy(path, func(f *os.File) error {
			_, err := f.WriteAt([]byte("NEW"), 0)
			return err
		})
	case "Replace":
		err = o.Replace(path, func(f *os.File) error {
			_, err := f.WriteString("NEW contents")
			return err
		})
	case "WriteBytes":
		old, rerr := os.ReadFile(path)
		if rerr != nil {
			fmt.Println(rerr)
			return 0
		}
		err = o.WriteBytes(path, old, append([]byte("NEW"), old[3:]...))
	}
	if err != nil {
		fmt.Println(err)
		return 0
	}
	fmt.Println("ok")
	return 0
}

// asUser runs op on path as a user that is not root and returns what it
// printed.
func asUser(t *testing.T, op, path string) string {
	t.Helper()
	bin := os.Args[0]
	if os.Geteuid() == 0 {
		bin = userCopy(t)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+op+":"+path)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}

// publicTempDir is a temporary directory every user may enter (t.TempDir
// makes one only its user can).
func publicTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "atomicfile-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	return dir
}

// userCopy copies the test binary where nobody may run it (the go tool
// builds it in a directory only its user can enter).
func userCopy(t *testing.T) string {
	t.Helper()
	dir := publicTempDir(t)
	b, err := os.ReadFile(os.Args[0])
	require.NoError(t, err)
	bin := filepath.Join(dir, "atomicfile.test")
	require.NoError(t, os.WriteFile(bin, b, 0o755))
	return bin
}

// userDir makes a directory the unprivileged user can enter; writable by
// it when writable is true, else root's (or, not as root, made read-only).
func userDir(t *testing.T, writable bool) string {
	t.Helper()
	dir := filepath.Join(publicTempDir(t), "d")
	require.NoError(t, os.Mkdir(dir, 0o755))
	if os.Geteuid() == 0 && writable {
		require.NoError(t, os.Chown(dir, 65534, 65534))
	}
	if !writable {
		require.NoError(t, os.Chmod(dir, 0o555))
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	return dir
}

func userFile(t *testing.T, dir string, mode fs.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, "lib.so")
	require.NoError(t, os.WriteFile(path, []byte("old contents"), 0o644))
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chown(path, 65534, 65534))
	}
	require.NoError(t, os.Chmod(path, mode))
	return path
}

// A file the caller may not write is refused with patchelf's wording in
// both modes, whatever the directory allows, and left as it is.
func TestNotWritableIsRefused(t *testing.T) {
	for _, op := range []string{"ReplaceCopy", "Replace", "WriteBytes"} {
		for _, mode := range modes {
			for _, dirWritable := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/dir-writable=%v", op, mode, dirWritable), func(t *testing.T) {
					dir := userDir(t, dirWritable)
					path := userFile(t, dir, 0o444)
					ino := inode(t, path)
					got := asUser(t, op+"/"+mode, path)
					assert.Equal(t, path+": open: Permission denied", got)
					b, err := os.ReadFile(path)
					require.NoError(t, err)
					assert.Equal(t, "old contents", string(b))
					assert.Equal(t, ino, inode(t, path))
					assert.Equal(t, []string{"lib.so"}, dirNames(t, dir))
				})
			}
		}
	}
}

// A writable file in a directory the caller may not write is written in
// place, in both modes: no temporary file can be made next to it.
func TestReadOnlyDirIsWrittenInPlace(t *testing.T) {
	for _, op := range []string{"ReplaceCopy", "Replace", "WriteBytes"} {
		want := map[string]string{"ReplaceCopy": "NEW contents", "Replace": "NEW contents", "WriteBytes": "NEW contents"}[op]
		for _, mode := range modes {
			t.Run(op+"/"+mode, func(t *testing.T) {
				dir := userDir(t, false)
				path := userFile(t, dir, 0o644)
				ino := inode(t, path)
				assert.Equal(t, "ok", asUser(t, op+"/"+mode, path))
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, want, string(b))
				assert.Equal(t, ino, inode(t, path))
				assert.Equal(t, []string{"lib.so"}, dirNames(t, dir))
			})
		}
	}
}

// Root writes a read-only file, as patchelf run by root does.
func TestRootWritesReadOnlyFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lib.so")
			require.NoError(t, os.WriteFile(path, []byte("old"), 0o444))
			require.NoError(t, Options{InPlace: inPlace(mode)}.WriteBytes(path, []byte("old"), []byte("new")))
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, "new", string(b))
			st, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, fs.FileMode(0o444), st.Mode().Perm())
		})
	}
}
