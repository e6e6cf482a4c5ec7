package elf

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFinishMergesCloseWrites: finish drops the writes that change nothing
// and merges the close ones, with the gap as the result has it, never
// across the original end of the file.
func TestFinishMergesCloseWrites(t *testing.T) {
	orig := make([]byte, 200)
	for i := range orig {
		orig[i] = byte(i)
	}
	w := func(off int64, s string) Write { return Write{Off: off, Data: []byte(s)} }
	gap := func(lo, hi int) string { return string(orig[lo:hi]) }
	for _, tc := range []struct {
		name   string
		size   int64
		writes []Write
		want   []Write
	}{
		{"header fields", 200,
			[]Write{w(40, "bbbbbbbb"), w(32, "aaaaaaaa"), w(56, "cc")},
			[]Write{w(32, "aaaaaaaabbbbbbbb"+gap(48, 56)+"cc")}},
		{"too far apart", 200,
			[]Write{w(0, "a"), w(66, "b")},
			[]Write{w(0, "a"), w(66, "b")}},
		{"at the limit", 200,
			[]Write{w(0, "a"), w(65, "b")},
			[]Write{w(0, "a"+gap(1, 65)+"b")}},
		{"a no-op write is dropped, not merged", 200,
			[]Write{w(10, "x"), w(12, gap(12, 14))},
			[]Write{w(10, "x")}},
		{"past the end, zeros between", 300,
			[]Write{w(200, "new"), w(210, "seg")},
			[]Write{w(200, "new\x00\x00\x00\x00\x00\x00\x00seg")}},
		{"never across the old end", 300,
			[]Write{w(190, "old"), w(200, "new")},
			[]Write{w(190, "old"), w(200, "new")}},
		{"a write that straddles the end stays alone", 300,
			[]Write{w(150, "in"), w(198, "both"), w(202, "past")},
			[]Write{w(150, "in"), w(198, "both"), w(202, "past")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := patchBuilder{f: &File{r: bytes.NewReader(orig), size: int64(len(orig))}}
			for _, x := range tc.writes {
				b.put(x.Off, x.Data)
			}
			unmerged := &Patch{OrigSize: int64(len(orig)), Size: tc.size, Writes: tc.writes}
			p, err := b.finish(tc.size)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.Writes)
			assert.Equal(t, unmerged.Bytes(orig), p.Bytes(orig), "merging changed the result")
		})
	}
}
