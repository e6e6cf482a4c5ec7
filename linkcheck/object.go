package linkcheck

import (
	stdelf "debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// object is one parsed ELF file, shared by every load that reaches it.
type object struct {
	path string // absolute, as the loader opens it (symlinks not resolved)
	disk string // where it was read: path, or under Config.Sysroot
	real string // with symlinks resolved: the loader's identity (dev/ino)
	f    *elf.File
	err  error // why the file could not be parsed; f is nil then

	vers   *Versions
	verErr error

	symsRead bool
	syms     *symbols
	symErr   error
}

// symbols are the dynamic symbols that matter for --undefined-symbols.
type symbols struct {
	// undefined are the non-weak undefined symbols, with the library
	// their version is needed from ("" when unversioned).
	undefined []undefSym
	defined   map[string]bool
}

type undefSym struct {
	name, library string
}

func (o *object) platform() resolver.Platform {
	return resolver.Platform{Machine: o.f.Machine, Class: o.f.Class, Data: o.f.Data, OSABI: o.f.OSABI}
}

// open parses the file at path, an absolute path. The file is closed
// before it returns: everything needed later is read now, except the
// symbol table, which readSymbols reads only when asked.
func open(path string) *object {
	o := &object{path: path, disk: path, real: path}
	if r, err := filepath.EvalSymlinks(path); err == nil {
		o.real = r
	}
	fd, err := os.Open(path)
	if err != nil {
		o.err = err
		return o
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		o.err = err
		return o
	}
	f, err := elf.NewFile(fd, st.Size())
	if err != nil {
		o.err = err
		return o
	}
	o.f = f
	o.vers, o.verErr = ReadVersions(f, fd)
	return o
}

// readSymbols reads the dynamic symbol table through debug/elf, which
// finds it by its section header: a file without section headers yields
// an error. debug/elf is not hardened against hostile input, so a panic
// becomes an error.
func (o *object) readSymbols() (s *symbols, err error) {
	if o.symsRead {
		return o.syms, o.symErr
	}
	o.symsRead = true
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("unreadable symbol table (%v)", p)
		}
		o.syms, o.symErr = s, err
	}()
	if _, hasSymtab := o.f.DynValue(stdelf.DT_SYMTAB); hasSymtab && len(o.f.Sections) == 0 {
		return nil, errors.New("no section headers: dynamic symbols not checked")
	}
	sf, err := stdelf.Open(o.disk)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	syms, err := sf.DynamicSymbols()
	if err != nil && !errors.Is(err, stdelf.ErrNoSymbols) {
		return nil, err
	}
	s = &symbols{defined: map[string]bool{}}
	for _, sym := range syms {
		bind := stdelf.ST_BIND(sym.Info)
		if sym.Name == "" {
			continue
		}
		if sym.Section == stdelf.SHN_UNDEF {
			if bind != stdelf.STB_WEAK {
				s.undefined = append(s.undefined, undefSym{sym.Name, sym.Library})
			}
			continue
		}
		switch bind {
		case stdelf.STB_GLOBAL, stdelf.STB_WEAK, stdelf.STB_LOOS: // STB_LOOS is STB_GNU_UNIQUE
			s.defined[sym.Name] = true
		}
	}
	return s, nil
}

// loadable says why o cannot be loaded as a library by a file of
// platform want, or "" when it can: glibc's open_verify checks class,
// byte order, machine and OS ABI, and only shared objects load.
func (o *object) loadable(want resolver.Platform) string {
	if o.err != nil {
		if errors.Is(o.err, elf.ErrNotELF) {
			return "not an ELF file"
		}
		return o.err.Error()
	}
	if !want.SameArch(o.platform()) {
		return "other architecture"
	}
	if !resolver.OSABICompatible(want.OSABI, o.f.OSABI) {
		return "incompatible OS ABI"
	}
	if o.f.Type != stdelf.ET_DYN {
		return "not a shared object"
	}
	if v, ok := o.f.DynValue(stdelf.DT_FLAGS_1); ok && v&uint64(stdelf.DF_1_PIE) != 0 {
		return "a position-independent executable"
	}
	return ""
}

// pathOnDisk is where the object's bytes are.
func (o *object) pathOnDisk() string { return o.disk }
