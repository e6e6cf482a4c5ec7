package linkcheck

import (
	"context"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/arch"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// Check walks cfg.Paths and checks every ELF file found there the way
// glibc's dynamic loader would load it (see the package documentation).
// It never writes. Problems are findings in the report, not errors; the
// error is for an unusable Config (a --host that cannot be read) or a
// cancelled ctx.
func Check(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &checker{
		cfg:      cfg,
		objs:     map[string]*object{},
		dists:    newDists(),
		warned:   map[string]bool{},
		loaders:  map[string]loaderInfo{},
		caches:   map[string]ldCache{},
		loadedBy: map[string]*loadedIn{},
		target:   cfg.Target,
	}
	c.libDirs()
	if cfg.Interpreter != "" {
		c.cfg.Interpreter = c.abs(cfg.Interpreter)
	}
	if c.target.Machine == 0 && cfg.Interpreter != "" {
		if o := c.object(c.abs(cfg.Interpreter)); o.f != nil {
			c.target = o.platform()
		}
	}
	for _, h := range cfg.Hosts {
		hs, err := c.host(h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h, err)
		}
		c.hosts = append(c.hosts, hs)
	}
	type item struct {
		display, root string
		res           *fileResult
	}
	var items []*item
	var walkErrs [][]Finding
	for _, root := range cfg.Paths {
		files, unreadable := walk(root)
		for _, p := range files {
			items = append(items, &item{display: p, root: root})
		}
		walkErrs = append(walkErrs, unreadable)
	}
	// Executables first: a library one of them loads is judged in its
	// process (an already loaded soname satisfies later lookups).
	for pass := 0; pass < 2; pass++ {
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if it.res == nil {
				it.res = c.classify(it.display, it.root)
			}
			r := it.res
			if r.done || (pass == 0) != r.exec {
				continue
			}
			c.judge(r)
			r.done = true
		}
	}
	rep := &Report{Files: []File{}, Findings: []Finding{}}
	var loads []*load
	k := 0
	for i, root := range cfg.Paths {
		for ; k < len(items) && items[k].root == root; k++ {
			r := items[k].res
			if r.notELF {
				continue
			}
			if r.hasFile {
				rep.Files = append(rep.Files, r.file)
			}
			rep.Findings = append(rep.Findings, r.findings...)
			if r.load != nil {
				loads = append(loads, r.load)
			}
		}
		rep.Findings = append(rep.Findings, walkErrs[i]...)
	}
	rep.Findings = insertConflicts(rep.Findings, c.conflicts(loads))
	return rep, nil
}

// loadedIn is the first executable of the trees that loads a library.
type loadedIn struct {
	l *load
	n *node
}

type checker struct {
	cfg      Config
	objs     map[string]*object // by absolute path as opened
	libs     []searchDir        // Config.Libs
	dists    *dists
	warned   map[string]bool       // warnings already given, across files
	loaders  map[string]loaderInfo // by interpreter path
	caches   map[string]ldCache    // by ld.so.cache path
	loadedBy map[string]*loadedIn  // a library's real path → the executable loading it
	target   resolver.Platform
	hosts    []*host
}

// abs makes p absolute without resolving symlinks.
func (c *checker) abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
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

// object parses the file the loader would open at abs, once. With a
// Sysroot, an absolute path is looked up there first, as qemu-user does.
func (c *checker) object(abs string) *object {
	if o, ok := c.objs[abs]; ok {
		return o
	}
	var o *object
	if c.cfg.Sysroot != "" && path.IsAbs(abs) {
		if in := filepath.Join(c.cfg.Sysroot, abs); exists(in) {
			o = open(in)
			o.path = abs
			if r, err := filepath.EvalSymlinks(in); err == nil {
				o.real = r
			}
		}
	}
	if o == nil {
		o = open(abs)
	}
	c.objs[abs] = o
	return o
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fileResult is one walked file: what the report says about it.
type fileResult struct {
	display, root, dist string
	obj                 *object
	exec                bool // has PT_INTERP: judged in the first pass
	notELF, hasFile     bool
	done                bool
	file                File
	findings            []Finding
	load                *load
}

// classify opens a walked file and settles the files that are not
// judged: not ELF, unreadable, static, another architecture.
func (c *checker) classify(display, root string) *fileResult {
	r := &fileResult{display: display, root: root, done: true}
	abs, err := filepath.Abs(display)
	if err != nil {
		r.findings = append(r.findings, Finding{Severity: Error, Kind: Unreadable, File: display, Detail: err.Error()})
		return r
	}
	o := c.object(abs)
	if errors.Is(o.err, elf.ErrNotELF) {
		r.notELF = true
		return r
	}
	r.obj = o
	r.dist = c.dists.owner(display, root)
	if o.err != nil {
		r.findings = append(r.findings, Finding{Severity: Error, Kind: Unreadable, File: display, Dist: r.dist, Detail: withoutPath(o.err)})
		return r
	}
	r.hasFile = true
	r.file = File{Path: display, Dist: r.dist, Deps: []Dep{}}
	switch {
	case o.f.Type != stdelf.ET_DYN && o.f.Type != stdelf.ET_EXEC:
		r.file.Skipped = "not an executable or shared object"
	case !o.f.HasSegments():
		r.file.Skipped = "no segments"
	case o.f.IsStatic() || o.f.IsStaticPIE():
		r.file.Skipped = "statically linked"
	case o.f.IsDebugObject():
		r.file.Skipped = "separate debug object"
	case !o.f.IsDynamic():
		r.file.Skipped = "not dynamically linked"
	case c.target.Machine != 0 && !c.target.SameArch(o.platform()):
		r.file.Skipped = "other architecture"
		r.findings = append(r.findings, Finding{Severity: Info, Kind: OtherArchitecture, File: display, Dist: r.dist,
			Detail: fmt.Sprintf("%s file, not checked: the target is %s", archName(o.platform()), archName(c.target))})
	case c.target.Machine != 0 && !resolver.OSABICompatible(c.target.OSABI, o.f.OSABI):
		r.file.Skipped = "other OS ABI"
		r.findings = append(r.findings, Finding{Severity: Info, Kind: OtherArchitecture, File: display, Dist: r.dist,
			Detail: fmt.Sprintf("OS ABI %d, not checked: the target's is %d", o.f.OSABI, c.target.OSABI)})
	}
	if r.file.Skipped != "" {
		return r
	}
	r.done = false
	r.exec = o.f.HasInterpreter
	return r
}

// archName names a platform in messages by its Debian multiarch triple's
// first part (x86_64, aarch64, powerpc64, …).
func archName(p resolver.Platform) string {
	t := multiarchTriple(elf.FileHeader{Machine: p.Machine, Class: p.Class, Data: p.Data})
	if t == "" {
		return fmt.Sprintf("machine %d (%d-bit)", p.Machine, 32*int(p.Class))
	}
	name, _, _ := strings.Cut(t, "-")
	return name
}

// judge simulates the process that loads r's file.
func (c *checker) judge(r *fileResult) {
	o := r.obj
	l := &load{c: c, file: r.display, dist: r.dist, exec: r.exec, want: o.platform(), hdr: o.f.FileHeader, seen: map[string]bool{}}
	if in := c.loadedBy[o.real]; !r.exec && in != nil {
		// Judged in the executable's process, where its findings are.
		r.file.Deps = in.n.depList
		r.file.LoadedBy = in.l.file
		r.file.Loaded = 1
		return
	}
	switch {
	case r.exec:
		l.interp = o.f.Interpreter
		if !l.checkInterpreter(o) {
			// The program cannot start: what it would load is moot.
			r.findings = l.findings
			return
		}

	default:
		l.kind = moduleKind(o, r.display)
		for _, h := range c.hosts {
			if l.kind != "" && h.kind == l.kind {
				l.host = h
				l.pre = h.nodes
				l.interp = h.interp
				break
			}
		}
		if l.host == nil {
			l.interp = c.cfg.Interpreter
		}
	}
	l.root = r.root
	l.run(o)
	if r.exec {
		for _, n := range l.nodes[1:] {
			if !n.virtual && c.loadedBy[n.obj.real] == nil {
				c.loadedBy[n.obj.real] = &loadedIn{l, n}
			}
		}
	}
	r.file.Deps = l.nodes[0].depList
	if r.file.Deps == nil {
		r.file.Deps = []Dep{}
	}
	r.file.Host = l.kind
	for _, n := range l.nodes {
		if !n.virtual {
			r.file.Loaded++
		}
	}
	r.findings = l.findings
	r.load = l
}

// checkInterpreter reports a PT_INTERP that cannot start the program: it
// must exist, be an ELF file of the program's class, byte order and
// machine, and be a loader: an executable or shared object with no
// interpreter of its own and no libraries needed. A relative one is a warning: the kernel opens
// it from the working directory.
func (l *load) checkInterpreter(o *object) bool {
	interp := o.f.Interpreter
	bad := func(why string) bool {
		l.add(Finding{Severity: Error, Kind: BadInterpreter, File: l.file, Dist: l.dist, Object: l.file,
			Chain: []string{l.file}, Provider: interp, Detail: "interpreter " + interp + " " + why}, "interp")
		return false
	}
	if !path.IsAbs(interp) {
		l.add(Finding{Severity: Warning, Kind: SearchPath, File: l.file, Dist: l.dist, Object: l.file,
			Detail: "interpreter " + interp + " is relative to the working directory at run time: not checked"}, "interp")
		return true
	}
	ld := l.c.object(path.Clean(interp))
	switch {
	case ld.err != nil && errors.Is(ld.err, fs.ErrNotExist):
		return bad("does not exist")
	case ld.err != nil && errors.Is(ld.err, elf.ErrNotELF):
		return bad("is not an ELF file")
	case ld.err != nil:
		return bad("cannot be read: " + withoutPath(ld.err))
	case !ld.platform().SameArch(o.platform()):
		return bad(fmt.Sprintf("is for %s, the program for %s", archName(ld.platform()), archName(o.platform())))
	case ld.f.HasInterpreter:
		return bad("is not a dynamic loader: it has an interpreter itself")
	case len(ld.f.Needed) > 0:
		return bad("is not a dynamic loader: it needs " + strings.Join(ld.f.Needed, ", "))
	case ld.f.Type != stdelf.ET_DYN && ld.f.Type != stdelf.ET_EXEC:
		return bad("is not a dynamic loader: it is not an executable or shared object")
	}
	return true
}

// node is one object in the process being simulated.
type node struct {
	obj     *object
	path    string // absolute, as found: its $ORIGIN is this path's directory
	loader  *node  // the object whose dependency brought it in
	names   []string
	deps    map[string]*node // its DT_NEEDED names → providers
	depList []Dep            // its DT_NEEDED then .note.dlopen entries, resolved
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
	root   string // the Config.Paths entry it was found under
	dist   string
	exec   bool
	interp string // the loader whose default directories apply; "" for the machine's
	kind   string // the host a module runs in ("python", "node", …), "" for none
	host   *host  // the --host process it is judged in
	want   resolver.Platform
	hdr    elf.FileHeader
	pre    []*node // the host's objects, loaded before the module
	nodes  []*node
	seen   map[string]bool // findings already given for this file

	findings []Finding
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
				n.depList = append(n.depList, dep)
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
		r.n.depList = append(r.n.depList, dep)
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
		for _, d := range l.dirs(n, false, true) {
			if d.cache != "" {
				f.Searched = appendNew(f.Searched, d.cache)
				continue
			}
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
	l.findings = append(l.findings, f)
}

// warn records a warning about an object once per run: it does not depend
// on which file loaded the object.
func (l *load) warn(n *node, detail string) {
	key := n.path + "\x00" + detail
	if l.c.warned[key] {
		return
	}
	l.c.warned[key] = true
	l.findings = append(l.findings, Finding{Severity: Warning, Kind: SearchPath, File: l.file, Dist: l.dist,
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
	for _, m := range l.pre {
		if m.matches(expanded) {
			dep.Path, dep.Via = m.path, "host"
			if m.virtual {
				dep.Path, dep.Via = "", "loader"
			}
			return m, dep, false, true
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
	o, via := l.locate(n, expanded, true)
	if o != nil {
		if via == "libs" {
			if alt, _ := l.locate(n, expanded, false); alt == nil {
				l.add(Finding{Severity: Warning, Kind: LibsOnly, File: l.file, Dist: l.dist, Object: l.display(n),
					Chain: l.chain(n), Soname: expanded, Provider: o.path}, "libs\x00"+n.path+"\x00"+expanded)
			}
		}
		p, added := l.join(n, o, expanded)
		dep.Path, dep.Via = p.path, via
		return p, dep, added, true
	}
	if arch.IsGlibcLoader(expanded) {
		v := &node{loader: n, names: []string{expanded}, virtual: true}
		l.nodes = append(l.nodes, v)
		dep.Via = "loader"
		return v, dep, false, true
	}
	return nil, dep, false, false
}

// locate is the directory search for name on behalf of n: the first
// loadable file, and how it was found.
func (l *load) locate(n *node, name string, withLibs bool) (*object, string) {
	for _, d := range l.dirs(n, true, withLibs) {
		for _, cand := range l.candidates(d, name) {
			if o := l.c.object(cand); o.loadable(l.want) == "" {
				return o, d.via
			}
		}
	}
	return nil, ""
}

// join adds o, found for n under name, to the process; an object already
// loaded from the same file (glibc compares device and inode) is reused.
func (l *load) join(n *node, o *object, name string) (*node, bool) {
	for _, m := range l.pre {
		if !m.virtual && m.obj.real == o.real {
			return m, false
		}
	}
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
	for _, d := range l.dirs(n, false, true) {
		for _, cand := range l.candidates(d, name) {
			o := l.c.object(cand)
			if o.err != nil && errors.Is(o.err, fs.ErrNotExist) {
				continue
			}
			if fi, err := os.Stat(o.pathOnDisk()); err != nil || fi.IsDir() {
				continue
			}
			if why := o.loadable(l.want); why != "" {
				out = appendNew(out, cand+": "+why)
			}
		}
	}
	return out
}

type searchDir struct {
	dir   string
	file  string // a --libs file entry: the one file this entry offers
	cache string // an ld.so.cache: the file
	via   string
}

// candidates are the files that would satisfy name in d: a --libs file
// offers only its own base name, an ld.so.cache its entries.
func (l *load) candidates(d searchDir, name string) []string {
	switch {
	case d.cache != "":
		return l.c.cache(d.cache, l.hdr)[name]
	case d.file != "":
		if filepath.Base(d.file) == name {
			return []string{d.file}
		}
		return nil
	}
	return []string{d.dir + "/" + name}
}

// cache reads an ld.so.cache once.
func (c *checker) cache(p string, h elf.FileHeader) ldCache {
	if lc, ok := c.caches[p]; ok {
		return lc
	}
	var lc ldCache
	disk := p
	if c.cfg.Sysroot != "" && exists(filepath.Join(c.cfg.Sysroot, p)) {
		disk = filepath.Join(c.cfg.Sysroot, p)
	}
	if data, err := readHead(disk, maxLoaderBytes); err == nil {
		lc = parseLdCache(data, h.ByteOrder)
	}
	c.caches[p] = lc
	return lc
}

// loaderInfo returns what the loader at interp searches by default for
// files of header h; interp "" is the machine's loader.
func (c *checker) loaderInfo(interp string, h elf.FileHeader) loaderInfo {
	key := interp + "\x00" + archName(resolver.Platform{Machine: h.Machine, Class: h.Class, Data: h.Data})
	if li, ok := c.loaders[key]; ok {
		return li
	}
	var li loaderInfo
	if interp == "" {
		li = loaderInfo{dirs: DefaultDirs(h), cache: "/etc/ld.so.cache", from: "system"}
		if std := standardLoader(h); std != "" {
			if o := c.object(std); o.f != nil && o.loadable(resolver.Platform{Machine: h.Machine, Class: h.Class, Data: h.Data}) == "" {
				if x := readLoader(std, o, h); x.from == "loader" {
					li = x
				}
			}
		}
	} else {
		li = readLoader(interp, c.object(path.Clean(interp)), h)
	}
	c.loaders[key] = li
	return li
}

// dirs is the search list for n's dependencies, in the loader's order:
// the DT_RPATH of n and of the objects that loaded it, up to the checked
// file, and the host program's, when n has no DT_RUNPATH (an object's
// DT_RPATH counts only when it has no DT_RUNPATH itself); --libs, where
// LD_LIBRARY_PATH is searched; n's DT_RUNPATH; then, unless n has
// DF_1_NODEFLIB, the loader's ld.so.cache and default directories. With
// warn, entries that cannot be checked are reported.
func (l *load) dirs(n *node, warn, withLibs bool) []searchDir {
	var out []searchDir
	f := n.obj.f
	if !f.HasRunpath {
		for a := n; a != nil; a = a.loader {
			if a.virtual || a.obj.f.HasRunpath || !a.obj.f.HasRpath {
				continue
			}
			out = append(out, l.entries(a, a.obj.f.Rpath, "rpath", warn)...)
		}
		if l.host != nil {
			if m := l.host.nodes[0]; !m.obj.f.HasRunpath && m.obj.f.HasRpath {
				out = append(out, l.entries(m, m.obj.f.Rpath, "rpath", warn)...)
			}
		}
	}
	if withLibs {
		out = append(out, l.c.libs...)
	}
	if f.HasRunpath {
		out = append(out, l.entries(n, f.Runpath, "runpath", warn)...)
	}
	if flags, ok := f.DynValue(stdelf.DT_FLAGS_1); ok && flags&uint64(stdelf.DF_1_NODEFLIB) != 0 {
		return out
	}
	if l.c.cfg.NoDefaultDirs {
		return out
	}
	if l.c.cfg.DefaultDirs != nil {
		for _, d := range l.c.cfg.DefaultDirs(l.hdr) {
			out = append(out, searchDir{dir: d, via: "default"})
		}
		return out
	}
	li := l.c.loaderInfo(l.interp, l.hdr)
	if li.cache != "" {
		out = append(out, searchDir{cache: li.cache, via: "cache"})
	}
	for _, d := range li.dirs {
		out = append(out, searchDir{dir: d, via: "default"})
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
// it; for a program, the directory of /proc/self/exe, which has them
// resolved.
func (l *load) origin(n *node) string {
	if (n == l.nodes[0] && l.exec) || (l.host != nil && n == l.host.nodes[0]) {
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
// process defines: the host's objects (with --host), then the module's.
// Without a --host, a module's symbols of its host's API are taken as
// provided by the host.
func (l *load) checkSymbols() {
	defined := map[string]bool{}
	virtualLibs := map[string]bool{}
	var own []*node
	for i, n := range append(append([]*node{}, l.pre...), l.nodes...) {
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
		if i >= len(l.pre) {
			own = append(own, n)
		}
	}
	for _, n := range own {
		for _, u := range n.obj.syms.undefined {
			if defined[u.name] || virtualLibs[u.library] {
				continue
			}
			if l.host == nil && hostAPI(l.kind, u.name) {
				continue
			}
			f := Finding{Severity: Error, Kind: UndefinedSymbol, File: l.file, Dist: l.dist, Object: l.display(n),
				Chain: l.chain(n), Symbol: u.name, Soname: u.library}
			l.add(f, "symbol\x00"+n.path+"\x00"+u.name)
		}
	}
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
