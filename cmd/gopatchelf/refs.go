package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gopatchelf/gopatchelf/storeref"
)

const refsUsage = `usage: gopatchelf refs [--store-dir DIR] [--format text|json] PATH...

List, per file, every Nix store path the files under PATH refer to and
where: a RUNPATH or RPATH entry, the interpreter, a DT_NEEDED or DT_SONAME
name, or other bytes (with their offset and ELF section), text files and
symbolic link targets included. Directories are walked recursively, in
sorted order, without following symbolic links. Nothing is written.

Exit status: 0 when every file was read (whether or not references were
found), 1 when a file could not be read, 2 on a bad command line.

options:
`

// refsFile is one file's entry in the output of refs and scrub.
type refsFile struct {
	Path string `json:"path"`
	// ELFError says why a file that starts like an ELF file did not parse;
	// its references are then reported as bytes.
	ELFError string            `json:"elf_error,omitempty"`
	Changed  *bool             `json:"changed,omitempty"` // scrub only
	Changes  []storeref.Change `json:"changes,omitempty"` // scrub only
	Refs     []storeref.Ref    `json:"refs"`
}

// refsError is a file that could not be handled.
type refsError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// refsReport is the JSON document refs prints (scrub prints the same shape,
// its Refs being what remains).
type refsReport struct {
	StoreDir   string      `json:"store_dir"`
	Files      []refsFile  `json:"files"`
	StorePaths []string    `json:"store_paths"`
	Errors     []refsError `json:"errors"`
}

func (r *refsReport) fail(path string, err error) {
	r.Errors = append(r.Errors, refsError{Path: path, Error: err.Error()})
}

// storePaths fills StorePaths with the distinct store paths of all Refs.
func (r *refsReport) storePaths() {
	seen := map[string]bool{}
	r.StorePaths = []string{}
	for _, f := range r.Files {
		for _, ref := range f.Refs {
			if !seen[ref.StorePath] {
				seen[ref.StorePath] = true
				r.StorePaths = append(r.StorePaths, ref.StorePath)
			}
		}
	}
	slices.Sort(r.StorePaths)
}

func runRefs(ctx context.Context, args []string, sio stdio) int {
	fs := flag.NewFlagSet("gopatchelf refs", flag.ContinueOnError)
	storeDir := fs.String("store-dir", storeref.DefaultStoreDir, "Nix store `directory`")
	format := fs.String("format", "text", "output `format`: text or json")
	paths, code, ok := parseFlagsAndPaths(fs, args, sio, refsUsage)
	if !ok {
		return code
	}
	dir, err := refsCheckCommon(*storeDir, *format, paths)
	if err != nil {
		return usageFail(sio.errOut, "refs", err)
	}

	rep := refsReport{StoreDir: dir, Files: []refsFile{}, Errors: []refsError{}}
	err = walkFiles(ctx, paths, func(e walkEntry) {
		if e.err != nil {
			rep.fail(e.path, e.err)
			return
		}
		if e.link != "" {
			if refs := linkRefs(e.link, dir); len(refs) > 0 {
				rep.Files = append(rep.Files, refsFile{Path: e.path, Refs: refs})
			}
			return
		}
		data, err := os.ReadFile(e.path)
		if err != nil {
			rep.fail(e.path, err)
			return
		}
		refs, elfErr := storeref.Scan(data, dir)
		if len(refs) == 0 && elfErr == nil {
			return
		}
		rf := refsFile{Path: e.path, Refs: refs}
		if elfErr != nil {
			rf.ELFError = elfErr.Error()
		}
		if rf.Refs == nil {
			rf.Refs = []storeref.Ref{}
		}
		rep.Files = append(rep.Files, rf)
	})
	if err != nil {
		fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
		return exitInterrupted
	}
	rep.storePaths()

	out := bufio.NewWriter(sio.out)
	defer out.Flush()
	if *format == "json" {
		writeJSON(out, rep)
	} else {
		writeRefsText(out, rep.Files)
		n := 0
		for _, f := range rep.Files {
			n += len(f.Refs)
		}
		fmt.Fprintf(out, "%d references to %d store paths in %d files\n", n, len(rep.StorePaths), len(rep.Files))
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(sio.errOut, "gopatchelf: error: %s\n", e.Error)
	}
	if len(rep.Errors) > 0 {
		return exitFailure
	}
	return exitOK
}

// writeRefsText prints each file with references and then one line per
// reference.
func writeRefsText(w io.Writer, files []refsFile) {
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

// linkRefs reports the store paths in a symbolic link's target: Nix's
// reference scanner reads those too.
func linkRefs(target, storeDir string) []storeref.Ref {
	refs, _ := storeref.Scan([]byte(target), storeDir)
	for i := range refs {
		refs[i].Kind, refs[i].Value, refs[i].Offset = storeref.Symlink, target, -1
	}
	return refs
}

// walkEntry is one file met by walkFiles: a regular file, a symbolic link
// (link is its target) or an error.
type walkEntry struct {
	path string
	link string
	err  error
}

// walkFiles calls fn for each regular file and symbolic link under paths,
// in the order given and, inside directories, sorted by name, never
// following links. Other file types are skipped.
func walkFiles(ctx context.Context, paths []string, fn func(walkEntry)) error {
	visit := func(path string, d fs.DirEntry) {
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				fn(walkEntry{path: path, err: err})
				return
			}
			fn(walkEntry{path: path, link: target})
		case d.Type().IsRegular():
			fn(walkEntry{path: path})
		}
	}
	for _, root := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := os.Lstat(root)
		if err != nil {
			fn(walkEntry{path: root, err: err})
			continue
		}
		if !st.IsDir() {
			visit(root, fs.FileInfoToDirEntry(st))
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fn(walkEntry{path: path, err: err})
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !d.IsDir() {
				visit(path, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// parseFlagsAndPaths parses flags given before, between or after the
// paths ("--" ends the flags). ok is false when the command must stop with
// code: after -h (0) or a bad command line (2).
func parseFlagsAndPaths(fs *flag.FlagSet, args []string, sio stdio, usageText string) (paths []string, code int, ok bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	printUsage := func(w io.Writer) {
		fmt.Fprint(w, usageText)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printUsage(sio.out)
			return nil, exitOK, false
		}
		if err != nil {
			printUsage(sio.errOut)
			fmt.Fprintf(sio.errOut, "%s: error: %v\n", fs.Name(), err)
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return paths, 0, true
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(paths, rest...), 0, true
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}

// refsCheckCommon checks the options refs and scrub share.
func refsCheckCommon(storeDir, format string, paths []string) (string, error) {
	if format != "text" && format != "json" {
		return "", fmt.Errorf("unknown format %q (want text or json)", format)
	}
	if len(paths) == 0 {
		return "", errors.New("no paths given")
	}
	return storeref.CleanStoreDir(storeDir)
}

func usageFail(w io.Writer, cmd string, err error) int {
	fmt.Fprintf(w, "gopatchelf %s: error: %v\nRun 'gopatchelf %s -h' for usage.\n", cmd, err, cmd)
	return exitUsage
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // only a write error, which the deferred Flush meets too
}
