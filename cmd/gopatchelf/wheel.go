package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/atomicfile"
	"github.com/gopatchelf/gopatchelf/linkcheck"
	"github.com/gopatchelf/gopatchelf/resolver"
	"github.com/gopatchelf/gopatchelf/wheel"
)

// wheelCmd is wheel's command line (cli.go's grammar).
var wheelCmd = cmdLine{
	name:     "wheel",
	synopsis: "[options] (--check [--format text|json|github] | -o DIR) [--] IN.whl...",
	about: `Re-link the ELF members of Python wheels without unpacking them: each
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
	options: []option{
		{long: "libs", kind: optList, metavar: "DIR", help: "Directories (or library files) of libraries to link against."},
		{long: "ignore-missing", kind: optList, metavar: "PATTERN", help: "fnmatch patterns of dependencies that may be missing."},
		{long: "libc-dir", kind: optValue, metavar: "DIR", help: "Directory of libc, whose libraries are left to the loader."},
		{long: "interpreter", kind: optValue, metavar: "PATH", help: "Dynamic linker to give executable members (default: leave them alone)."},
		{long: "output", short: 'o', kind: optValue, metavar: "DIR", help: "Output directory."},
		{long: "check", kind: optFlag, help: "Report missing dependencies and check the patched members; write nothing."},
		{long: "format", kind: optValue, metavar: "FORMAT", help: "With --check: text (default), json or github, as gopatchelf check prints."},
	},
	trailer: `Exit status: 0 done, 1 missing dependencies (not ignored) or a wheel that
could not be patched, 2 bad command line, or bad input: a wheel that does not
exist, is a directory or is not a zip archive, a --libs entry that does not
exist (outside a Nix build), a --libc-dir that is not a directory.`,
}

func runWheel(ctx context.Context, args []string, sio stdio) int {
	a, code, ok := wheelCmd.start(args, sio)
	if !ok {
		return code
	}
	paths, format := a.operands, a.value("format", "text")
	check, outDir := a.flag("check"), a.value("output", "")
	libs, ignore := a.list("libs"), a.list("ignore-missing")
	switch {
	case len(paths) == 0:
		return wheelCmd.noOperand(sio, a, "wheel")
	case check && outDir != "":
		return wheelCmd.usage(sio, "--check writes nothing: drop -o")
	case !check && outDir == "":
		return wheelCmd.usage(sio, "-o DIR is required (or --check)")
	case !slices.Contains(checkFormats, format):
		return wheelCmd.usage(sio, "--format %s: choose text, json or github", format)
	case format != "text" && !check:
		return wheelCmd.usage(sio, "--format goes with --check")
	}
	checkFormat := ""
	if check {
		checkFormat = format
	}
	con := newConsole(sio)
	defer con.Flush()
	log := newLogger(con.Stderr(), a.flag("verbose"))
	if err := wheelInputs(paths, libs, a.value("libc-dir", "")); err != nil {
		log.Error(err)
		return exitUsage
	}

	found, err := wheel.ScanLibs(libs)
	if err != nil {
		log.Error(err)
		return exitFailure
	}
	cfg := wheel.Config{Libs: found, Interpreter: a.value("interpreter", ""), IgnoreMissing: ignore}
	if libcDir := a.value("libc-dir", ""); libcDir != "" {
		abs, err := filepath.Abs(libcDir)
		if err != nil {
			log.Error(err)
			return exitFailure
		}
		cfg.LibcDir = abs
	}
	cfg.IsFile = func(p string) bool {
		st, err := os.Stat(p)
		return err == nil && st.Mode().IsRegular()
	}

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
		f, err := os.Open(w)
		if err != nil {
			return fmt.Errorf("wheel %w", err)
		}
		magic := make([]byte, 4)
		_, err = io.ReadFull(f, magic)
		f.Close()
		// A local file header, or the end record of an empty archive.
		if err != nil || (string(magic) != "PK\x03\x04" && string(magic) != "PK\x05\x06") {
			return fmt.Errorf("wheel %s: not a zip archive", w)
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
	f, err := os.Open(in)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	// Check mode patches into memory too: the patched members are what
	// checkPatched asks the loader's questions about.
	buf := &bytes.Buffer{}
	rep, err := wheel.Patch(f, st.Size(), buf, cfg)
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
		problems, err := checkPatched(ctx, name, buf.Bytes(), cfg, checkFormat, report)
		return missing || problems, err
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

// checkPatched unpacks the patched wheel into a temporary directory and
// checks it as 'gopatchelf check' would (libraries through the RUNPATHs
// just written, then the default directories; symbol versions too), so
// --check also catches a provider too old for a member. The report is
// written like check's text, with paths relative to the wheel.
func checkPatched(ctx context.Context, name string, whl []byte, cfg wheel.Config, format string, w io.Writer) (problems bool, err error) {
	tmp, err := os.MkdirTemp("", "gopatchelf-wheel-check-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, name)
	if err := unzipTo(whl, root); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	ccfg := linkcheck.Config{Paths: []string{root}, IgnoreMissing: cfg.IgnoreMissing}
	if cfg.LibcDir != "" {
		// The libc directory's own loader searches it, as it will at run
		// time; without one there, it stands in as LD_LIBRARY_PATH.
		if lds, _ := filepath.Glob(filepath.Join(cfg.LibcDir, "ld*.so*")); len(lds) > 0 {
			ccfg.Interpreter = lds[0]
		} else {
			ccfg.Libs = append(ccfg.Libs, cfg.LibcDir)
		}
	}
	rep, err := linkcheck.Check(ctx, ccfg)
	if err != nil {
		return false, err
	}
	relativeReport(rep, tmp+string(filepath.Separator))
	switch {
	case format == "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return false, err
		}
	case format == "github":
		writeGitHub(w, rep)
	case len(rep.Findings) > 0:
		writeCheckText(w, newLogger(w, false), rep, hintAdvice())
	}
	return !rep.OK(), nil
}

// unzipTo writes the members of a zip into dir, refusing names that would
// leave it.
func unzipTo(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, m := range zr.File {
		name := filepath.FromSlash(m.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("member %q leaves the wheel", m.Name)
		}
		path := filepath.Join(dir, name)
		if m.FileInfo().IsDir() {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		rc, err := m.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("member %s: %w", m.Name, err)
		}
		if err := os.WriteFile(path, b, m.Mode().Perm()|0o600); err != nil {
			return err
		}
	}
	return nil
}

// relativeReport drops prefix from every path in rep.
func relativeReport(rep *linkcheck.Report, prefix string) {
	trim := func(s *string) { *s = strings.TrimPrefix(*s, prefix) }
	for i := range rep.Files {
		f := &rep.Files[i]
		trim(&f.Path)
		for j := range f.Deps {
			trim(&f.Deps[j].Path)
		}
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		for _, p := range []*string{&f.File, &f.Object, &f.Provider} {
			trim(p)
		}
		for _, l := range [][]string{f.Chain, f.Searched, f.Rejected} {
			for j := range l {
				trim(&l[j])
			}
		}
	}
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
