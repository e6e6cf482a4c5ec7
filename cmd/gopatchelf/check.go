package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopatchelf/gopatchelf/linkcheck"
	"github.com/gopatchelf/gopatchelf/relink"
)

// checkCmd is check's command line (cli.go's grammar). PATHs may come
// before, between or after the options; after a list option (--libs,
// --ignore-missing) they need "--" or another option first.
var checkCmd = cmdLine{
	name:     "check",
	synopsis: "[options] [--] PATH...",
	about: wrapText("Check that every ELF file under PATH (files, or directories walked "+
		"recursively) would load: resolve each DT_NEEDED and .note.dlopen library the way "+
		"glibc's dynamic loader does at run time (RPATH of the file and of the objects that "+
		"loaded it, --libs as LD_LIBRARY_PATH, RUNPATH of the file, $ORIGIN expanded, then the "+
		"ld.so.cache and default directories of the file's own interpreter), through every "+
		"library found; check the interpreter; compare the symbol versions each object needs "+
		"with those its providers define. Files of another architecture than the target's "+
		"are listed, not checked. Modules of python, node, perl, ruby, lua and R are judged "+
		"with their host's API, or in the process of a --host. Nothing is written.", usageWidth, ""),
	options: []option{
		{long: "libs", kind: optList, metavar: "DIR",
			help: "Directories (or library files) searched as LD_LIBRARY_PATH would be; a library found only there is a warning."},
		{long: "ignore-missing", kind: optList, metavar: "PAT",
			help: "Report missing libraries whose name matches these fnmatch patterns as warnings, not errors."},
		{long: "host", kind: optList, metavar: "PROGRAM",
			help: "Programs that load modules (bin/python3, node, ...): their modules are judged in their process, with what they and the libraries they load define."},
		{long: "interpreter", kind: optValue, metavar: "PATH",
			help: "Dynamic loader that loads libraries no program of PATH loads; it sets the target architecture (default: $NIX_BINTOOLS/nix-support/dynamic-linker, else this machine's)."},
		{long: "format", kind: optValue, metavar: "FORMAT",
			help: "Output format: text (default), json or github (workflow commands)."},
		{long: "no-default-dirs", kind: optFlag,
			help: "Do not search the dynamic loader's ld.so.cache and default directories."},
		{long: "undefined-symbols", kind: optFlag,
			help: "Also check that every undefined dynamic symbol is defined by a loaded library or the host."},
	},
	trailer: "Exit status: 0 no problems, 1 problems found, 2 bad command line or a PATH\n" +
		"that does not exist.",
}

var checkFormats = []string{"text", "json", "github"}

func runCheck(ctx context.Context, argv []string, sio stdio) int {
	a, code, ok := checkCmd.start(argv, sio)
	if !ok {
		return code
	}
	format := a.value("format", "text")
	switch {
	case len(a.operands) == 0:
		return checkCmd.noOperand(sio, a, "PATH")
	case !slices.Contains(checkFormats, format):
		return checkCmd.usage(sio, "--format %s: choose text, json or github", format)
	}
	con := newConsole(sio)
	defer con.Flush()
	log := newLogger(con.Stderr(), a.flag("verbose"))
	err := badInput(a.operands, "PATH", wantAny)
	if err == nil && !inNixBuild() {
		err = badInput(a.list("libs"), "--libs", wantAny)
	}
	if err != nil {
		log.Error(err)
		return exitUsage
	}
	if err == nil {
		err = badInput(a.list("host"), "--host", wantFile)
	}
	interp, err2 := checkInterpreter(a)
	if err == nil {
		err = err2
	}
	if err != nil {
		log.Error(err)
		return exitUsage
	}
	cfg := linkcheck.Config{
		Paths:            a.operands,
		Libs:             a.list("libs"),
		IgnoreMissing:    a.list("ignore-missing"),
		NoDefaultDirs:    a.flag("no-default-dirs"),
		UndefinedSymbols: a.flag("undefined-symbols"),
		Hosts:            a.list("host"),
		Interpreter:      interp,
	}
	if interp == "" {
		cfg.Target = relink.HostPlatform()
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
	out := con.Stdout()
	switch format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			log.Error(err)
			return exitFailure
		}
	case "github":
		writeGitHub(out, rep)
	default:
		writeCheckText(out, log, rep, hintAdvice())
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

// checkInterpreter is the loader for libraries no program loads, which
// sets the target: --interpreter, else $NIX_BINTOOLS's dynamic-linker in
// a Nix build, else "" (this machine's loader and platform).
func checkInterpreter(a *args) (string, error) {
	if v := a.value("interpreter", ""); v != "" {
		return v, badInput([]string{v}, "--interpreter", wantFile)
	}
	if bintools := os.Getenv("NIX_BINTOOLS"); bintools != "" {
		b, err := os.ReadFile(filepath.Join(bintools, "nix-support", "dynamic-linker"))
		if err != nil {
			return "", fmt.Errorf("reading the dynamic linker from $NIX_BINTOOLS: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}
