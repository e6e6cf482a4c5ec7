package main

// The text and GitHub renderings of a linkcheck.Report, shared by check
// and wheel --check.

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/linkcheck"
)

// groupNone is the text output's group for files that no Python
// distribution owns.
const groupNone = "(not in a Python distribution)"

// writeCheckText prints the findings grouped by Python distribution, then
// by file, then a summary line. Unreadable files are one line each on
// errOut.
func writeCheckText(w io.Writer, log logrus.FieldLogger, rep *linkcheck.Report, advice string) {
	type fileFindings struct {
		file     string
		findings []linkcheck.Finding
	}
	groups := map[string][]*fileFindings{}
	for _, f := range rep.Findings {
		if f.Kind == linkcheck.Unreadable {
			logFinding(log, f)
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
					fmt.Fprintf(w, "      hint: %s is usually provided by %s: %s\n", hintName(f), f.Hint, advice)
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
			msg += fmt.Sprintf("; hint: %s is usually provided by %s: %s", hintName(f), f.Hint, hintAdvice())
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

// logFinding logs a file check could not read.
func logFinding(log logrus.FieldLogger, f linkcheck.Finding) {
	l := log.WithField(console.FieldFile, f.File)
	if f.Severity == linkcheck.Warning {
		l.Warn(f.Detail)
		return
	}
	l.Error(f.Detail)
}
