package hook

import (
	"errors"
	"path"

	"github.com/gopatchelf/gopatchelf/resolver"
)

// Outcome is what happened to one regular file of the trees.
type Outcome uint8

const (
	// NotELF: not an ELF file; skipped silently, counted in Report.NotELF
	// but not listed in Report.Files.
	NotELF Outcome = iota
	// Skipped: a skip rule applied (SkipFile event).
	Skipped
	// Unchanged: resolved, and the file already had the wanted
	// interpreter and RUNPATH; nothing was written.
	Unchanged
	// Patched: the file was rewritten (or, in a dry run, would have been).
	Patched
	// Failed: the file could not be read, parsed or written; it is
	// untouched, and the error is in Report.Errors.
	Failed
)

var outcomeNames = [...]string{"not ELF", "skipped", "unchanged", "patched", "failed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(?)"
}

// FileResult is one regular file of the trees being patched.
type FileResult struct {
	// Path is as printed: the --paths entry joined with the names below it.
	Path    string
	Outcome Outcome
	// Err is set when Outcome is Failed.
	Err error
}

// Report is what a run did, in walk order.
type Report struct {
	// Files are the regular files of the trees that are ELF files (or
	// could not be read), each once, in walk order.
	Files []FileResult
	// NotELF counts the other regular files of the trees. They are not
	// listed: a site-packages tree holds some ten non-ELF files for every
	// ELF one.
	NotELF int
	// Missing are the dependencies nothing satisfied, ignored ones
	// included, in walk order.
	Missing []*resolver.MissingError
	// Mismatches are lxml/xmlsec pairs resolving libxml2 (or libxslt,
	// libexslt) to different directories.
	Mismatches []resolver.Mismatch
	// Errors are the per-file and per-directory failures, in walk order;
	// each names its file.
	Errors []error
	// Leftovers are temporary files of an interrupted earlier run that
	// this run removed from the trees.
	Leftovers []string
}

// Count returns how many files had outcome o.
func (r *Report) Count(o Outcome) int {
	if o == NotELF {
		return r.NotELF
	}
	n := 0
	for _, f := range r.Files {
		if f.Outcome == o {
			n++
		}
	}
	return n
}

// Unsatisfied returns the missing dependencies that no --ignore-missing
// pattern matched.
func (r *Report) Unsatisfied() []*resolver.MissingError {
	var out []*resolver.MissingError
	for _, m := range r.Missing {
		if !m.Ignored() {
			out = append(out, m)
		}
	}
	return out
}

// Hint names the Nix package that usually provides a missing library.
type Hint struct {
	Name    string // the library's file name
	Package string // the nixpkgs attribute (resolver.Hint)
}

// Hints are the hints for the unsatisfied dependencies, in their order:
// for each, the first of its candidate names that resolver.Hint knows,
// each name once.
func (r *Report) Hints() []Hint {
	var out []Hint
	seen := map[string]bool{}
	for _, m := range r.Unsatisfied() {
		for _, c := range m.Candidates {
			name := path.Base(c)
			pkg, ok := resolver.Hint(name)
			if !ok || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, Hint{Name: name, Package: pkg})
			break
		}
	}
	return out
}

// Err joins Errors and the unsatisfied dependencies (*resolver.MissingError
// values); nil means the run succeeded.
func (r *Report) Err() error {
	errs := append([]error(nil), r.Errors...)
	for _, m := range r.Unsatisfied() {
		errs = append(errs, m)
	}
	return errors.Join(errs...)
}
