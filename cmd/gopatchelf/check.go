package main

import (
	"context"
	"errors"
	"os"
	"slices"

	"github.com/gopatchelf/gopatchelf/internal/cli"
	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/linkcheck"
	"github.com/gopatchelf/gopatchelf/relink"
)

// checkCmd is check's command line (internal/cli's grammar). PATHs may come
// before, between or after the options; after a list option (--libs,
// --ignore-missing) they need "--" or another option first.
var checkCmd = cli.Command{
	Name:     "check",
	Synopsis: "[options] [--] PATH...",
	About: cli.WrapText("Check that every ELF file under PATH (files, or directories walked "+
		"recursively) would load: resolve each DT_NEEDED and .note.dlopen library the way "+
		"glibc's dynamic loader does at run time (RPATH of the file and of the objects that "+
		"loaded it, --libs as LD_LIBRARY_PATH, RUNPATH of the file, $ORIGIN expanded, then the "+
		"ld.so.cache and default directories of the file's own interpreter), through every "+
		"library found; check the interpreter; compare the symbol versions each object needs "+
		"with those its providers define. Files of another architecture than the target's "+
		"are listed, not checked. Modules of python, node, perl, ruby, lua and R are judged "+
		"with their host's API, or in the process of a --host. Nothing is written.", cli.Width, ""),
	Options: []cli.Option{
		{Long: "libs", Kind: cli.List, Metavar: "DIR",
			Help: "Directories (or library files) searched as LD_LIBRARY_PATH would be; a library found only there is a warning."},
		{Long: "ignore-missing", Kind: cli.List, Metavar: "PAT",
			Help: "Report missing libraries whose name matches these fnmatch patterns as warnings, not errors."},
		{Long: "host", Kind: cli.List, Metavar: "PROGRAM",
			Help: "Programs that load modules (bin/python3, node, ...): their modules are judged in their process, with what they and the libraries they load define."},
		{Long: "interpreter", Kind: cli.Value, Metavar: "PATH",
			Help: "Dynamic loader that loads libraries no program of PATH loads; it sets the target architecture (default: $NIX_BINTOOLS/nix-support/dynamic-linker, else this machine's)."},
		{Long: "format", Kind: cli.Value, Metavar: "FORMAT",
			Help: "Output format: text (default), json or github (workflow commands)."},
		{Long: "no-default-dirs", Kind: cli.Flag,
			Help: "Do not search the dynamic loader's ld.so.cache and default directories."},
		{Long: "undefined-symbols", Kind: cli.Flag,
			Help: "Also check that every undefined dynamic symbol is defined by a loaded library or the host."},
	},
	Trailer: "Exit status: 0 no problems, 1 problems found, 2 bad command line or a PATH\n" +
		"that does not exist.",
}

var checkFormats = []string{"text", "json", "github"}

func runCheck(ctx context.Context, argv []string, sio stdio) int {
	a, code, ok := checkCmd.Start(argv, sio.out, sio.errOut)
	if !ok {
		return code
	}
	format := a.Value("format", "text")
	switch {
	case len(a.Operands) == 0:
		return checkCmd.NoOperand(sio.errOut, a, "PATH")
	case !slices.Contains(checkFormats, format):
		return checkCmd.Usage(sio.errOut, "--format %s: choose text, json or github", format)
	}
	con := console.New(sio.out, sio.errOut)
	defer con.Flush()
	log := console.NewLogger(con.Stderr(), a.Flag("verbose"))
	interp := a.Value("interpreter", "")
	err := badInput(a.Operands, "PATH", wantAny)
	if err == nil && !inNixBuild() {
		err = badInput(a.List("libs"), "--libs", wantAny)
	}
	if err == nil {
		err = badInput(a.List("host"), "--host", wantFile)
	}
	if err == nil && interp != "" {
		err = badInput([]string{interp}, "--interpreter", wantFile)
	}
	// The loader for libraries no program loads, which sets the target:
	// --interpreter, else $NIX_BINTOOLS's in a Nix build, else this
	// machine's.
	var target relink.Target
	if err == nil {
		target, err = relink.NewTarget(relink.TargetSpec{Interpreter: interp, Getenv: os.Getenv})
	}
	if err != nil {
		log.Error(err)
		return exitUsage
	}
	cfg := linkcheck.Config{
		Paths:            a.Operands,
		Libs:             a.List("libs"),
		IgnoreMissing:    a.List("ignore-missing"),
		NoDefaultDirs:    a.Flag("no-default-dirs"),
		UndefinedSymbols: a.Flag("undefined-symbols"),
		Hosts:            a.List("host"),
		Interpreter:      target.Interpreter,
		Target:           target.Platform, // zero with an interpreter: linkcheck reads its platform
	}
	rep, err := linkcheck.Check(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			log.Error("interrupted")
			return exitInterrupted
		}
		log.Error(err)
		return exitFailure
	}
	if err := writeReport(con.Stdout(), log, rep, format); err != nil {
		log.Error(err)
		return exitFailure
	}
	if err := con.Flush(); err != nil {
		log.Error(err)
		return exitFailure
	}
	if !rep.OK() {
		return exitFailure
	}
	return exitOK
}
