package storeref

import "slices"

// Report is what [ScanPaths] and [ScrubPaths] found under their paths. Its
// JSON encoding is the document `gopatchelf refs --format json` and
// `gopatchelf scrub --format json` print; see "JSON report" in the package
// documentation for the schema.
type Report struct {
	StoreDir string `json:"store_dir"`
	// Files are the files with references (and, for scrub, those changed),
	// in walk order: the paths in the order given, directories sorted.
	Files []FileReport `json:"files"`
	// StorePaths are the distinct store paths of all Files' Refs, sorted.
	StorePaths []string `json:"store_paths"`
	// Errors are the files that could not be read, scrubbed or written;
	// they are left untouched.
	Errors []FileError `json:"errors"`

	// Scrubbed counts the files [ScrubPaths] changed (or would change,
	// with DryRun).
	Scrubbed int `json:"-"`
}

// FileReport is one file's entry in a [Report].
type FileReport struct {
	Path string `json:"path"`
	// ELFError says why a file that starts like an ELF file did not parse;
	// its references are then reported as bytes.
	ELFError string `json:"elf_error,omitempty"`
	// Changed and Changes are set by ScrubPaths only: whether the file was
	// (or would be) rewritten, and what changed.
	Changed *bool    `json:"changed,omitempty"`
	Changes []Change `json:"changes,omitempty"`
	// Refs are the references in the file: for ScrubPaths, those that
	// remain (all of them in a file that could not be written).
	Refs []Ref `json:"refs"`
}

// FileError is a file that could not be handled.
type FileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Remaining counts the references left in all files.
func (r *Report) Remaining() int {
	n := 0
	for _, f := range r.Files {
		n += len(f.Refs)
	}
	return n
}

// WithRefs returns the files that hold references.
func (r *Report) WithRefs() []FileReport {
	var out []FileReport
	for _, f := range r.Files {
		if len(f.Refs) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func newReport(storeDir string) Report {
	return Report{StoreDir: storeDir, Files: []FileReport{}, StorePaths: []string{}, Errors: []FileError{}}
}

func (r *Report) fail(path string, err error) {
	r.Errors = append(r.Errors, FileError{Path: path, Error: err.Error()})
}

// finish fills StorePaths with the distinct store paths of all Refs.
func (r *Report) finish() {
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
