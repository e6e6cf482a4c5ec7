package linkcheck

import (
	"context"
	stdelf "debug/elf"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Check walks cfg.Paths and checks every ELF file found there the way
// glibc's dynamic loader would load it (see the package documentation).
// It never writes. Problems are findings in the report, not errors; the
// error is for an unusable Config or a cancelled ctx.
func Check(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.DefaultDirs == nil {
		cfg.DefaultDirs = DefaultDirs
	}
	c := &checker{
		cfg:    cfg,
		objs:   map[string]*object{},
		dists:  newDists(),
		rep:    &Report{Files: []File{}, Findings: []Finding{}},
		warned: map[string]bool{},
		distOf: map[string]string{},
	}
	c.libDirs()
	var results []resolver.Result
	for _, root := range cfg.Paths {
		files, unreadable := walk(root)
		for _, path := range files {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if r, ok := c.checkFile(path, root); ok {
				results = append(results, r)
			}
		}
		c.rep.Findings = append(c.rep.Findings, unreadable...)
	}
	for _, m := range resolver.LibxmlMismatches(results, "") {
		c.rep.Findings = append(c.rep.Findings, Finding{
			Severity: Error, Kind: LibxmlMismatch, File: m.XMLSec.File, Dist: c.distOf[m.XMLSec.File],
			Soname: m.Soname, Detail: m.String(),
		})
	}
	return c.rep, nil
}

type checker struct {
	cfg    Config
	objs   map[string]*object // by absolute path as opened
	libs   []searchDir        // Config.Libs
	dists  *dists
	rep    *Report
	warned map[string]bool   // warnings already given, across files
	distOf map[string]string // checked file → its distribution
}

// walk lists the regular files under root in sorted order, never following
// symlinked directories; a root that is a symlink is followed. Unreadable
// directories and a missing root are findings.
func walk(root string) (files []string, unreadable []Finding) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, []Finding{{Severity: Error, Kind: Unreadable, File: root, Detail: withoutPath(err)}}
	}
	if !fi.IsDir() {
		if fi.Mode().IsRegular() {
			return []string{root}, nil
		}
		return nil, nil
	}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			unreadable = append(unreadable, Finding{Severity: Error, Kind: Unreadable, File: p, Detail: withoutPath(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	return files, unreadable
}

// withoutPath is an error's text without the path an *fs.PathError
// repeats: findings name the file already.
func withoutPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// libDirs turns Config.Libs into search entries once: directories as
// absolute paths, files as entries that offer only their own name.
// Entries that do not exist are kept: they find nothing, as in the loader.
func (c *checker) libDirs() {
	for _, lib := range c.cfg.Libs {
		abs, err := filepath.Abs(lib)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			c.libs = append(c.libs, searchDir{dir: filepath.Dir(abs), file: abs, via: "libs"})
			continue
		}
		c.libs = append(c.libs, searchDir{dir: abs, via: "libs"})
	}
}

func (c *checker) object(abs string) *object {
	if o, ok := c.objs[abs]; ok {
		return o
	}
	o := open(abs)
	c.objs[abs] = o
	return o
}

// checkFile checks one file found under root. ok is false for files that
// are not ELF, or not checked; r is its resolution for the libxml2 check.
func (c *checker) checkFile(display, root string) (r resolver.Result, ok bool) {
	abs, err := filepath.Abs(display)
	if err != nil {
		c.rep.Findings = append(c.rep.Findings, Finding{Severity: Error, Kind: Unreadable, File: display, Detail: err.Error()})
		return r, false
	}
	o := c.object(abs)
	if errors.Is(o.err, elf.ErrNotELF) {
		return r, false
	}
	dist := c.dists.owner(display, root)
	c.distOf[display] = dist
	if o.err != nil {
		c.rep.Findings = append(c.rep.Findings, Finding{Severity: Error, Kind: Unreadable, File: display, Dist: dist, Detail: withoutPath(o.err)})
		return r, false
	}
	file := File{Path: display, Dist: dist, Deps: []Dep{}}
	switch {
	case o.f.Type != stdelf.ET_DYN && o.f.Type != stdelf.ET_EXEC:
		file.Skipped = "not an executable or shared object"
	case !o.f.HasSegments():
		file.Skipped = "no segments"
	case o.f.IsStatic() || o.f.IsStaticPIE():
		file.Skipped = "statically linked"
	case o.f.IsDebugObject():
		file.Skipped = "separate debug object"
	case !o.f.IsDynamic():
		file.Skipped = "not dynamically linked"
	}
	if file.Skipped != "" {
		c.rep.Files = append(c.rep.Files, file)
		return r, false
	}
	l := &load{c: c, file: display, dist: dist, exec: o.f.HasInterpreter, want: o.platform(), hdr: o.f.FileHeader, seen: map[string]bool{}}
	l.run(o)
	file.Deps = l.direct
	file.Loaded = 0
	for _, n := range l.nodes {
		if !n.virtual {
			file.Loaded++
		}
	}
	c.rep.Files = append(c.rep.Files, file)
	return l.result(), true
}

// node is one object in the process being simulated.
type node struct {
	obj     *object
	path    string // absolute, as found: its $ORIGIN is this path's directory
	loader  *node  // the object whose dependency brought it in
	names   []string
	deps    map[string]*node // its DT_NEEDED names → providers
	virtual bool             // the dynamic loader, not found on disk
}

// matches is glibc's _dl_name_match_p plus the DT_SONAME comparison of
// _dl_map_object: an object already loaded satisfies a name it was
// requested by or its soname.
func (n *node) matches(name string) bool {
	for _, m := range n.names {
		if m == name {
			return true
		}
	}
	return !n.virtual && n.obj.f.HasSoname && n.obj.f.Soname == name
}

// load simulates loading one checked file and everything it brings in.
type load struct {
	c      *checker
	file   string // display path of the checked file
	dist   string
	exec   bool
	want   resolver.Platform
	hdr    elf.FileHeader
	nodes  []*node
	direct []Dep
	seen   map[string]bool // findings already given for this file
}

type dlopenReq struct {
	n   *node
	dep elf.DlopenDep
}

func (l *load) run(o *object) {
	root := &node{obj: o, path: o.path, names: []string{o.path}, deps: map[string]*node{}}
	l.nodes = append(l.nodes, root)
	if l.exec && path.IsAbs(o.f.Interpreter) {
		// The interpreter is in every process it starts (glibc's rtld map).
		name := path.Base(o.f.Interpreter)
		if ld := l.c.object(path.Clean(o.f.Interpreter)); ld.loadable(l.want) == "" {
			l.nodes = append(l.nodes, &node{obj: ld, path: ld.path, loader: root, names: []string{o.f.Interpreter, name}, deps: map[string]*node{}})
		} else {
			l.nodes = append(l.nodes, &node{loader: root, names: []string{o.f.Interpreter, name}, virtual: true})
		}
	}
	queue := []*node{root}
	var later []dlopenReq
	for len(queue) > 0 || len(later) > 0 {
		if len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, name := range n.obj.f.Needed {
				p, dep, added := l.resolve(n, []string{name}, false)
				if p != nil {
					n.deps[name] = p
				}
				if added {
					queue = append(queue, p)
				}
				if n == root {
					l.direct = append(l.direct, dep)
				}
			}
			for _, d := range n.obj.f.Dlopen {
				later = append(later, dlopenReq{n, d})
			}
			continue
		}
		// .note.dlopen libraries are loaded after start-up, by dlopen(3)
		// from the object that lists them.
		r := later[0]
		later = later[1:]
		p, dep, added := l.resolveDlopen(r.n, r.dep)
		if added {
			queue = append(queue, p)
		}
		if r.n == root {
			l.direct = append(l.direct, dep)
		}
	}
	l.checkVersions()
	if l.c.cfg.UndefinedSymbols {
		l.checkSymbols()
	}
}

func (l *load) resolveDlopen(n *node, d elf.DlopenDep) (*node, Dep, bool) {
	for _, cand := range d.Sonames {
		if p, dep, added, ok := l.find(n, cand); ok {
			dep.Dlopen = true
			return p, dep, added
		}
	}
	sev := Error
	if d.Priority == "suggested" {
		sev = Warning // an optional feature, by the note's own account
	}
	f := l.missing(n, d.Sonames, true, sev)
	return nil, Dep{Name: f.Soname, Dlopen: true}, false
}

// resolve finds a DT_NEEDED name for n, reporting it when missing.
func (l *load) resolve(n *node, cands []string, dlopen bool) (*node, Dep, bool) {
	p, dep, added, ok := l.find(n, cands[0])
	if !ok {
		f := l.missing(n, cands, dlopen, Error)
		return nil, Dep{Name: f.Soname}, false
	}
	return p, dep, added
}

// missing records a missing library, unless this file already reported
// it for the same object.
func (l *load) missing(n *node, cands []string, dlopen bool, sev Severity) Finding {
	f := Finding{Severity: sev, Kind: MissingLibrary, File: l.file, Dist: l.dist, Object: l.display(n),
		Chain: l.chain(n), Soname: displayName(cands), Dlopen: dlopen}
	if len(cands) > 1 {
		f.Candidates = cands
	}
	for _, c := range cands {
		dirs := l.dirs(n, false)
		for _, d := range dirs {
			f.Searched = appendNew(f.Searched, d.dir)
		}
		f.Rejected = append(f.Rejected, l.rejected(n, c)...)
		if pkg, ok := resolver.Hint(path.Base(c)); ok && f.Hint == "" {
			f.Hint = pkg
		}
	}
	if pat := ignoredBy(l.c.cfg.IgnoreMissing, cands, dlopen); pat != "" {
		f.Severity, f.IgnoredBy = Warning, pat
	}
	l.add(f, "missing\x00"+n.path+"\x00"+f.Soname)
	return f
}

func (l *load) add(f Finding, key string) {
	if l.seen[key] {
		return
	}
	l.seen[key] = true
	l.c.rep.Findings = append(l.c.rep.Findings, f)
}

// warn records a warning about an object once per run: it does not depend
// on which file loaded the object.
func (l *load) warn(n *node, detail string) {
	key := n.path + "\x00" + detail
	if l.c.warned[key] {
		return
	}
	l.c.warned[key] = true
	l.c.rep.Findings = append(l.c.rep.Findings, Finding{Severity: Warning, Kind: SearchPath, File: l.file, Dist: l.dist,
		Object: l.display(n), Chain: l.chain(n), Detail: detail})
}

// find looks name up for n as _dl_map_object does: objects already loaded
// first, then a path when the name has a slash, else the search
// directories. added is true when a new object joined the process.
func (l *load) find(n *node, name string) (p *node, dep Dep, added, ok bool) {
	dep = Dep{Name: name}
	expanded := name
	if strings.Contains(name, "$") {
		var unknown string
		expanded, unknown = expandDST(name, l.origin(n), n.obj.f.FileHeader)
		if unknown != "" {
			l.warn(n, "dependency "+name+" uses "+unknown+", which depends on the CPU: not checked")
			dep.Via = "unchecked"
			return nil, dep, false, true
		}
	}
	for _, m := range l.nodes {
		if m.matches(expanded) {
			dep.Path, dep.Via = m.path, "loaded"
			if m.virtual {
				dep.Path, dep.Via = "", "loader"
			}
			return m, dep, false, true
		}
	}
	if strings.Contains(expanded, "/") {
		if !path.IsAbs(expanded) {
			l.warn(n, "dependency "+name+" is a relative path, found from the working directory at run time: not checked")
			dep.Via = "unchecked"
			return nil, dep, false, true
		}
		if o := l.c.object(path.Clean(expanded)); o.loadable(l.want) == "" {
			p, added := l.join(n, o, expanded)
			dep.Path, dep.Via = p.path, "path"
			return p, dep, added, true
		}
		return nil, dep, false, false
	}
	dirs := l.dirs(n, true)
	for _, d := range dirs {
		cand, ok := d.candidate(expanded)
		if !ok {
			continue
		}
		if o := l.c.object(cand); o.loadable(l.want) == "" {
			p, added := l.join(n, o, expanded)
			dep.Path, dep.Via = p.path, d.via
			return p, dep, added, true
		}
	}
	if loaderSonames[expanded] {
		v := &node{loader: n, names: []string{expanded}, virtual: true}
		l.nodes = append(l.nodes, v)
		dep.Via = "loader"
		return v, dep, false, true
	}
	return nil, dep, false, false
}

// join adds o, found for n under name, to the process; an object already
// loaded from the same file (glibc compares device and inode) is reused.
func (l *load) join(n *node, o *object, name string) (*node, bool) {
	for _, m := range l.nodes {
		if !m.virtual && m.obj.real == o.real {
			m.names = append(m.names, name)
			return m, false
		}
	}
	p := &node{obj: o, path: o.path, loader: n, names: []string{name}, deps: map[string]*node{}}
	l.nodes = append(l.nodes, p)
	return p, true
}

// rejected lists the files named name in n's search directories that the
// loader would refuse, with why.
func (l *load) rejected(n *node, name string) []string {
	var out []string
	if strings.Contains(name, "/") {
		return nil
	}
	dirs := l.dirs(n, false)
	for _, d := range dirs {
		cand, ok := d.candidate(name)
		if !ok {
			continue
		}
		if fi, err := os.Stat(cand); err != nil || fi.IsDir() {
			continue
		}
		if why := l.c.object(cand).loadable(l.want); why != "" {
			out = appendNew(out, cand+": "+why)
		}
	}
	return out
}

type searchDir struct {
	dir  string
	file string // a --libs file entry: the one file this entry offers
	via  string
}

// candidate is the file that would satisfy name in d: a --libs file
// offers only its own base name.
func (d searchDir) candidate(name string) (string, bool) {
	if d.file != "" {
		return d.file, filepath.Base(d.file) == name
	}
	return d.dir + "/" + name, true
}

// dirs is the search list for n's dependencies, in the loader's order:
// the DT_RPATH of n and of the objects that loaded it, up to the checked
// file, when n has no DT_RUNPATH (an object's DT_RPATH counts only when it
// has no DT_RUNPATH itself); n's DT_RUNPATH; --libs; the default
// directories unless n has DF_1_NODEFLIB. With warn, entries that cannot
// be checked are reported.
func (l *load) dirs(n *node, warn bool) []searchDir {
	var out []searchDir
	f := n.obj.f
	if !f.HasRunpath {
		for a := n; a != nil; a = a.loader {
			if a.virtual || a.obj.f.HasRunpath || !a.obj.f.HasRpath {
				continue
			}
			out = append(out, l.entries(a, a.obj.f.Rpath, "rpath", warn)...)
		}
	} else {
		out = append(out, l.entries(n, f.Runpath, "runpath", warn)...)
	}
	out = append(out, l.c.libs...)
	if flags, ok := f.DynValue(stdelf.DT_FLAGS_1); ok && flags&uint64(stdelf.DF_1_NODEFLIB) != 0 {
		return out
	}
	if !l.c.cfg.NoDefaultDirs {
		if l.exec && path.IsAbs(l.nodes[0].obj.f.Interpreter) {
			// Nix's glibc searches its own lib directory by default.
			out = append(out, searchDir{dir: path.Dir(path.Clean(l.nodes[0].obj.f.Interpreter)), via: "default"})
		}
		for _, d := range l.c.cfg.DefaultDirs(l.hdr) {
			out = append(out, searchDir{dir: d, via: "default"})
		}
	}
	return out
}

// entries expands one RPATH or RUNPATH value of a.
func (l *load) entries(a *node, value, via string, warn bool) []searchDir {
	var out []searchDir
	for _, e := range strings.Split(value, ":") {
		if e == "" {
			if warn {
				l.warn(a, "empty "+strings.ToUpper(via)+" entry means the working directory at run time: not checked")
			}
			continue
		}
		x, unknown := expandDST(e, l.origin(a), a.obj.f.FileHeader)
		if unknown != "" {
			if warn {
				l.warn(a, strings.ToUpper(via)+" entry "+e+" uses "+unknown+", which depends on the CPU: not checked")
			}
			continue
		}
		if !path.IsAbs(x) {
			if warn {
				l.warn(a, strings.ToUpper(via)+" entry "+e+" is relative to the working directory at run time: not checked")
			}
			continue
		}
		out = append(out, searchDir{dir: path.Clean(x), via: via})
	}
	return out
}

// origin is what $ORIGIN means in n's search paths: the directory of the
// path n was loaded by, symlinks kept, as glibc's _dl_new_object computes
// it; for the program itself, the directory of /proc/self/exe, which has
// them resolved.
func (l *load) origin(n *node) string {
	if n == l.nodes[0] && l.exec {
		return path.Dir(n.obj.real)
	}
	return path.Dir(n.path)
}

// display names an object in findings: the checked file as given, others
// by absolute path.
func (l *load) display(n *node) string {
	if n == l.nodes[0] {
		return l.file
	}
	if n.virtual {
		return n.names[0]
	}
	return n.path
}

// chain lists the objects from the checked file to n.
func (l *load) chain(n *node) []string {
	var out []string
	for a := n; a != nil; a = a.loader {
		out = append(out, l.display(a))
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// checkVersions compares each object's version needs with the version
// definitions of the library that satisfied each need, as glibc's
// _dl_check_map_versions does: a provider without .gnu.version_d is not
// checked, a weak need is only a warning.
func (l *load) checkVersions() {
	for _, n := range l.nodes {
		if n.virtual {
			continue
		}
		if n.obj.verErr != nil {
			l.warn(n, "symbol versions not checked: "+n.obj.verErr.Error())
			continue
		}
		for _, need := range n.obj.vers.Needs {
			p := n.deps[need.File]
			if p == nil || p.virtual || p.obj.vers == nil || !p.obj.vers.HasDefs {
				continue
			}
			for _, v := range need.Versions {
				if p.obj.vers.defines(v.Name) {
					continue
				}
				sev := Error
				if v.Weak {
					sev = Warning
				}
				f := Finding{Severity: sev, Kind: MissingVersion, File: l.file, Dist: l.dist, Object: l.display(n),
					Chain: l.chain(n), Soname: need.File, Provider: p.path, Version: v.Name,
					Defined: samePrefix(p.obj.vers.Defs, v.Name)}
				l.add(f, "version\x00"+n.path+"\x00"+need.File+"\x00"+v.Name)
			}
		}
	}
}

// checkSymbols looks for undefined non-weak symbols that no object in the
// process defines. Python extension modules get Py* and _Py* from the
// interpreter, which is not part of the check.
func (l *load) checkSymbols() {
	defined := map[string]bool{}
	virtualLibs := map[string]bool{}
	var real []*node
	for _, n := range l.nodes {
		if n.virtual {
			for _, name := range n.names {
				virtualLibs[name] = true
			}
			continue
		}
		s, err := n.obj.readSymbols()
		if err != nil {
			l.warn(n, "symbols not checked: "+err.Error())
			continue
		}
		for name := range s.defined {
			defined[name] = true
		}
		real = append(real, n)
	}
	pyExt := isPythonExtension(l.file)
	for _, n := range real {
		for _, u := range n.obj.syms.undefined {
			if defined[u.name] || virtualLibs[u.library] {
				continue
			}
			if n == l.nodes[0] && pyExt && (strings.HasPrefix(u.name, "Py") || strings.HasPrefix(u.name, "_Py")) {
				continue
			}
			f := Finding{Severity: Error, Kind: UndefinedSymbol, File: l.file, Dist: l.dist, Object: l.display(n),
				Chain: l.chain(n), Symbol: u.name, Soname: u.library}
			l.add(f, "symbol\x00"+n.path+"\x00"+u.name)
		}
	}
}

// isPythonExtension says whether a file looks like a CPython or PyPy
// extension module by its name (PEP 3149 tags, or the stable ABI).
func isPythonExtension(p string) bool {
	b := path.Base(filepath.ToSlash(p))
	return strings.Contains(b, ".cpython-") || strings.Contains(b, ".abi3.") || strings.Contains(b, ".pypy")
}

// result is the file's resolution in the resolver's terms, for
// resolver.LibxmlMismatches: every library loaded, with its directory.
func (l *load) result() resolver.Result {
	r := resolver.Result{File: l.file}
	for _, n := range l.nodes[1:] {
		if n.virtual {
			continue
		}
		r.Deps = append(r.Deps, resolver.Dependency{
			Candidates: []string{n.names[0]}, Name: path.Base(n.names[0]), Via: resolver.Indexed,
			Library: resolver.Library{Name: path.Base(n.names[0]), Dir: path.Dir(n.obj.real)},
		})
	}
	return r
}

// ignoredBy returns the first --ignore-missing pattern that matches a
// missing dependency. It asks resolver.Resolve, with an empty index, so
// that check and auto ignore exactly the same names (Python fnmatch on the
// base name, "any(a, b)" for .note.dlopen alternatives).
func ignoredBy(patterns, cands []string, dlopen bool) string {
	if len(patterns) == 0 {
		return ""
	}
	req := resolver.Request{Path: "-"}
	if dlopen {
		req.Dlopen = [][]string{cands}
	} else {
		req.Needed = cands[:1]
	}
	r := resolver.Resolve(nil, req, resolver.Options{IgnoreMissing: patterns})
	if len(r.Missing) != 1 {
		return ""
	}
	return r.Missing[0].Pattern
}

func displayName(cands []string) string {
	if len(cands) == 1 {
		return cands[0]
	}
	return "any(" + strings.Join(cands, ", ") + ")"
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
