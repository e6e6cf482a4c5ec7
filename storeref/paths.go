package storeref

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
)

// ScanPaths reports the store references of every regular file and
// symbolic link under paths (see [Scan]; a link's target is scanned as
// Nix's reference scanner does). Directories are walked recursively, in
// sorted order, without following links. A file that cannot be read is
// an entry in Errors; the error returned is ctx's, when it ends the walk.
func ScanPaths(ctx context.Context, paths []string, storeDir string) (Report, error) {
	rep := newReport(storeDir)
	err := walkFiles(ctx, paths, func(e walkEntry) {
		if e.err != nil {
			rep.fail(e.path, e.err)
			return
		}
		if e.link != "" {
			if refs := linkRefs(e.link, storeDir); len(refs) > 0 {
				rep.Files = append(rep.Files, FileReport{Path: e.path, Refs: refs})
			}
			return
		}
		data, err := os.ReadFile(e.path)
		if err != nil {
			rep.fail(e.path, err)
			return
		}
		refs, elfErr := Scan(data, storeDir)
		if len(refs) == 0 && elfErr == nil {
			return
		}
		rf := FileReport{Path: e.path, Refs: refs}
		if elfErr != nil {
			rf.ELFError = elfErr.Error()
		}
		if rf.Refs == nil {
			rf.Refs = []Ref{}
		}
		rep.Files = append(rep.Files, rf)
	})
	rep.finish()
	return rep, err
}

// ScrubConfig is one [ScrubPaths] run.
type ScrubConfig struct {
	Options
	// NoSync replaces a changed file without syncing it first: still
	// atomic for readers, not against a power loss. For Nix builds.
	NoSync bool
	// InPlace writes a changed file's bytes into the file itself (same
	// inode, torn if the run is killed mid-write) instead of into a
	// temporary file renamed over it. For Nix builds.
	InPlace bool
	// DryRun reports what would change and writes nothing.
	DryRun bool
}

// ScrubPaths scrubs every regular file under paths (see [Scrub]), writes
// those whose bytes change, and reports for each file what changed and
// the references that remain. A file that cannot be read, scrubbed or
// written is an entry in Errors and is left untouched; when it could not
// be written, its references are reported as remaining. Symbolic links are
// never changed; the references in their targets are reported. The error
// returned is ctx's, when it ends the walk.
func ScrubPaths(ctx context.Context, paths []string, cfg ScrubConfig) (Report, error) {
	storeDir := cfg.StoreDir
	if storeDir == "" {
		storeDir = DefaultStoreDir
	}
	cfg.StoreDir = storeDir
	rep := newReport(storeDir)
	err := walkFiles(ctx, paths, func(e walkEntry) {
		if e.err != nil {
			rep.fail(e.path, e.err)
			return
		}
		if e.link != "" {
			if refs := linkRefs(e.link, storeDir); len(refs) > 0 {
				no := false
				rep.Files = append(rep.Files, FileReport{Path: e.path, Changed: &no, Refs: refs})
			}
			return
		}
		rf, err := scrubFile(e.path, cfg)
		if err != nil {
			rep.fail(e.path, err)
			if len(rf.Refs) > 0 { // not written: its references remain
				rep.Files = append(rep.Files, rf)
			}
			return
		}
		if *rf.Changed {
			rep.Scrubbed++
		}
		if *rf.Changed || len(rf.Refs) > 0 {
			rep.Files = append(rep.Files, rf)
		}
	})
	rep.finish()
	return rep, err
}

// scrubFile scrubs one regular file and writes it, as cfg says, when
// its bytes change. When the write fails, the file is returned unchanged
// with the references it still holds, along with the error.
func scrubFile(path string, cfg ScrubConfig) (FileReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return FileReport{}, err
	}
	res, err := Scrub(data, cfg.Options)
	if err != nil {
		return FileReport{}, fmt.Errorf("%s: %w", path, err)
	}
	if res.Changed && !cfg.DryRun {
		write := atomicfile.Options{NoSync: cfg.NoSync, InPlace: cfg.InPlace}
		if err := write.WriteBytes(path, data, res.Data); err != nil {
			unchanged := false
			refs, serr := Scan(data, cfg.StoreDir)
			if serr != nil || refs == nil {
				refs = []Ref{}
			}
			return FileReport{Path: path, Changed: &unchanged, Refs: refs}, err
		}
	}
	changed := res.Changed
	refs := res.Remaining
	if refs == nil {
		refs = []Ref{}
	}
	return FileReport{Path: path, Changed: &changed, Changes: res.Changes, Refs: refs}, nil
}

// linkRefs reports the store paths in a symbolic link's target: Nix's
// reference scanner reads those too.
func linkRefs(target, storeDir string) []Ref {
	refs, _ := Scan([]byte(target), storeDir)
	for i := range refs {
		refs[i].Kind, refs[i].Value, refs[i].Offset = Symlink, target, -1
	}
	return refs
}

// walkEntry is one file met by walkFiles: a regular file, a symbolic link
// (link is its target) or an error.
type walkEntry struct {
	path string
	link string
	err  error
}

// walkFiles calls fn for each regular file and symbolic link under paths,
// in the order given and, inside directories, sorted by name, never
// following links. Other file types are skipped.
func walkFiles(ctx context.Context, paths []string, fn func(walkEntry)) error {
	visit := func(path string, d fs.DirEntry) {
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				fn(walkEntry{path: path, err: err})
				return
			}
			fn(walkEntry{path: path, link: target})
		case d.Type().IsRegular():
			fn(walkEntry{path: path})
		}
	}
	for _, root := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := os.Lstat(root)
		if err != nil {
			fn(walkEntry{path: root, err: err})
			continue
		}
		if !st.IsDir() {
			visit(root, fs.FileInfoToDirEntry(st))
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fn(walkEntry{path: path, err: err})
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !d.IsDir() {
				visit(path, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
