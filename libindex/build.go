package libindex

import (
	"context"
	"io/fs"
	"runtime"

	"github.com/gopatchelf/gopatchelf/internal/ordered"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Root is a place libraries are read from: a tree being patched, a --libs
// entry, a directory a library's RUNPATH names, or the members of a zip.
type Root struct {
	// FS holds the root. Names in it are joined with "/" and never
	// cleaned, so a [RealpathFS] may take the machine's own paths
	// ("../lib", "/nix/store/…/lib") as names.
	FS fs.FS
	// Name is the root in FS: "." for all of it, a directory, or a single
	// file.
	Name string
	// Path is how the index and messages name the root; the names below
	// it are joined to it. A root is read once per [Builder], by Path.
	Path string
	// Recursive walks the directories below the root too. The roots a
	// RUNPATH reaches inherit it from the root whose library named them.
	Recursive bool
	// Followed is set by [Builder.Add] on the roots a RUNPATH reached.
	Followed bool
}

// Action is what [Builder.Add] does with a node of a walk.
type Action int

const (
	// Skip leaves the node out.
	Skip Action = iota
	// Read reads it as a library candidate and indexes what it provides.
	Read
	// Pass hands it to Options.Found unread, in its place in walk order.
	Pass
	// Probe only tells, on a worker, whether the file is ELF ([IsELF]):
	// Options.Found gets a Lib with no Facts whose Err is IsELF's.
	Probe
)

// Options are the parts of [Builder.Add] a caller may change.
type Options struct {
	// Workers bounds the files read at once; 0 means GOMAXPROCS. The index
	// and the order of Found calls do not depend on it.
	Workers int
	// Select says what to do with each node of the walks, errors
	// included. It runs on the walking goroutine, in walk order. nil
	// reads the candidates ([IsCandidate]) and skips everything else.
	Select func(Root, Node) Action
	// Found, when set, is called for every node Select did not skip, in
	// walk order and from the caller's goroutine, before the library is
	// indexed: with what Read found, IsELF's answer for Probe, or a zero
	// Lib for Pass.
	Found func(Root, Node, Action, Lib)
	// Follow gives the root for a directory a library's RUNPATH names
	// (an entry of Lib.Runpath), or false to leave it out. nil follows
	// none.
	Follow func(dir string) (Root, bool)
}

// Builder fills Index in auto-patchelf's order (populate_cache): breadth
// first, each root in turn followed by the directories the RUNPATH of its
// libraries names, each root read once, each library appended under its
// file name. The first compatible library of a name wins at lookup time,
// so the order of roots is the precedence.
//
// A Builder is used by one goroutine at a time.
type Builder struct {
	Index *resolver.Index
	seen  map[string]bool
}

// Add indexes the libraries of roots, in order, and of the directories
// their RUNPATHs reach (see [Builder]). Files that are not ELF, separate
// debug objects, and libraries whose directory cannot be resolved are
// left out; so are directories that cannot be listed, as upstream does
// (Options.Select sees them). It returns ctx's error if ctx ends first.
func (b *Builder) Add(ctx context.Context, roots []Root, opts Options) error {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	sel := opts.Select
	if sel == nil {
		sel = func(r Root, n Node) Action {
			if IsCandidate(r.FS, n) {
				return Read
			}
			return Skip
		}
	}
	type item struct {
		n   Node
		act Action
	}
	queue := append([]Root(nil), roots...)
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		root := queue[0]
		queue = queue[1:]
		if b.seen[root.Path] {
			continue
		}
		b.seen[root.Path] = true
		items := func(yield func(item) bool) {
			for n := range root.Walk() {
				if act := sel(root, n); act != Skip && !yield(item{n, act}) {
					return
				}
			}
		}
		err := ordered.Map(ctx, items, workers(opts.Workers), func(it item) Lib {
			switch it.act {
			case Read:
				return root.Read(it.n)
			case Probe:
				return Lib{Err: IsELF(root.FS, it.n.Name)}
			}
			return Lib{}
		}, func(it item, lib Lib) {
			if opts.Found != nil {
				opts.Found(root, it.n, it.act, lib)
			}
			if lib.Library.Name == "" {
				return
			}
			b.Index.Add(lib.Library)
			if opts.Follow == nil {
				return
			}
			for _, d := range lib.Runpath {
				if r, ok := opts.Follow(d); ok {
					r.Recursive, r.Followed = root.Recursive, true
					queue = append(queue, r)
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func workers(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}
