package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/cli/argparse"
	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/internal/pyfmt"
	"github.com/gopatchelf/gopatchelf/patchelf"
	"github.com/gopatchelf/gopatchelf/relink"
)

// autoParser is auto-patchelf's command line, plus our own options (the
// ones after --structured-logs), which upstream does not have.
func autoParser() *argparse.Parser {
	return &argparse.Parser{
		Prog: "gopatchelf auto",
		Description: "Patch the ELF files under --paths so that each finds its libraries: set the " +
			"interpreter of dynamic executables and write a RUNPATH pointing at the directories, " +
			"among the trees themselves and --libs, that provide each DT_NEEDED library. " +
			"A drop-in for nixpkgs' auto-patchelf.",
		Arguments: []*argparse.Arg{
			{Names: []string{"-h", "--help"}, Kind: argparse.Help, Dest: "help", Help: "show this help message and exit"},
			{Names: []string{"--ignore-missing"}, Kind: argparse.List, Dest: "ignore_missing", Metavar: "IGNORE_MISSING",
				Help: "Do not fail when dependencies matching these fnmatch patterns are not found."},
			{Names: []string{"--no-recurse"}, Kind: argparse.Flag, Dest: "no_recurse",
				Help: "Disable the recursive traversal of paths to patch."},
			{Names: []string{"--paths"}, Kind: argparse.List, Dest: "paths", Metavar: "PATHS", Required: true,
				Help: "Files and directories to patch. Directories are walked recursively by default."},
			{Names: []string{"--libs"}, Kind: argparse.List, Dest: "libs", Metavar: "LIBS",
				Help: "Files and directories where libraries are searched for, after the paths being patched. Directories are not searched recursively."},
			{Names: []string{"--runtime-dependencies"}, Kind: argparse.List, Dest: "runtime_dependencies", Metavar: "RUNTIME_DEPENDENCIES",
				Help: "Directories to put first in the RUNPATH of dynamic executables."},
			{Names: []string{"--append-rpaths"}, Kind: argparse.List, Dest: "append_rpaths", Metavar: "APPEND_RPATHS",
				Help: "Directories to append to every RUNPATH written."},
			{Names: []string{"--keep-libc"}, Kind: argparse.Flag, Dest: "keep_libc",
				Help: "Look libc's libraries up like any other and keep their directory in RUNPATH."},
			{Names: []string{"--preserve-origin"}, Kind: argparse.Flag, Dest: "preserve_origin",
				Help: "Keep existing $ORIGIN entries, and use one instead of an absolute directory it names."},
			{Names: []string{"--relative-rpaths", "--relativize-rpath"}, Kind: argparse.Flag, Dest: "relative_rpaths",
				Help: "Write providers that lie in the trees being patched as $ORIGIN-relative entries."},
			{Names: []string{"--ignore-existing"}, Kind: argparse.Flag, Dest: "ignore_existing",
				Help: "Do not search the paths being patched for libraries."},
			{Names: []string{"--structured-logs"}, Kind: argparse.Flag, Dest: "structured_logs",
				Help: "Print events as JSON lines on stdout instead of human-readable lines."},
			{Names: []string{"--interpreter"}, Kind: argparse.One, Dest: "interpreter", Metavar: "PATH",
				Help: "Dynamic linker to give executables (default: $NIX_BINTOOLS/nix-support/dynamic-linker; without either, interpreters are left alone)."},
			{Names: []string{"--libc-dir"}, Kind: argparse.One, Dest: "libc_dir", Metavar: "DIR",
				Help: "Directory of libc, whose libraries are left to the dynamic linker (default: $NIX_BINTOOLS/nix-support/orig-libc/lib)."},
			{Names: []string{"--runtime-dependencies-for-libs"}, Kind: argparse.Flag, Dest: "runtime_dependencies_for_libs",
				Help: "Give --runtime-dependencies to shared libraries too, not only to executables."},
			{Names: []string{"--explain"}, Kind: argparse.Flag, Dest: "explain",
				Help: "For each dependency, print every candidate considered and why one won."},
			{Names: []string{"--resolution-cache"}, Kind: argparse.Flag, Dest: "resolution_cache",
				Help: "Also write the NixOS resolution-cache note (patchelf 0.19's --build-resolution-cache) for the RUNPATH written."},
			{Names: []string{"--fsync"}, Kind: argparse.One, Dest: "fsync", Metavar: "{auto,always,never}",
				Help: "Sync each rewritten file to disk (before renaming it over the original, or after writing it in place): always, never, or (auto, the default) only outside a Nix build ($NIX_BUILD_TOP unset)."},
			{Names: []string{"--write"}, Kind: argparse.One, Dest: "write", Metavar: "{auto,in-place,atomic}",
				Help: "How files are rewritten: atomic (a temporary copy renamed over the file), in-place (only the changed bytes written into the file: no copy, same inode, but a run killed mid-write leaves a torn file), or (auto, the default) in place inside a Nix build ($NIX_BUILD_TOP set), atomic elsewhere."},
			{Names: []string{"--dry-run"}, Kind: argparse.Flag, Dest: "dry_run",
				Help: "Report what would be done, but write nothing."},
			{Names: []string{"-v", "--verbose"}, Kind: argparse.Flag, Dest: "verbose",
				Help: "Also print debug messages on stderr (the libc directory used, the libraries indexed, files not indexed and why)."},
			{Names: []string{"--extra-args"}, Kind: argparse.Rest, Dest: "extra_args",
				Help: "patchelf flags: --force-rpath, --page-size N and --no-default-lib are honoured, others ignored. Must come last."},
		},
	}
}

func runAuto(ctx context.Context, args []string, sio stdio) int {
	p := autoParser()
	a, err := p.Parse(args)
	var ue *argparse.UsageError
	switch {
	case errors.Is(err, argparse.ErrHelp):
		p.WriteHelp(sio.out)
		return exitOK
	case errors.As(err, &ue):
		p.WriteError(sio.errOut, ue.Msg)
		return exitUsage
	}
	px, err := patchelf.ParseExtraArgs(a.List("extra_args"))
	if err != nil {
		p.WriteError(sio.errOut, "argument --extra-args: "+err.Error())
		return exitUsage
	}
	nixBuild := os.Getenv("NIX_BUILD_TOP") != ""
	fsync, _ := a.One("fsync")
	noSync, err := atomicfile.ParseSync(fsync, nixBuild)
	if err != nil {
		p.WriteError(sio.errOut, "argument --fsync: "+err.Error())
		return exitUsage
	}
	write, _ := a.One("write")
	inPlace, err := atomicfile.ParseWrite(write, nixBuild)
	if err != nil {
		p.WriteError(sio.errOut, "argument --write: "+err.Error())
		return exitUsage
	}

	con := console.New(sio.out, sio.errOut)
	defer con.Flush()
	log := console.NewLogger(con.Stderr(), a.Flag("verbose"))
	for _, f := range px.Ignored {
		log.Warnf("ignoring patchelf flag %s in --extra-args", f)
	}
	if err := autoInputs(a); err != nil {
		log.Error(err)
		return exitUsage
	}

	cfg := hook.Config{
		Paths:                      a.List("paths"),
		Libs:                       a.List("libs"),
		NoRecurse:                  a.Flag("no_recurse"),
		IgnoreExisting:             a.Flag("ignore_existing"),
		RuntimeDependencies:        a.List("runtime_dependencies"),
		RuntimeDependenciesForLibs: a.Flag("runtime_dependencies_for_libs"),
		AppendRpaths:               a.List("append_rpaths"),
		IgnoreMissing:              a.List("ignore_missing"),
		KeepLibc:                   a.Flag("keep_libc"),
		PreserveOrigin:             a.Flag("preserve_origin"),
		RelativeRpaths:             a.Flag("relative_rpaths"),
		ForceRpath:                 px.ForceRpath,
		PageSize:                   px.PageSize,
		NoDefaultLib:               px.NoDefaultLib,
		Explain:                    a.Flag("explain"),
		DryRun:                     a.Flag("dry_run"),
		ResolutionCache:            a.Flag("resolution_cache"),
		Workers:                    hook.WorkersFor(os.Getenv("NIX_BUILD_CORES")),
		Log:                        log,
		FS:                         hook.OSFS{NoSync: noSync, InPlace: inPlace},
	}
	interp, _ := a.One("interpreter")
	libc, _ := a.One("libc_dir")
	target, err := relink.NewTarget(relink.TargetSpec{Interpreter: interp, LibcDir: libc, Getenv: os.Getenv, SystemLibc: true})
	if err != nil {
		if errors.As(err, new(*relink.InterpreterError)) {
			console.Rawf(log, logrus.ErrorLevel, "Failed to parse dynamic linker (ld) properties.")
		}
		log.Error(err)
		return exitFailure
	}
	if target.Interpreter != "" {
		cfg.Interpreter = hook.DisplayPath(target.Interpreter)
	}
	if target.LibcDir != "" {
		cfg.LibcDir = hook.DisplayPath(target.LibcDir)
		log.WithField("dir", cfg.LibcDir).Debug("libc directory")
	}
	cfg.Target, cfg.LibcNames = target.Platform, target.LibcNames

	out := con.Stdout()
	structured := a.Flag("structured_logs")
	if !structured {
		fmt.Fprintln(out, "automatically fixing dependencies for ELF files")
		fmt.Fprintln(out, pyfmt.Pformat(argsDict(a)))
	}
	cfg.Events = func(e hook.Event) { hook.WriteEvent(out, e, structured) }
	prog := con.StartProgress(sio.progressTiming())
	if con.Interactive() {
		cfg.Progress = prog.Set // counting the ELF files costs a read of each: only for a terminal
	}
	report, err := hook.Run(ctx, cfg)
	prog.Stop()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, hook.ErrNoPaths):
		console.Rawf(log, logrus.ErrorLevel, "%s", err)
		return exitFailure
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		log.Error("interrupted; files already patched are complete, the others untouched")
		return exitInterrupted
	}
	if len(report.Unsatisfied()) > 0 {
		console.Rawf(log, logrus.ErrorLevel, "auto-patchelf failed to find all the required dependencies.")
		console.Rawf(log, logrus.ErrorLevel, "Add the missing dependencies to --libs or use `--ignore-missing=\"foo.so.1 bar.so etc.so\"`.")
		for _, h := range report.Hints() {
			console.Hintf(log, "%s is usually provided by %s: %s", h.Name, h.Package, hintAdvice())
		}
	}
	if len(report.Errors) > 0 && len(report.Unsatisfied()) == 0 {
		log.Errorf("%d of %d files could not be patched (see above)", report.Count(hook.Failed), len(report.Files)+report.NotELF)
	}
	return exitFailure
}

// autoInputs checks, before anything is read or written, that every
// --paths entry exists, that --libc-dir is a directory and --interpreter a
// file, and outside a Nix build that every --libs entry exists (inside
// one, the setup hook passes PKG/lib for every input whether it exists or
// not, and auto-patchelf accepts that).
func autoInputs(a *argparse.Args) error {
	if err := badInput(a.List("paths"), "--paths", wantAny); err != nil {
		return err
	}
	if !inNixBuild() {
		if err := badInput(a.List("libs"), "--libs", wantAny); err != nil {
			return err
		}
	}
	if d, ok := a.One("libc_dir"); ok {
		if err := badInput([]string{d}, "--libc-dir", wantDir); err != nil {
			return err
		}
	}
	if f, ok := a.One("interpreter"); ok {
		if err := badInput([]string{f}, "--interpreter", wantFile); err != nil {
			return err
		}
	}
	return nil
}

// argsDict is vars(args) of upstream's parser, which it prints at start.
// Our own options are left out so that the dump reads as upstream's.
func argsDict(a *argparse.Args) pyfmt.Dict {
	paths := func(dest string) []any {
		out := []any{}
		for _, p := range a.List(dest) {
			out = append(out, pyfmt.Path(hook.DisplayPath(p)))
		}
		return out
	}
	strs := func(dest string) []any {
		out := []any{}
		for _, s := range a.List(dest) {
			out = append(out, s)
		}
		return out
	}
	return pyfmt.Dict{
		"add_existing":         !a.Flag("ignore_existing"),
		"append_rpaths":        paths("append_rpaths"),
		"extra_args":           strs("extra_args"),
		"ignore_missing":       strs("ignore_missing"),
		"keep_libc":            a.Flag("keep_libc"),
		"libs":                 paths("libs"),
		"paths":                paths("paths"),
		"preserve_origin":      a.Flag("preserve_origin"),
		"recursive":            !a.Flag("no_recurse"),
		"relative_rpaths":      a.Flag("relative_rpaths"),
		"runtime_dependencies": paths("runtime_dependencies"),
		"structured_logs":      a.Flag("structured_logs"),
	}
}
