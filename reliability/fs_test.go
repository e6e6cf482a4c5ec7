package reliability

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	stdelf "debug/elf"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// transitive returns the x86-64 "transitive" fixtures by name: prog needs
// libfoo.so, which needs libbar.so.
func transitive(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, fx := range elftest.Fixtures(t) {
		if fx.Arch.Name == "x86_64" && fx.Variant == "transitive" {
			out[fx.Name] = fx.Bytes(t)
		}
	}
	require.Len(t, out, 3)
	return out
}

// put writes data at root/rel with mode, creating directories.
func put(t *testing.T, root, rel string, data []byte, mode fs.FileMode) string {
	t.Helper()
	p := filepath.Join(root, rel)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, data, mode))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func runpathOf(t *testing.T, p string) string {
	t.Helper()
	f, err := stdelf.Open(p)
	require.NoError(t, err)
	defer f.Close()
	rp, _ := f.DynString(stdelf.DT_RUNPATH)
	return strings.Join(rp, ":")
}

// autoTree runs the binary on tree with the usual target, as env says.
func autoTree(t *testing.T, tree string, env []string, extra ...string) runResult {
	t.Helper()
	tmp := t.TempDir()
	args := append(autoArgs(tree, interpreterFile(t, tmp), noLibc(t, tmp)), extra...)
	return runBin(t, env, args...)
}

// TestReadOnlyFiles: as root, files without write permission are patched,
// as patchelf run by root patches them, and keep their permission bits, in
// both write modes. (Not as root they are refused: TestUnreadableAndUnwritable.)
func TestReadOnlyFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		elftest.Unavailable(t, "only root may write a file without write permission")
		return
	}
	tr := transitive(t)
	for _, mode := range writeModes {
		t.Run(mode, func(t *testing.T) {
			tree := t.TempDir()
			prog := put(t, tree, "bin/prog", tr["prog"], 0o555)
			foo := put(t, tree, "lib/libfoo.so", tr["libfoo.so"], 0o444)
			put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o444)

			res := autoTree(t, tree, nil, "--write", mode)
			require.Equal(t, 0, res.code, res.stderr)
			for p, mode := range map[string]fs.FileMode{prog: 0o555, foo: 0o444} {
				fi, err := os.Stat(p)
				require.NoError(t, err)
				assert.Equal(t, mode, fi.Mode().Perm(), p)
				assert.Equal(t, filepath.Join(tree, "lib"), runpathOf(t, p), p)
			}
		})
	}
}

// TestHardlinks, atomic: each name of a hard-linked file inside the trees
// is patched separately, so the names stop sharing an inode; a name
// outside the trees keeps the original bytes. In place, as with patchelf:
// the file is patched once, through whichever name comes first, and every
// name (the one outside the trees too) shares the change and the inode;
// the names are patched one after the other, never one read while another
// is written (16 names, 8 workers).
func TestHardlinks(t *testing.T) {
	tr := transitive(t)
	for _, mode := range writeModes {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			tree := filepath.Join(dir, "tree")
			a := put(t, tree, "a/prog", tr["prog"], 0o755)
			b := filepath.Join(tree, "b", "prog")
			require.NoError(t, os.MkdirAll(filepath.Dir(b), 0o755))
			require.NoError(t, os.Link(a, b))
			var more []string
			for i := range 14 {
				m := filepath.Join(tree, fmt.Sprintf("c%02d", i), "prog")
				require.NoError(t, os.MkdirAll(filepath.Dir(m), 0o755))
				require.NoError(t, os.Link(a, m))
				more = append(more, m)
			}
			outside := filepath.Join(dir, "outside-prog")
			require.NoError(t, os.Link(a, outside))
			put(t, tree, "lib/libfoo.so", tr["libfoo.so"], 0o755)
			put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)

			res := autoTree(t, tree, []string{"NIX_BUILD_CORES=8"}, "--write", mode)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, mustRead(t, a), mustRead(t, b), "both names in the tree are patched the same")
			for _, m := range more {
				assert.Equal(t, mustRead(t, a), mustRead(t, m), m)
			}
			assert.NotEqual(t, tr["prog"], mustRead(t, a))
			assert.Equal(t, filepath.Join(tree, "lib"), runpathOf(t, b))
			fa, err := os.Stat(a)
			require.NoError(t, err)
			fb, err := os.Stat(b)
			require.NoError(t, err)
			fo, err := os.Stat(outside)
			require.NoError(t, err)
			if mode == "atomic" {
				assert.Equal(t, tr["prog"], mustRead(t, outside), "the name outside the tree keeps the original")
				assert.False(t, os.SameFile(fa, fb), "the names no longer share an inode")
				return
			}
			assert.Equal(t, mustRead(t, a), mustRead(t, outside), "the name outside the tree shares the change")
			assert.True(t, os.SameFile(fa, fb), "the names still share an inode")
			assert.True(t, os.SameFile(fa, fo), "the name outside too")
		})
	}
}

// TestSymlinksOutside: symlinks to files and directories outside the
// trees are never followed for writing: the targets keep their bytes and
// the links stay links to the same targets.
func TestSymlinksOutside(t *testing.T) {
	tr := transitive(t)
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	out := filepath.Join(dir, "outside")
	put(t, out, "prog", tr["prog"], 0o755)
	put(t, out, "sub/prog", tr["prog"], 0o755)
	put(t, out, "libfoo.so", tr["libfoo.so"], 0o755)
	put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)
	put(t, tree, "bin/prog", tr["prog"], 0o755)
	links := map[string]string{
		"bin/prog-link":     filepath.Join(out, "prog"),
		"lib/libfoo.so":     filepath.Join(out, "libfoo.so"),
		"linkdir":           filepath.Join(out, "sub"),
		"bin/relative-link": "../../outside/prog",
	}
	for rel, target := range links {
		p := filepath.Join(tree, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.Symlink(target, p))
	}
	before := snapshot(t, out)

	res := autoTree(t, tree, nil)
	require.Equal(t, 0, res.code, res.stderr)
	assert.Equal(t, before, snapshot(t, out), "files outside the tree changed (or their directories)")
	for rel, target := range links {
		got, err := os.Readlink(filepath.Join(tree, rel))
		require.NoError(t, err, rel)
		assert.Equal(t, target, got, rel)
	}
	// The link provides libfoo.so; its target has the same name, so
	// prog's RUNPATH names the target's directory (contract §2).
	assert.Equal(t, out, runpathOf(t, filepath.Join(tree, "bin/prog")))
}

// vanishingFS removes directories at chosen moments of a run: a whole
// directory when the patch phase opens a trigger file, and a file's
// directory just before its replacement.
type vanishingFS struct {
	hook.OSFS
	once          sync.Once
	trigger, gone string // on Open(trigger), remove gone
	beforeReplace string // on Replace of a file in this dir, remove the dir
}

func (v *vanishingFS) Open(name string) (hook.File, error) {
	if name == v.trigger {
		v.once.Do(func() { os.RemoveAll(v.gone) })
	}
	return v.OSFS.Open(name)
}

func (v *vanishingFS) Replace(name string, edit func(*os.File) error) error {
	if filepath.Dir(name) == v.beforeReplace {
		os.RemoveAll(v.beforeReplace)
	}
	return v.OSFS.Replace(name, edit)
}

var x64 = resolver.Platform{Machine: stdelf.EM_X86_64, Class: stdelf.ELFCLASS64, Data: stdelf.ELFDATA2LSB}

// TestVanishingDirectories: a directory removed while the index is built
// is simply not there when the patch phase lists the trees (it walks as it
// goes and keeps no listing); one removed just before a file in it is
// replaced gives one error naming the file; the other files are done.
func TestVanishingDirectories(t *testing.T) {
	tr := transitive(t)
	tree := t.TempDir()
	for _, d := range []string{"a", "m", "z"} {
		put(t, tree, d+"/prog", tr["prog"], 0o755)
	}
	put(t, tree, "lib/libfoo.so", tr["libfoo.so"], 0o755)
	put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)
	vfs := &vanishingFS{
		trigger:       filepath.Join(tree, "lib", "libbar.so"), // opened by the index
		gone:          filepath.Join(tree, "z"),
		beforeReplace: filepath.Join(tree, "m"),
	}
	var logged strings.Builder
	log := newTestLogger(&logged)
	rep, err := hook.Run(context.Background(), hook.Config{
		Paths: []string{tree}, Target: x64, FS: vfs, Workers: 1, Log: log,
		IgnoreMissing: []string{"libc.so.6"},
	})
	require.Error(t, err)
	var failed []string
	for _, f := range rep.Files {
		if f.Outcome == hook.Failed {
			failed = append(failed, f.Path)
			msg := f.Err.Error()
			assert.NotContains(t, msg, "\n")
			assert.Contains(t, msg, f.Path)
		}
	}
	assert.Equal(t, []string{filepath.Join(tree, "m", "prog")}, failed)
	assert.Len(t, rep.Errors, 1)
	for _, f := range rep.Files {
		assert.NotEqual(t, filepath.Join(tree, "z", "prog"), f.Path, "z was gone before the patch phase")
	}
	assert.Equal(t, filepath.Join(tree, "lib"), runpathOf(t, filepath.Join(tree, "a", "prog")))
	assert.Empty(t, tempFiles(t, tree))
	t.Logf("errors:\n%s", logged.String())
}

// TestSpecialFiles: FIFOs (also behind a symlink, and named like
// libraries), a directory named like a library and a socket are not
// opened; the run does not block on them and leaves them as they are.
func TestSpecialFiles(t *testing.T) {
	tr := transitive(t)
	tree := t.TempDir()
	put(t, tree, "prog", tr["prog"], 0o755)
	put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)
	put(t, tree, "lib/libfoo.so.1", tr["libfoo.so"], 0o755)
	for _, f := range []string{"lib/libfoo.so", "fifo", "lib/libfifo.so.2"} {
		require.NoError(t, syscall.Mkfifo(filepath.Join(tree, f), 0o644))
	}
	require.NoError(t, os.Symlink("libfifo.so.2", filepath.Join(tree, "lib", "libfifo.so")))
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "lib", "dir.so"), 0o755))
	before := snapshot(t, tree)

	done := make(chan runResult, 1)
	go func() { done <- autoTree(t, tree, nil) }()
	var res runResult
	select {
	case res = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("gopatchelf auto blocked on a special file")
	}
	// libfoo.so is a FIFO, so prog's dependency is missing: exit 1.
	assert.Equal(t, 1, res.code, res.stderr)
	assert.Contains(t, res.stdout, "libfoo.so -> not found!")
	after := snapshot(t, tree)
	for _, p := range []string{"lib/libfoo.so", "fifo", "lib/libfifo.so.2", "lib/libfifo.so", "lib/dir.so"} {
		assert.Equal(t, before[p], after[p], p)
	}
}

// unprivileged returns the credentials to run the binary without root's
// power to ignore permissions, or nil when the tests do not run as root.
func unprivileged(t *testing.T) *syscall.SysProcAttr {
	if os.Getuid() != 0 {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}

// TestUnreadableAndUnwritable runs as an unprivileged user (nobody when the
// tests run as root), in both write modes: a file it cannot read gives a
// one-line error naming the file; a file it may not write (mode 0444, its
// own) is refused with patchelf's "open: Permission denied"; both give exit
// 1 and stay as they were. A writable file in a directory it cannot write
// is patched in place, as patchelf does; the other files are patched.
func TestUnreadableAndUnwritable(t *testing.T) {
	tr := transitive(t)
	for _, mode := range writeModes {
		t.Run(mode, func(t *testing.T) { unreadableAndUnwritable(t, tr, mode) })
	}
}

func unreadableAndUnwritable(t *testing.T, tr map[string][]byte, mode string) {
	dir, err := os.MkdirTemp("", "reliability-unpriv-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	tree := filepath.Join(dir, "tree")
	put(t, tree, "lib/libfoo.so", tr["libfoo.so"], 0o755)
	put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)
	ok := put(t, tree, "ok/prog", tr["prog"], 0o755)
	unreadable := put(t, tree, "unreadable/prog", tr["prog"], 0o755)
	unwritable := put(t, tree, "unwritable/prog", tr["prog"], 0o755)
	readonlyDir := put(t, tree, "readonly-dir/prog", tr["prog"], 0o755)
	interp := interpreterFile(t, dir)

	attr := unprivileged(t)
	if attr != nil {
		require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, 65534, 65534)
		}))
		// Directories of root's: nobody cannot create files in them.
		require.NoError(t, os.Chown(filepath.Dir(readonlyDir), 0, 0))
	}
	require.NoError(t, os.Chmod(unreadable, 0o000))
	require.NoError(t, os.Chmod(unwritable, 0o555))
	require.NoError(t, os.Chmod(filepath.Dir(readonlyDir), 0o555))
	t.Cleanup(func() { os.Chmod(filepath.Dir(readonlyDir), 0o755) })
	before := snapshot(t, tree)

	cmd := exec.Command(gopatchelf(t), autoArgs(tree, interp, noLibc(t, dir), "--write", mode)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = attr
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want exit 1, got %v; stderr:\n%s", err, stderr.String())
	assert.Equal(t, 1, ee.ExitCode(), stderr.String())

	errLines := map[string]string{}
	for _, l := range lines(stderr.String()) {
		for _, p := range []string{unreadable, unwritable, readonlyDir} {
			if strings.HasPrefix(l, "gopatchelf: error: ") && strings.Contains(l, p) {
				errLines[p] = l
			}
		}
	}
	assert.Contains(t, errLines[unreadable], "permission denied")
	assert.Equal(t, "gopatchelf: error: "+unwritable+": open: Permission denied", errLines[unwritable])
	assert.Empty(t, errLines[readonlyDir])
	after := snapshot(t, tree)
	for _, p := range []string{"unreadable/prog", "unwritable/prog"} {
		assert.Equal(t, before[p], after[p], p)
	}
	assert.NotEqual(t, before["ok/prog"].hash, after["ok/prog"].hash, "the readable file is patched")
	assert.Equal(t, filepath.Join(tree, "lib"), runpathOf(t, ok))
	assert.Equal(t, filepath.Join(tree, "lib"), runpathOf(t, readonlyDir), "the file in the read-only directory is patched")
	assert.Equal(t, before["readonly-dir/prog"].inode, after["readonly-dir/prog"].inode, "in place")
	assert.Empty(t, tempFiles(t, tree))
	t.Logf("stderr:\n%s", stderr.String())
}

// TestFullDisk: a tree on a nearly full tmpfs (root only; skipped
// elsewhere): the file whose copy does not fit gets a one-line error
// naming it with ENOSPC, stays intact, and no temporary file remains.
func TestFullDisk(t *testing.T) {
	if os.Getuid() != 0 {
		elftest.Unavailable(t, "mounting a small tmpfs needs root")
		return
	}
	tr := transitive(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); TestInjectedWriteError covers the hook's side", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	tree := filepath.Join(mnt, "tree")
	prog := put(t, tree, "bin/prog", tr["prog"], 0o755)
	put(t, tree, "lib/libfoo.so", tr["libfoo.so"], 0o755)
	put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)
	// Fill the file system, then free less than one file's copy.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	require.NoError(t, err)
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	require.NoError(t, f.Close())
	fi, err := os.Stat(filler)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(filler, fi.Size()-8192))
	before := snapshot(t, tree)

	res := autoTree(t, tree, nil)
	assert.Equal(t, 1, res.code, res.stderr)
	var named []string
	for _, l := range lines(res.stderr) {
		if strings.HasPrefix(l, "gopatchelf: error: ") && strings.Contains(l, "no space left on device") {
			named = append(named, l)
		}
	}
	require.NotEmpty(t, named, "no ENOSPC error; stderr:\n%s", res.stderr)
	assert.Contains(t, strings.Join(named, "\n"), prog)
	assert.Equal(t, contents(before), contents(snapshot(t, tree)), "files changed on a full disk")
	assert.Empty(t, tempFiles(t, tree))
	t.Logf("stderr:\n%s", res.stderr)
}

// failingFS makes every replacement fail as a full disk would, after the
// temporary file was created and partly written.
type failingFS struct{ hook.OSFS }

func (failingFS) Replace(name string, edit func(*os.File) error) error {
	return hook.OSFS{}.Replace(name, func(tmp *os.File) error {
		if err := edit(tmp); err != nil {
			return err
		}
		return &fs.PathError{Op: "write", Path: tmp.Name(), Err: syscall.ENOSPC}
	})
}

// TestInjectedWriteError: the same as TestFullDisk through the hook's FS
// interface, everywhere: every file fails with an error naming it, and
// nothing changes.
func TestInjectedWriteError(t *testing.T) {
	tr := transitive(t)
	tree := t.TempDir()
	put(t, tree, "bin/prog", tr["prog"], 0o755)
	put(t, tree, "lib/libfoo.so", tr["libfoo.so"], 0o755)
	put(t, tree, "lib/libbar.so", tr["libbar.so"], 0o755)
	before := snapshot(t, tree)
	rep, err := hook.Run(context.Background(), hook.Config{
		Paths: []string{tree}, Target: x64, FS: failingFS{}, IgnoreMissing: []string{"libc.so.6"},
	})
	require.Error(t, err)
	assert.Equal(t, 2, rep.Count(hook.Failed), "prog and libfoo.so")
	for _, f := range rep.Files {
		if f.Outcome == hook.Failed {
			assert.True(t, errors.Is(f.Err, syscall.ENOSPC), "%v", f.Err)
			assert.Contains(t, f.Err.Error(), f.Path)
			assert.NotContains(t, f.Err.Error(), "\n")
		}
	}
	assert.Equal(t, contents(before), contents(snapshot(t, tree)))
	assert.Empty(t, tempFiles(t, tree))
}
