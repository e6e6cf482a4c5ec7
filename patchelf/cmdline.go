package patchelf

// patchelf's own command line: a contract, like auto's. The same options
// as NixOS/patchelf 0.19, in any order, later values replacing earlier
// ones, anything else a file name; its --help and --version texts; its
// error texts.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/cli"
)

// Version is what --version prints: the patchelf release whose command
// line we follow, then who we are.
const Version = "patchelf 0.19.0 (gopatchelf)"

// DebugEnv is the environment variable that turns on --debug, as in
// patchelf.
const DebugEnv = "PATCHELF_DEBUG"

// ErrHelp and ErrVersion are returned by [ParseArgs] for --help (or -h)
// and --version, which end the parse where they stand.
var (
	ErrHelp    = errors.New("help requested")
	ErrVersion = errors.New("version requested")
)

// Args is a parsed patchelf command line: the operations, and whether to
// print patchelf's debug lines.
type Args struct {
	Options
	// Debug is --debug, or $PATCHELF_DEBUG set.
	Debug bool
}

// ParseArgs reads a patchelf command line (without the program name) the
// way patchelf's main does. getenv reads the environment (os.Getenv; nil
// reads none): $PATCHELF_DEBUG turns on Debug, and $NIX_BUILD_TOP (a Nix
// build) makes files written without fsync and, unless --write says
// otherwise, in place, as auto's --fsync auto and --write auto do.
//
// A value given as "@FILE" (to --set-interpreter, --set-rpath,
// --add-rpath, --set-soname, --set-os-abi, --add-needed, --remove-needed,
// --clear-symbol-version and --output) is FILE's contents, verbatim. A
// --page-size is a number as everywhere in gopatchelf (0x1000 too), else
// what C's atoi reads of it; 0 is refused. --rename-dynamic-symbols reads
// its map file here (see [ReadSymbolMap]).
//
// Errors are patchelf's texts, without its "patchelf: " prefix.
func ParseArgs(args []string, getenv func(string) string) (*Args, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	nixBuild := getenv("NIX_BUILD_TOP") != ""
	o := &Args{Options: Options{ReplaceNeeded: map[string]string{}, NoSync: nixBuild}, Debug: getenv(DebugEnv) != ""}
	o.InPlace = nixBuild // --write auto
	i := 0
	value := func() (string, error) {
		if i+1 >= len(args) {
			return "", errors.New("missing argument")
		}
		i++
		return args[i], nil
	}
	resolved := func() (string, error) {
		v, err := value()
		if err != nil || !strings.HasPrefix(v, "@") {
			return v, err
		}
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return "", FileError(v[1:], err)
		}
		return string(b), nil
	}
	var setABI string
	for ; i < len(args); i++ {
		arg := args[i]
		var err error
		switch arg {
		case "--set-interpreter", "--interpreter":
			o.Interpreter, err = resolved()
		case "--page-size":
			var v string
			if v, err = value(); err == nil {
				if o.PageSize, err = cli.ParseNumber(v); err != nil {
					o.PageSize, err = atoi(v), nil
				}
				if o.PageSize == 0 {
					err = errors.New("invalid argument to --page-size")
				}
			}
		case "--print-interpreter":
			o.PrintInterpreter = true
		case "--print-os-abi":
			o.PrintOSABI = true
		case "--set-os-abi":
			o.SetOSABI = true
			setABI, err = resolved()
		case "--print-soname":
			o.PrintSoname = true
		case "--set-soname":
			o.SetSoname = true
			o.Soname, err = resolved()
		case "--remove-rpath":
			o.RemoveRpath = true
		case "--shrink-rpath":
			o.ShrinkRpath = true
		case "--allowed-rpath-prefixes":
			var v string
			v, err = value()
			o.AllowedPrefixes = SplitPath(v)
		case "--set-rpath":
			o.SetRpath = true
			o.Rpath, err = resolved()
		case "--add-rpath":
			o.AddRpath = true
			o.Rpath, err = resolved()
		case "--print-rpath":
			o.PrintRpath = true
		case "--force-rpath":
			o.ForceRpath = true
		case "--print-needed":
			o.PrintNeeded = true
		case "--no-sort":
			// We never sort headers: existing bytes do not move.
		case "--add-needed":
			var v string
			v, err = resolved()
			o.AddNeeded = append(o.AddNeeded, v)
		case "--remove-needed":
			var v string
			v, err = resolved()
			o.RemoveNeeded = append(o.RemoveNeeded, v)
		case "--replace-needed":
			if i+2 >= len(args) {
				return nil, errors.New("missing argument(s)")
			}
			o.ReplaceNeeded[args[i+1]] = args[i+2]
			i += 2
		case "--print-execstack":
			o.PrintExecstack = true
		case "--clear-execstack":
			o.ClearExecstack = true
		case "--set-execstack":
			o.SetExecstack = true
		case "--output":
			o.Output, err = resolved()
		case "--write":
			var v string
			if v, err = value(); err == nil {
				if o.InPlace, err = atomicfile.ParseWrite(v, nixBuild); err != nil {
					err = fmt.Errorf("--write: %v", err)
				}
			}
		case "--debug":
			o.Debug = true
		case "--no-default-lib":
			o.NoDefaultLib = true
		case "--build-resolution-cache":
			o.BuildResolutionCache = true
		case "--add-debug-tag":
			o.AddDebugTag = true
		case "--clear-symbol-version":
			var v string
			v, err = resolved()
			o.ClearSymbolVersion = append(o.ClearSymbolVersion, v)
		case "--rename-dynamic-symbols":
			var v string
			if v, err = value(); err == nil {
				if o.RenameSymbols == nil {
					o.RenameSymbols = map[string]string{}
				}
				err = ReadSymbolMap(v, o.RenameSymbols)
			}
		case "--no-clobber-old-sections":
			// Old sections are never clobbered: bytes that stay in use are
			// left alone, freed strings are overwritten (see package elf).
		case "--help", "-h":
			return nil, ErrHelp
		case "--version":
			return nil, ErrVersion
		default:
			o.Files = append(o.Files, arg)
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case len(o.Files) == 0:
		return nil, errors.New("missing filename")
	case o.Output != "" && len(o.Files) != 1:
		return nil, errors.New("--output option only allowed with single input file")
	case o.SetRpath && o.AddRpath:
		return nil, errors.New("--set-rpath option not allowed with --add-rpath")
	case o.ForceRpath && o.BuildResolutionCache:
		return nil, errors.New("--build-resolution-cache cannot be combined with --force-rpath")
	}
	if o.SetOSABI {
		abi, ok := ParseOSABI(setABI)
		if !ok {
			return nil, errors.New("unrecognized OS ABI")
		}
		o.OSABI = abi
	}
	if o.SetSoname && o.Soname == "" {
		return nil, errors.New("--set-soname: an empty SONAME is not supported")
	}
	return o, nil
}

// atoi is C's atoi for the non-negative values --page-size accepts:
// leading blanks, an optional sign, then digits up to the first non-digit.
func atoi(s string) uint64 {
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

// ReadSymbolMap adds the pairs of a --rename-dynamic-symbols map file to
// m, as patchelf 0.19 reads it: "old new" per line, separated by blanks,
// extra words ignored; reading stops at the first blank line. A name
// given twice (in any map file of the command line) or containing '@' is
// an error naming the file and line.
func ReadSymbolMap(name string, m map[string]string) error {
	fd, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("Cannot open map file %s: %s", name, errnoText(err)) //nolint:staticcheck // patchelf's text
	}
	defer fd.Close()
	sc := bufio.NewScanner(fd)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 1
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		if len(words) == 0 {
			break
		}
		if len(words) < 2 {
			return fmt.Errorf("%s:%d: Map file line is missing the second element", name, line)
		}
		from, to := words[0], words[1]
		if _, dup := m[from]; dup {
			return fmt.Errorf("%s:%d: Name '%s' appears twice in the map file", name, line, from)
		}
		if strings.Contains(from, "@") || strings.Contains(to, "@") {
			return fmt.Errorf("%s:%d: Name pair contains version tag: %s %s", name, line, from, to)
		}
		m[from] = to
		line++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading map file %s: %v", name, err)
	}
	return nil
}

// errnoText is the strerror text of err, capitalised as glibc prints it.
func errnoText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// String is the value as patchelf prints it, on a line of its own: the
// execstack letter as "execstack: X", the others as they are.
func (p Printed) String() string {
	if p.What == PrintExecstack {
		return "execstack: " + p.Value
	}
	return p.Value
}

// WriteHelp prints patchelf's --help for the program named prog (what
// patchelf prints after "syntax: "), with our notes on the options we
// accept and ignore and on how files are written.
func WriteHelp(w io.Writer, prog string) error {
	_, err := fmt.Fprintf(w, `syntax: %s
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
  [--clear-symbol-version SYMBOL]
  [--add-debug-tag]
  [--build-resolution-cache]		Records where each DT_NEEDED library is found on the run path (NixOS loader note)
  [--print-execstack]		Prints whether the object requests an executable stack
  [--clear-execstack]
  [--set-execstack]
  [--rename-dynamic-symbols NAME_MAP_FILE]	Renames dynamic symbols. The map file should contain two symbols (old_name new_name) per line
  [--no-clobber-old-sections]		Accepted and ignored: bytes still in use are never overwritten.
  [--output FILE]
  [--write MODE]		in-place, atomic, or auto (the default): in place inside a Nix build, atomic elsewhere
  [--debug]
  [--version]
  FILENAME...

All changes to a file are written at once, and only if a byte changes: atomically (a temporary
copy renamed over the file) or in place (only the changed bytes; a run killed mid-write leaves
the file torn), as --write says.
`, prog)
	return err
}
