package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gopatchelf/gopatchelf/internal/cli"
	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/storeref"
)

// refsCmd is refs' command line (internal/cli's grammar).
var refsCmd = cli.Command{
	Name:     "refs",
	Synopsis: "[options] [--] PATH...",
	About: `List, per file, every Nix store path the files under PATH refer to and
where: a RUNPATH or RPATH entry, the interpreter, a DT_NEEDED or DT_SONAME
name, or other bytes (with their offset and ELF section), text files and
symbolic link targets included. Directories are walked recursively, in
sorted order, without following symbolic links. Nothing is written.`,
	Options: []cli.Option{storeDirOption, formatOption},
	Trailer: `Exit status: 0 when every file was read (whether or not references were
found), 1 when a file could not be read, 2 on a bad command line or a PATH
that does not exist.`,
}

// The options refs and scrub share.
var (
	storeDirOption = cli.Option{Long: "store-dir", Kind: cli.Value, Metavar: "DIR",
		Help: "Nix store directory (default " + storeref.DefaultStoreDir + ")."}
	formatOption = cli.Option{Long: "format", Kind: cli.Value, Metavar: "FORMAT",
		Help: "Output format: text (default) or json."}
)

func runRefs(ctx context.Context, args []string, sio stdio) int {
	a, code, ok := refsCmd.Start(args, sio.out, sio.errOut)
	if !ok {
		return code
	}
	paths, format := a.Operands, a.Value("format", "text")
	dir, err := refsCheckCommon(a.Value("store-dir", storeref.DefaultStoreDir), format, paths)
	if err != nil {
		return refsCmd.Usage(sio.errOut, "%v", err)
	}
	con := console.New(sio.out, sio.errOut)
	defer con.Flush()
	log := console.NewLogger(con.Stderr(), a.Flag("verbose"))
	if err := badInput(paths, "PATH", wantAny); err != nil {
		log.Error(err)
		return exitUsage
	}

	rep, err := storeref.ScanPaths(ctx, paths, dir)
	if err != nil {
		log.Error(err)
		return exitInterrupted
	}

	// A write error only: the deferred Flush meets it too.
	if format == "json" {
		rep.WriteJSON(con.Stdout())
	} else {
		rep.WriteRefs(con.Stdout())
	}
	for _, e := range rep.Errors {
		log.Error(e.Error)
	}
	if len(rep.Errors) > 0 {
		return exitFailure
	}
	return exitOK
}

// refsCheckCommon checks the options refs and scrub share.
func refsCheckCommon(storeDir, format string, paths []string) (string, error) {
	if format != "text" && format != "json" {
		return "", fmt.Errorf("--format %s: choose text or json", format)
	}
	if len(paths) == 0 {
		return "", errors.New("no PATH given")
	}
	return storeref.CleanStoreDir(storeDir)
}
