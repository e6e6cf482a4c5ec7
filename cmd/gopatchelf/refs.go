package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

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

	out := con.Stdout()
	if format == "json" {
		writeJSON(out, rep)
	} else {
		writeRefsText(out, rep.Files)
		fmt.Fprintf(out, "%d references to %d store paths in %d files\n", rep.Remaining(), len(rep.StorePaths), len(rep.Files))
	}
	for _, e := range rep.Errors {
		log.Error(e.Error)
	}
	if len(rep.Errors) > 0 {
		return exitFailure
	}
	return exitOK
}

// writeRefsText prints each file with references and then one line per
// reference.
func writeRefsText(w io.Writer, files []storeref.FileReport) {
	for _, f := range files {
		if len(f.Refs) == 0 && f.ELFError == "" {
			continue
		}
		fmt.Fprintf(w, "%s\n", f.Path)
		if f.ELFError != "" {
			fmt.Fprintf(w, "  (not parsed as ELF: %s; scanned as bytes)\n", f.ELFError)
		}
		for _, r := range f.Refs {
			fmt.Fprintf(w, "  %-11s %s\n", r.Kind, describeRef(r))
		}
	}
}

// describeRef is a reference as text: the whole string for references held
// by a structure, the store path and where it is for the others.
func describeRef(r storeref.Ref) string {
	switch {
	case r.Structural() || r.Kind == storeref.Symlink:
		return r.Value
	case r.Section != "":
		return fmt.Sprintf("%s at %#x in %s", r.StorePath, r.Offset, r.Section)
	default:
		return fmt.Sprintf("%s at %#x", r.StorePath, r.Offset)
	}
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

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // only a write error, which the deferred Flush meets too
}
