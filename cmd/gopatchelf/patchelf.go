package main

// gopatchelf patchelf: the command line of NixOS/patchelf 0.18 in front of
// our writer, so that build scripts calling patchelf can call us instead
// (`gopatchelf patchelf ARGS`, or the binary installed under the name
// patchelf).
//
// Differences from patchelf, on purpose:
//
//   - Every change to a file is planned as one elf.Edit and written once,
//     atomically (temp file, fsync unless inside a Nix build, rename),
//     and only when a byte changes.
//     patchelf rewrites the file in place with O_TRUNC, and writes it even
//     when nothing changed. A symlink is followed and its target replaced;
//     a hard link is broken (the other names keep the old bytes).
//   - Error messages name the file: "patchelf: FILE: reason", where reason
//     is patchelf's own text when patchelf has one for the case.
//   - Files without section headers are handled (patchelf refuses them).
//   - Data appended after the ELF contents (a payload) is kept at the end
//     of the grown file, with a line on stderr; patchelf leaves it in the
//     middle. Refusals of the writer (a layout that cannot grow safely) fail
//     the file.
//   - --clear-symbol-version, --rename-dynamic-symbols and --add-debug-tag
//     are rejected before any file is touched, with exit code 2: they need
//     rewriting .gnu.version, .dynsym and the symbol hash tables, which our
//     writer does not do.

import (
	"bytes"
	"context"
	stdelf "debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/gopatchelf/gopatchelf/elf"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/ldcache"
)

// peVersion is what --version prints: the patchelf release whose command
// line we follow, then who we are.
const peVersion = "patchelf 0.18.0 (gopatchelf)"

// peDebugEnv turns on --debug, as in patchelf.
const peDebugEnv = "PATCHELF_DEBUG"

// Exit codes of `gopatchelf patchelf`. patchelf exits 1 for every error;
// so do we, except for options we do not implement.
const (
	peExitUnsupported = 2 // --clear-symbol-version, --rename-dynamic-symbols, --add-debug-tag
)

// peUnsupported are patchelf options we reject, with the reason.
var peUnsupported = map[string]string{
	"--clear-symbol-version":   "it rewrites the symbol version table (.gnu.version)",
	"--rename-dynamic-symbols": "it rewrites the dynamic symbol table and its hash tables (.dynsym, .gnu.hash, .hash)",
	"--add-debug-tag":          "it adds a DT_DEBUG entry, which our writer's edit does not offer",
}

// peOptions is a parsed patchelf command line.
type peOptions struct {
	files  []string
	output string
	debug  bool
	// replace writes files: with fsync, except inside a Nix build, as
	// auto's --fsync auto.
	replace atomicfile.Options

	printInterpreter, printOSABI, printSoname, printRpath, printNeeded, printExecstack bool

	interpreter string
	pageSize    uint64
	setOSABI    bool
	osabi       stdelf.OSABI
	setSoname   bool
	soname      string

	shrinkRpath, removeRpath, setRpath, addRpath bool
	rpath                                        string
	allowedPrefixes                              []string
	forceRpath                                   bool

	addNeeded     []string
	removeNeeded  []string
	replaceNeeded map[string]string

	noDefaultLib                 bool
	clearExecstack, setExecstack bool
	buildResolutionCache         bool
}

// peError is an error patchelf would report: printed as "patchelf: msg".
type peError struct {
	msg  string
	code int
}

func (e *peError) Error() string { return e.msg }

func peErrorf(format string, args ...any) error {
	return &peError{msg: fmt.Sprintf(format, args...), code: exitFailure}
}

// patchelfArgv returns the arguments for run: those of the process, with
// "patchelf" in front when the binary was started under that name, so that
// a symlink named patchelf behaves like patchelf.
func patchelfArgv(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	if filepath.Base(argv[0]) == "patchelf" {
		return append([]string{"patchelf"}, argv[1:]...)
	}
	return argv[1:]
}

func runPatchelf(ctx context.Context, args []string, sio stdio) int {
	prog := "gopatchelf patchelf"
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "patchelf" {
		prog = os.Args[0]
	}
	if len(args) == 0 {
		peHelp(sio.errOut, prog)
		return exitFailure
	}
	o, err := peParse(args)
	switch {
	case errors.Is(err, errHelp):
		peHelp(sio.errOut, prog)
		return exitOK
	case errors.Is(err, errPeVersion):
		fmt.Fprintln(sio.out, peVersion)
		return exitOK
	case err != nil:
		return peFail(sio, err)
	}
	if os.Getenv(peDebugEnv) != "" {
		o.debug = true
	}
	for _, name := range o.files {
		if ctx.Err() != nil {
			fmt.Fprintln(sio.errOut, "patchelf: interrupted")
			return exitInterrupted
		}
		// Like patchelf, the first file that fails ends the run: the files
		// before it are done, the ones after it untouched.
		if err := o.patchFile(name, sio); err != nil {
			return peFail(sio, err)
		}
	}
	return exitOK
}

func peFail(sio stdio, err error) int {
	fmt.Fprintf(sio.errOut, "patchelf: %v\n", err)
	var pe *peError
	if errors.As(err, &pe) {
		return pe.code
	}
	return exitFailure
}

var errPeVersion = errors.New("version requested")

// peParse reads the command line the way patchelf's main does: options in
// any order, anything else a file name, later values replacing earlier ones.
func peParse(args []string) (*peOptions, error) {
	o := &peOptions{
		replaceNeeded: map[string]string{},
		replace:       atomicfile.Options{NoSync: os.Getenv("NIX_BUILD_TOP") != ""},
	}
	i := 0
	value := func() (string, error) {
		if i+1 >= len(args) {
			return "", peErrorf("missing argument")
		}
		i++
		return args[i], nil
	}
	// resolved is value with patchelf's "@FILE": the argument is FILE's
	// contents, verbatim.
	resolved := func() (string, error) {
		v, err := value()
		if err != nil || !strings.HasPrefix(v, "@") {
			return v, err
		}
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return "", peFileError(v[1:], err)
		}
		return string(b), nil
	}
	var setABI string
	for ; i < len(args); i++ {
		arg := args[i]
		var err error
		if why, ok := peUnsupported[arg]; ok {
			return nil, &peError{code: peExitUnsupported, msg: fmt.Sprintf(
				"%s is not supported by gopatchelf: %s, which gopatchelf's writer does not do; use NixOS patchelf for it", arg, why)}
		}
		switch arg {
		case "--set-interpreter", "--interpreter":
			o.interpreter, err = resolved()
		case "--page-size":
			var v string
			if v, err = value(); err == nil {
				// Numbers parse as everywhere in gopatchelf (0x1000 too);
				// anything else as patchelf's atoi reads it.
				if o.pageSize, err = parseNumber(v); err != nil {
					o.pageSize, err = peAtoi(v), nil
				}
				if o.pageSize == 0 {
					err = peErrorf("invalid argument to --page-size")
				}
			}
		case "--print-interpreter":
			o.printInterpreter = true
		case "--print-os-abi":
			o.printOSABI = true
		case "--set-os-abi":
			o.setOSABI = true
			setABI, err = resolved()
		case "--print-soname":
			o.printSoname = true
		case "--set-soname":
			o.setSoname = true
			o.soname, err = resolved()
		case "--remove-rpath":
			o.removeRpath = true
		case "--shrink-rpath":
			o.shrinkRpath = true
		case "--allowed-rpath-prefixes":
			var v string
			v, err = value()
			o.allowedPrefixes = peSplitColons(v)
		case "--set-rpath":
			o.setRpath = true
			o.rpath, err = resolved()
		case "--add-rpath":
			o.addRpath = true
			o.rpath, err = resolved()
		case "--print-rpath":
			o.printRpath = true
		case "--force-rpath":
			o.forceRpath = true
		case "--print-needed":
			o.printNeeded = true
		case "--no-sort":
			// We never sort headers: existing bytes do not move.
		case "--add-needed":
			var v string
			v, err = resolved()
			o.addNeeded = append(o.addNeeded, v)
		case "--remove-needed":
			var v string
			v, err = resolved()
			o.removeNeeded = append(o.removeNeeded, v)
		case "--replace-needed":
			if i+2 >= len(args) {
				return nil, peErrorf("missing argument(s)")
			}
			o.replaceNeeded[args[i+1]] = args[i+2]
			i += 2
		case "--print-execstack":
			o.printExecstack = true
		case "--clear-execstack":
			o.clearExecstack = true
		case "--set-execstack":
			o.setExecstack = true
		case "--output":
			o.output, err = resolved()
		case "--debug":
			o.debug = true
		case "--no-default-lib":
			o.noDefaultLib = true
		case "--build-resolution-cache":
			o.buildResolutionCache = true
		case "--help", "-h":
			return nil, errHelp
		case "--version":
			return nil, errPeVersion
		default:
			o.files = append(o.files, arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(o.files) == 0 {
		return nil, peErrorf("missing filename")
	}
	if o.output != "" && len(o.files) != 1 {
		return nil, peErrorf("--output option only allowed with single input file")
	}
	if o.setRpath && o.addRpath {
		return nil, peErrorf("--set-rpath option not allowed with --add-rpath")
	}
	if o.forceRpath && o.buildResolutionCache {
		return nil, peErrorf("--build-resolution-cache cannot be combined with --force-rpath")
	}
	if o.setOSABI {
		abi, ok := peParseOSABI(setABI)
		if !ok {
			return nil, peErrorf("unrecognized OS ABI")
		}
		o.osabi = abi
	}
	if o.setSoname && o.soname == "" {
		return nil, peErrorf("--set-soname: an empty SONAME is not supported")
	}
	return o, nil
}

// peAtoi is C's atoi for the non-negative values --page-size accepts:
// leading blanks, an optional sign, then digits up to the first non-digit.
func peAtoi(s string) uint64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n uint64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' || n > 1<<40 {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		return 0
	}
	return n
}

// peSplitColons splits like patchelf: empty parts are kept, except a
// trailing one ("a:" is ["a"], "a::b" is ["a" "" "b"]).
func peSplitColons(s string) []string {
	parts := strings.Split(s, ":")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

var peOSABINames = []struct {
	abi   stdelf.OSABI
	print string
	names []string
}{
	{stdelf.ELFOSABI_NONE, "System V", []string{"system v", "system-v", "sysv"}},
	{stdelf.ELFOSABI_HPUX, "HP-UX", []string{"hp-ux"}},
	{stdelf.ELFOSABI_NETBSD, "NetBSD", []string{"netbsd"}},
	{stdelf.ELFOSABI_LINUX, "Linux", []string{"linux", "gnu"}},
	{stdelf.ELFOSABI_HURD, "GNU Hurd", []string{"gnu hurd", "gnu-hurd", "hurd"}},
	{stdelf.ELFOSABI_SOLARIS, "Solaris", []string{"solaris"}},
	{stdelf.ELFOSABI_AIX, "AIX", []string{"aix"}},
	{stdelf.ELFOSABI_IRIX, "IRIX", []string{"irix"}},
	{stdelf.ELFOSABI_FREEBSD, "FreeBSD", []string{"freebsd"}},
	{stdelf.ELFOSABI_TRU64, "Tru64", []string{"tru64"}},
	{stdelf.ELFOSABI_OPENBSD, "OpenBSD", []string{"openbsd"}},
	{stdelf.ELFOSABI_OPENVMS, "OpenVMS", []string{"openvms"}},
}

func peParseOSABI(s string) (stdelf.OSABI, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, n := range peOSABINames {
		if slices.Contains(n.names, s) {
			return n.abi, true
		}
	}
	return 0, false
}

func peOSABIString(abi stdelf.OSABI) string {
	for _, n := range peOSABINames {
		if n.abi == abi {
			return n.print
		}
	}
	return fmt.Sprintf("0x%02X", uint8(abi))
}

// peFileError words a failure to reach a file as patchelf does:
// "getting info about 'FILE': No such file or directory".
func peFileError(name string, err error) error {
	var errno syscall.Errno
	reason := err.Error()
	if errors.As(err, &errno) {
		reason = errno.Error()
		if reason != "" {
			reason = strings.ToUpper(reason[:1]) + reason[1:]
		}
	}
	return peErrorf("getting info about '%s': %s", name, reason)
}

// peMinHeader is the size of the smallest ELF header (ELFCLASS32): patchelf
// says "missing ELF header" for anything shorter.
const peMinHeader = 52

const peStaticHint = ". The input file is most likely statically linked"

func (o *peOptions) debugf(sio stdio, format string, args ...any) {
	if o.debug {
		fmt.Fprintf(sio.errOut, format, args...)
	}
}

// patchFile does everything asked for one file: the prints, in patchelf's
// order and all showing the file as it was, then one edit and one write.
//
// The edit's parts are applied by elf.Plan in one fixed order: remove,
// replace, then add DT_NEEDED; DT_SONAME; the search path (shrink, remove,
// set or add, the first of these given); the interpreter; then the OS ABI,
// DF_1_NODEFLIB and PT_GNU_STACK. Each part touches different entries, so
// the order only matters for the DT_NEEDED lists, and there it is
// patchelf's.
func (o *peOptions) patchFile(name string, sio stdio) error {
	prints := o.printInterpreter || o.printRpath || o.printSoname || o.printNeeded
	if !prints {
		o.debugf(sio, "patching ELF file '%s'\n", name)
	}
	st, err := os.Stat(name)
	if err != nil {
		return peFileError(name, err)
	}
	if st.IsDir() {
		return peErrorf("reading '%s': Is a directory", name)
	}
	if st.Size() < peMinHeader {
		return peErrorf("%s: missing ELF header", name)
	}
	f, err := elf.Open(name)
	if err != nil {
		var fe *elf.FormatError
		switch {
		case errors.Is(err, elf.ErrNotELF):
			return peErrorf("%s: not an ELF executable", name)
		case errors.As(err, &fe):
			return peErrorf("%v", err)
		}
		return peErrorf("reading '%s': %v", name, err)
	}
	defer f.Close()
	if f.Type != stdelf.ET_EXEC && f.Type != stdelf.ET_DYN {
		return peErrorf("%s: wrong ELF type", name)
	}
	fail := func(msg string) error { return peErrorf("%s: %s", name, msg) }
	needDynamic := func() error {
		if !f.IsDynamic() {
			return fail("cannot find section '.dynamic'" + peStaticHint)
		}
		return nil
	}

	out := &bytes.Buffer{}
	defer func() { sio.out.Write(out.Bytes()) }()

	var e elf.Edit
	e.PageSize = o.pageSize

	if o.printInterpreter {
		if !f.HasInterpreter {
			return fail("cannot find section '.interp'" + peStaticHint)
		}
		fmt.Fprintln(out, f.Interpreter)
	}
	if o.printOSABI {
		fmt.Fprintln(out, peOSABIString(f.OSABI))
	}
	if o.setOSABI {
		if o.osabi == f.OSABI {
			o.debugf(sio, "current and requested OS ABIs are equal\n")
		}
		e.SetOSABI, e.OSABI = true, o.osabi
	}
	if o.printSoname || o.setSoname {
		if f.Type != stdelf.ET_DYN {
			o.debugf(sio, "this is not a dynamic library\n")
		} else {
			if err := needDynamic(); err != nil {
				return err
			}
			if o.printSoname {
				if f.Soname != "" {
					fmt.Fprintln(out, f.Soname)
				} else if f.HasSoname {
					o.debugf(sio, "DT_SONAME is empty\n")
				} else {
					o.debugf(sio, "no DT_SONAME found\n")
				}
			}
			if o.setSoname {
				e.Soname = o.soname
			}
		}
	}
	if o.interpreter != "" {
		if !f.HasInterpreter {
			return fail("cannot find section '.interp'" + peStaticHint)
		}
		e.Interpreter = o.interpreter
	}
	if o.printRpath {
		if err := needDynamic(); err != nil {
			return err
		}
		fmt.Fprintln(out, f.SearchPath())
	}
	switch {
	case o.printExecstack:
		fmt.Fprintf(out, "execstack: %c\n", peExecstack(f))
	case o.clearExecstack:
		e.ClearExecstack = true
	case o.setExecstack:
		e.SetExecstack = true
	}
	if o.shrinkRpath || o.removeRpath || o.setRpath || o.addRpath {
		if err := needDynamic(); err != nil {
			return err
		}
		if err := o.rpathEdit(f, &e, sio); err != nil {
			return err
		}
	}
	if o.printNeeded {
		if err := needDynamic(); err != nil {
			return err
		}
		for _, n := range f.Needed {
			fmt.Fprintln(out, n)
		}
	}
	if len(o.removeNeeded) > 0 || len(o.replaceNeeded) > 0 || len(o.addNeeded) > 0 || o.noDefaultLib {
		if err := needDynamic(); err != nil {
			return err
		}
	}
	e.RemoveNeeded = peSortedSet(o.removeNeeded)
	repl, err := peReplacements(o.replaceNeeded, f.Needed)
	if err != nil {
		return fail(err.Error())
	}
	e.ReplaceNeeded = repl
	// patchelf keeps the names in a std::set: new entries come out sorted.
	e.AddNeeded = peSortedSet(o.addNeeded)
	e.NoDefaultLib = o.noDefaultLib
	if o.noDefaultLib {
		if v, ok := f.DynValue(stdelf.DT_FLAGS_1); ok && v&uint64(stdelf.DF_1_NODEFLIB) != 0 {
			e.NoDefaultLib = false
		}
	}

	if o.buildResolutionCache {
		o.resolutionCache(f, &e, sio)
	}

	patch, err := f.Plan(e)
	if err != nil {
		return fail(err.Error())
	}
	if patch.TrailingData > 0 {
		// patchelf leaves such data in the middle of the grown file, where
		// the program no longer finds it; say that we did not.
		fmt.Fprintf(sio.errOut, "%s: kept the %d bytes appended after the ELF contents at the end of the file\n", name, patch.TrailingData)
	}
	return o.write(name, f, patch, sio)
}

// resolutionCache computes the NixOS resolution-cache note (patchelf
// 0.19.0's --build-resolution-cache, the same bytes) for the needed
// libraries and the run path the file will have after e, and adds it to e.
// Like patchelf, a file with nothing to resolve gets a warning and no note;
// unlike patchelf 0.19.0, which refuses, a stale note is replaced.
func (o *peOptions) resolutionCache(f *elf.File, e *elf.Edit, sio stdio) {
	warn := func(why string) {
		fmt.Fprintf(sio.errOut, "warning: --build-resolution-cache: %s; no cache written\n", why)
	}
	if !f.IsDynamic() {
		warn("no dynamic section (statically linked?)")
		return
	}
	needed := f.Needed
	if len(e.RemoveNeeded) > 0 || len(e.ReplaceNeeded) > 0 || len(e.AddNeeded) > 0 {
		needed = peNeededAfter(f.Needed, e)
	}
	runpath := f.SearchPath()
	if e.RemoveRunpath {
		runpath = ""
	}
	if e.SetRunpath {
		runpath = e.Runpath
	}
	desc, err := ldcache.Build(needed, runpath, ldcache.FS{
		Readable: func(p string) bool {
			fd, err := os.Open(p)
			if err != nil {
				return false
			}
			fd.Close()
			return true
		},
		Exists: func(p string) bool {
			_, err := os.Stat(p)
			return err == nil
		},
	})
	switch {
	case errors.Is(err, ldcache.ErrNothingToResolve):
		warn("no DT_NEEDED entries or run path to resolve")
	case errors.Is(err, ldcache.ErrNoneResolved):
		warn("no libraries resolved against the run path")
	case err == nil:
		o.debugf(sio, "resolution cache: %q\n", desc)
		e.ResolutionCache = desc
	}
}

// peNeededAfter is DT_NEEDED as the edit leaves it: removals, then
// replacements, then additions in front (the order elf applies them).
func peNeededAfter(needed []string, e *elf.Edit) []string {
	var out []string
	for _, n := range needed {
		if slices.Contains(e.RemoveNeeded, n) {
			continue
		}
		for _, r := range e.ReplaceNeeded {
			if r.Old == n {
				n = r.New
			}
		}
		out = append(out, n)
	}
	var add []string
	for _, n := range e.AddNeeded {
		if !slices.Contains(out, n) && !slices.Contains(add, n) {
			add = append(add, n)
		}
	}
	return append(add, out...)
}

// rpathEdit sets e's search-path part from the first of --shrink-rpath,
// --remove-rpath, --set-rpath and --add-rpath given, as patchelf does.
func (o *peOptions) rpathEdit(f *elf.File, e *elf.Edit, sio stdio) error {
	has := f.HasRunpath || f.HasRpath
	old := f.SearchPath()
	var newPath string
	switch {
	case o.shrinkRpath:
		if !has {
			o.debugf(sio, "no RPATH to shrink\n")
			return nil
		}
		newPath = o.shrink(f, old, sio)
	case o.removeRpath:
		if !has {
			o.debugf(sio, "no RPATH to delete\n")
			return nil
		}
		e.RemoveRunpath = true
		return nil
	case o.setRpath:
		newPath = o.rpath
	case o.addRpath:
		newPath = old
		if newPath != "" {
			newPath += ":"
		}
		newPath += o.rpath
	}
	if !has && newPath == "" {
		// patchelf adds no entry for an empty path.
		return nil
	}
	o.debugf(sio, "new rpath is '%s'\n", newPath)
	e.SetRunpath, e.Runpath, e.ForceRpath = true, newPath, o.forceRpath
	return nil
}

// shrink keeps the entries of rpath that patchelf's --shrink-rpath keeps:
// relative ones ($ORIGIN/…) always; absolute ones only when they start with
// one of --allowed-rpath-prefixes (if given) and hold a DT_NEEDED library,
// an ELF file of f's machine and class, not found in an earlier entry.
func (o *peOptions) shrink(f *elf.File, rpath string, sio stdio) string {
	found := make([]bool, len(f.Needed))
	var keep []string
	for _, dir := range peSplitColons(rpath) {
		if dir != "" && dir[0] != '/' {
			keep = append(keep, dir)
			continue
		}
		if len(o.allowedPrefixes) > 0 && !slices.ContainsFunc(o.allowedPrefixes, func(p string) bool {
			return strings.HasPrefix(dir, p)
		}) {
			o.debugf(sio, "removing directory '%s' from RPATH because of non-allowed prefix\n", dir)
			continue
		}
		provides := false
		for j, lib := range f.Needed {
			if found[j] {
				continue
			}
			path := dir + "/" + lib
			switch ok, err := peSameMachine(path, f); {
			case ok:
				found[j], provides = true, true
			case err == nil:
				o.debugf(sio, "ignoring library '%s' because its machine type differs\n", path)
			case !errors.Is(err, fs.ErrNotExist):
				o.debugf(sio, "ignoring library '%s': %v\n", path, err)
			}
		}
		if provides {
			keep = append(keep, dir)
		} else {
			o.debugf(sio, "removing directory '%s' from RPATH\n", dir)
		}
	}
	return strings.Join(keep, ":")
}

// peSameMachine reports whether path is an ELF file for f's machine and
// class, reading only its ELF header.
func peSameMachine(path string, f *elf.File) (bool, error) {
	fd, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer fd.Close()
	var h [20]byte
	if _, err := io.ReadFull(fd, h[:]); err != nil {
		return false, fmt.Errorf("not an ELF file: %w", err)
	}
	if string(h[:4]) != stdelf.ELFMAG {
		return false, errors.New("not an ELF file")
	}
	var m uint16
	switch stdelf.Data(h[stdelf.EI_DATA]) {
	case stdelf.ELFDATA2LSB:
		m = uint16(h[18]) | uint16(h[19])<<8
	case stdelf.ELFDATA2MSB:
		m = uint16(h[18])<<8 | uint16(h[19])
	default:
		return false, errors.New("unknown ELF data encoding")
	}
	return stdelf.Machine(m) == f.Machine && stdelf.Class(h[stdelf.EI_CLASS]) == f.Class, nil
}

// peExecstack is patchelf's --print-execstack letter: X for an executable
// stack, - for a non-executable one, ? without PT_GNU_STACK.
func peExecstack(f *elf.File) byte {
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

func peSortedSet(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	s := slices.Clone(names)
	sort.Strings(s)
	return slices.Compact(s)
}

// peReplacements orders --replace-needed pairs for elf.Edit, which applies
// them one after the other. patchelf renames every entry at most once
// (a→b with b→c turns a into b, not c), so a pair whose new name is
// another pair's old name must come after that pair. A cycle (a→b with
// b→a) cannot be ordered and is refused.
func peReplacements(m map[string]string, needed []string) ([]elf.Replacement, error) {
	var todo []elf.Replacement
	for old, nw := range m {
		if old != nw && slices.Contains(needed, old) {
			todo = append(todo, elf.Replacement{Old: old, New: nw})
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Old < todo[j].Old })
	var out []elf.Replacement
	for len(todo) > 0 {
		progress := false
		for i := 0; i < len(todo); i++ {
			r := todo[i]
			blocked := slices.ContainsFunc(todo, func(q elf.Replacement) bool { return q.Old == r.New })
			if blocked {
				continue
			}
			out = append(out, r)
			todo = slices.Delete(todo, i, i+1)
			i--
			progress = true
		}
		if !progress {
			return nil, fmt.Errorf("--replace-needed renames %s and %s into each other; do it in two runs", todo[0].Old, todo[0].New)
		}
	}
	return out, nil
}

// write puts the patched file in place: over name, or at --output (written
// even when nothing changed, as patchelf does).
func (o *peOptions) write(name string, f *elf.File, patch *elf.Patch, sio stdio) error {
	if o.output == "" {
		if patch.IsEmpty() {
			o.debugf(sio, "not modified, nothing written\n")
			return nil
		}
		target, err := filepath.EvalSymlinks(name)
		if err != nil {
			return peFileError(name, err)
		}
		o.debugf(sio, "writing %s\n", target)
		if err := o.replace.ReplaceCopy(target, func(tmp *os.File) error { return patch.ApplyTo(tmp) }); err != nil {
			return peErrorf("%s: writing: %v", name, err)
		}
		return nil
	}
	o.debugf(sio, "writing %s\n", o.output)
	st, err := os.Stat(name)
	if err != nil {
		return peFileError(name, err)
	}
	target := o.output
	if t, err := filepath.EvalSymlinks(o.output); err == nil {
		target = t
	}
	fill := func(tmp *os.File) error {
		src, err := os.Open(name)
		if err != nil {
			return err
		}
		defer src.Close()
		if _, err := io.Copy(tmp, src); err != nil {
			return err
		}
		return patch.ApplyTo(tmp)
	}
	if ot, err := os.Stat(target); err == nil {
		if os.SameFile(st, ot) && patch.IsEmpty() {
			return nil
		}
		err = o.replace.Replace(target, fill)
		if err != nil {
			return peErrorf("%s: writing: %v", o.output, err)
		}
		return nil
	}
	if err := peCreate(target, st.Mode().Perm(), fill); err != nil {
		return peErrorf("%s: writing: %v", o.output, err)
	}
	return nil
}

// peCreate makes a new file at path, with mode perm, from what fill writes:
// a temporary file in the same directory, synced and renamed into place, so
// a failure leaves nothing at path.
func peCreate(path string, perm fs.FileMode, fill func(tmp *os.File) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".gopatchelf-*")
	if err != nil {
		return err
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	tmp = nil
	return nil
}

func peHelp(w io.Writer, prog string) {
	fmt.Fprintf(w, `syntax: %s
  [--set-interpreter FILENAME]
  [--page-size SIZE]
  [--print-interpreter]
  [--print-os-abi]		Prints 'EI_OSABI' field of ELF header
  [--set-os-abi ABI]		Sets 'EI_OSABI' field of ELF header to ABI.
  [--print-soname]		Prints 'DT_SONAME' entry of .dynamic section; prints nothing if there is none
  [--set-soname SONAME]		Sets 'DT_SONAME' entry to SONAME.
  [--set-rpath RPATH]
  [--add-rpath RPATH]
  [--remove-rpath]
  [--shrink-rpath]
  [--allowed-rpath-prefixes PREFIXES]		With '--shrink-rpath', reject rpath entries not starting with the allowed prefix
  [--print-rpath]
  [--force-rpath]
  [--add-needed LIBRARY]
  [--remove-needed LIBRARY]
  [--replace-needed LIBRARY NEW_LIBRARY]
  [--print-needed]
  [--no-default-lib]
  [--no-sort]		Accepted and ignored: gopatchelf never moves or sorts headers.
  [--print-execstack]		Prints whether the object requests an executable stack
  [--clear-execstack]
  [--set-execstack]
  [--build-resolution-cache]		Records where each DT_NEEDED library is found on the run path (NixOS loader note)
  [--output FILE]
  [--debug]
  [--version]
  FILENAME...

Not supported (exit code 2): --clear-symbol-version, --rename-dynamic-symbols, --add-debug-tag.
All changes to a file are written at once, atomically, and only if a byte changes.
`, prog)
}
