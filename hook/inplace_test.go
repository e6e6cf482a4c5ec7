package hook

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// overlapFS writes in place and records any moment at which a file is
// opened, or written, while another name of its inode is being written.
type overlapFS struct {
	OSFS
	mu       sync.Mutex
	writing  map[uint64]string
	overlaps []string
}

func (o *overlapFS) ino(name string) uint64 {
	fi, err := os.Stat(name)
	if err != nil {
		return 0
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func (o *overlapFS) Open(name string) (File, error) {
	ino := o.ino(name)
	o.mu.Lock()
	if w, ok := o.writing[ino]; ok {
		o.overlaps = append(o.overlaps, fmt.Sprintf("%s opened while %s is written", name, w))
	}
	o.mu.Unlock()
	return o.OSFS.Open(name)
}

func (o *overlapFS) Replace(name string, edit func(*os.File) error) error {
	ino := o.ino(name)
	o.mu.Lock()
	if w, ok := o.writing[ino]; ok {
		o.overlaps = append(o.overlaps, fmt.Sprintf("%s written while %s is written", name, w))
	}
	o.writing[ino] = name
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		delete(o.writing, ino)
		o.mu.Unlock()
	}()
	return o.OSFS.Replace(name, func(f *os.File) error {
		time.Sleep(20 * time.Millisecond) // a slow write: the window for a reader
		return edit(f)
	})
}

// In place, the names of one inode are worked on one after the other, in
// walk order, so none is read half written; all end up patched, through
// the first name (the later ones find nothing left to do). Atomically they
// are independent files once written, and may be worked on at once.
func TestInPlaceHardLinksOneAtATime(t *testing.T) {
	root := realTemp(t)
	files := siteTree(t)
	makeTree(t, root, files, sortedNames(files))
	inDir(t, root)
	var names []string
	for i := range 12 {
		n := fmt.Sprintf("out/bin/l%02d/prog", i)
		require.NoError(t, os.MkdirAll(filepath.Dir(n), 0o755))
		require.NoError(t, os.Link("out/bin/prog", n))
		names = append(names, n)
	}
	ofs := &overlapFS{OSFS: OSFS{InPlace: true, NoSync: true}, writing: map[uint64]string{}}
	cfg := siteConfig()
	cfg.FS = ofs
	cfg.Workers = 8
	_, rep, err := collect(t, cfg)
	require.NoError(t, err)
	assert.Empty(t, ofs.overlaps)
	outcomes := map[string]Outcome{}
	for _, f := range rep.Files {
		outcomes[f.Path] = f.Outcome
	}
	assert.Equal(t, Patched, outcomes["out/bin/l00/prog"], "the first name in the walk patches the inode")
	for _, n := range append(names[1:], "out/bin/prog") {
		assert.Equal(t, Unchanged, outcomes[n], n)
	}
	want, err := os.ReadFile("out/bin/prog")
	require.NoError(t, err)
	for _, n := range names {
		got, err := os.ReadFile(n)
		require.NoError(t, err)
		assert.Equal(t, want, got, n)
	}
}
