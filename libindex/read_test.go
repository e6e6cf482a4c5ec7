package libindex

import (
	"bytes"
	"io"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/elftest"
)

func TestBlockReader(t *testing.T) {
	data := make([]byte, 10*blockSize+100)
	for i := range data {
		data[i] = byte(i * 7)
	}
	// Each case starts from an empty reader, after the reads of before.
	for _, tc := range []struct {
		name      string
		before    [][2]int // off, n
		off, n    int
		fileReads int
	}{
		{"first read fetches a block", nil, 0, 4, 1},
		{"inside the first block", [][2]int{{0, 4}}, 100, 64, 0},
		{"crosses a block's end", [][2]int{{0, 4}}, blockSize - 2, 4, 1},
		{"the block before comes along", [][2]int{{8*blockSize + 10, 64}}, 8*blockSize - 300, 200, 0},
		{"no look-behind far from the boundary", [][2]int{{8*blockSize + 2000, 64}}, 8*blockSize - 300, 200, 1},
		{"up to the end of the file", nil, len(data) - 50, 50, 1},
		{"past the end: a short read", nil, len(data) - 10, 20, 1},
		{"too long to keep", nil, blockSize, blockBytes + 1, 1},
		{"too long is not kept", [][2]int{{blockSize, blockBytes + 1}}, blockSize, 8, 1},
		{"zero bytes", nil, 10, 0, 1},
		{"block 0 is kept when others are dropped",
			[][2]int{{0, 4}, {2 * blockSize, 4}, {4 * blockSize, 4}, {6 * blockSize, 4}, {8 * blockSize, 4}}, 8, 8, 0},
		{"the oldest other block is dropped",
			[][2]int{{0, 4}, {2 * blockSize, 4}, {4 * blockSize, 4}, {6 * blockSize, 4}, {8 * blockSize, 4}}, 2*blockSize + 8, 8, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			under := &countingReaderAt{r: bytes.NewReader(data)}
			br := newBlockReader(under, int64(len(data)))
			defer br.release()
			for _, b := range tc.before {
				p := make([]byte, b[1])
				_, err := br.ReadAt(p, int64(b[0]))
				require.NoError(t, err)
				require.Equal(t, data[b[0]:b[0]+b[1]], p)
			}
			under.calls = 0
			p := make([]byte, tc.n)
			n, err := br.ReadAt(p, int64(tc.off))
			wantN := min(tc.n, len(data)-tc.off)
			assert.Equal(t, wantN, n)
			assert.Equal(t, data[tc.off:tc.off+wantN], p[:n])
			if wantN < tc.n {
				assert.ErrorIs(t, err, io.EOF)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.fileReads, under.calls, "reads of the file")
		})
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
