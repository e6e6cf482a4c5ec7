package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/gopatchelf/gopatchelf/internal/cli"
	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/wheel"
)

// wheelCmd is wheel's command line (internal/cli's grammar).
var wheelCmd = cli.Command{
	Name:     "wheel",
	Synopsis: "[options] (--check [--format text|json|github] | -o DIR) [--] IN.whl...",
	About: `Re-link the ELF members of Python wheels without unpacking them: each
DT_NEEDED library is looked up among the wheel's own libraries (written into
RUNPATH as $ORIGIN-relative entries, e.g. $ORIGIN/../demo.libs), then in
--libs (directories, not recursively, or library files, then the directories
their RUNPATHs name; written as absolute entries). Changed members get their
new sha256 and size in *.dist-info/RECORD; every other member is copied byte
for byte, in the same order, with the same file modes. The new wheel goes to
DIR under the same name, written atomically, and only when its bytes differ
from what is there. With --check nothing is written: the missing dependencies
are listed, then the patched members are checked as 'gopatchelf check' does
(every library through the RUNPATH written, symbol versions included).

Without --libc-dir, the libraries the manylinux policy lets wheels take from
the system (libc.so.6, libm.so.6, libstdc++.so.6, ...) are left to the
loader.`,
	Options: []cli.Option{
		{Long: "libs", Kind: cli.List, Metavar: "DIR", Help: "Directories (or library files) of libraries to link against."},
		{Long: "ignore-missing", Kind: cli.List, Metavar: "PATTERN", Help: "fnmatch patterns of dependencies that may be missing."},
		{Long: "libc-dir", Kind: cli.Value, Metavar: "DIR", Help: "Directory of libc, whose libraries are left to the loader."},
		{Long: "interpreter", Kind: cli.Value, Metavar: "PATH", Help: "Dynamic linker to give executable members (default: leave them alone)."},
		{Long: "output", Short: 'o', Kind: cli.Value, Metavar: "DIR", Help: "Output directory."},
		{Long: "check", Kind: cli.Flag, Help: "Report missing dependencies and check the patched members; write nothing."},
		{Long: "format", Kind: cli.Value, Metavar: "FORMAT", Help: "With --check: text (default), json or github, as gopatchelf check prints."},
	},
	Trailer: `Exit status: 0 done, 1 missing dependencies (not ignored) or a wheel that
could not be patched, 2 bad command line, or bad input: a wheel that does not
exist, is a directory or is not a zip archive, a --libs entry that does not
exist (outside a Nix build), a --libc-dir that is not a directory.`,
}

func runWheel(ctx context.Context, args []string, sio stdio) int {
	a, code, ok := wheelCmd.Start(args, sio.out, sio.errOut)
	if !ok {
		return code
	}
	paths, format := a.Operands, a.Value("format", "text")
	check, outDir := a.Flag("check"), a.Value("output", "")
	libs, ignore := a.List("libs"), a.List("ignore-missing")
	switch {
	case len(paths) == 0:
		return wheelCmd.NoOperand(sio.errOut, a, "wheel")
	case check && outDir != "":
		return wheelCmd.Usage(sio.errOut, "--check writes nothing: drop -o")
	case !check && outDir == "":
		return wheelCmd.Usage(sio.errOut, "-o DIR is required (or --check)")
	case !slices.Contains(checkFormats, format):
		return wheelCmd.Usage(sio.errOut, "--format %s: choose text, json or github", format)
	case format != "text" && !check:
		return wheelCmd.Usage(sio.errOut, "--format goes with --check")
	}
	checkFormat := ""
	if check {
		checkFormat = format
	}
	con := console.New(sio.out, sio.errOut)
	defer con.Flush()
	log := console.NewLogger(con.Stderr(), a.Flag("verbose"))
	if err := wheelInputs(paths, libs, a.Value("libc-dir", "")); err != nil {
		log.Error(err)
		return exitUsage
	}

	found, err := wheel.ScanLibs(libs)
	if err != nil {
		log.Error(err)
		return exitFailure
	}
	// No environment: a wheel is for whatever machine installs it, not for
	// the Nix build that may be running this.
	target, err := relink.NewTarget(relink.TargetSpec{Interpreter: a.Value("interpreter", ""), LibcDir: a.Value("libc-dir", ""), Libc: true})
	if err != nil {
		log.Error(err)
		return exitFailure
	}
	cfg := wheel.Config{Libs: found, Interpreter: target.Interpreter, IgnoreMissing: ignore}
	if target.LibcDir != "" {
		abs, err := filepath.Abs(target.LibcDir)
		if err != nil {
			log.Error(err)
			return exitFailure
		}
		cfg.LibcDir = abs
	}
	cfg.IsFile = wheel.IsRegularFile

	out := con.Stdout()
	failed := false
	for _, in := range paths {
		if err := ctx.Err(); err != nil {
			log.Error(err)
			return exitInterrupted
		}
		missing, err := wheelOne(ctx, in, outDir, cfg, checkFormat, out)
		if err != nil {
			log.Error(err)
			failed = true
		}
		failed = failed || missing
	}
	if failed {
		return exitFailure
	}
	return exitOK
}

// wheelInputs checks, before anything is read or written, that each
// wheel is a file that starts as a zip archive does, that the --libs
// entries exist (outside a Nix build) and that --libc-dir is a directory.
func wheelInputs(wheels, libs []string, libcDir string) error {
	if err := badInput(wheels, "wheel", wantFile); err != nil {
		return err
	}
	for _, w := range wheels {
		switch err := wheel.CheckZip(w); {
		case errors.Is(err, wheel.ErrNotZip):
			return fmt.Errorf("wheel %s: %w", w, err)
		case err != nil:
			return fmt.Errorf("wheel %w", err)
		}
	}
	if !inNixBuild() {
		if err := badInput(libs, "--libs", wantAny); err != nil {
			return err
		}
	}
	if libcDir != "" {
		return badInput([]string{libcDir}, "--libc-dir", wantDir)
	}
	return nil
}

// wheelOne patches (or checks) one wheel and reports it; missing is true
// when a dependency nothing ignores was not found.
// checkFormat is "" to patch, else the --check output format.
func wheelOne(ctx context.Context, in, outDir string, cfg wheel.Config, checkFormat string, w io.Writer) (missing bool, err error) {
	check := checkFormat != ""
	report := w
	if checkFormat == "json" || checkFormat == "github" {
		w = io.Discard // only the check's own document goes out
	}
	var res wheel.FileResult
	if check {
		res, err = wheel.CheckFile(ctx, in, cfg)
	} else {
		res, err = wheel.PatchFile(ctx, in, outDir, cfg)
	}
	if res.Name == "" { // not even patched in memory
		return false, err
	}
	res.WriteMembers(w)
	missing = res.Err() != nil
	if check {
		fmt.Fprintln(w, res.Summary(true))
		if err != nil {
			return missing, err
		}
		rep := res.Check
		if checkFormat != "text" || len(rep.Findings) > 0 {
			if err := writeReport(report, console.NewLogger(report, false), rep, checkFormat); err != nil {
				return missing, err
			}
		}
		return missing || !rep.OK(), nil
	}
	if err != nil {
		return missing, err
	}
	fmt.Fprintln(w, res.Summary(false))
	return missing, nil
}
