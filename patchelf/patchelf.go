package patchelf

import (
	"context"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/elf"
)

// Options are the operations of one patchelf command line, and the files
// to apply them to. The zero value asks for nothing.
type Options struct {
	// Files are patched in order; Run stops at the first that fails.
	Files []string
	// Output, when set, receives the result instead of Files[0] (written
	// even when nothing changed, as patchelf does).
	Output string
	// NoSync skips the fsync before each rename (see internal/atomicfile):
	// for Nix builds, whose outputs are thrown away after a crash.
	NoSync bool
	// InPlace writes the changed bytes into the file itself, as patchelf
	// does (same inode, but a run killed mid-write leaves it torn), instead
	// of into a temporary file renamed over the original. Either way a file
	// the caller may not write is refused with patchelf's "open:
	// Permission denied", and a writable file in a directory that takes no
	// temporary file is written in place.
	InPlace bool
	// Log receives --debug lines (debug level) and warnings; nil discards.
	Log logrus.FieldLogger

	PrintInterpreter, PrintOSABI, PrintSoname, PrintRpath, PrintNeeded, PrintExecstack bool

	// Interpreter, when set, becomes the PT_INTERP path.
	Interpreter string
	// PageSize overrides the alignment of an appended segment (0: the
	// writer's default).
	PageSize  uint64
	SetOSABI  bool
	OSABI     stdelf.OSABI
	SetSoname bool
	Soname    string

	// The search-path operations; the first of shrink, remove, set or add
	// that is set is done, with Rpath the value of set or add.
	ShrinkRpath, RemoveRpath, SetRpath, AddRpath bool
	Rpath                                        string
	// AllowedPrefixes restricts what --shrink-rpath keeps.
	AllowedPrefixes []string
	ForceRpath      bool

	AddNeeded    []string
	RemoveNeeded []string
	// ReplaceNeeded maps old names to new ones; each entry is renamed at
	// most once.
	ReplaceNeeded map[string]string

	NoDefaultLib                 bool
	ClearExecstack, SetExecstack bool
	BuildResolutionCache         bool

	// AddDebugTag adds DT_DEBUG when there is none.
	AddDebugTag bool
	// ClearSymbolVersion makes these dynamic symbols unversioned.
	ClearSymbolVersion []string
	// RenameSymbols renames dynamic symbols, old name to new name (both
	// definitions and references; the hash tables are rebuilt).
	RenameSymbols map[string]string
}

// Print names a --print-* operation.
type Print int

const (
	PrintInterpreter Print = iota // the PT_INTERP path
	PrintOSABI                    // the OS ABI's name (see OSABIName)
	PrintSoname                   // DT_SONAME
	PrintRpath                    // DT_RUNPATH, else DT_RPATH
	PrintExecstack                // X, - or ? (see Execstack)
	PrintNeeded                   // one DT_NEEDED entry
)

// Printed is one value a --print-* operation asked for. patchelf prints
// each on a line of its own, the execstack letter as "execstack: X".
type Printed struct {
	What  Print
	Value string
}

// Run patches o.Files one after the other, as patchelf does: the files
// before a failing one are done, the ones after it untouched. For each
// file it calls printed with the values the --print-* operations gave,
// also for a file that then failed. Between files it checks ctx and
// returns ctx.Err() when it is done.
func Run(ctx context.Context, o Options, printed func([]Printed)) error {
	if o.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Log = l
	}
	for _, name := range o.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		vals, err := o.patchFile(name)
		if printed != nil {
			printed(vals)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// minHeader is the size of the smallest ELF header (ELFCLASS32): patchelf
// says "missing ELF header" for anything shorter.
const minHeader = 52

const staticHint = ". The input file is most likely statically linked"

func (o *Options) debugf(format string, args ...any) { o.Log.Debugf(format, args...) }

// patchFile does everything asked for one file: the prints, in patchelf's
// order and all showing the file as it was, then one edit and one write.
func (o *Options) patchFile(name string) (out []Printed, err error) {
	prints := o.PrintInterpreter || o.PrintRpath || o.PrintSoname || o.PrintNeeded
	if !prints {
		o.debugf("patching ELF file '%s'", name)
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, FileError(name, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("reading '%s': Is a directory", name)
	}
	if st.Size() < minHeader {
		return nil, fmt.Errorf("%s: missing ELF header", name)
	}
	f, err := elf.Open(name)
	if err != nil {
		var fe *elf.FormatError
		switch {
		case errors.Is(err, elf.ErrNotELF):
			return nil, fmt.Errorf("%s: not an ELF executable", name)
		case errors.As(err, &fe):
			return nil, err
		}
		return nil, fmt.Errorf("reading '%s': %v", name, err)
	}
	defer f.Close()
	if f.Type != stdelf.ET_EXEC && f.Type != stdelf.ET_DYN {
		return nil, fmt.Errorf("%s: wrong ELF type", name)
	}
	fail := func(msg string) error { return fmt.Errorf("%s: %s", name, msg) }
	needDynamic := func() error {
		if !f.IsDynamic() {
			return fail("cannot find section '.dynamic'" + staticHint)
		}
		return nil
	}
	print := func(what Print, v string) { out = append(out, Printed{What: what, Value: v}) }

	var e elf.Edit
	e.PageSize = o.PageSize

	if o.PrintInterpreter {
		if !f.HasInterpreter {
			return out, fail("cannot find section '.interp'" + staticHint)
		}
		print(PrintInterpreter, f.Interpreter)
	}
	if o.PrintOSABI {
		print(PrintOSABI, OSABIName(f.OSABI))
	}
	if o.SetOSABI {
		if o.OSABI == f.OSABI {
			o.debugf("current and requested OS ABIs are equal")
		}
		e.SetOSABI, e.OSABI = true, o.OSABI
	}
	if o.PrintSoname || o.SetSoname {
		if f.Type != stdelf.ET_DYN {
			o.debugf("this is not a dynamic library")
		} else {
			if err := needDynamic(); err != nil {
				return out, err
			}
			if o.PrintSoname {
				if f.Soname != "" {
					print(PrintSoname, f.Soname)
				} else if f.HasSoname {
					o.debugf("DT_SONAME is empty")
				} else {
					o.debugf("no DT_SONAME found")
				}
			}
			if o.SetSoname {
				e.Soname = o.Soname
			}
		}
	}
	if o.Interpreter != "" {
		if !f.HasInterpreter {
			return out, fail("cannot find section '.interp'" + staticHint)
		}
		e.Interpreter = o.Interpreter
	}
	// A debug-only file (objcopy --only-keep-debug) has a .dynamic section
	// without bytes: patchelf prints nothing for --print-rpath and leaves
	// the search path alone.
	stripped := f.DynamicStripped()
	if o.PrintRpath && !stripped {
		if err := needDynamic(); err != nil {
			return out, err
		}
		print(PrintRpath, f.SearchPath())
	}
	switch {
	case o.PrintExecstack:
		print(PrintExecstack, string(Execstack(f)))
	case o.ClearExecstack:
		e.ClearExecstack = true
	case o.SetExecstack:
		e.SetExecstack = true
	}
	if (o.ShrinkRpath || o.RemoveRpath || o.SetRpath || o.AddRpath) && stripped {
		o.debugf("no dynamic section")
	} else if o.ShrinkRpath || o.RemoveRpath || o.SetRpath || o.AddRpath {
		if err := needDynamic(); err != nil {
			return out, err
		}
		o.rpathEdit(f, &e)
	}
	if o.PrintNeeded {
		if err := needDynamic(); err != nil {
			return out, err
		}
		for _, n := range f.Needed {
			print(PrintNeeded, n)
		}
	}
	if len(o.RemoveNeeded) > 0 || len(o.ReplaceNeeded) > 0 || len(o.AddNeeded) > 0 || o.NoDefaultLib ||
		len(o.ClearSymbolVersion) > 0 || o.AddDebugTag || len(o.RenameSymbols) > 0 {
		if err := needDynamic(); err != nil {
			return out, err
		}
	}
	e.RemoveNeeded = sortedSet(o.RemoveNeeded)
	repl, err := replacements(o.ReplaceNeeded, f.Needed)
	if err != nil {
		return out, fail(err.Error())
	}
	e.ReplaceNeeded = repl
	// patchelf keeps the names in a std::set: new entries come out sorted.
	e.AddNeeded = sortedSet(o.AddNeeded)
	e.NoDefaultLib = o.NoDefaultLib
	if o.NoDefaultLib {
		if v, ok := f.DynValue(stdelf.DT_FLAGS_1); ok && v&uint64(stdelf.DF_1_NODEFLIB) != 0 {
			e.NoDefaultLib = false
		}
	}

	e.ClearSymbolVersion = sortedSet(o.ClearSymbolVersion)
	e.AddDebugTag = o.AddDebugTag
	e.RenameSymbols = o.RenameSymbols

	if o.BuildResolutionCache {
		if err := o.resolutionCache(f, &e); err != nil {
			return out, fail(err.Error())
		}
	}

	patch, err := f.Plan(e)
	if errors.Is(err, elf.ErrNoDTNull) {
		// patchelf's words for it, from where it notices.
		return out, fail("setSubstr: write extends past end of section (the dynamic table has no DT_NULL terminator)")
	}
	if err != nil {
		return out, fail(err.Error())
	}
	if !patch.IsEmpty() || o.Output != "" {
		for _, i := range f.UnnamedSectionSymbols() {
			// patchelf's warning: it cannot renumber such a symbol's
			// section. Nothing is renumbered here, so nothing is lost.
			o.Log.Warnf("symbol table entry refers to an unnamed section (index %d)", i)
		}
	}
	if patch.TrailingData > 0 {
		// patchelf leaves such data in the middle of the grown file, where
		// the program no longer finds it; say that we did not.
		o.Log.Infof("%s: kept the %d bytes appended after the ELF contents at the end of the file", name, patch.TrailingData)
	}
	return out, o.write(name, patch)
}

// FileError words a failure to reach a file as patchelf does:
// "getting info about 'FILE': No such file or directory".
func FileError(name string, err error) error {
	var errno syscall.Errno
	reason := err.Error()
	if errors.As(err, &errno) {
		reason = errno.Error()
		if reason != "" {
			reason = strings.ToUpper(reason[:1]) + reason[1:]
		}
	}
	return fmt.Errorf("getting info about '%s': %s", name, reason)
}

// Execstack is patchelf's --print-execstack letter: X for an executable
// stack, - for a non-executable one, ? without PT_GNU_STACK.
func Execstack(f *elf.File) byte {
	for _, p := range f.Progs {
		if p.Type == stdelf.PT_GNU_STACK {
			if p.Flags&stdelf.PF_X != 0 {
				return 'X'
			}
			return '-'
		}
	}
	return '?'
}
