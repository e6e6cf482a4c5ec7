package libindex

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
