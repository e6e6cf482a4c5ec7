package wheel

// The text `gopatchelf wheel` prints for one wheel: a line per member that
// was skipped, changed or misses a dependency, then a summary line.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gopatchelf/gopatchelf/resolver"
)

// WriteMembers prints, for each ELF member, "WHEEL: MEMBER: skipped: WHY",
// or its changes ("interpreter P", "RUNPATH R"), then one line per
// missing dependency ("missing NAME", with the --ignore-missing pattern
// that ignores it, else the Nix package that usually provides it).
func (r FileResult) WriteMembers(w io.Writer) error {
	var b strings.Builder
	for _, m := range r.Members {
		switch {
		case m.Skipped != "":
			fmt.Fprintf(&b, "%s: %s: skipped: %s\n", r.Name, m.Name, m.Skipped)
		case m.Changed:
			if m.Interpreter != "" {
				fmt.Fprintf(&b, "%s: %s: interpreter %s\n", r.Name, m.Name, m.Interpreter)
			}
			if m.Runpath != "" {
				fmt.Fprintf(&b, "%s: %s: RUNPATH %s\n", r.Name, m.Name, m.Runpath)
			}
		}
		for _, e := range m.Missing {
			fmt.Fprintf(&b, "%s: %s: missing %s", r.Name, m.Name, e.Name)
			if e.Ignored() {
				fmt.Fprintf(&b, " (ignored by %q)", e.Pattern)
			} else if pkg, ok := resolver.Hint(e.Name); ok {
				fmt.Fprintf(&b, " (in Nix: %s)", pkg)
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is the line that ends a wheel's text, without the newline: for
// [CheckFile]'s result (check), how many members would change and how
// many dependencies are missing; for [PatchFile]'s, where the wheel went
// ("wrote", or "unchanged" when Dest held its bytes already) and the same
// counts.
func (r FileResult) Summary(check bool) string {
	changed, missing := 0, 0
	for _, m := range r.Members {
		if m.Skipped == "" && m.Changed {
			changed++
		}
		missing += len(m.Missing)
	}
	if check {
		return fmt.Sprintf("%s: %d ELF members, %d would change, %d missing dependencies",
			r.Name, len(r.Members), changed, missing)
	}
	verb := "unchanged"
	if r.Wrote {
		verb = "wrote"
	}
	return fmt.Sprintf("%s: %s %s (%d of %d ELF members changed, %d missing dependencies)",
		r.Name, verb, r.Dest, changed, len(r.Members), missing)
}

// ErrNotZip is returned by [CheckZip] for a file that does not start as a
// zip archive does.
var ErrNotZip = errors.New("not a zip archive")

// CheckZip tells, before a wheel is read, whether the file at path starts
// as a zip archive does: with a local file header, or with the end record
// of an empty archive. It returns nil, [ErrNotZip], or the error opening
// the file (which names it).
func CheckZip(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil {
		return ErrNotZip
	}
	if h := string(magic); h != zipLocalHeader && h != zipEndRecord {
		return ErrNotZip
	}
	return nil
}

// The signatures a zip archive starts with (PKWARE APPNOTE.TXT 4.3.7,
// 4.3.16).
const (
	zipLocalHeader = "PK\x03\x04"
	zipEndRecord   = "PK\x05\x06"
)

// IsRegularFile reports whether path names a regular file (following
// symlinks): [Config.IsFile] for a run on the real file system.
func IsRegularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
