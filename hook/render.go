package hook

// The two renderings of an Event that auto-patchelf's users read: the
// human-readable lines (String) and the --structured-logs JSON line
// (EventJSON). Both are the contract's output format (contract §2, items
// 1–9), so they live with the event types, not in the command that prints
// them.

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gopatchelf/gopatchelf/internal/pyfmt"
	"github.com/gopatchelf/gopatchelf/resolver"
)

func (e SkipFile) String() string { return "skipping " + e.File + " because " + e.Reason }

func (e SetInterpreter) String() string { return "setting interpreter of " + e.File }

func (e Searching) String() string { return "searching for dependencies of " + e.File }

func (e Dependency) String() string {
	if e.Found {
		return "    " + e.Name + " -> found: " + e.Location
	}
	return "    " + e.Name + " -> not found!"
}

func (e SetRpath) String() string { return "setting RPATH to: " + e.Rpath }

func (e KeptPayload) String() string {
	return fmt.Sprintf("keeping the %d bytes appended to %s at the end of the file", e.Bytes, e.File)
}

func (e Summary) String() string {
	return fmt.Sprintf("auto-patchelf: %d dependencies could not be satisfied", e.Missing)
}

func (e IgnoredDependency) String() string {
	return "warn: auto-patchelf ignoring missing " + e.Name + " wanted by " + e.File
}

func (e Unsatisfied) String() string {
	return "error: auto-patchelf could not satisfy dependency " + e.Name + " wanted by " + e.File
}

// String is the --explain lines of a dependency, "" when there are none.
// Dependencies the libc dir or an absolute path satisfies have no line
// upstream; --explain gives them one, in the form of a Dependency's. Then
// each candidate considered, indented under it.
func (e Explain) String() string {
	var lines []string
	switch e.Dep.Via {
	case resolver.Libc:
		lines = append(lines, "    "+e.Dep.Name+" -> libc: left to the dynamic linker")
	case resolver.Absolute:
		lines = append(lines, "    "+e.Dep.Name+" -> absolute path to an existing file: left as it is")
	}
	for _, l := range explainLines(e.Dep) {
		lines = append(lines, "        "+l)
	}
	return strings.Join(lines, "\n")
}

// explainLines list the index entries considered for one dependency and
// why one won.
func explainLines(d resolver.Dependency) []string {
	var lines []string
	var winner string
	for _, c := range d.Considered {
		where := filepath.Join(c.Library.Dir, c.Name)
		switch c.Verdict {
		case resolver.Chosen:
			winner = c.Library.Dir
			lines = append(lines, fmt.Sprintf("candidate %s: chosen, the first compatible one", where))
		case resolver.Shadowed:
			lines = append(lines, fmt.Sprintf("candidate %s: compatible, but %s came first", where, winner))
		case resolver.WrongArch:
			lines = append(lines, fmt.Sprintf("candidate %s: skipped, architecture %s", where, ArchName(c.Library.Machine)))
		case resolver.IncompatibleOSABI:
			lines = append(lines, fmt.Sprintf("candidate %s: skipped, OS ABI %s", where, OSABIName(c.Library.OSABI)))
		}
	}
	if d.Via == resolver.NotFound {
		if len(d.Considered) == 0 {
			lines = append(lines, "no file of that name in the trees, --libs or their RUNPATHs")
		}
		for _, c := range d.Candidates {
			if pkg, ok := resolver.Hint(filepath.Base(c)); ok {
				lines = append(lines, fmt.Sprintf("%s is usually provided by %s", filepath.Base(c), pkg))
				break
			}
		}
	}
	return lines
}

// EventJSON is the --structured-logs line of an event (without the
// newline), and false for the events that upstream prints in
// human-readable mode only (Searching, Summary, Unsatisfied, KeptPayload).
//
// The line is one JSON object with one member, the event's type name,
// whose value holds the fields of upstream's dataclass of that name, in
// its order, spaced as Python's json.dumps spaces them:
//
//	{"SkipFile": {"file": F, "reason": R}}
//	{"SetInterpreter": {"file": F, "interpreter_path": P}}
//	{"Dependency": {"file": F, "name": N, "found": true|false, "location": DIR|null}}
//	{"SetRpath": {"file": F, "rpath": R}}
//	{"IgnoredDependency": {"file": F, "name": N, "pattern": PAT}}
//
// and our own, with --explain:
//
//	{"Explain": {"file": F, "name": N, "via": "absolute"|"libc"|"index"|"not found",
//	  "location": DIR|null, "considered": [{"name": N, "dir": DIR, "verdict": V}, …]}}
//
// where location is the provider's directory when via is "index" and V is
// "chosen", "shadowed", "wrong architecture" or "incompatible OS ABI".
// Paths are printed as given on the command line.
func EventJSON(e Event) (string, bool) {
	var name string
	var obj pyfmt.Object
	switch e := e.(type) {
	case SkipFile:
		name, obj = "SkipFile", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "reason", Value: e.Reason}}
	case SetInterpreter:
		name, obj = "SetInterpreter", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "interpreter_path", Value: e.Interpreter}}
	case Dependency:
		var loc any
		if e.Found {
			loc = e.Location
		}
		name, obj = "Dependency", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "name", Value: e.Name}, {Key: "found", Value: e.Found}, {Key: "location", Value: loc}}
	case SetRpath:
		name, obj = "SetRpath", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "rpath", Value: e.Rpath}}
	case IgnoredDependency:
		name, obj = "IgnoredDependency", pyfmt.Object{{Key: "file", Value: e.File}, {Key: "name", Value: e.Name}, {Key: "pattern", Value: e.Pattern}}
	case Explain:
		considered := []any{}
		for _, c := range e.Dep.Considered {
			considered = append(considered, pyfmt.Object{
				{Key: "name", Value: c.Name}, {Key: "dir", Value: c.Library.Dir}, {Key: "verdict", Value: verdictName(c.Verdict)},
			})
		}
		var loc any
		if e.Dep.Via == resolver.Indexed {
			loc = e.Dep.Library.Dir
		}
		name, obj = "Explain", pyfmt.Object{
			{Key: "file", Value: e.File}, {Key: "name", Value: e.Dep.Name}, {Key: "via", Value: viaName(e.Dep.Via)},
			{Key: "location", Value: loc}, {Key: "considered", Value: considered},
		}
	default:
		return "", false
	}
	return pyfmt.JSON(pyfmt.Object{{Key: name, Value: obj}}), true
}

// WriteEvent prints an event as auto-patchelf does: its JSON line when
// structured (nothing for the events that have none), else its
// human-readable lines (nothing when there are none). Each event is one
// write.
func WriteEvent(w io.Writer, e Event, structured bool) error {
	s := e.String()
	if structured {
		s, _ = EventJSON(e)
	}
	if s == "" {
		return nil
	}
	_, err := io.WriteString(w, s+"\n")
	return err
}

func viaName(v resolver.Via) string {
	switch v {
	case resolver.Absolute:
		return "absolute"
	case resolver.Libc:
		return "libc"
	case resolver.Indexed:
		return "index"
	}
	return "not found"
}

func verdictName(v resolver.Verdict) string {
	switch v {
	case resolver.Chosen:
		return "chosen"
	case resolver.Shadowed:
		return "shadowed"
	case resolver.WrongArch:
		return "wrong architecture"
	case resolver.IncompatibleOSABI:
		return "incompatible OS ABI"
	}
	return "unknown"
}
