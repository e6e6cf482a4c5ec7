package linkcheck

// The renderings of a Report besides its JSON document (MarshalJSON): the
// text `gopatchelf check` prints and GitHub Actions workflow commands.

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// groupNone is the text output's group for files that no Python
// distribution owns.
const groupNone = "(not in a Python distribution)"

// WriteText prints the findings grouped by Python distribution (sorted,
// files no distribution owns last), then by file, then a summary line:
//
//	lxml 5.3.0
//	  site-packages/lxml/etree.so
//	    error: libxml2.so.2 not found
//	      searched: /a:/b
//	      hint: libxml2.so.2 is usually provided by libxml2: ADVICE
//	gopatchelf check: 3 ELF files checked: 1 error, no warnings
//
// advice ends each hint: what to do with the package where the check
// runs ("add it to buildInputs"). Unreadable findings are left out: they
// are about the check's input, and the caller reports them as diagnostics.
func (r *Report) WriteText(w io.Writer, advice string) error {
	type fileFindings struct {
		file     string
		findings []Finding
	}
	groups := map[string][]*fileFindings{}
	for _, f := range r.Findings {
		if f.Kind == Unreadable {
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
	var b strings.Builder
	for _, g := range names {
		fmt.Fprintln(&b, g)
		for _, ff := range groups[g] {
			fmt.Fprintf(&b, "  %s\n", ff.file)
			for _, f := range ff.findings {
				fmt.Fprintf(&b, "    %s: %s\n", f.Severity, f.Message())
				if f.Kind == MissingLibrary {
					if len(f.Searched) > 0 {
						fmt.Fprintf(&b, "      searched: %s\n", strings.Join(f.Searched, ":"))
					}
					for _, r := range f.Rejected {
						fmt.Fprintf(&b, "      rejected: %s\n", r)
					}
				}
				if f.Hint != "" && f.IgnoredBy == "" {
					fmt.Fprintf(&b, "      hint: %s is usually provided by %s: %s\n", f.hintName(), f.Hint, advice)
				}
			}
		}
	}
	s := r.Summary()
	fmt.Fprintf(&b, "gopatchelf check: %d ELF %s checked: %s, %s",
		s.Files, plural(s.Files, "file", "files"), countOf(s.Errors, "error"), countOf(s.Warnings, "warning"))
	if s.Ignored > 0 {
		fmt.Fprintf(&b, " (%d ignored)", s.Ignored)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteGitHub prints one workflow command per finding, which GitHub
// Actions shows as an annotation on the file
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions),
// then the summary line. advice ends each hint, as in WriteText.
func (r *Report) WriteGitHub(w io.Writer, advice string) error {
	var b strings.Builder
	for _, f := range r.Findings {
		msg := f.Message()
		if f.Kind == Unreadable {
			msg = "cannot read: " + f.Detail
		}
		if f.Hint != "" && f.IgnoredBy == "" {
			msg += fmt.Sprintf("; hint: %s is usually provided by %s: %s", f.hintName(), f.Hint, advice)
		}
		fmt.Fprintf(&b, "::%s file=%s::%s\n", f.Severity, ghProperty(f.File), ghData(msg))
	}
	s := r.Summary()
	fmt.Fprintf(&b, "gopatchelf check: %d ELF %s checked: %s, %s\n",
		s.Files, plural(s.Files, "file", "files"), countOf(s.Errors, "error"), countOf(s.Warnings, "warning"))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the JSON document (see MarshalJSON), indented by two
// spaces, with a final newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// hintName is the library a hint is about.
func (f Finding) hintName() string {
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

// ghData and ghProperty escape a workflow command's message and property
// values as the Actions runner unescapes them.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
