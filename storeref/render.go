package storeref

// The text `gopatchelf refs` and `gopatchelf scrub` print for a Report,
// and its indented JSON document.

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteRefs prints refs' text: each file with references (or that did not
// parse as ELF) and one line per reference, then the count line
// ("N references to M store paths in K files").
func (r *Report) WriteRefs(w io.Writer) error {
	var b strings.Builder
	writeFiles(&b, r.Files)
	fmt.Fprintf(&b, "%d references to %d store paths in %d files\n", r.Remaining(), len(r.StorePaths), len(r.Files))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteScrub prints scrub's text: per file, each structure changed and the
// store paths blanked per unloaded section ("would scrub" with dryRun),
// the references that remain as WriteRefs lists them, then the count line.
func (r *Report) WriteScrub(w io.Writer, dryRun bool) error {
	verb := "scrubbed"
	if dryRun {
		verb = "would scrub"
	}
	var b strings.Builder
	for _, f := range r.Files {
		blanked := map[string]int{}
		var sections []string
		for _, c := range f.Changes {
			switch c.Kind {
			case Bytes:
				if blanked[c.Section] == 0 {
					sections = append(sections, c.Section)
				}
				blanked[c.Section]++
			default:
				to := c.New
				if to == "" {
					to = "(removed)"
				}
				fmt.Fprintf(&b, "%s: %s %s: %s -> %s\n", f.Path, verb, c.Kind, c.Old, to)
			}
		}
		for _, s := range sections {
			fmt.Fprintf(&b, "%s: %s %d store paths in unloaded section %s\n", f.Path, verb, blanked[s], s)
		}
	}
	left := r.WithRefs()
	if len(left) > 0 {
		b.WriteString("store references remaining:\n")
		writeFiles(&b, left)
	}
	fmt.Fprintf(&b, "%d files %s, %d references to %d store paths remaining in %d files\n",
		r.Scrubbed, verb, r.Remaining(), len(r.StorePaths), len(left))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the JSON document (see the package documentation),
// indented by two spaces, with a final newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// writeFiles prints each file with references and then one line per
// reference.
func writeFiles(b *strings.Builder, files []FileReport) {
	for _, f := range files {
		if len(f.Refs) == 0 && f.ELFError == "" {
			continue
		}
		fmt.Fprintf(b, "%s\n", f.Path)
		if f.ELFError != "" {
			fmt.Fprintf(b, "  (not parsed as ELF: %s; scanned as bytes)\n", f.ELFError)
		}
		for _, ref := range f.Refs {
			fmt.Fprintf(b, "  %-11s %s\n", ref.Kind, ref.describe())
		}
	}
}

// describe is a reference as text: the whole string for references held
// by a structure, the store path and where it is for the others.
func (r Ref) describe() string {
	switch {
	case r.Structural() || r.Kind == Symlink:
		return r.Value
	case r.Section != "":
		return fmt.Sprintf("%s at %#x in %s", r.StorePath, r.Offset, r.Section)
	default:
		return fmt.Sprintf("%s at %#x", r.StorePath, r.Offset)
	}
}
