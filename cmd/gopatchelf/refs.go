package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gopatchelf/gopatchelf/storeref"
)

// refsCmd is refs' command line (cli.go's grammar).
var refsCmd = cmdLine{
	name:     "refs",
	synopsis: "[options] [--] PATH...",
	about: `List, per file, every Nix store path the files under PATH refer to and
where: a RUNPATH or RPATH entry, the interpreter, a DT_NEEDED or DT_SONAME
name, or other bytes (with their offset and ELF section), text files and
symbolic link targets included. Directories are walked recursively, in
sorted order, without following symbolic links. Nothing is written.`,
	options: []option{storeDirOption, formatOption},
	trailer: `Exit status: 0 when every file was read (whether or not references were
found), 1 when a file could not be read, 2 on a bad command line or a PATH
that does not exist.`,
}

// The options refs and scrub share.
var (
	storeDirOption = option{long: "store-dir", kind: optValue, metavar: "DIR",
		help: "Nix store directory (default " + storeref.DefaultStoreDir + ")."}
	formatOption = option{long: "format", kind: optValue, metavar: "FORMAT",
		help: "Output format: text (default) or json."}
)

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
	a, code, ok := refsCmd.start(args, sio)
	if !ok {
		return code
	}
	paths, format := a.operands, a.value("format", "text")
	dir, err := refsCheckCommon(a.value("store-dir", storeref.DefaultStoreDir), format, paths)
	if err != nil {
		return refsCmd.usage(sio, "%v", err)
	}
	con := newConsole(sio)
	defer con.Flush()
	log := newLogger(con.Stderr(), a.flag("verbose"))
	if err := badInput(paths, "PATH", wantAny); err != nil {
		log.Error(err)
		return exitUsage
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
		log.Error(err)
		return exitInterrupted
	}
	rep.storePaths()

	out := con.Stdout()
	if format == "json" {
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
		log.Error(e.Error)
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
