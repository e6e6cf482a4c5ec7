package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gopatchelf/gopatchelf/linkcheck"
)

// checkOptions are check's options. --libs and --ignore-missing take
// values until the next option, as auto's do; everything else that is not
// an option's value, and everything after "--", is a PATH.
func checkOptions() *argParser {
	return &argParser{
		prog: "gopatchelf check",
		specs: []*argSpec{
			{names: []string{"-h", "--help"}, kind: argHelp, dest: "help", help: "show this help message and exit"},
			{names: []string{"--libs"}, kind: argList, dest: "libs", metavar: "DIR",
				help: "Directories (or library files) searched after each object's own RPATH/RUNPATH and before the default directories."},
			{names: []string{"--ignore-missing"}, kind: argList, dest: "ignore_missing", metavar: "PAT",
				help: "Report missing libraries whose name matches these fnmatch patterns as warnings, not errors."},
			{names: []string{"--format"}, kind: argOne, dest: "format", metavar: "FORMAT",
				help: "Output format: text (default), json or github (workflow commands)."},
			{names: []string{"--no-default-dirs"}, kind: argFlag, dest: "no_default_dirs",
				help: "Do not search the dynamic loader's default directories (/lib, /usr/lib, ...)."},
			{names: []string{"--undefined-symbols"}, kind: argFlag, dest: "undefined_symbols",
				help: "Also check that every undefined dynamic symbol is defined by a loaded library."},
		},
	}
}

const checkDescription = "Check that every ELF file under PATH would load: resolve each DT_NEEDED and " +
	".note.dlopen library the way glibc's dynamic loader does at run time (RPATH of the file and " +
	"of the objects that loaded it, RUNPATH of the file, $ORIGIN expanded), then in --libs, then in " +
	"the loader's default directories, through every library found, and compare the symbol versions " +
	"each object needs with those its providers define. Nothing is written. Exit status: 0 no " +
	"problems, 1 problems found, 2 usage error."

var checkFormats = []string{"text", "json", "github"}

func runCheck(ctx context.Context, args []string, sio stdio) int {
	p := checkOptions()
	a, paths, err := parseCheckArgs(p, args)
	var ue *usageError
	switch {
	case errors.Is(err, errHelp):
		writeCheckHelp(p, sio.out)
		return exitOK
	case errors.As(err, &ue):
		writeCheckUsage(sio.errOut)
		fmt.Fprintf(sio.errOut, "%s: error: %s\n", p.prog, ue.msg)
		return exitUsage
	}
	format, _ := a.one("format")
	if format == "" {
		format = "text"
	}
	if !slices.Contains(checkFormats, format) {
		writeCheckUsage(sio.errOut)
		fmt.Fprintf(sio.errOut, "%s: error: argument --format: invalid choice: '%s' (choose from %s)\n",
			p.prog, format, "'"+strings.Join(checkFormats, "', '")+"'")
		return exitUsage
	}
	cfg := linkcheck.Config{
		Paths:            paths,
		Libs:             a.list("libs"),
		IgnoreMissing:    a.list("ignore_missing"),
		NoDefaultDirs:    a.flag("no_default_dirs"),
		UndefinedSymbols: a.flag("undefined_symbols"),
	}
	rep, err := linkcheck.Check(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			fmt.Fprintln(sio.errOut, "gopatchelf: error: interrupted")
			return exitInterrupted
		}
		fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
		return exitFailure
	}
	out := bufio.NewWriter(sio.out)
	switch format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
			return exitFailure
		}
	case "github":
		writeGitHub(out, rep)
	default:
		writeCheckText(out, sio.errOut, rep)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(sio.errOut, "gopatchelf: error: %v\n", err)
		return exitFailure
	}
	if !rep.OK() {
		return exitFailure
	}
	return exitOK
}

// parseCheckArgs splits args into options and PATHs.
func parseCheckArgs(p *argParser, args []string) (*parsedArgs, []string, error) {
	var opts, paths []string
	takesValues := false // the last option was --libs or --ignore-missing
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			paths = append(paths, args[i+1:]...)
			break
		}
		spec, _, hasExplicit, isOpt, err := p.lookup(arg)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case isOpt && spec == nil:
			return nil, nil, &usageError{"unrecognized arguments: " + arg}
		case isOpt:
			opts = append(opts, arg)
			takesValues = spec.kind == argList && !hasExplicit
			if spec.kind == argOne && !hasExplicit && i+1 < len(args) {
				i++
				opts = append(opts, args[i])
			}
		case takesValues:
			opts = append(opts, arg)
		default:
			paths = append(paths, arg)
		}
	}
	a, err := p.parse(opts)
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, &usageError{"the following arguments are required: PATH"}
	}
	return a, paths, nil
}

func writeCheckUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: gopatchelf check [-h] [--libs DIR ...] [--ignore-missing PAT ...]")
	fmt.Fprintln(w, "                        [--format {text,json,github}] [--no-default-dirs]")
	fmt.Fprintln(w, "                        [--undefined-symbols] [--] PATH ...")
}

func writeCheckHelp(p *argParser, w io.Writer) {
	writeCheckUsage(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, wrapText(checkDescription, usageWidth, ""))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "positional arguments:")
	fmt.Fprintln(w, "  PATH                  Files and directories to check (directories recursively).")
	fmt.Fprintln(w, "                        Put them first, or after --, when --libs or")
	fmt.Fprintln(w, "                        --ignore-missing comes before them.")
	fmt.Fprintln(w)
	var opts strings.Builder
	p.writeHelp(&opts)
	// Reuse the option list of argparse's layout, without its usage line.
	if _, list, ok := strings.Cut(opts.String(), "options:\n"); ok {
		fmt.Fprint(w, "options:\n"+list)
	}
}

// groupNone is the text output's group for files that no Python
// distribution owns.
const groupNone = "(not in a Python distribution)"

// writeCheckText prints the findings grouped by Python distribution, then
// by file, then a summary line. Unreadable files are one line each on
// errOut.
func writeCheckText(w io.Writer, errOut io.Writer, rep *linkcheck.Report) {
	type fileFindings struct {
		file     string
		findings []linkcheck.Finding
	}
	groups := map[string][]*fileFindings{}
	for _, f := range rep.Findings {
		if f.Kind == linkcheck.Unreadable {
			fmt.Fprintf(errOut, "gopatchelf: %s: %s: %s\n", f.Severity, f.File, f.Detail)
			continue
		}
		g := f.Dist
		if g == "" {
			g = groupNone
		}
		files := groups[g]
		if len(files) == 0 || files[len(files)-1].file != f.File {
			files = append(files, &fileFindings{file: f.File})
			groups[g] = files
		}
		files[len(files)-1].findings = append(files[len(files)-1].findings, f)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		if g != groupNone {
			names = append(names, g)
		}
	}
	slices.Sort(names)
	if _, ok := groups[groupNone]; ok {
		names = append(names, groupNone)
	}
	for _, g := range names {
		fmt.Fprintln(w, g)
		for _, ff := range groups[g] {
			fmt.Fprintf(w, "  %s\n", ff.file)
			for _, f := range ff.findings {
				fmt.Fprintf(w, "    %s: %s\n", f.Severity, f.Message())
				if f.Kind == linkcheck.MissingLibrary {
					if len(f.Searched) > 0 {
						fmt.Fprintf(w, "      searched: %s\n", strings.Join(f.Searched, ":"))
					}
					for _, r := range f.Rejected {
						fmt.Fprintf(w, "      rejected: %s\n", r)
					}
				}
				if f.Hint != "" && f.IgnoredBy == "" {
					fmt.Fprintf(w, "      hint: %s is usually provided by %s: add it to buildInputs\n", hintName(f), f.Hint)
				}
			}
		}
	}
	s := rep.Summary()
	fmt.Fprintf(w, "gopatchelf check: %d ELF %s checked: %s, %s",
		s.Files, plural(s.Files, "file", "files"), countOf(s.Errors, "error"), countOf(s.Warnings, "warning"))
	if s.Ignored > 0 {
		fmt.Fprintf(w, " (%d ignored)", s.Ignored)
	}
	fmt.Fprintln(w)
}

// hintName is the library a hint is about.
func hintName(f linkcheck.Finding) string {
	if len(f.Candidates) > 0 {
		return f.Candidates[0]
	}
	return f.Soname
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func countOf(n int, what string) string {
	if n == 0 {
		return "no " + what + "s"
	}
	return fmt.Sprintf("%d %s", n, plural(n, what, what+"s"))
}

// writeGitHub prints one workflow command per finding, which GitHub
// Actions shows as an annotation on the file
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
func writeGitHub(w io.Writer, rep *linkcheck.Report) {
	for _, f := range rep.Findings {
		msg := f.Message()
		if f.Kind == linkcheck.Unreadable {
			msg = "cannot read: " + f.Detail
		}
		if f.Hint != "" && f.IgnoredBy == "" {
			msg += fmt.Sprintf("; hint: %s is usually provided by %s: add it to buildInputs", hintName(f), f.Hint)
		}
		fmt.Fprintf(w, "::%s file=%s::%s\n", f.Severity, ghProperty(f.File), ghData(msg))
	}
	s := rep.Summary()
	fmt.Fprintf(w, "gopatchelf check: %d ELF %s checked: %s, %s\n",
		s.Files, plural(s.Files, "file", "files"), countOf(s.Errors, "error"), countOf(s.Warnings, "warning"))
}

// ghData and ghProperty escape a workflow command's message and property
// values as the Actions runner unescapes them.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
