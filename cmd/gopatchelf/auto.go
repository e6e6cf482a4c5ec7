package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/hook"
	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/pyfmt"
	"github.com/gopatchelf/gopatchelf/relink"
	"github.com/gopatchelf/gopatchelf/resolver"
)

// autoParser is auto-patchelf's command line, plus our own options (the
// ones after --structured-logs), which upstream does not have.
func autoParser() *argParser {
	return &argParser{
		prog: "gopatchelf auto",
		description: "Patch the ELF files under --paths so that each finds its libraries: set the " +
			"interpreter of dynamic executables and write a RUNPATH pointing at the directories, " +
			"among the trees themselves and --libs, that provide each DT_NEEDED library. " +
			"A drop-in for nixpkgs' auto-patchelf.",
		specs: []*argSpec{
			{names: []string{"-h", "--help"}, kind: argHelp, dest: "help", help: "show this help message and exit"},
			{names: []string{"--ignore-missing"}, kind: argList, dest: "ignore_missing", metavar: "IGNORE_MISSING",
				help: "Do not fail when dependencies matching these fnmatch patterns are not found."},
			{names: []string{"--no-recurse"}, kind: argFlag, dest: "no_recurse",
				help: "Disable the recursive traversal of paths to patch."},
			{names: []string{"--paths"}, kind: argList, dest: "paths", metavar: "PATHS", required: true,
				help: "Files and directories to patch. Directories are walked recursively by default."},
			{names: []string{"--libs"}, kind: argList, dest: "libs", metavar: "LIBS",
				help: "Files and directories where libraries are searched for, after the paths being patched. Directories are not searched recursively."},
			{names: []string{"--runtime-dependencies"}, kind: argList, dest: "runtime_dependencies", metavar: "RUNTIME_DEPENDENCIES",
				help: "Directories to put first in the RUNPATH of dynamic executables."},
			{names: []string{"--append-rpaths"}, kind: argList, dest: "append_rpaths", metavar: "APPEND_RPATHS",
				help: "Directories to append to every RUNPATH written."},
			{names: []string{"--keep-libc"}, kind: argFlag, dest: "keep_libc",
				help: "Look libc's libraries up like any other and keep their directory in RUNPATH."},
			{names: []string{"--preserve-origin"}, kind: argFlag, dest: "preserve_origin",
				help: "Keep existing $ORIGIN entries, and use one instead of an absolute directory it names."},
			{names: []string{"--relative-rpaths", "--relativize-rpath"}, kind: argFlag, dest: "relative_rpaths",
				help: "Write providers that lie in the trees being patched as $ORIGIN-relative entries."},
			{names: []string{"--ignore-existing"}, kind: argFlag, dest: "ignore_existing",
				help: "Do not search the paths being patched for libraries."},
			{names: []string{"--structured-logs"}, kind: argFlag, dest: "structured_logs",
				help: "Print events as JSON lines on stdout instead of human-readable lines."},
			{names: []string{"--interpreter"}, kind: argOne, dest: "interpreter", metavar: "PATH",
				help: "Dynamic linker to give executables (default: $NIX_BINTOOLS/nix-support/dynamic-linker; without either, interpreters are left alone)."},
			{names: []string{"--libc-dir"}, kind: argOne, dest: "libc_dir", metavar: "DIR",
				help: "Directory of libc, whose libraries are left to the dynamic linker (default: $NIX_BINTOOLS/nix-support/orig-libc/lib)."},
			{names: []string{"--runtime-dependencies-for-libs"}, kind: argFlag, dest: "runtime_dependencies_for_libs",
				help: "Give --runtime-dependencies to shared libraries too, not only to executables."},
			{names: []string{"--explain"}, kind: argFlag, dest: "explain",
				help: "For each dependency, print every candidate considered and why one won."},
			{names: []string{"--resolution-cache"}, kind: argFlag, dest: "resolution_cache",
				help: "Also write the NixOS resolution-cache note (patchelf 0.19's --build-resolution-cache) for the RUNPATH written."},
			{names: []string{"--fsync"}, kind: argOne, dest: "fsync", metavar: "{auto,always,never}",
				help: "Sync each rewritten file to disk (before renaming it over the original, or after writing it in place): always, never, or (auto, the default) only outside a Nix build ($NIX_BUILD_TOP unset)."},
			{names: []string{"--write"}, kind: argOne, dest: "write", metavar: "{auto,in-place,atomic}",
				help: "How files are rewritten: atomic (a temporary copy renamed over the file), in-place (only the changed bytes written into the file: no copy, same inode, but a run killed mid-write leaves a torn file), or (auto, the default) in place inside a Nix build ($NIX_BUILD_TOP set), atomic elsewhere."},
			{names: []string{"--dry-run"}, kind: argFlag, dest: "dry_run",
				help: "Report what would be done, but write nothing."},
			{names: []string{"-v", "--verbose"}, kind: argFlag, dest: "verbose",
				help: "Also print debug messages on stderr (the libc directory used, the libraries indexed, files not indexed and why)."},
			{names: []string{"--extra-args"}, kind: argRest, dest: "extra_args",
				help: "patchelf flags: --force-rpath, --page-size N and --no-default-lib are honoured, others ignored. Must come last."},
		},
	}
}

func runAuto(ctx context.Context, args []string, sio stdio) int {
	p := autoParser()
	a, err := p.parse(args)
	var ue *usageError
	switch {
	case errors.Is(err, errHelp):
		p.writeHelp(sio.out)
		return exitOK
	case errors.As(err, &ue):
		p.writeError(sio.errOut, ue.msg)
		return exitUsage
	}
	px, err := parsePatchelfArgs(a.list("extra_args"))
	if err != nil {
		p.writeError(sio.errOut, "argument --extra-args: "+err.Error())
		return exitUsage
	}
	when, _ := a.one("fsync")
	noSync, err := noSync(when)
	if err != nil {
		p.writeError(sio.errOut, "argument --fsync: "+err.Error())
		return exitUsage
	}
	mode, err := writeMode(a)
	if err != nil {
		p.writeError(sio.errOut, "argument --write: "+err.Error())
		return exitUsage
	}

	con := newConsole(sio)
	defer con.Flush()
	log := newLogger(con.Stderr(), a.flag("verbose"))
	for _, f := range px.ignored {
		log.Warnf("ignoring patchelf flag %s in --extra-args", f)
	}
	if err := autoInputs(a); err != nil {
		log.Error(err)
		return exitUsage
	}

	cfg := hook.Config{
		Paths:                      a.list("paths"),
		Libs:                       a.list("libs"),
		NoRecurse:                  a.flag("no_recurse"),
		IgnoreExisting:             a.flag("ignore_existing"),
		RuntimeDependencies:        a.list("runtime_dependencies"),
		RuntimeDependenciesForLibs: a.flag("runtime_dependencies_for_libs"),
		AppendRpaths:               a.list("append_rpaths"),
		IgnoreMissing:              a.list("ignore_missing"),
		KeepLibc:                   a.flag("keep_libc"),
		PreserveOrigin:             a.flag("preserve_origin"),
		RelativeRpaths:             a.flag("relative_rpaths"),
		ForceRpath:                 px.forceRpath,
		PageSize:                   px.pageSize,
		NoDefaultLib:               px.noDefaultLib,
		Explain:                    a.flag("explain"),
		DryRun:                     a.flag("dry_run"),
		ResolutionCache:            a.flag("resolution_cache"),
		Workers:                    workers(),
		Log:                        log,
		FS:                         hook.OSFS{NoSync: noSync, Mode: mode},
	}
	if err := setTarget(&cfg, a, log); err != nil {
		log.Error(err)
		return exitFailure
	}

	out := con.Stdout()
	structured := a.flag("structured_logs")
	r := &renderer{w: out, structured: structured}
	if !structured {
		fmt.Fprintln(out, "automatically fixing dependencies for ELF files")
		fmt.Fprintln(out, pyfmt.Pformat(argsDict(a)))
	}
	var prog progress
	cfg.Events = func(e hook.Event) {
		switch e.(type) {
		case hook.Searching, hook.SkipFile: // one of these per ELF file
			prog.elf.Add(1)
		}
		r.event(e)
	}
	cfg.Progress = prog.set
	stop := con.showProgress(&prog, time.Second)
	report, err := hook.Run(ctx, cfg)
	stop()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, hook.ErrNoPaths):
		rawf(log, logrus.ErrorLevel, "%s", err)
		return exitFailure
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		log.Error("interrupted; files already patched are complete, the others untouched")
		return exitInterrupted
	}
	if missing := report.Unsatisfied(); len(missing) > 0 {
		rawf(log, logrus.ErrorLevel, "auto-patchelf failed to find all the required dependencies.")
		rawf(log, logrus.ErrorLevel, "Add the missing dependencies to --libs or use `--ignore-missing=\"foo.so.1 bar.so etc.so\"`.")
		seen := map[string]bool{}
		for _, m := range missing {
			for _, c := range m.Candidates {
				name := filepath.Base(c)
				pkg, ok := resolver.Hint(name)
				if !ok || seen[name] {
					continue
				}
				seen[name] = true
				hintf(log, "%s is usually provided by %s: %s", name, pkg, hintAdvice())
				break
			}
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
func autoInputs(a *parsedArgs) error {
	if err := badInput(a.list("paths"), "--paths", wantAny); err != nil {
		return err
	}
	if !inNixBuild() {
		if err := badInput(a.list("libs"), "--libs", wantAny); err != nil {
			return err
		}
	}
	if d, ok := a.one("libc_dir"); ok {
		if err := badInput([]string{d}, "--libc-dir", wantDir); err != nil {
			return err
		}
	}
	if f, ok := a.one("interpreter"); ok {
		if err := badInput([]string{f}, "--interpreter", wantFile); err != nil {
			return err
		}
	}
	return nil
}

// setTarget fills the interpreter, libc dir and target platform: from the
// flags, else from $NIX_BINTOOLS as the setup hook's environment gives
// them, else (standalone) no interpreter and the platform of this machine.
// A libc directory that does not come from $NIX_BINTOOLS counts for
// glibc's own libraries only (resolver.IsGlibc): outside Nix it is a
// system directory that holds every library.
func setTarget(cfg *hook.Config, a *parsedArgs, log logrus.FieldLogger) error {
	interp, hasInterp := a.one("interpreter")
	libc, hasLibc := a.one("libc_dir")
	libcFromNix := false
	if bintools := os.Getenv("NIX_BINTOOLS"); bintools != "" {
		support := filepath.Join(bintools, "nix-support")
		if !hasInterp {
			b, err := os.ReadFile(filepath.Join(support, "dynamic-linker"))
			if err != nil {
				return fmt.Errorf("reading the dynamic linker from $NIX_BINTOOLS: %w", err)
			}
			interp, hasInterp = strings.TrimSpace(string(b)), true
		}
		if !hasLibc {
			b, err := os.ReadFile(filepath.Join(support, "orig-libc"))
			if err != nil {
				return fmt.Errorf("reading the libc path from $NIX_BINTOOLS: %w", err)
			}
			libc, hasLibc, libcFromNix = strings.TrimSpace(string(b))+"/lib", true, true
		}
	}
	cfg.Target = relink.HostPlatform()
	if hasInterp {
		cfg.Interpreter = hook.DisplayPath(interp)
		p, err := relink.PlatformOfFile(cfg.Interpreter)
		if err != nil {
			rawf(log, logrus.ErrorLevel, "Failed to parse dynamic linker (ld) properties.")
			return err
		}
		cfg.Target = p
	}
	if !hasLibc {
		libc, hasLibc = systemLibcDir("/", cfg.Interpreter, cfg.Target == relink.HostPlatform())
	}
	if hasLibc {
		cfg.LibcDir = hook.DisplayPath(libc)
		log.WithField("dir", cfg.LibcDir).Debug("libc directory")
	}
	if !libcFromNix {
		cfg.LibcNames = resolver.IsGlibc
	}
	return nil
}

// multiarch are Debian's multiarch directory names, by GOARCH.
var multiarch = map[string]string{
	"amd64": "x86_64-linux-gnu", "386": "i386-linux-gnu", "arm64": "aarch64-linux-gnu",
	"arm": "arm-linux-gnueabihf", "ppc64": "powerpc64-linux-gnu", "ppc64le": "powerpc64le-linux-gnu",
	"s390x": "s390x-linux-gnu", "riscv64": "riscv64-linux-gnu", "loong64": "loongarch64-linux-gnu",
}

// systemLibcDir finds this machine's libc directory outside Nix, so that
// glibc's own libraries are left to the dynamic linker as they are left to
// Nix's: the directory of the interpreter given (resolved through
// symlinks) when it holds libc.so.6, which covers a cross sysroot such as
// /usr/aarch64-linux-gnu/lib; else, for the machine's own platform, the
// first of the usual directories (Debian's and Ubuntu's multiarch ones,
// then Fedora's /lib64 and /usr/lib64, then /lib and /usr/lib) that holds
// libc.so.6. On NixOS there is none; pass --libc-dir.
//
// root is "/" but for tests, which lay out a Debian or Fedora system
// under a directory; interp is then under root too.
func systemLibcDir(root, interp string, host bool) (string, bool) {
	var dirs []string
	if interp != "" {
		if real, err := filepath.EvalSymlinks(interp); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(interp))
	}
	if host {
		var sys []string
		if m, ok := multiarch[runtime.GOARCH]; ok {
			sys = append(sys, "/lib/"+m, "/usr/lib/"+m)
		}
		for _, d := range append(sys, "/lib64", "/usr/lib64", "/lib", "/usr/lib") {
			dirs = append(dirs, filepath.Join(root, d))
		}
	}
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "libc.so.6")); err == nil && fi.Mode().IsRegular() {
			return d, true
		}
	}
	return "", false
}

// noSync reads --fsync. A Nix build (NIX_BUILD_TOP set by the builder)
// needs no fsync: Nix discards an output whose build did not finish.
func noSync(when string) (bool, error) {
	switch when {
	case "", "auto":
		return os.Getenv("NIX_BUILD_TOP") != "", nil
	case "always":
		return false, nil
	case "never":
		return true, nil
	}
	return false, fmt.Errorf("invalid choice: '%s' (choose from 'auto', 'always', 'never')", when)
}

// writeMode is the --write choice: auto means in place inside a Nix build.
func writeMode(a *parsedArgs) (atomicfile.Mode, error) {
	when, _ := a.one("write")
	return atomicfile.ParseMode(when, os.Getenv("NIX_BUILD_TOP") != "")
}

// workers is $NIX_BUILD_CORES when set and positive (0 means "all" to
// Nix), else GOMAXPROCS.
func workers() int {
	if n, err := strconv.Atoi(os.Getenv("NIX_BUILD_CORES")); err == nil && n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// argsDict is vars(args) of upstream's parser, which it prints at start.
// Our own options are left out so that the dump reads as upstream's.
func argsDict(a *parsedArgs) pyfmt.Dict {
	paths := func(dest string) []any {
		out := []any{}
		for _, p := range a.list(dest) {
			out = append(out, pyfmt.Path(hook.DisplayPath(p)))
		}
		return out
	}
	strs := func(dest string) []any {
		out := []any{}
		for _, s := range a.list(dest) {
			out = append(out, s)
		}
		return out
	}
	return pyfmt.Dict{
		"add_existing":         !a.flag("ignore_existing"),
		"append_rpaths":        paths("append_rpaths"),
		"extra_args":           strs("extra_args"),
		"ignore_missing":       strs("ignore_missing"),
		"keep_libc":            a.flag("keep_libc"),
		"libs":                 paths("libs"),
		"paths":                paths("paths"),
		"preserve_origin":      a.flag("preserve_origin"),
		"recursive":            !a.flag("no_recurse"),
		"relative_rpaths":      a.flag("relative_rpaths"),
		"runtime_dependencies": paths("runtime_dependencies"),
		"structured_logs":      a.flag("structured_logs"),
	}
}

// patchelfArgs are the patchelf flags of --extra-args that mean something
// to us.
type patchelfArgs struct {
	forceRpath   bool
	pageSize     uint64
	noDefaultLib bool
	ignored      []string
}

// patchelfValueFlags are patchelf flags that take values (how many), so
// that their values are not mistaken for flags when ignoring them.
var patchelfValueFlags = map[string]int{
	"--set-interpreter": 1, "--interpreter": 1, "--set-rpath": 1, "--add-rpath": 1,
	"--allowed-rpath-prefixes": 1, "--set-soname": 1, "--add-needed": 1, "--remove-needed": 1,
	"--replace-needed": 2, "--output": 1, "--set-os-abi": 1, "--rename-dynamic-symbols": 1,
	"--clear-symbol-version": 1,
}

// patchelfHarmless are patchelf flags that change nothing in what we write.
var patchelfHarmless = map[string]bool{
	"--debug": true, "--no-sort": true, "--no-clobber-old-sections": true,
}

func parsePatchelfArgs(args []string) (patchelfArgs, error) {
	var px patchelfArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(arg, "=")
		switch {
		case arg == "--force-rpath":
			px.forceRpath = true
		case arg == "--no-default-lib":
			px.noDefaultLib = true
		case name == "--page-size":
			if !hasValue {
				if i+1 >= len(args) {
					return px, errors.New("--page-size needs a value")
				}
				i++
				value = args[i]
			}
			n, err := parseNumber(value)
			if err != nil || n == 0 || n&(n-1) != 0 {
				return px, fmt.Errorf("invalid --page-size %q: want a power of two", value)
			}
			px.pageSize = n
		case patchelfHarmless[arg]:
		default:
			px.ignored = append(px.ignored, arg)
			if n := patchelfValueFlags[arg]; n > 0 {
				i += min(n, len(args)-1-i)
			}
		}
	}
	return px, nil
}

// renderer prints events as auto-patchelf does: human-readable lines, or
// JSON lines with --structured-logs.
type renderer struct {
	w          io.Writer
	structured bool
}

func (r *renderer) event(e hook.Event) {
	if r.structured {
		if line, ok := eventJSON(e); ok {
			fmt.Fprintln(r.w, line)
		}
		return
	}
	switch e := e.(type) {
	case hook.SkipFile:
		fmt.Fprintf(r.w, "skipping %s because %s\n", e.File, e.Reason)
	case hook.SetInterpreter:
		fmt.Fprintf(r.w, "setting interpreter of %s\n", e.File)
	case hook.Searching:
		fmt.Fprintf(r.w, "searching for dependencies of %s\n", e.File)
	case hook.Dependency:
		if e.Found {
			fmt.Fprintf(r.w, "    %s -> found: %s\n", e.Name, e.Location)
		} else {
			fmt.Fprintf(r.w, "    %s -> not found!\n", e.Name)
		}
	case hook.SetRpath:
		fmt.Fprintf(r.w, "setting RPATH to: %s\n", e.Rpath)
	case hook.KeptPayload:
		fmt.Fprintf(r.w, "keeping the %d bytes appended to %s at the end of the file\n", e.Bytes, e.File)
	case hook.Summary:
		fmt.Fprintf(r.w, "auto-patchelf: %d dependencies could not be satisfied\n", e.Missing)
	case hook.IgnoredDependency:
		fmt.Fprintf(r.w, "warn: auto-patchelf ignoring missing %s wanted by %s\n", e.Name, e.File)
	case hook.Unsatisfied:
		fmt.Fprintf(r.w, "error: auto-patchelf could not satisfy dependency %s wanted by %s\n", e.Name, e.File)
	case hook.Explain:
		// Dependencies the libc dir or an absolute path satisfies have no
		// line upstream; --explain gives them one, in the same form.
		switch e.Dep.Via {
		case resolver.Libc:
			fmt.Fprintf(r.w, "    %s -> libc: left to the dynamic linker\n", e.Dep.Name)
		case resolver.Absolute:
			fmt.Fprintf(r.w, "    %s -> absolute path to an existing file: left as it is\n", e.Dep.Name)
		}
		for _, line := range explainLines(e.Dep) {
			fmt.Fprintf(r.w, "        %s\n", line)
		}
	}
}

// eventJSON is the --structured-logs line of an event: {"Type": {fields}}
// with the fields of upstream's dataclasses, in their order.
func eventJSON(e hook.Event) (string, bool) {
	var name string
	var obj pyfmt.Object
	switch e := e.(type) {
	case hook.SkipFile:
		name, obj = "SkipFile", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "reason", Value: e.Reason}}
	case hook.SetInterpreter:
		name, obj = "SetInterpreter", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "interpreter_path", Value: e.Interpreter}}
	case hook.Dependency:
		var loc any
		if e.Found {
			loc = e.Location
		}
		name, obj = "Dependency", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "name", Value: e.Name}, {Key: "found", Value: e.Found}, {Key: "location", Value: loc}}
	case hook.SetRpath:
		name, obj = "SetRpath", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "rpath", Value: e.Rpath}}
	case hook.IgnoredDependency:
		name, obj = "IgnoredDependency", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "name", Value: e.Name}, {Key: "pattern", Value: e.Pattern}}
	case hook.Explain:
		var considered []any
		for _, c := range e.Dep.Considered {
			considered = append(considered, pyfmt.Object{
				{Key: "name", Value: c.Name}, {Key: "dir", Value: c.Library.Dir}, {Key: "verdict", Value: verdictName(c.Verdict)},
			})
		}
		if considered == nil {
			considered = []any{}
		}
		var loc any
		if e.Dep.Via == resolver.Indexed {
			loc = e.Dep.Library.Dir
		}
		name, obj = "Explain", pyfmt.Object{
			{Key: "file", Value: e.File}, {Key: "name", Value: e.Dep.Name}, {Key: "via", Value: viaName(e.Dep.Via)},
			{Key: "location", Value: loc}, {Key: "considered", Value: considered},
		}
	default:
		return "", false // human-readable only
	}
	return pyfmt.JSON(pyfmt.Object{{Key: name, Value: obj}}), true
}

func viaName(v resolver.Via) string {
	switch v {
	case resolver.Absolute:
		return "absolute"
	case resolver.Libc:
		return "libc"
	case resolver.Indexed:
		return "index"
	}
	return "not found"
}

func verdictName(v resolver.Verdict) string {
	switch v {
	case resolver.Chosen:
		return "chosen"
	case resolver.Shadowed:
		return "shadowed"
	case resolver.WrongArch:
		return "wrong architecture"
	case resolver.IncompatibleOSABI:
		return "incompatible OS ABI"
	}
	return "unknown"
}

// explainLines list the index entries considered for one dependency and
// why one won (--explain).
func explainLines(d resolver.Dependency) []string {
	var lines []string
	var winner string
	for _, c := range d.Considered {
		where := filepath.Join(c.Library.Dir, c.Name)
		switch c.Verdict {
		case resolver.Chosen:
			winner = c.Library.Dir
			lines = append(lines, fmt.Sprintf("candidate %s: chosen, the first compatible one", where))
		case resolver.Shadowed:
			lines = append(lines, fmt.Sprintf("candidate %s: compatible, but %s came first", where, winner))
		case resolver.WrongArch:
			lines = append(lines, fmt.Sprintf("candidate %s: skipped, architecture %s", where, hook.ArchName(c.Library.Machine)))
		case resolver.IncompatibleOSABI:
			lines = append(lines, fmt.Sprintf("candidate %s: skipped, OS ABI %s", where, hook.OSABIName(c.Library.OSABI)))
		}
	}
	if d.Via == resolver.NotFound {
		if len(d.Considered) == 0 {
			lines = append(lines, "no file of that name in the trees, --libs or their RUNPATHs")
		}
		for _, c := range d.Candidates {
			if pkg, ok := resolver.Hint(filepath.Base(c)); ok {
				lines = append(lines, fmt.Sprintf("%s is usually provided by %s", filepath.Base(c), pkg))
				break
			}
		}
	}
	return lines
}
