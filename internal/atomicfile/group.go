package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// A Group settles the durability of many replacements at once. A
// replacement made with [Options.Group] set (and NoSync unset) writes and
// closes its temporary file but neither syncs nor renames it; [Group.Commit]
// then flushes each file system the temporary files lie on once (syncfs)
// and renames every one over its original.
//
// One flush instead of one fsync per file: on a journalling file system
// each fsync is a journal commit and a disk cache flush, and on Btrfs or
// XFS, where the temporary file is a clone, that commit is most of the
// cost of a replacement. The guarantee is the one fsync gives: no name
// ever points at a file whose data is not on disk. Until Commit, every
// original is untouched; a run killed before it leaves only temporary
// files, which [IsTemp] recognises.
//
// A Group is safe for concurrent use by the replacements; Commit and
// Abort are called once, after the last replacement returned.
type Group struct {
	mu      sync.Mutex
	pending []member
	fs      map[uint64]*os.File // one open file per file system, for syncfs
	done    bool
}

// member is a replacement waiting in a Group, with its file system.
type member struct {
	p   *Pending
	dev uint64
}

// NewGroup returns an empty Group.
func NewGroup() *Group { return &Group{fs: map[uint64]*os.File{}} }

// add takes p, whose temporary file is complete, into the group: it gets
// the original's permission bits and is closed; a descriptor on its file
// system is kept for Commit's flush.
func (g *Group) add(p *Pending) error {
	if err := p.File.Chmod(p.perm); err != nil {
		return err
	}
	if !flushOnce {
		if err := p.File.Sync(); err != nil {
			return err
		}
	}
	dev, err := fileSystemOf(p.File)
	if err != nil {
		return &os.PathError{Op: "fstat", Path: p.File.Name(), Err: err}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return errors.New("atomicfile: replacement added to a committed group")
	}
	if _, ok := g.fs[dev]; !ok {
		f, err := os.Open(p.File.Name())
		if err != nil {
			return err
		}
		g.fs[dev] = f
	}
	if err := p.File.Close(); err != nil {
		return err
	}
	g.pending = append(g.pending, member{p, dev})
	p.done = true // the group's now: Cleanup leaves it alone
	return nil
}

// Len is the number of replacements waiting for Commit.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

// Commit flushes the file systems, then renames each temporary file over
// its original, in the order of the originals' paths. It returns one error
// per replacement that did not happen, keyed by the original's path: when
// a flush fails, every replacement on that file system fails and its
// original stays as it was.
func (g *Group) Commit() map[string]error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return nil
	}
	g.done = true
	failed := map[uint64]error{}
	for dev, f := range g.fs {
		if err := syncfs(f); err != nil {
			failed[dev] = &os.PathError{Op: "syncfs", Path: f.Name(), Err: err}
		}
		f.Close()
	}
	slices.SortFunc(g.pending, func(a, b member) int { return strings.Compare(a.p.path, b.p.path) })
	errs := map[string]error{}
	for _, m := range g.pending {
		if err := commitMember(m.p, failed[m.dev]); err != nil {
			errs[m.p.path] = err
		}
	}
	g.pending = nil
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// commitMember renames p's temporary file over its original, unless err
// (the flush of its file system failed); a temporary file not renamed is
// removed.
func commitMember(p *Pending, err error) error {
	tmp := p.File.Name()
	if err == nil {
		if err = syscall.Rename(tmp, p.path); err == nil {
			p.done = true
			return nil
		}
		err = &os.LinkError{Op: "rename", Old: tmp, New: p.path, Err: err}
	}
	p.done = true
	if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return fmt.Errorf("%w (and removing %s failed: %v)", err, tmp, rerr)
	}
	return err
}

// Abort removes every temporary file of the group; no original changes.
func (g *Group) Abort() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return
	}
	g.done = true
	for _, f := range g.fs {
		f.Close()
	}
	for _, m := range g.pending {
		m.p.done = true
		os.Remove(m.p.File.Name())
	}
	g.pending = nil
}
