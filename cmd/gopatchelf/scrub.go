package main

import (
	"context"
	"os"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/internal/cli"
	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/storeref"
)

// scrubCmd is scrub's command line (internal/cli's grammar).
var scrubCmd = cli.Command{
	Name:     "scrub",
	Synopsis: "[options] [--] PATH...",
	About: `Remove Nix store references from the ELF files under PATH the ELF-aware way,
for the output of a fixed-output derivation:

  - store entries leave RUNPATH and RPATH; other entries ($ORIGIN/..., /usr/lib)
    stay, and an empty list is removed;
  - an interpreter in the store becomes a placeholder: by default the standard
    path of the same loader (/lib64/ld-linux-x86-64.so.2, /lib/ld-linux-aarch64.so.1,
    ...), which names no store path and depends only on the file, so the
    derivation's hash is stable; autoPatchelfHook or gopatchelf auto sets the
    real one later;
  - store paths in sections the loader never maps (debug information, .comment)
    get a hash of e's, as remove-references-to writes, unless --keep-unloaded.

Files are written only when their bytes change: atomically (a temporary copy
renamed over the file), or in place (only the changed bytes, same inode; a
run killed mid-write leaves a torn file), as --write says; auto, the default,
is in place inside a Nix build ($NIX_BUILD_TOP set) and atomic elsewhere. A
file the caller may not write is refused ("open: Permission denied"), as by
patchelf; a writable file in a read-only directory is written in place. Then
every file is scanned again and the store references left anywhere (.rodata,
DT_NEEDED, text files, symbolic links) are listed, those of files that could
not be written included.`,
	Options: []cli.Option{
		storeDirOption, formatOption,
		{Long: "interpreter-placeholder", Kind: cli.Value, Metavar: "PATH",
			Help: "Interpreter to give executables whose interpreter is in the store (default: the standard path of the same loader)."},
		{Long: "keep-unloaded", Kind: cli.Flag, Help: "Leave store paths in unloaded sections (debug information) alone."},
		{Long: "allow-remaining", Kind: cli.Flag, Help: "Exit 0 even when references remain."},
		{Long: "dry-run", Kind: cli.Flag, Help: "Report what would change, write nothing."},
		{Long: "write", Kind: cli.Value, Metavar: "MODE", Help: "How files are rewritten: auto (default), in-place or atomic."},
	},
	Trailer: `Exit status: 0 when no reference remains (or --allow-remaining), 1 when some
remain or a file could not be scrubbed (it is left untouched), 2 on a bad
command line or a PATH that does not exist.`,
}

func runScrub(ctx context.Context, args []string, sio stdio) int {
	a, code, ok := scrubCmd.Start(args, sio.out, sio.errOut)
	if !ok {
		return code
	}
	paths, format := a.Operands, a.Value("format", "text")
	dir, err := refsCheckCommon(a.Value("store-dir", storeref.DefaultStoreDir), format, paths)
	if err != nil {
		return scrubCmd.Usage(sio.errOut, "%v", err)
	}
	interp := a.Value("interpreter-placeholder", "")
	dryRun, allow, keepUnloaded := a.Flag("dry-run"), a.Flag("allow-remaining"), a.Flag("keep-unloaded")
	if interp != "" && !strings.HasPrefix(interp, "/") {
		return scrubCmd.Usage(sio.errOut, "--interpreter-placeholder %s: not an absolute path", interp)
	}
	inPlace, err := atomicfile.ParseWrite(a.Value("write", "auto"), os.Getenv("NIX_BUILD_TOP") != "")
	if err != nil {
		return scrubCmd.Usage(sio.errOut, "--write: %v", err)
	}
	con := console.New(sio.out, sio.errOut)
	defer con.Flush()
	log := console.NewLogger(con.Stderr(), a.Flag("verbose"))
	if err := badInput(paths, "PATH", wantAny); err != nil {
		log.Error(err)
		return exitUsage
	}
	cfg := storeref.ScrubConfig{
		Options: storeref.Options{StoreDir: dir, Interpreter: interp, KeepUnloaded: keepUnloaded},
		// As auto: no fsync inside a Nix build, whose output is discarded on failure.
		NoSync:  os.Getenv("NIX_BUILD_TOP") != "",
		InPlace: inPlace,
		DryRun:  dryRun,
	}
	rep, err := storeref.ScrubPaths(ctx, paths, cfg)
	if err != nil {
		log.Error(err)
		return exitInterrupted
	}
	remaining := rep.Remaining()
	if format == "json" {
		rep.WriteJSON(con.Stdout())
	} else {
		rep.WriteScrub(con.Stdout(), dryRun)
	}
	for _, e := range rep.Errors {
		log.Errorf("%s (left untouched)", e.Error)
	}
	if len(rep.Errors) > 0 || (remaining > 0 && !allow) {
		return exitFailure
	}
	return exitOK
}
