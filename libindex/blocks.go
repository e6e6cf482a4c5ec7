package libindex

import (
	"io"
	"sync"
)

// Reading a file while parsing it ([Open]): the parse asks for the ELF header, the
// program headers, the section header table (twice: elf checks it, then
// debug/elf reads it), the section names, the dynamic table and a few
// strings, mostly in small pieces at a handful of places. blockReader
// serves them from a few blocks read whole, so a library costs about
// three reads (the start of the file, the end with the section headers and
// their names, the dynamic table) rather than one per piece.
const (
	blockSize = 4096 // reads are widened to whole blocks of this size
	// blockBytes is the largest block kept: a longer read (a whole string
	// table for an edit, a note section) goes to the file as it is.
	blockBytes = 4 * blockSize
	maxBlocks  = 4 // blocks kept per file; the oldest but the first is dropped
	// lookBehind: a read that starts this close to a block boundary also
	// fetches the block before, where the section names usually lie just
	// before the section header table at the end of the file.
	lookBehind = 1024
)

var blockPool = sync.Pool{New: func() any { return new([blockBytes]byte) }}

type block struct {
	off  int64
	data []byte
	buf  *[blockBytes]byte
}

// blockReader reads r, a file of size bytes, through cached blocks. It
// is used by one goroutine; release returns its buffers.
type blockReader struct {
	r      io.ReaderAt
	size   int64
	blocks []block
	next   int // the slot the next block replaces once all are taken
}

func newBlockReader(r io.ReaderAt, size int64) *blockReader {
	return &blockReader{r: r, size: size, blocks: make([]block, 0, maxBlocks)}
}

// fill reads the block [off, off+n) of the file, n ≤ blockBytes, and keeps
// it. A short block (the file ended) is kept as far as it goes.
func (b *blockReader) fill(off int64, n int) (block, error) {
	buf := blockPool.Get().(*[blockBytes]byte)
	m, err := b.r.ReadAt(buf[:n], off)
	if m < n && err == nil {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		blockPool.Put(buf)
		return block{}, err
	}
	bl := block{off: off, data: buf[:m], buf: buf}
	if len(b.blocks) < maxBlocks {
		b.blocks = append(b.blocks, bl)
		return bl, nil
	}
	// Keep block 0 (the headers), replace the others in turn.
	b.next = max(1, b.next%maxBlocks)
	blockPool.Put(b.blocks[b.next].buf)
	b.blocks[b.next] = bl
	b.next++
	return bl, nil
}

func (b *blockReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || len(p) == 0 || off >= b.size {
		return b.r.ReadAt(p, off)
	}
	end := off + int64(len(p))
	for _, bl := range b.blocks {
		if off >= bl.off && end <= bl.off+int64(len(bl.data)) {
			return copy(p, bl.data[off-bl.off:]), nil
		}
	}
	lo := off &^ (blockSize - 1)
	if off-lo < lookBehind && lo >= blockSize {
		lo -= blockSize
	}
	hi := min(b.size, (end+blockSize-1)&^(blockSize-1))
	if end > b.size || hi-lo > blockBytes {
		return b.r.ReadAt(p, off) // past the end (a short read), or too long to keep
	}
	bl, err := b.fill(lo, int(hi-lo))
	if err != nil {
		return 0, err
	}
	if end > bl.off+int64(len(bl.data)) { // the file is shorter than size says
		return b.r.ReadAt(p, off)
	}
	return copy(p, bl.data[off-bl.off:]), nil
}

// release returns the buffers; b must not be used afterwards.
func (b *blockReader) release() {
	for _, bl := range b.blocks {
		blockPool.Put(bl.buf)
	}
	b.blocks = nil
}
