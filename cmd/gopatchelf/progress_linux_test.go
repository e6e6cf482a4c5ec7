package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gopatchelf/gopatchelf/internal/console"
)

// openPTY opens a pseudo-terminal: the terminal side a program writes to,
// and a function that closes it and returns everything written, as the
// other side read it. Output processing is off, so the bytes read are the
// bytes written.
func openPTY(t *testing.T) (tty *os.File, output func() string) {
	t.Helper()
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master := os.NewFile(uintptr(mfd), "/dev/ptmx")
	t.Cleanup(func() { master.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	require.NoError(t, err)
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	require.NoError(t, err)
	tio.Oflag &^= unix.OPOST
	require.NoError(t, unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, tio))

	var got bytes.Buffer
	done := make(chan error, 1)
	go func() { // read as it is written, so that the writer never blocks
		_, err := io.Copy(&got, master)
		done <- err
	}()
	return tty, func() string {
		tty.Close()
		err := <-done
		if !errors.Is(err, syscall.EIO) { // what reading gives once the terminal side is closed
			require.NoError(t, err)
		}
		return got.String()
	}
}

// progressLine matches a drawing of the progress line, which must be
// followed by its erasure ("\r\x1b[K"), or an erasure alone (the first
// drawing starts with one).
var progressLine = regexp.MustCompile(`(gopatchelf: (indexing libraries|\d+/\d+ ELF files|\d+ ELF files))?\r\x1b\[K`)

// TestProgressOnATerminalOnly (issue 13): with stderr a terminal, auto's
// progress line counts the ELF files of the run against their number (6
// in goldenTree: not the text file named .so, nor the symbolic link), and
// it is erased before every other line: with every drawing followed by
// its erasure taken out, what is left is byte for byte the output of the
// same run off a terminal, which has no progress line at all (a drawing
// not erased at once would be left, and differ). The test draws the
// line at once and at every change (console.Timing{}); a real run waits
// a second.
func TestProgressOnATerminalOnly(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	goldenTree(t, root)
	t.Chdir(root)
	t.Setenv("NIX_BINTOOLS", root+"/bintools")
	args := []string{"--paths", "out", "--libs", "store/bar/lib", "store/pq/lib", "--dry-run"}
	immediate := &console.Timing{}

	tty, output := openPTY(t)
	code := runAuto(context.Background(), args, stdio{in: strings.NewReader(""), out: tty, errOut: tty, progress: immediate})
	require.Equal(t, exitOK, code)
	onTTY := output()

	plain, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer plain.Close()
	code = runAuto(context.Background(), args, stdio{in: strings.NewReader(""), out: plain, errOut: plain, progress: immediate})
	require.Equal(t, exitOK, code)
	offTTY, err := os.ReadFile(plain.Name())
	require.NoError(t, err)

	assert.NotContains(t, string(offTTY), "\x1b[K", "no progress line off a terminal")
	assert.Contains(t, string(offTTY), "searching for dependencies of out/bin/prog\n")
	assert.Equal(t, string(offTTY), progressLine.ReplaceAllString(onTTY, ""),
		"on a terminal, the output is the same once the progress line is taken out")

	var counts []string
	for _, m := range progressLine.FindAllStringSubmatch(onTTY, -1) {
		if m[1] != "" && m[1] != "gopatchelf: indexing libraries" {
			counts = append(counts, m[1])
		}
	}
	require.NotEmpty(t, counts)
	assert.Equal(t, "gopatchelf: 6/6 ELF files", counts[len(counts)-1])
	for i := 1; i <= 6; i++ {
		assert.Contains(t, counts, fmt.Sprintf("gopatchelf: %d/6 ELF files", i))
	}
	assert.True(t, strings.HasSuffix(onTTY, "\r\x1b[K"), "the line is erased at the end")
}
