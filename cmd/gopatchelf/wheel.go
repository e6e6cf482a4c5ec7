package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/resolver"
	"github.com/gopatchelf/gopatchelf/wheel"
)

const wheelUsage = `usage: gopatchelf wheel [--libs DIR]... [--libc-dir DIR] [--interpreter PATH]
                       [--ignore-missing PATTERN]... (--check | -o DIR) IN.whl...

Re-link the ELF members of Python wheels without unpacking them: each
DT_NEEDED library is looked up among the wheel's own libraries (written into
RUNPATH as $ORIGIN-relative entries, e.g. $ORIGIN/../demo.libs), then in
--libs (directories, not recursively, or library files, then the directories
their RUNPATHs name; written as absolute entries). Changed members get their new sha256
and size in *.dist-info/RECORD; every other member is copied byte for byte,
in the same order, with the same file modes. The new wheel goes to DIR under
the same name, written atomically, and only when its bytes differ from what
is there. With --check nothing is written: the missing dependencies are
listed.

Without --libc-dir, the libraries the manylinux policy lets wheels take from
the system (libc.so.6, libm.so.6, libstdc++.so.6, ...) are left to the
loader. --libs, --ignore-missing may be repeated.

Exit status: 0 done, 1 missing dependencies (not ignored) or a wheel that
could not be read or patched, 2 bad command line.

options:
`

// listFlag is a flag that may be repeated.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runWheel(ctx context.Context, args []string, sio stdio) int {
	fs := flag.NewFlagSet("gopatchelf wheel", flag.ContinueOnError)
	var libs, ignore listFlag
	fs.Var(&libs, "libs", "`directory` (or file) of libraries to link against (repeatable)")
	fs.Var(&ignore, "ignore-missing", "fnmatch `pattern` of dependencies that may be missing (repeatable)")
	libcDir := fs.String("libc-dir", "", "`directory` of libc, whose libraries are left to the loader")
	interp := fs.String("interpreter", "", "dynamic linker to give executable members (`path`; default: leave alone)")
	outDir := fs.String("o", "", "output `directory`")
	check := fs.Bool("check", false, "report missing dependencies, write nothing")
	paths, code, ok := parseFlagsAndPaths(fs, args, sio, wheelUsage)
	if !ok {
		return code
	}
	switch {
	case len(paths) == 0:
		return usageFail(sio.errOut, "wheel", errors.New("no wheels given"))
	case *check && *outDir != "":
		return usageFail(sio.errOut, "wheel", errors.New("--check writes nothing: drop -o"))
	case !*check && *outDir == "":
		return usageFail(sio.errOut, "wheel", errors.New("-o DIR is required (or --check)"))
	}

	found, err := wheel.ScanLibs(libs)
	if err != nil {
		fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
		return exitFailure
	}
	cfg := wheel.Config{Libs: found, Interpreter: *interp, IgnoreMissing: ignore}
	if *libcDir != "" {
		abs, err := filepath.Abs(*libcDir)
		if err != nil {
			fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
			return exitFailure
		}
		cfg.LibcDir = abs
	}
	cfg.IsFile = func(p string) bool {
		st, err := os.Stat(p)
		return err == nil && st.Mode().IsRegular()
	}

	out := bufio.NewWriter(sio.out)
	defer out.Flush()
	failed := false
	for _, in := range paths {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
			return exitInterrupted
		}
		missing, err := wheelOne(in, *outDir, cfg, *check, out)
		if err != nil {
			out.Flush()
			fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
			failed = true
		}
		failed = failed || missing
	}
	if failed {
		return exitFailure
	}
	return exitOK
}

// wheelOne patches (or checks) one wheel and reports it; missing is true
// when a dependency nothing ignores was not found.
func wheelOne(in, outDir string, cfg wheel.Config, check bool, w io.Writer) (missing bool, err error) {
	f, err := os.Open(in)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	var buf *bytes.Buffer
	var dst io.Writer
	if !check {
		buf = &bytes.Buffer{}
		dst = buf
	}
	rep, err := wheel.Patch(f, st.Size(), dst, cfg)
	if err != nil {
		return false, fmt.Errorf("%s: %w", in, err)
	}
	name := filepath.Base(in)
	changed, nmissing := 0, 0
	for _, m := range rep.Members {
		switch {
		case m.Skipped != "":
			fmt.Fprintf(w, "%s: %s: skipped: %s\n", name, m.Name, m.Skipped)
		case m.Changed:
			changed++
			if m.Interpreter != "" {
				fmt.Fprintf(w, "%s: %s: interpreter %s\n", name, m.Name, m.Interpreter)
			}
			if m.Runpath != "" {
				fmt.Fprintf(w, "%s: %s: RUNPATH %s\n", name, m.Name, m.Runpath)
			}
		}
		for _, e := range m.Missing {
			nmissing++
			fmt.Fprintf(w, "%s: %s: missing %s", name, m.Name, e.Name)
			if e.Ignored() {
				fmt.Fprintf(w, " (ignored by %q)", e.Pattern)
			} else if pkg, ok := resolver.Hint(e.Name); ok {
				fmt.Fprintf(w, " (in Nix: %s)", pkg)
			}
			fmt.Fprintln(w)
		}
	}
	missing = rep.Err() != nil
	if check {
		fmt.Fprintf(w, "%s: %d ELF members, %d would change, %d missing dependencies\n",
			name, len(rep.Members), changed, nmissing)
		return missing, nil
	}
	dest := filepath.Join(outDir, name)
	wrote, err := writeIfChanged(dest, buf.Bytes())
	if err != nil {
		return missing, err
	}
	verb := "unchanged"
	if wrote {
		verb = "wrote"
	}
	fmt.Fprintf(w, "%s: %s %s (%d of %d ELF members changed, %d missing dependencies)\n",
		name, verb, dest, changed, len(rep.Members), nmissing)
	return missing, nil
}

// writeIfChanged writes data to path atomically (temporary file in the same
// directory, fsync, rename) unless path already holds exactly data. A new
// file gets mode 0644; an existing one keeps its mode.
func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	fill := func(tmp *os.File) error {
		_, err := tmp.Write(data)
		return err
	}
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.Mode().IsRegular():
		return true, atomicfile.Replace(path, fill)
	case err == nil:
		return false, fmt.Errorf("%s: exists and is not a regular file", path)
	case !errors.Is(err, os.ErrNotExist):
		return false, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := fill(tmp); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return false, err
	}
	// fsync before rename, or a crash may leave an empty file under the
	// final name (see internal/atomicfile).
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), path)
}
