package libindex

import (
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

func TestHeadReader(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 10))
	under := &countingReaderAt{r: strings.NewReader(string(data))}
	h := &headReader{head: data[:32], r: under}
	for _, tc := range []struct {
		off, n   int
		fromHead bool
	}{
		{0, 4, true},
		{28, 4, true},
		{32, 0, true},
		{30, 4, false}, // crosses the end of head
		{40, 10, false},
		{95, 10, false}, // past the end of the file: short read
	} {
		under.calls = 0
		p := make([]byte, tc.n)
		n, err := h.ReadAt(p, int64(tc.off))
		wantN := min(tc.n, len(data)-tc.off)
		assert.Equal(t, wantN, n, "ReadAt(%d, %d)", tc.n, tc.off)
		assert.Equal(t, data[tc.off:tc.off+wantN], p[:n], "ReadAt(%d, %d)", tc.n, tc.off)
		if wantN < tc.n {
			assert.ErrorIs(t, err, io.EOF)
		} else {
			assert.NoError(t, err)
		}
		assert.Equal(t, !tc.fromHead, under.calls > 0, "ReadAt(%d, %d) read the file", tc.n, tc.off)
	}
}

type countingReaderAt struct {
	r     io.ReaderAt
	calls int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	return c.r.ReadAt(p, off)
}

// TestOpen: files read at offsets (MapFS, a directory) and files read as a
// stream (a deflated zip member) give the same answers.
func TestOpen(t *testing.T) {
	lib := elftest.FixtureBytes(t, "x86_64/transitive/libfoo.so")
	files := map[string]entry{
		"lib.so":       {data: lib},
		"text.so":      {data: []byte("hello")},
		"short.so":     {data: []byte("\x7fE")},
		"empty.so":     {data: nil},
		"truncated.so": {data: lib[:100]},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			fsys, _ := src.make(t, files)
			f, err := Open(fsys, "lib.so")
			require.NoError(t, err)
			assert.Equal(t, []string{"libbar.so", "libc.so.6"}, f.Needed)
			got := make([]byte, len(lib))
			_, err = f.Src.ReadAt(got, 0)
			require.NoError(t, err)
			assert.Equal(t, lib, got, "Src holds the file's bytes")
			f.Close()

			for _, name := range []string{"text.so", "short.so", "empty.so"} {
				_, err := Open(fsys, name)
				assert.ErrorIs(t, err, elf.ErrNotELF, name)
			}
			_, err = Open(fsys, "truncated.so")
			require.Error(t, err)
			assert.NotErrorIs(t, err, elf.ErrNotELF)
			assert.ErrorContains(t, err, "truncated.so: ")
			_, err = Open(fsys, "missing.so")
			assert.ErrorIs(t, err, fs.ErrNotExist)
		})
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range [][3]string{
		{".", "x", "x"},
		{"/", "x", "/x"},
		{"//", "x", "//x"}, // pathlib keeps two leading slashes
		{"out", "x", "out/x"},
		{"../out", "x", "../out/x"},
	} {
		assert.Equal(t, tc[2], Join(tc[0], tc[1]), "Join(%q, %q)", tc[0], tc[1])
	}
}

// TestIsELF: the first four bytes tell, whether the file is read at
// offsets or as a stream.
func TestIsELF(t *testing.T) {
	files := map[string]entry{
		"prog":  {data: []byte("\x7fELF\x02\x01\x01")},
		"magic": {data: []byte("\x7fELF")},
		"text":  {data: []byte("hello")},
		"short": {data: []byte("\x7fE")},
		"empty": {data: nil},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			fsys, _ := src.make(t, files)
			for name, want := range map[string]error{
				"prog": nil, "magic": nil, "text": elf.ErrNotELF, "short": elf.ErrNotELF, "empty": elf.ErrNotELF,
			} {
				assert.Equal(t, want, IsELF(fsys, name), name)
			}
			assert.ErrorIs(t, IsELF(fsys, "gone"), fs.ErrNotExist)
		})
	}
}
