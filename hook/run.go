package hook

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/sirupsen/logrus"

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

	// Used by the single goroutine that walks and emits.
	dirs      map[string]dirListing
	temps     map[string]struct{}
	debugSeen map[string]bool // debug objects reported while indexing
	ix        resolver.Index

	// Shared by the workers.
	opts     resolver.Options
	files    sync.Map // path -> bool: resolver's IsFile answers
	realDirs sync.Map // dir -> realDirResult

	report Report
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
// when the run was cancelled: files already written stay written (each one
// atomically), the others are untouched.
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
		dirs:      map[string]dirListing{},
		temps:     map[string]struct{}{},
		debugSeen: map[string]bool{},
	}
	if r.fs == nil {
		r.fs = OSFS{}
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
	files := r.listTrees()
	if err := ctx.Err(); err != nil {
		return err
	}
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
	done := 0
	err := ordered(ctx, len(files), r.workers, func(i int) fileResult {
		return r.patchFile(ctx, files[i])
	}, func(i int, fr fileResult) {
		for _, e := range fr.events {
			r.emit(e)
		}
		r.report.Files = append(r.report.Files, FileResult{Path: files[i], Outcome: fr.outcome, Err: fr.err})
		if fr.err != nil {
			r.report.Errors = append(r.report.Errors, fr.err)
			r.log.Error(fr.err.Error())
		}
		if fr.res != nil {
			results = append(results, *fr.res)
			r.report.Missing = append(r.report.Missing, fr.res.Missing...)
		}
		done++
		if r.cfg.Progress != nil {
			r.cfg.Progress(done, len(files))
		}
	})
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

// listTrees walks every --paths entry in order and returns the regular
// files to patch, each once. Symlinks are never patched: renaming over one
// would replace the link, not its target (patchelf #108). It also removes
// the temporary files an interrupted run left in the trees.
func (r *runner) listTrees() []string {
	var files []string
	seen := map[string]bool{}
	for _, root := range r.paths {
		nodes, rootErr, errs := r.glob(root, !r.cfg.NoRecurse, matchAll)
		if rootErr != nil {
			r.fail(rootErr)
			continue
		}
		for _, err := range errs {
			r.fail(err)
		}
		for _, n := range nodes {
			if !n.typ.IsRegular() {
				continue
			}
			key := n.path
			if abs, err := filepath.Abs(n.path); err == nil {
				key = abs
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			files = append(files, n.path)
		}
	}
	temps := make([]string, 0, len(r.temps))
	for t := range r.temps {
		temps = append(temps, t)
	}
	slices.Sort(temps)
	for _, t := range temps {
		if r.cfg.DryRun {
			continue
		}
		if err := r.fs.Remove(t); err != nil {
			r.fail(err)
			continue
		}
		r.report.Leftovers = append(r.report.Leftovers, t)
		r.log.WithField("file", t).Info("removed a temporary file left by an interrupted run")
	}
	clear(r.temps)
	return files
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
	real, err := r.fs.Realpath(dir)
	r.realDirs.Store(dir, realDirResult{real, err})
	return real, err
}

// ordered calls work(i) for every i in [0, n) on up to workers goroutines
// and hands each result to emit in index order, from the calling
// goroutine. At most a window of results waits for emit, so memory does not
// grow with n. It returns ctx's error if ctx ends first; work already
// started is waited for.
func ordered[T any](ctx context.Context, n, workers int, work func(int) T, emit func(int, T)) error {
	if n == 0 {
		return ctx.Err()
	}
	workers = max(1, min(workers, n))
	window := min(n, 4*workers+16)
	// Job i may only start once job i-window has been emitted, so ring slot
	// i%window is free whenever a worker writes to it.
	ring := make([]chan T, window)
	for i := range ring {
		ring[i] = make(chan T, 1)
	}
	slots := make(chan struct{}, window)
	jobs := make(chan int)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				ring[i%window] <- work(i)
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for i := range n {
		select {
		case v := <-ring[i%window]:
			emit(i, v)
			<-slots
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
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
