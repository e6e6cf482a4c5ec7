package main

// gopatchelf patchelf: the command line of NixOS/patchelf 0.19 in front of
// our writer, so that build scripts calling patchelf can call us instead
// (`gopatchelf patchelf ARGS`, or the binary installed under the name
// patchelf).
//
// This file is the command line only: patchelf's argument grammar (a
// contract: the same options, in any order, later values replacing earlier
// ones), its --help and --version, and the rendering of the --print-*
// values and errors. What is done to the files, and how it differs from
// patchelf on purpose, is package patchelf's (see its doc.go).
//
// --clear-symbol-version, --rename-dynamic-symbols and --add-debug-tag are
// rejected before any file is touched, with exit code 2: they need
// rewriting .gnu.version, .dynsym and the symbol hash tables, which our
// writer does not do.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/cli"
	"github.com/gopatchelf/gopatchelf/patchelf"
)

// peVersion is what --version prints: the patchelf release whose command
// line we follow, then who we are.
const peVersion = "patchelf 0.19.0 (gopatchelf)"

// peDebugEnv turns on --debug, as in patchelf.
const peDebugEnv = "PATCHELF_DEBUG"

// peOptions is a parsed patchelf command line.
type peOptions struct {
	patchelf.Options
	debug bool
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
	case errors.Is(err, errPeHelp):
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
	o.Log = peLogger(sio.errOut, o.debug)
	// Like patchelf, the first file that fails ends the run: the files
	// before it are done, the ones after it untouched.
	err = patchelf.Run(ctx, o.Options, func(vals []patchelf.Printed) { sio.out.Write(pePrinted(vals)) })
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintln(sio.errOut, "patchelf: interrupted")
		return exitInterrupted
	}
	return peFail(sio, err)
}

// pePrinted renders one file's --print-* values as patchelf prints them.
func pePrinted(vals []patchelf.Printed) []byte {
	var b bytes.Buffer
	for _, v := range vals {
		if v.What == patchelf.PrintExecstack {
			b.WriteString("execstack: ")
		}
		b.WriteString(v.Value)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// peLogger prints patchelf's --debug lines as they are, and warnings as
// "warning: …", each line in one write.
func peLogger(w io.Writer, debug bool) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(peFormatter{})
	l.SetLevel(logrus.InfoLevel)
	if debug {
		l.SetLevel(logrus.DebugLevel)
	}
	return l
}

type peFormatter struct{}

func (peFormatter) Format(e *logrus.Entry) ([]byte, error) {
	prefix := ""
	if e.Level <= logrus.WarnLevel {
		prefix = e.Level.String() + ": "
	}
	return []byte(prefix + e.Message + "\n"), nil
}

func peFail(sio stdio, err error) int {
	fmt.Fprintf(sio.errOut, "patchelf: %v\n", err)
	var pe *peError
	if errors.As(err, &pe) {
		return pe.code
	}
	return exitFailure
}

var (
	errPeHelp    = errors.New("help requested")
	errPeVersion = errors.New("version requested")
)

// peParse reads the command line the way patchelf's main does: options in
// any order, anything else a file name, later values replacing earlier ones.
func peParse(args []string) (*peOptions, error) {
	o := &peOptions{Options: patchelf.Options{
		ReplaceNeeded: map[string]string{},
		// No fsync inside a Nix build, as auto's --fsync auto.
		NoSync: os.Getenv("NIX_BUILD_TOP") != "",
	}}
	// --write auto, as auto's: in place inside a Nix build.
	o.Write, _ = atomicfile.ParseMode("auto", os.Getenv("NIX_BUILD_TOP") != "")
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
			return "", patchelf.FileError(v[1:], err)
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
				// Numbers parse as everywhere in gopatchelf (0x1000 too);
				// anything else as patchelf's atoi reads it.
				if o.PageSize, err = cli.ParseNumber(v); err != nil {
					o.PageSize, err = peAtoi(v), nil
				}
				if o.PageSize == 0 {
					err = peErrorf("invalid argument to --page-size")
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
			o.AllowedPrefixes = patchelf.SplitPath(v)
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
				return nil, peErrorf("missing argument(s)")
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
				if o.Write, err = atomicfile.ParseMode(v, os.Getenv("NIX_BUILD_TOP") != ""); err != nil {
					err = peErrorf("--write: %v", err)
				}
			}
		case "--debug":
			o.debug = true
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
				err = peReadSymbolMap(v, o.RenameSymbols)
			}
		case "--no-clobber-old-sections":
			// Old sections are never clobbered: bytes that stay in use are
			// left alone, freed strings are overwritten (see package elf).
		case "--help", "-h":
			return nil, errPeHelp
		case "--version":
			return nil, errPeVersion
		default:
			o.Files = append(o.Files, arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(o.Files) == 0 {
		return nil, peErrorf("missing filename")
	}
	if o.Output != "" && len(o.Files) != 1 {
		return nil, peErrorf("--output option only allowed with single input file")
	}
	if o.SetRpath && o.AddRpath {
		return nil, peErrorf("--set-rpath option not allowed with --add-rpath")
	}
	if o.ForceRpath && o.BuildResolutionCache {
		return nil, peErrorf("--build-resolution-cache cannot be combined with --force-rpath")
	}
	if o.SetOSABI {
		abi, ok := patchelf.ParseOSABI(setABI)
		if !ok {
			return nil, peErrorf("unrecognized OS ABI")
		}
		o.OSABI = abi
	}
	if o.SetSoname && o.Soname == "" {
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
}
