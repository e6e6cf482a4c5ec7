package elf_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopatchelf/gopatchelf/elf"
)

// orderTarget records the offsets written, in order.
type orderTarget struct {
	memTarget
	offs []int64
}

func (o *orderTarget) WriteAt(b []byte, off int64) (int, error) {
	o.offs = append(o.offs, off)
	return o.memTarget.WriteAt(b, off)
}

// ApplyTo writes past the original end first, so that written in place a
// file that cannot grow fails before any of its bytes is overwritten.
func TestApplyToExtendsFirst(t *testing.T) {
	orig := make([]byte, 100)
	p := &elf.Patch{OrigSize: 100, Size: 300, Writes: []elf.Write{
		{Off: 0, Data: []byte("hdr")},
		{Off: 50, Data: []byte("mid")},
		{Off: 100, Data: []byte("new segment")},
		{Off: 290, Data: []byte("0123456789")},
	}}
	var dst orderTarget
	dst.b = append([]byte(nil), orig...)
	require.NoError(t, p.ApplyTo(&dst))
	assert.Equal(t, []int64{100, 290, 0, 50}, dst.offs)
	assert.Equal(t, p.Bytes(orig), dst.b)
}
