package atomicfile

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reflinkDir mounts a small Btrfs image on a loop device and returns a
// directory in it, or skips: it needs root, mkfs.btrfs (btrfs-progs) and a
// kernel that lets us mount. .ci/run installs btrfs-progs and runs as root.
func reflinkDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a Btrfs image needs root")
	}
	mkfs, err := exec.LookPath("mkfs.btrfs")
	if err != nil {
		t.Skip("no mkfs.btrfs (btrfs-progs)")
	}
	img := filepath.Join(t.TempDir(), "btrfs.img")
	require.NoError(t, os.WriteFile(img, nil, 0o600))
	require.NoError(t, os.Truncate(img, 256<<20))
	if out, err := exec.Command(mkfs, "-q", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.btrfs: %v: %s", err, out)
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-o", "loop", img, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a loop device here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	return mnt
}

// sharedBytes returns how many bytes of path's extents FIEMAP reports as
// shared with another file.
func sharedBytes(t *testing.T, path string) int64 {
	t.Helper()
	const (
		fsIocFiemap       = 0xC020660B
		fiemapFlagSync    = 0x1
		fiemapExtentShare = 0x2000
		maxExtents        = 512
		headerSize        = 32
		extentSize        = 56
	)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	buf := make([]byte, headerSize+maxExtents*extentSize)
	binary.NativeEndian.PutUint64(buf[8:], ^uint64(0)) // fm_length: whole file
	binary.NativeEndian.PutUint32(buf[16:], fiemapFlagSync)
	binary.NativeEndian.PutUint32(buf[24:], maxExtents)
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIocFiemap, uintptr(unsafe.Pointer(&buf[0])))
	require.Zero(t, errno, "FIEMAP")
	var shared int64
	for i := range binary.NativeEndian.Uint32(buf[20:]) {
		e := buf[headerSize+int(i)*extentSize:]
		if binary.NativeEndian.Uint32(e[40:])&fiemapExtentShare != 0 {
			shared += int64(binary.NativeEndian.Uint64(e[16:]))
		}
	}
	return shared
}

func TestReplaceCopyClonesWhereTheFileSystemCan(t *testing.T) {
	dir := reflinkDir(t)
	path := filepath.Join(dir, "libbig.so")
	data := make([]byte, 8<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	require.NoError(t, os.WriteFile(path, data, 0o755))
	// A second name keeps the old inode, and so the extents the new file
	// should share with it.
	require.NoError(t, os.Link(path, filepath.Join(dir, "old")))

	err := ReplaceCopy(path, func(tmp *os.File) error {
		_, err := tmp.WriteAt([]byte("patched"), 4096)
		return err
	})
	require.NoError(t, err)

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want := bytes.Clone(data)
	copy(want[4096:], "patched")
	assert.Equal(t, want, got)
	old, err := os.ReadFile(filepath.Join(dir, "old"))
	require.NoError(t, err)
	assert.Equal(t, data, old, "the clone's write did not reach the original")
	// Everything but the rewritten block is still shared. (Recent kernels
	// also share extents through copy_file_range, the fallback.)
	assert.GreaterOrEqual(t, sharedBytes(t, path), int64(len(data)-64<<10))
}

// srcDst writes data to dir/src and returns it open, with an empty dir/dst
// open for writing.
func srcDst(t *testing.T, dir string, data []byte) (src, dst *os.File) {
	t.Helper()
	path := filepath.Join(dir, "src")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	src, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { src.Close() })
	dst, err = os.Create(filepath.Join(dir, "dst"))
	require.NoError(t, err)
	t.Cleanup(func() { dst.Close() })
	return src, dst
}

func TestClone(t *testing.T) {
	s, d := srcDst(t, reflinkDir(t), bytes.Repeat([]byte("x"), 1<<20))

	require.NoError(t, clone(d, s))

	assert.Equal(t, int64(1<<20), sharedBytes(t, d.Name()))
}

func TestCloneUnsupported(t *testing.T) {
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "atomicfile")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s, d := srcDst(t, dir, []byte("data"))

	err = clone(d, s)

	require.Error(t, err, "tmpfs cannot share extents")
	assert.Contains(t, err.Error(), "ioctl FICLONE")
	fi, err := d.Stat()
	require.NoError(t, err)
	assert.Zero(t, fi.Size(), "a failed clone leaves dst empty for the copy")
}

func TestReplaceCopyFallsBackToACopy(t *testing.T) {
	// /dev/shm is tmpfs, which cannot clone; TempDir may be anything.
	for _, dir := range []string{t.TempDir(), "/dev/shm"} {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		d, err := os.MkdirTemp(dir, "atomicfile")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(d) })
		path := filepath.Join(d, "lib.so")
		require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o644))
		err = Options{NoSync: true}.ReplaceCopy(path, func(tmp *os.File) error {
			_, err := tmp.WriteAt([]byte("ab"), 2)
			return err
		})
		require.NoError(t, err, dir)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "01ab456789", string(got), dir)
		assert.Equal(t, []string{"lib.so"}, dirNames(t, d), "no temporary file is left")
	}
}
