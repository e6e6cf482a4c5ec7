package hook

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/ordered"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// runner is the state of one Run.
type runner struct {
	cfg     Config
	fs      FS
	log     logrus.FieldLogger
	emit    func(Event)
	workers int

	paths, libs []string // DisplayPath forms of cfg.Paths and cfg.Libs

	// Written while indexing, by the goroutine that emits; read-only
	// afterwards.
	debugSeen map[string]bool // debug objects reported while indexing
	list      []node          // the patch list: the trees' ELF files and errors, in walk order; patchList releases it
	elfTotal  int             // the files of list: ELF files the patch phase will meet
	ix        resolver.Index

	// Shared by the workers.
	opts     resolver.Options
	files    sync.Map // path -> bool: resolver's IsFile answers
	realDirs sync.Map // dir -> realDirResult

	report Report

	// group holds the atomic replacements until commit (OSFS only).
	group *atomicfile.Group
}

type realDirResult struct {
	dir string
	err error
}

// Run patches the trees cfg describes, as nixpkgs' auto-patchelf does
// (see the package documentation), and reports what it did.
//
// The returned error is nil when every file was handled and every
// dependency satisfied or ignored; otherwise it joins the per-file errors
// and the unsatisfied dependencies (see [Report.Err]). It is [ErrNoPaths]
// or a configuration error before anything is touched, and ctx's error
// when the run was cancelled: files already written stay written, the
// others are untouched (cancelling waits for the file being written).
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	r := newRunner(cfg)
	if err := r.run(ctx); err != nil {
		return r.report, err
	}
	return r.report, r.report.Err()
}

func newRunner(cfg Config) *runner {
	r := &runner{
		cfg:       cfg,
		fs:        cfg.FS,
		log:       cfg.Log,
		emit:      cfg.Events,
		workers:   cfg.Workers,
		debugSeen: map[string]bool{},
	}
	if r.fs == nil {
		r.fs = OSFS{}
	}
	if o, ok := r.fs.(OSFS); ok && !o.NoSync && !o.InPlace && !cfg.DryRun {
		o.group = atomicfile.NewGroup()
		r.fs, r.group = o, o.group
	}
	if r.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		r.log = l
	}
	if r.emit == nil {
		r.emit = func(Event) {}
	}
	if r.workers == 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	for _, p := range cfg.Paths {
		r.paths = append(r.paths, DisplayPath(p))
	}
	for _, p := range cfg.Libs {
		r.libs = append(r.libs, DisplayPath(p))
	}
	r.opts = resolver.Options{
		LibcDir:                    cfg.LibcDir,
		LibcNames:                  cfg.LibcNames,
		KeepLibc:                   cfg.KeepLibc,
		IsFile:                     r.isRegularFile,
		PreserveOrigin:             cfg.PreserveOrigin,
		RelativeRpaths:             cfg.RelativeRpaths,
		RuntimeDependencies:        cfg.RuntimeDependencies,
		RuntimeDependenciesForLibs: cfg.RuntimeDependenciesForLibs,
		AppendRpaths:               cfg.AppendRpaths,
		IgnoreMissing:              cfg.IgnoreMissing,
	}
	return r
}

func (r *runner) run(ctx context.Context) error {
	if r.cfg.RelativeRpaths {
		for _, p := range r.paths {
			if real, err := r.fs.Realpath(p); err == nil {
				r.opts.Trees = append(r.opts.Trees, real)
			}
		}
	}
	if err := r.buildIndex(ctx); err != nil {
		return err
	}
	r.log.WithField("libraries", r.ix.Len()).Debug("index built")

	var results []resolver.Result
	elfDone := 0
	err := ordered.Map(ctx, r.patchList(), r.workers, func(n node) fileResult {
		if n.err != nil {
			return fileResult{}
		}
		if n.done != nil {
			defer close(n.done)
		}
		if n.after != nil {
			<-n.after // another name of this inode, earlier in the walk
		}
		return r.patchFile(ctx, n.path, n.facts)
	}, func(n node, fr fileResult) {
		if n.err != nil {
			r.fail(n.err)
			return
		}
		for _, e := range fr.events {
			r.emit(e)
		}
		if fr.outcome == NotELF {
			r.report.NotELF++
		} else {
			r.report.Files = append(r.report.Files, FileResult{Path: n.path, Outcome: fr.outcome, Err: fr.err})
		}
		if fr.err != nil {
			r.report.Errors = append(r.report.Errors, fr.err)
			r.log.Error(fr.err.Error())
		}
		if fr.res != nil {
			if resolver.MayMismatch(*fr.res) {
				results = append(results, *fr.res)
			}
			r.report.Missing = append(r.report.Missing, fr.res.Missing...)
		}
		if fr.outcome != NotELF && r.cfg.Progress != nil {
			elfDone++
			r.cfg.Progress(elfDone, max(elfDone, r.elfTotal))
		}
	})
	r.commit()
	if err != nil {
		return err
	}

	r.emit(Summary{Missing: len(r.report.Missing)})
	for _, m := range r.report.Missing {
		if m.Ignored() {
			r.emit(IgnoredDependency{File: m.File, Name: m.Name, Pattern: m.Pattern})
			continue
		}
		r.emit(Unsatisfied{File: m.File, Name: m.Name, Hint: hintFor(m)})
	}

	r.report.Mismatches = resolver.LibxmlMismatches(results, r.cfg.LibcDir)
	for _, mm := range r.report.Mismatches {
		r.log.Warn(mismatchMessage(mm))
	}
	return nil
}

// commit replaces the files the patch phase wrote into temporary files
// (when it was given a group: synced, atomic replacements), all after one
// flush of the file system. A file whose replacement fails is Failed, and
// stays as it was.
func (r *runner) commit() {
	if r.group == nil {
		return
	}
	errs := r.group.Commit()
	if len(errs) == 0 {
		return
	}
	for i, f := range r.report.Files {
		if err, ok := errs[f.Path]; ok {
			err = nameErr(f.Path, err)
			r.report.Files[i].Outcome, r.report.Files[i].Err = Failed, err
			r.report.Errors = append(r.report.Errors, err)
			r.log.Error(err.Error())
		}
	}
}

// removeLeftover removes a temporary file an interrupted run left in the
// trees (never in a dry run).
func (r *runner) removeLeftover(path string) {
	if r.cfg.DryRun {
		return
	}
	if err := r.fs.Remove(path); err != nil {
		r.fail(err)
		return
	}
	r.report.Leftovers = append(r.report.Leftovers, path)
	r.log.WithField("file", path).Info("removed a temporary file left by an interrupted run")
}

// fail records an error that is not about one file of the patch list.
func (r *runner) fail(err error) {
	r.report.Errors = append(r.report.Errors, err)
	r.log.Error(err.Error())
}

// isRegularFile answers the resolver's IsFile questions (is this libc
// name, or this absolute dependency, a file?), once per path.
func (r *runner) isRegularFile(path string) bool {
	if v, ok := r.files.Load(path); ok {
		return v.(bool)
	}
	fi, err := r.fs.Stat(path)
	ok := err == nil && fi.Mode().IsRegular()
	r.files.Store(path, ok)
	return ok
}

// realDir resolves a directory of the trees to its real absolute path,
// the form the index records library directories in.
func (r *runner) realDir(dir string) (string, error) {
	if v, ok := r.realDirs.Load(dir); ok {
		res := v.(realDirResult)
		return res.dir, res.err
	}
	var real string
	abs, err := filepath.Abs(dir)
	if err == nil {
		real, err = r.realAbs(abs)
	} else {
		real, err = r.fs.Realpath(dir)
	}
	r.realDirs.Store(dir, realDirResult{real, err})
	return real, err
}

// realAbs is realDir for an absolute, clean path, through its parent's: a
// directory that is not a symlink is its parent's real path joined with
// its name, which costs one lstat instead of one per component, and the
// parent is resolved once for all its subdirectories. Anything else (a
// symlink, an error) is left to Realpath.
func (r *runner) realAbs(abs string) (string, error) {
	if v, ok := r.realDirs.Load(abs); ok {
		res := v.(realDirResult)
		return res.dir, res.err
	}
	var real string
	var err error
	parent := filepath.Dir(abs)
	if fi, lerr := r.fs.Lstat(abs); parent != abs && lerr == nil && fi.IsDir() {
		if real, err = r.realAbs(parent); err == nil {
			real = filepath.Join(real, filepath.Base(abs))
		}
	}
	if real == "" {
		real, err = r.fs.Realpath(abs)
	}
	r.realDirs.Store(abs, realDirResult{real, err})
	return real, err
}

// hintFor names the Nix package that usually provides a missing library.
func hintFor(m *resolver.MissingError) string {
	for _, c := range m.Candidates {
		if pkg, ok := resolver.Hint(baseName(c)); ok {
			return pkg
		}
	}
	return ""
}

func mismatchMessage(m resolver.Mismatch) string {
	return m.String() + ": link both against the same " + m.Soname +
		" (for wheels: build lxml from source instead of using its bundled copy)"
}
