package linkcheck

import (
	"errors"
	"path"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/arch"
)

// A host is a program that loads modules (a --host): its process before
// any module is loaded.
type host struct {
	kind   string
	path   string
	interp string
	nodes  []*node // the program first, then everything it loads
}

// Host kinds: the programs whose modules check recognises.
const (
	hostPython = "python"
	hostNode   = "node"
	hostPerl   = "perl"
	hostRuby   = "ruby"
	hostLua    = "lua"
	hostR      = "R"
)

// moduleKind says which host loads the module at p, "" for a plain
// library: by its name (Python's PEP 3149 tags and the stable ABI,
// node's .node) or by the entry point the host looks up in it (PyInit_*,
// napi_register_module_v1, node_register_module_v*, boot_* for Perl XS,
// Init_* for Ruby, luaopen_* for Lua, R_init_* for R).
func moduleKind(o *object, p string) string {
	b := path.Base(filepath.ToSlash(p))
	switch {
	case strings.Contains(b, ".cpython-") || strings.Contains(b, ".abi3.") || strings.Contains(b, ".pypy"):
		return hostPython
	case strings.HasSuffix(b, ".node"):
		return hostNode
	}
	if o.f == nil || o.f.HasInterpreter {
		return ""
	}
	s, err := o.readSymbols()
	if err != nil {
		return ""
	}
	for name := range s.defined {
		switch {
		case strings.HasPrefix(name, "PyInit_"):
			return hostPython
		case name == "napi_register_module_v1" || strings.HasPrefix(name, "node_register_module_v"):
			return hostNode
		case strings.HasPrefix(name, "luaopen_"):
			return hostLua
		case strings.HasPrefix(name, "R_init_"):
			return hostR
		}
	}
	// boot_ and Init_ are common words: the module must also use its
	// host's API.
	for name := range s.defined {
		switch {
		case strings.HasPrefix(name, "boot_") && usesAPI(s, hostPerl):
			return hostPerl
		case strings.HasPrefix(name, "Init_") && usesAPI(s, hostRuby):
			return hostRuby
		}
	}
	return ""
}

func usesAPI(s *symbols, kind string) bool {
	for _, u := range s.undefined {
		if hostAPI(kind, u.name) {
			return true
		}
	}
	return false
}

// hostAPI reports whether a symbol belongs to the API a host of this kind
// exports to its modules: CPython's Py*/_Py*, node's N-API, libuv, V8 and
// node:: symbols, Perl's Perl_*/PL_*, Ruby's rb_*/ruby_*, Lua's lua_*/
// luaL_*, R's R_*/Rf_*/Rprintf.
func hostAPI(kind, sym string) bool {
	var prefixes []string
	switch kind {
	case hostPython:
		prefixes = []string{"Py", "_Py"}
	case hostNode:
		prefixes = []string{"napi_", "node_api_", "uv_", "_ZN2v8", "_ZN4node", "node_module_register"}
	case hostPerl:
		prefixes = []string{"Perl_", "PL_", "perl_"}
	case hostRuby:
		prefixes = []string{"rb_", "ruby_"}
	case hostLua:
		prefixes = []string{"lua_", "luaL_"}
	case hostR:
		prefixes = []string{"R_", "Rf_", "Rprintf", "REprintf", "Rvprintf"}
	}
	for _, p := range prefixes {
		if strings.HasPrefix(sym, p) {
			return true
		}
	}
	return false
}

// hostKindOf says what kind of host a program is by the API it exports.
func hostKindOf(defined map[string]bool) string {
	switch {
	case defined["Py_Initialize"] || defined["PyModule_Create2"] || defined["PyModuleDef_Init"]:
		return hostPython
	case defined["napi_create_object"] || defined["napi_module_register"]:
		return hostNode
	case defined["Perl_newSV"] || defined["perl_construct"]:
		return hostPerl
	case defined["rb_define_method"] || defined["ruby_init"]:
		return hostRuby
	case defined["lua_pushnumber"] || defined["luaL_newstate"]:
		return hostLua
	case defined["Rf_allocVector"]:
		return hostR
	}
	return ""
}

// errNotHost is a --host whose process exports no known module API.
var errNotHost = errors.New("not a host program: it exports no Python, node, Perl, Ruby, Lua or R module API")

// host loads a --host program as it starts: the program, its interpreter
// and its NEEDED closure, and tells its kind from what they export.
func (c *checker) host(p string) (*host, error) {
	abs := c.abs(p)
	o := c.object(abs)
	if o.err != nil {
		return nil, o.err
	}
	if !o.f.IsDynamic() {
		return nil, errors.New("not a dynamically linked program")
	}
	l := &load{c: c, file: p, exec: o.f.HasInterpreter, interp: o.f.Interpreter, want: o.platform(), hdr: o.f.FileHeader, seen: map[string]bool{}}
	if !l.exec {
		l.interp = c.cfg.Interpreter
	}
	l.run(o)
	defined := map[string]bool{}
	for _, n := range l.nodes {
		if n.virtual {
			continue
		}
		if s, err := n.obj.readSymbols(); err == nil {
			for name := range s.defined {
				defined[name] = true
			}
		}
	}
	kind := hostKindOf(defined)
	if kind == "" {
		return nil, errNotHost
	}
	return &host{kind: kind, path: abs, interp: l.interp, nodes: l.nodes}, nil
}

// standardLoader is the path of the glibc loader for an architecture,
// as PT_INTERP names it on every distribution (from internal/arch's
// table); "" when unknown.
func standardLoader(h elf.FileHeader) string {
	a, _ := arch.ByHeader(h.Machine, h.Class, h.Data, h.Flags)
	return a.Loader
}
